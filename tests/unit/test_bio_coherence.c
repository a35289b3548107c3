/* Coherence: high for a heart period oscillating at 0.1 Hz, low for random
 * intervals; the documented formula checked on a two-tone series; updates every
 * 5 s and never allocates while updating. */
#include <math.h>
#include <stdio.h>

#include "bio/coherence.h"
#include "bio/hrv.h"
#include "check.h"
#include "core/alloc_guard.h"
#include "resp_synth.h"

/* Beats for 120 s of a heart period rr(t) = 900 + a sin(2 pi f t) + noise. */
static size_t make_beats(double amp, double f, double noise_ms, uint64_t seed, double *times,
                         double *rr, size_t max)
{
    uint64_t rng = seed;
    double t = 0;
    size_t n = 0;
    while (t < 120.0 && n < max) {
        double r = 900 + amp * sin(2 * M_PI * f * t) + noise_ms * sim_gauss(&rng);
        t += r / 1000;
        times[n] = t;
        rr[n++] = r;
    }
    return n;
}

static void test_sinusoid_and_noise(coherence *c)
{
    static double times[512], rr[512];
    for (int seed = 1; seed <= 5; seed++) {
        size_t n = make_beats(50, 0.1, 5, seed, times, rr, 512);
        double high = coherence_compute(c, times, rr, n);
        double peak = coherence_peak_hz(c);
        n = make_beats(0, 0.1, 40, seed, times, rr, 512);
        double low = coherence_compute(c, times, rr, n);
        printf("seed %d: 0.1 Hz oscillation -> coherence %.2f (peak %.4f Hz); random -> %.3f\n",
               seed, high, peak, low);
        CHECK(high > 3, "coherence of a 0.1 Hz oscillation %.3f", high);
        CHECK(fabs(peak - 0.1) < 0.005, "peak at %.4f Hz", peak);
        CHECK(low < 1, "coherence of random intervals %.3f", low);
    }
    /* A slow breather at 0.06 Hz is still inside the peak band. */
    size_t n = make_beats(50, 0.06, 5, 9, times, rr, 512);
    CHECK(coherence_compute(c, times, rr, n) > 3, "0.06 Hz oscillation coherent");
    /* Too little data, or a hole over 10 s: unknown. */
    CHECK(isnan(coherence_compute(c, times, rr, 50)), "under 64 s -> NaN");
    for (size_t i = 0; i < n; i++)
        if (times[i] > 80) times[i] += 11.0;
    CHECK(isnan(coherence_compute(c, times, rr, n)), "11-s hole -> NaN");
}

/* Two oscillations of equal amplitude, one at 0.1 Hz and one at 0.3 Hz (outside
 * the peak search band, inside the total band): the peak holds about half the
 * power, so the coherence is near 1 — the ratio is peak / (total - peak). */
static void test_formula_two_tones(coherence *c)
{
    static double times[512], rr[512];
    double t = 0;
    size_t n = 0;
    while (t < 100.0) {
        double r = 900 + 40 * sin(2 * M_PI * 0.1 * t) + 40 * sin(2 * M_PI * 0.3 * t);
        t += r / 1000;
        times[n] = t;
        rr[n++] = r;
    }
    double v = coherence_compute(c, times, rr, n);
    printf("two equal tones (0.1 + 0.3 Hz): coherence %.3f\n", v);
    CHECK(v > 0.7 && v < 1.4, "two equal tones give about 1: %.3f", v);
}

static void test_update_cadence(coherence *c)
{
    hrv *h = hrv_new();
    coherence_reset(c);
    double next_beat = 0.9;
    int updates = 0, beat = 0;
    unsigned long allocations = 0;
    /* Frames every 100 ms, as the pipeline asks; beats pushed when due. */
    for (int frame = 1; frame <= 2000; frame++) {
        double now = frame * 0.1;
        while (next_beat <= now) {
            double r = 900 + 50 * sin(2 * M_PI * 0.1 * next_beat);
            hrv_push(h, next_beat, r, beat++ % 37 != 0); /* a few flagged, bridged */
            next_beat += r / 1000;
        }
        alloc_guard_arm();
        updates += coherence_update(c, h, now);
        allocations += alloc_guard_disarm();
    }
    printf("200 s of beats: %d updates; allocator calls in update: %lu (%s)\n", updates,
           allocations, alloc_guard_available() ? "checked" : "not checked under ASan");
    CHECK(updates == 40, "one update per 5 s over 200 s: %d", updates);
    CHECK(allocations == 0, "coherence_update allocated (%s)", alloc_guard_last());
    CHECK(coherence_value(c) > 3, "coherent with flagged intervals left out: %.2f",
          coherence_value(c));
    hrv_free(h);
}

int main(void)
{
    coherence *c = coherence_new();
    CHECK(c != NULL, "coherence_new");
    if (!c) return check_finish("test_bio_coherence");
    test_sinusoid_and_noise(c);
    test_formula_two_tones(c);
    test_update_cadence(c);
    coherence_free(c);
    return check_finish("test_bio_coherence");
}
