/* noise: spectral slope of each colour against theory, loudness, DC, determinism.
 *
 * Slopes are measured as power spectral density per octave band (band power /
 * bandwidth) over the octaves from 40 Hz to 10.24 kHz of a 60 s render (the
 * 40-80 Hz band then holds ~2400 independent spectral estimates, so its level is
 * known to about 0.1 dB). For a PSD
 * proportional to f^-a, the mean density of successive octaves falls by exactly
 * 10 log10(2^a) dB: white 0, pink -3.01 (a = 1), brown -6.02 (a = 2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define SECONDS 60
#define FRAMES ((size_t)(RATE * SECONDS))
#define BANDS 8 /* octaves 40-80 Hz ... 5120-10240 Hz */
#define FIRST_BAND_HZ 40.0

static float *render_at(double rate, uint64_t seed, float color, float level, size_t frames)
{
    node_harness *h = nh_open("noise", "noise", rate, seed);
    nh_set_param(h, "color", color);
    nh_set_param(h, "level", level);
    float *out = malloc(frames * sizeof *out);
    float *outs[] = {out};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    return out;
}

static float *render(uint64_t seed, float color, float level, size_t frames)
{
    return render_at(RATE, seed, color, level, frames);
}

/* Least-squares slope (dB per octave) of the octave-band densities, and the
 * largest deviation of any band from the line with the theoretical slope (its
 * offset fitted). */
static void octave_slope(const float *x, size_t n, double rate, double theory, double *slope,
                         double *worst_dev)
{
    ac_spectrum *s = ac_spectrum_new(x, n, rate > 50000 ? 131072 : 65536, rate);
    double db[BANDS];
    double mean_x = (BANDS - 1) / 2.0, mean_y = 0.0;
    for (int b = 0; b < BANDS; b++) {
        double lo = FIRST_BAND_HZ * pow(2.0, b);
        db[b] = 10.0 * log10(ac_band_power(s, lo, 2.0 * lo) / lo);
        mean_y += db[b] / BANDS;
    }
    double sxy = 0.0, sxx = 0.0;
    for (int b = 0; b < BANDS; b++) {
        sxy += (b - mean_x) * (db[b] - mean_y);
        sxx += (b - mean_x) * (b - mean_x);
    }
    *slope = sxy / sxx;
    double offset = mean_y - theory * mean_x;
    *worst_dev = 0.0;
    for (int b = 0; b < BANDS; b++) {
        double dev = db[b] - (offset + theory * b);
        if (fabs(dev) > fabs(*worst_dev)) *worst_dev = dev;
    }
    ac_spectrum_free(s);
}

static double mean(const float *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m += x[i];
    return m / (double)n;
}

static void check_slope_at(double rate, const char *name, float color, double theory_slope,
                           double slope_tol, double band_tol)
{
    size_t frames = (size_t)(rate * SECONDS);
    float *x = render_at(rate, 42, color, 0.5f, frames);
    double slope, dev;
    octave_slope(x, frames, rate, theory_slope, &slope, &dev);
    fprintf(stderr, "%-5s at %6.0f Hz: slope %+.3f dB/oct (theory %+.2f), worst band %+.3f dB\n",
            name, rate, slope, theory_slope, dev);
    CHECK(fabs(slope - theory_slope) <= slope_tol,
          "%s at %.0f Hz: slope %.3f dB/oct, expected %.2f +- %.2f", name, rate, slope,
          theory_slope, slope_tol);
    CHECK(fabs(dev) <= band_tol,
          "%s at %.0f Hz: an octave band is %.3f dB off the %.2f dB/oct line", name, rate, dev,
          theory_slope);
    free(x);
}

static void check_color(const char *name, float color, double theory_slope, double slope_tol,
                        double band_tol, double rms_tol)
{
    const float level = 0.5f;
    check_slope_at(44100.0, name, color, theory_slope, slope_tol, band_tol);
    check_slope_at(96000.0, name, color, theory_slope, slope_tol, band_tol);
    check_slope_at(192000.0, name, color, theory_slope, slope_tol, band_tol);
    check_slope_at(RATE, name, color, theory_slope, slope_tol, band_tol);
    float *x = render(42, color, level, FRAMES);
    CHECK(ac_all_finite(x, FRAMES), "%s: non-finite output", name);

    /* Every colour has the RMS of uniform white noise of peak `level`. */
    double rms = ac_rms(x, FRAMES), expect = level / sqrt(3.0);
    fprintf(stderr, "%-5s rms %.4f (expected %.4f), mean %+.5f, peak %.3f\n", name, rms, expect,
            mean(x, FRAMES), ac_peak(x, FRAMES));
    CHECK(fabs(rms / expect - 1.0) < rms_tol, "%s: rms %.4f, expected %.4f", name, rms, expect);
    /* DC-free: the mean is within the spread expected from its own low frequencies. */
    CHECK(fabs(mean(x, FRAMES)) < 0.1 * expect, "%s: mean %g", name, mean(x, FRAMES));
    free(x);
}

