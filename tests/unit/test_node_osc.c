/* osc: aliasing below -80 dB, harmonic amplitudes of the Fourier series, frequency
 * and detune accuracy, phase continuity under glides, silence above Nyquist. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define FFT_SIZE 65536u
#define FRAMES (2 * FFT_SIZE)
enum { SINE = 0, TRIANGLE = 1, SAW = 2 };
static const char *const wave_names[] = {"sine", "triangle", "saw"};

static float *render_tone(int waveform, float freq, float detune, float level, size_t frames)
{
    node_harness *h = nh_open("osc", "osc", RATE, 1);
    nh_set_param(h, "waveform", (float)waveform);
    nh_set_param(h, "freq", freq);
    nh_set_param(h, "detune", detune);
    nh_set_param(h, "level", level);
    float *out = malloc(frames * sizeof *out);
    float *outs[] = {out};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    return out;
}

/* Theoretical amplitude of harmonic h relative to the fundamental: saw 1/h,
 * triangle 1/h^2 for odd h (0 for even). */
static double harmonic_rel(int waveform, int h)
{
    if (waveform == SAW) return 1.0 / h;
    return h % 2 ? 1.0 / ((double)h * h) : 0.0;
}

/* Every spectral peak that is not a harmonic (or DC) must be 80 dB below the
 * fundamental. The Blackman-Harris window's sidelobes are at -92 dB, its main lobe
 * +-4 bins, so peaks further than 8 bins from every harmonic are alias products
 * (or interpolation images) of the oscillator itself. */
static void check_aliasing(int waveform, double f0)
{
    float *x = render_tone(waveform, (float)f0, 0.0f, 0.5f, FRAMES);
    ac_spectrum *s = ac_spectrum_new(x, FRAMES, FFT_SIZE, RATE);
    size_t k0 = ac_spectrum_peak_bin(s, f0 * 0.98, f0 * 1.02);
    double fund = ac_spectrum_amplitude(s, k0);
    double worst_db = -400.0, worst_hz = 0.0;
    for (size_t k = 9; k + 1 < s->bins; k++) {
        if (!(s->mean_sq[k] > s->mean_sq[k - 1] && s->mean_sq[k] >= s->mean_sq[k + 1])) continue;
        double f = (double)k * s->bin_hz;
        double nearest = fmax(1.0, round(f / f0)) * f0;
        if (fabs(f - nearest) <= 8.0 * s->bin_hz && nearest < RATE / 2) continue;
        double rel = ac_db(ac_spectrum_amplitude(s, k) / fund);
        if (rel > worst_db) {
            worst_db = rel;
            worst_hz = f;
        }
    }
    fprintf(stderr, "%-8s %8.1f Hz: worst non-harmonic peak %7.1f dB at %.0f Hz\n",
            wave_names[waveform], f0, worst_db, worst_hz);
    CHECK(worst_db < -80.0, "%s %.1f Hz: non-harmonic peak %.1f dB (>= -80) at %.1f Hz",
          wave_names[waveform], f0, worst_db, worst_hz);

    /* Harmonics below 3/16 of the rate play at their Fourier-series amplitude
     * (the interpolation's sinc^2 droop is < 0.001 dB). Measured as the power of
     * the window's main lobe, which does not depend on where the tone falls
     * between bins. */
    if (waveform != SINE) {
        double lobe = 5.0 * s->bin_hz;
        double p1 = ac_band_power(s, f0 - lobe, f0 + lobe);
        for (int h = 2; h * f0 < RATE * 3 / 16 && h <= 40; h++) {
            double expect = harmonic_rel(waveform, h);
            if (expect == 0.0) continue;
            double got = sqrt(ac_band_power(s, h * f0 - lobe, h * f0 + lobe) / p1);
            CHECK(fabs(ac_db(got / expect)) < 0.05,
                  "%s %.1f Hz: harmonic %d at %.2f dB, expected %.2f", wave_names[waveform], f0, h,
                  ac_db(got), ac_db(expect));
        }
    }
    ac_spectrum_free(s);
    free(x);
}

/* Mean frequency from the first and last upward zero crossings (linear
 * interpolation), over `frames` frames of a sine. */
