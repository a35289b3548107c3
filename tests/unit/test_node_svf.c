/* svf: magnitude response against the analytic response, and stability under
 * audio-rate modulation.
 *
 * Theory. The analog prototype, with s normalised to the cutoff wc and k = 1/Q, is
 *   LP(s) = 1 / (s^2 + k s + 1),  BP(s) = k s / (s^2 + k s + 1),
 *   HP(s) = s^2 / (s^2 + k s + 1).
 * The bilinear transform prewarped at the cutoff maps s = (1/g) (1 - z^-1)/(1 + z^-1)
 * with g = tan(pi fc / fs). On the unit circle z = e^{jw}, (1 - z^-1)/(1 + z^-1)
 * = j tan(w/2), so the digital response at frequency f is the prototype at
 *   s = j W,  W = tan(pi f / fs) / tan(pi fc / fs),
 * and with D = (1 - W^2)^2 + (k W)^2:
 *   |LP| = 1/sqrt(D),  |BP| = k W / sqrt(D),  |HP| = W^2 / sqrt(D).
 * The filter's impulse response, rendered long enough to decay below float
 * precision, is Fourier transformed without a window and compared to these. */
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define IR_FRAMES (1u << 19) /* 10.9 s: the slowest case (20 Hz, Q 20) decays in 0.3 s */
enum { LOWPASS = 0, BANDPASS = 1, HIGHPASS = 2 };
static const char *const mode_names[] = {"lowpass", "bandpass", "highpass"};

static double analytic_db(int mode, double f, double fc, double q)
{
    double w = tan(M_PI * f / RATE) / tan(M_PI * fc / RATE);
    double k = 1.0 / q;
    double d = sqrt((1.0 - w * w) * (1.0 - w * w) + (k * w) * (k * w));
    double num = mode == LOWPASS ? 1.0 : mode == BANDPASS ? k * w : w * w;
    return ac_db(num / d);
}

static void check_response(int mode, double fc, double q, double *buf, fftw_complex *spec,
                           fftw_plan plan)
{
    node_harness *h = nh_open("svf", "svf", RATE, 1);
    nh_set_param(h, "mode", (float)mode);
    nh_set_param(h, "cutoff", (float)fc);
    nh_set_param(h, "q", (float)q);
    float *impulse = calloc(IR_FRAMES, sizeof *impulse);
    float *ir = malloc(IR_FRAMES * sizeof *ir);
    impulse[0] = 1.0f;
    const float *ins[] = {impulse};
    float *outs[] = {ir};
    nh_run(h, ins, outs, IR_FRAMES);
    nh_close(h);
    for (size_t i = 0; i < IR_FRAMES; i++) buf[i] = ir[i];
    fftw_execute(plan);

    double worst = 0.0, worst_f = 0.0;
    int compared = 0;
    const double bin_hz = RATE / IR_FRAMES;
    for (int i = 0; i <= 120; i++) { /* 120 log-spaced points 20 Hz .. 18 kHz */
        size_t k = (size_t)llround(20.0 * pow(900.0, i / 120.0) / bin_hz);
        double f = (double)k * bin_hz;
        double theory = analytic_db(mode, f, fc, q);
        if (theory < -90.0) /* deep stopband: below what a float impulse response resolves */
            continue;
        double got = ac_db(hypot(spec[k][0], spec[k][1]));
        if (fabs(got - theory) > fabs(worst)) {
            worst = got - theory;
            worst_f = f;
        }
        compared++;
    }
    fprintf(stderr, "%-8s fc %7.1f Hz Q %5.3f: %3d points, worst %+.4f dB at %.0f Hz\n",
            mode_names[mode], fc, q, compared, worst, worst_f);
    CHECK(compared >= 40, "%s fc %.1f Q %.3f: only %d points compared", mode_names[mode], fc, q,
          compared);
    CHECK(fabs(worst) <= 0.5, "%s fc %.1f Q %.3f: %.3f dB off the analytic response at %.1f Hz",
          mode_names[mode], fc, q, worst, worst_f);
    free(impulse);
    free(ir);
}

static double uniform(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

/* Cutoff swept between 20 Hz and 18 kHz at audio rate (an exponential sweep
 * driven by a sine of `rate_hz`), Q 20, white noise and a sine in: the output
 * stays finite and within a fixed multiple of the resonance gain. */
static void check_modulation(int mode, double rate_hz)
{
    const size_t frames = (size_t)RATE * 2;
    float *cutoff = malloc(frames * sizeof *cutoff);
    float *in = malloc(frames * sizeof *in);
    float *out = malloc(frames * sizeof *out);
    uint64_t rng = 99;
    for (size_t i = 0; i < frames; i++) {
        double t = (double)i / RATE;
        cutoff[i] = (float)(20.0 * pow(900.0, 0.5 + 0.5 * sin(2.0 * M_PI * rate_hz * t)));
        in[i] = (float)(0.5 * (2.0 * uniform(&rng) - 1.0) + 0.5 * sin(2.0 * M_PI * 330.0 * t));
    }
    node_harness *h = nh_open("svf", "svf", RATE, 1);
    nh_set_param(h, "mode", (float)mode);
    nh_set_param(h, "q", 20.0f);
    nh_set_param_trajectory(h, "cutoff", cutoff, frames);
    const float *ins[] = {in};
    float *outs[] = {out};
    nh_run(h, ins, outs, frames);
    nh_close(h);
    double peak = ac_peak(out, frames);
    fprintf(stderr, "%-8s Q 20, cutoff swept 20 Hz..18 kHz at %6.1f Hz: peak %.2f (input peak 1)\n",
            mode_names[mode], rate_hz, peak);
    CHECK(ac_all_finite(out, frames), "%s: non-finite output under modulation", mode_names[mode]);
    /* The static resonance gain at Q 20 is 20; allow 5x that for the transients. */
    CHECK(peak < 100.0, "%s: peak %.1f under audio-rate modulation", mode_names[mode], peak);
    free(cutoff);
    free(in);
    free(out);
}

int main(void)
{
    double *buf = fftw_alloc_real(IR_FRAMES);
    fftw_complex *spec = fftw_alloc_complex(IR_FRAMES / 2 + 1);
    fftw_plan plan = fftw_plan_dft_r2c_1d(IR_FRAMES, buf, spec, FFTW_ESTIMATE);
    static const double cutoffs[] = {20.0, 150.0, 1000.0, 6000.0, 16000.0};
    static const double qs[] = {0.5, 0.707, 3.0, 20.0};
    for (int mode = LOWPASS; mode <= HIGHPASS; mode++)
        for (size_t c = 0; c < sizeof cutoffs / sizeof cutoffs[0]; c++)
            for (size_t q = 0; q < sizeof qs / sizeof qs[0]; q++)
                check_response(mode, cutoffs[c], qs[q], buf, spec, plan);
    fftw_destroy_plan(plan);
    fftw_free(buf);
    fftw_free(spec);
    fftw_cleanup();

    for (int mode = LOWPASS; mode <= HIGHPASS; mode++) {
        check_modulation(mode, 5.0);
        check_modulation(mode, 440.0);
        check_modulation(mode, 5000.0);
    }
    return check_finish("test_node_svf");
}