static void check_white_is_uniform(void)
{
    float *x = render(9, 0.0f, 1.0f, FRAMES);
    CHECK(ac_peak(x, FRAMES) <= 1.0, "white exceeds its level: %g", ac_peak(x, FRAMES));
    /* Histogram of 10 equal bins: each holds 10 % within 4 standard errors. */
    size_t bins[10] = {0};
    for (size_t i = 0; i < FRAMES; i++) {
        int b = (int)((x[i] + 1.0f) * 5.0f);
        bins[b < 0 ? 0 : b > 9 ? 9 : b]++;
    }
    double p = 0.1, se = sqrt(p * (1 - p) / (double)FRAMES);
    for (int b = 0; b < 10; b++)
        CHECK(fabs((double)bins[b] / FRAMES - p) < 4 * se, "white histogram bin %d: %.4f", b,
              (double)bins[b] / FRAMES);
    free(x);
}

static void check_determinism(void)
{
    const size_t n = 48000;
    for (float color = 0.0f; color <= 2.0f; color += 1.0f) {
        float *a = render(1234, color, 0.25f, n);
        float *b = render(1234, color, 0.25f, n);
        float *c = render(1235, color, 0.25f, n);
        CHECK(memcmp(a, b, n * sizeof *a) == 0, "colour %g: same seed, different output", color);
        /* Different seeds: uncorrelated streams (|r| well under 5 standard errors
         * of the white case; brown's few effective samples widen it). */
        double sab = 0.0, saa = 0.0, scc = 0.0;
        for (size_t i = 0; i < n; i++) {
            sab += (double)a[i] * c[i];
            saa += (double)a[i] * a[i];
            scc += (double)c[i] * c[i];
        }
        double r = sab / sqrt(saa * scc);
        CHECK(memcmp(a, c, n * sizeof *a) != 0 && fabs(r) < (color == 2.0f ? 0.5 : 0.05),
              "colour %g: seeds 1234 and 1235 give correlated noise (r = %.3f)", color, r);
        free(a);
        free(b);
        free(c);
    }
}

static void check_level_scales(void)
{
    const size_t n = 48000;
    float *full = render(77, 1.0f, 1.0f, n);
    float *part = render(77, 1.0f, 0.3f, n);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)part[i] - 0.3 * full[i]));
    CHECK(worst < 1e-6, "level 0.3 is not 0.3 x level 1 (off by %g)", worst);
    free(full);
    free(part);
}

/* A colour change is a 20 ms equal-power crossfade: before the change the output
 * is exactly the old colour; through the fade the level holds (the streams are
 * uncorrelated and equally loud, so cos/sin keeps the power); no click; and after
 * it the output is the new colour (its slope). Outside a fade only the sounding
 * colour runs, so the new colour's filter starts from rest at the change. */
static void check_color_change(void)
{
    const size_t n = 8 * 48000, at = 48000, fade = (size_t)(0.02 * RATE);
    float *white = render(8, 0.0f, 0.5f, n);
    float *pink = render(8, 1.0f, 0.5f, n);
    float *color = malloc(n * sizeof *color), *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) color[i] = i < at ? 0.0f : 1.0f;
    node_harness *h = nh_open("noise", "noise", RATE, 8);
    nh_set_param(h, "level", 0.5f);
    nh_set_param_trajectory(h, "color", color, n);
    float *outs[] = {x};
    nh_run(h, NULL, outs, n);
    nh_close(h);
    double before = 0.0;
    for (size_t i = 0; i < at; i++) before = fmax(before, fabs(x[i] - white[i]));
    CHECK(before == 0.0, "colour change: before the change off by %g", before);
    /* Level through the fade, and over the 100 ms after it while the new filter
     * settles: within 1.5 dB of the steady level (0.5/sqrt 3 for every colour). */
    double steady = 0.5 / sqrt(3.0);
    double in_fade = ac_db(ac_rms(x + at, fade)) - ac_db(steady);
    double settling = ac_db(ac_rms(x + at + fade, (size_t)(0.1 * RATE))) - ac_db(steady);
    CHECK(fabs(in_fade) < 1.5 && fabs(settling) < 1.5,
          "colour change: level off by %.2f dB in the fade, %.2f dB after it", in_fade, settling);
    ac_click c = ac_click_detect(x + at - 4800, 9600, 480, 1e-4);
    CHECK(c.ratio < 10, "colour change: click (ratio %.1f)", c.ratio);
    double slope, dev;
    octave_slope(x + 2 * at, n - 2 * at, RATE, -3.0, &slope, &dev);
    CHECK(fabs(slope + 3.0) < 0.5, "colour change: after it the slope is %.2f dB/oct, not pink",
          slope);
    free(white);
    free(pink);
    free(color);
    free(x);
}

int main(void)
{
    check_color("white", 0.0f, 0.0, 0.1, 0.3, 0.01);
    check_color("pink", 1.0f, -10.0 * log10(2.0), 0.2, 0.5, 0.03);
    check_color("brown", 2.0f, -20.0 * log10(2.0), 0.3, 0.5, 0.1);
    check_white_is_uniform();
    check_determinism();
    check_level_scales();
    check_color_change();
    return check_finish("test_node_noise");
}
