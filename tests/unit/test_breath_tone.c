/* The example plugin does what its README promises: the pitch follows the pacer
 * (freq * 2^(bend * contour / 1200), contour rising over the inhale and falling over
 * the exhale) and an octave blooms at each INHALE event. */
#include <math.h>
#include <stdlib.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define PI 3.14159265358979323846

static double contour(double phase, double inhale)
{
    if (phase < inhale) return 0.5 - 0.5 * cos(PI * phase / inhale);
    return 0.5 + 0.5 * cos(PI * (phase - inhale) / (1.0 - inhale));
}

/* Mean frequency over [a, b) from interpolated rising zero crossings. */
static double measured_hz(const float *x, size_t a, size_t b)
{
    double first = -1, last = -1;
    int crossings = 0;
    for (size_t i = a + 1; i < b; i++)
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + (double)(-x[i - 1] / (x[i] - x[i - 1]));
            if (first < 0) first = t;
            last = t;
            crossings++;
        }
    return crossings > 1 ? (crossings - 1) / ((last - first) / RATE) : 0.0;
}

int main(void)
{
    const double breaths = 6.0, phase0 = 0.2013, inhale = 0.4;
    const double freq = 220.0, bend = 30.0;
    const size_t n = (size_t)(12.0 * RATE);
    float *left = calloc(n, sizeof(float)), *right = calloc(n, sizeof(float));

    node_harness *h = nh_open("breath_tone", "breath_tone", RATE, 7);
    nh_set_param(h, "freq", (float)freq);
    nh_set_param(h, "bend", (float)bend);
    nh_set_param(h, "level", -6.0f);
    nh_set_pacer(h, breaths, phase0, inhale);
    float *outs[] = {left, right};
    nh_run(h, NULL, outs, n);
    nh_close(h);

    CHECK(ac_all_finite(left, n), "non-finite output");
    double lo = 1e9, hi = 0, worst = 0;
    const size_t win = (size_t)(0.25 * RATE);
    for (size_t a = win; a + win <= n; a += win) {
        /* Expected: the mean instantaneous frequency over the window. */
        double sum = 0;
        for (size_t i = a; i < a + win; i++) {
            double phase = fmod(phase0 + (double)i * breaths / 60.0 / RATE, 1.0);
            sum += freq * exp2(bend * contour(phase, inhale) / 1200.0);
        }
        double expect = sum / (double)win, got = measured_hz(left, a, a + win);
        worst = fmax(worst, fabs(got - expect));
        lo = fmin(lo, got);
        hi = fmax(hi, got);
    }
    fprintf(stderr,
            "breath_tone: pitch %.2f..%.2f Hz (theory 220.00..223.84), worst error "
            "%.3f Hz\n",
            lo, hi, worst);
    CHECK(worst < 0.1, "pitch deviates from the pacer contour by %.3f Hz", worst);
    CHECK(hi - lo > 3.0, "the pitch barely moves with the breath: %.2f..%.2f Hz", lo, hi);

    /* The octave blooms at the INHALE event (phase wraps at (1 - phase0) * 10 s). */
    size_t wrap = (size_t)((1.0 - phase0) * 60.0 / breaths * RATE);
    size_t seg = (size_t)(0.3 * RATE);
    ac_spectrum *before = ac_spectrum_new(left + wrap - seg - 2400, seg, 8192, RATE);
    ac_spectrum *after = ac_spectrum_new(left + wrap + 480, seg, 8192, RATE);
    double p_before = ac_band_power(before, 420, 460), p_after = ac_band_power(after, 420, 460);
    fprintf(stderr, "octave power before/after the inhale: %.1f / %.1f dB\n",
            10 * log10(p_before + 1e-30), 10 * log10(p_after + 1e-30));
    CHECK(p_after > 1000.0 * p_before, "no octave bloom after the INHALE event");
    /* Its level: 0.2 of the tone (-14 dB), decaying with a 1.5 s time constant. */
    double ratio_db = 10 * log10(p_after / ac_band_power(after, 200, 240));
    CHECK(ratio_db > -16.0 && ratio_db < -14.0,
          "octave bloom at %.1f dB re the tone, expected "
          "about -14.5 dB",
          ratio_db);
    ac_spectrum_free(before);
    ac_spectrum_free(after);
    free(left);
    free(right);
    return check_finish("test_breath_tone");
}