static double measured_frequency(const float *x, size_t frames)
{
    double first = -1.0, last = -1.0;
    size_t crossings = 0;
    for (size_t i = 1; i < frames; i++) {
        if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
            double t = (double)(i - 1) + (double)x[i - 1] / ((double)x[i - 1] - x[i]);
            if (first < 0.0) first = t;
            last = t;
            crossings++;
        }
    }
    return crossings > 1 ? (double)(crossings - 1) * RATE / (last - first) : 0.0;
}

static void check_frequency(float freq, float detune)
{
    const size_t frames = (size_t)RATE * 2;
    float *x = render_tone(SINE, freq, detune, 0.5f, frames);
    double expect = freq * pow(2.0, detune / 1200.0);
    double got = measured_frequency(x, frames);
    double cents = 1200.0 * log2(got / expect);
    CHECK(fabs(cents) < 0.01, "sine %.2f Hz %+.0f cents: measured %.4f Hz (%.4f cents off)", freq,
          detune, got, cents);
    CHECK(fabs(ac_peak(x, frames) - 0.5) < 1e-3, "sine %.2f Hz level 0.5: peak %.5f", freq,
          ac_peak(x, frames));
    free(x);
}

/* A per-sample exponential glide of a sine is sin(2 pi sum f/sr): any phase jump or
 * lost sample shows as an error against that reference. */
static void check_glide(void)
{
    const size_t frames = (size_t)RATE * 2;
    float *freq = malloc(frames * sizeof *freq);
    float *x = malloc(frames * sizeof *x);
    for (size_t i = 0; i < frames; i++) /* 100 Hz -> 6400 Hz and back, 1 s each way */
        freq[i] = (float)(100.0 * pow(64.0, 1.0 - fabs((double)i / RATE - 1.0)));
    node_harness *h = nh_open("osc", "osc", RATE, 1);
    nh_set_param(h, "level", 1.0f);
    nh_set_param_trajectory(h, "freq", freq, frames);
    nh_set_block_size(h, 29);
    float *outs[] = {x};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    double phase = 0.0, worst = 0.0;
    for (size_t i = 0; i < frames; i++) {
        worst = fmax(worst, fabs(x[i] - sin(2.0 * M_PI * phase)));
        phase += freq[i] / RATE;
        phase -= floor(phase);
    }
    CHECK(worst < 1e-5, "glide departs from the continuous-phase reference by %g", worst);
    ac_click click = ac_click_detect(x, frames, 240, 1e-6);
    CHECK(click.ratio < 3.0, "glide has a click (ratio %.1f at frame %zu)", click.ratio,
          click.index);
    free(freq);
    free(x);
}

/* Fundamentals at or above Nyquist are silent; a saw near sr/2 is a pure sine. */
static void check_nyquist(void)
{
    const size_t frames = 48000;
    float *x = render_tone(SAW, 20000.0f, 1200.0f, 1.0f, frames);
    CHECK(ac_peak(x, frames) == 0.0, "40 kHz saw at 48 kHz is not silent (peak %g)",
          ac_peak(x, frames));
    free(x);
    x = render_tone(SAW, 15000.0f, 0.0f, 1.0f, frames);
    ac_spectrum *s = ac_spectrum_new(x, frames, 16384, RATE);
    size_t k = ac_spectrum_peak_bin(s, 14000, 16000);
    double fund = ac_spectrum_amplitude(s, k);
    double rest = ac_band_power(s, 0, 14000) + ac_band_power(s, 16000, RATE);
    CHECK(fund > 0.1 && 10 * log10(rest / (fund * fund / 2)) < -80.0,
          "15 kHz saw: fundamental %g, everything else %.1f dB", fund,
          10 * log10(rest / (fund * fund / 2)));
    ac_spectrum_free(s);
    free(x);
}

int main(void)
{
    static const double freqs[] = {21.7, 55.3, 110.7, 440.25, 1234.5, 2999.3, 4987.3};
    for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++) {
        check_aliasing(SAW, freqs[i]);
        check_aliasing(TRIANGLE, freqs[i]);
    }
    check_aliasing(SINE, 1234.5);
    check_aliasing(SINE, 11111.1);
    check_frequency(27.5f, 0.0f);
    check_frequency(440.0f, 0.0f);
    check_frequency(1234.5f, 0.0f);
    check_frequency(9000.0f, 0.0f);
    check_frequency(440.0f, 700.0f);
    check_frequency(440.0f, -1200.0f);
    check_frequency(20000.0f, -1150.0f);
    check_glide();
    check_nyquist();
    return check_finish("test_node_osc");
}
