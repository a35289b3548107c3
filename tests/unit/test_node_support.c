/* The test support itself: audio_check's levels, spectrum scaling and click
 * detector against signals whose answers are known, and node_harness's clocks. */
#include <math.h>
#include <stdlib.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define N 96000u

static void check_levels_and_spectrum(void)
{
    float *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++) /* amplitude 0.5 at 1000.3 Hz, between bins */
        x[i] = (float)(0.5 * sin(2.0 * M_PI * 1000.3 * (double)i / RATE));
    CHECK(fabs(ac_peak(x, N) - 0.5) < 1e-4, "peak %g", ac_peak(x, N));
    CHECK(fabs(ac_rms(x, N) - 0.5 / sqrt(2.0)) < 1e-4, "rms %g", ac_rms(x, N));
    CHECK(fabs(ac_dbfs_rms(x, N) - 20 * log10(0.5 / sqrt(2.0))) < 1e-3, "dBFS %g",
          ac_dbfs_rms(x, N));
    CHECK(ac_all_finite(x, N), "finite sine reported non-finite");
    float kept = x[N / 2];
    x[N / 2] = NAN;
    CHECK(!ac_all_finite(x, N), "NaN not found");
    x[N / 2] = kept;

    ac_spectrum *s = ac_spectrum_new(x, N, 16384, RATE);
    size_t k = ac_spectrum_peak_bin(s, 900, 1100);
    CHECK(fabs((double)k * s->bin_hz - 1000.3) <= s->bin_hz, "peak at %g Hz",
          (double)k * s->bin_hz);
    /* Between bins the 4-term Blackman-Harris loses at most 0.83 dB (scalloping). */
    double amp = ac_spectrum_amplitude(s, k);
    CHECK(amp <= 0.5 * 1.001 && amp > 0.5 * pow(10.0, -0.83 / 20), "tone amplitude %g", amp);
    double p = ac_band_power(s, 900, 1100);
    CHECK(fabs(p / 0.125 - 1.0) < 0.01, "band power of the tone %g (mean square 0.125)", p);
    CHECK(ac_band_power(s, 2000, RATE) / p < 1e-9, "power away from the tone: %g",
          ac_band_power(s, 2000, RATE) / p);
    ac_spectrum_free(s);

    /* White noise: band power proportional to bandwidth, total = variance. */
    uint64_t r = 5;
    for (size_t i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        x[i] = (float)((double)(r >> 11) / 4503599627370496.0 - 1.0);
    }
    s = ac_spectrum_new(x, N, 4096, RATE);
    double total = ac_band_power(s, 0, RATE), ms = ac_rms(x, N) * ac_rms(x, N);
    CHECK(fabs(total / ms - 1.0) < 0.02, "white total power %g vs mean square %g", total, ms);
    double lo = ac_band_power(s, 1000, 5000), hi = ac_band_power(s, 10000, 14000);
    CHECK(fabs(10 * log10(lo / hi)) < 0.3, "white band powers differ by %.2f dB",
          10 * log10(lo / hi));
    ac_spectrum_free(s);
    free(x);
}

static void check_click_detector(void)
{
    float *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++) x[i] = (float)sin(2.0 * M_PI * 100.0 * (double)i / RATE);
    ac_click c = ac_click_detect(x, N, 480, 1e-9);
    CHECK(c.ratio < 2.0, "clean sine scores %.2f", c.ratio);
    for (size_t i = N / 3; i < N; i++) /* a 1 % step */
        x[i] += 0.01f;
    c = ac_click_detect(x, N, 480, 1e-9);
    CHECK(c.ratio > 50.0 && (c.index == N / 3 || c.index == N / 3 - 1),
          "1 %% step scores %.1f at %zu (step at %u)", c.ratio, c.index, N / 3);
    /* Silence with the floor: no division by zero, nothing flagged. */
    for (size_t i = 0; i < N; i++) x[i] = 0.0f;
    c = ac_click_detect(x, N, 480, 1e-9);
    CHECK(c.ratio == 0.0, "silence scores %g", c.ratio);
    free(x);
}

/* The harness's pacer: swell's env output is the pacer phase made audible, so its
 * minimum falls where the harness says a breath starts. Checks that nh_set_pacer
 * and the per-block phase both arrive in the node. */
static void check_harness_clocks(void)
{
    node_harness *h = nh_open("swell", "swell", RATE, 1);
    nh_set_pacer(h, 12.0, 0.5, 0.4); /* 5 s breaths, starting mid-exhale */
    nh_set_param(h, "depth", 1.0f);
    size_t n = (size_t)RATE * 5;
    float *env = malloc(n * sizeof *env);
    float *outs[] = {NULL, env};
    nh_set_block_size(h, 13);
    nh_run(h, NULL, outs, n);
    size_t imin = 0;
    for (size_t i = 0; i < n; i++)
        if (env[i] < env[imin]) imin = i;
    /* phase 0.5 -> 1.0 takes half a breath: 2.5 s */
    CHECK(labs((long)imin - (long)(RATE * 2.5)) <= 1, "breath starts at frame %zu", imin);
    free(env);
    nh_close(h);
}

int main(void)
{
    check_levels_and_spectrum();
    check_click_detector();
    check_harness_clocks();
    return check_finish("test_node_support");
}
