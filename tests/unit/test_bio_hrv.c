/* Heart rate, RMSSD and RSA from validated intervals, against the formulas
 * computed here independently on known series. */
#include <math.h>
#include <stdio.h>

#include "bio/hrv.h"
#include "bio/order_stats.h"
#include "check.h"
#include "resp_synth.h"

static void test_order_stats(void)
{
    double x[] = {5, 1, 4, 2, 3}, s[6];
    CHECK(order_median(x, 5, s) == 3, "median of 5");
    CHECK(order_median(x, 4, s) == 3, "median of 5,1,4,2 = 3");
    double y[] = {2, 2, 2, 1, 9, 9};
    CHECK(order_median(y, 6, s) == 2, "median with ties");
    CHECK(isnan(order_median(y, 0, s)), "empty median");
    double ring[4] = {10, 20, 30, 40}; /* head 1: oldest..newest = 20,30,40,10 */
    CHECK(order_ring_median(ring, 4, 1, 2, s) == 25, "newest two of a ring: 40,10 -> 25, got %g",
          order_ring_median(ring, 4, 1, 2, s));
}

/* A known series: RMSSD over the last 60 s against the direct formula. */
static void test_rmssd_formula(void)
{
    hrv *h = hrv_new();
    uint64_t rng = 3;
    double t = 0, rr[400], times[400];
    int n = 0;
    for (; n < 400; n++) {
        rr[n] = 850 + 40 * sin(n * 0.7) + 15 * sim_gauss(&rng);
        t += rr[n] / 1000;
        times[n] = t;
        hrv_push(h, t, rr[n], true);
    }
    double sum = 0;
    int diffs = 0;
    for (int i = 1; i < n; i++) {
        if (times[i - 1] <= t - 60.0) continue; /* both in the 60 s window */
        sum += (rr[i] - rr[i - 1]) * (rr[i] - rr[i - 1]);
        diffs++;
    }
    double want = sqrt(sum / diffs), got = hrv_rmssd(h);
    printf("RMSSD %.4f ms (formula %.4f, %d differences)\n", got, want, diffs);
    CHECK(fabs(got - want) < 1e-9, "RMSSD %.6f != %.6f", got, want);

    double last5[5], s[5];
    for (int i = 0; i < 5; i++) last5[i] = rr[n - 1 - i];
    double hr = 60000.0 / order_median(last5, 5, s);
    CHECK(fabs(hrv_heart_rate(h) - hr) < 1e-9, "HR %.3f != %.3f", hrv_heart_rate(h), hr);
    hrv_free(h);
}

/* Flagged intervals are excluded, and no difference spans one. */
static void test_flagged_excluded(void)
{
    hrv *h = hrv_new();
    double t = 0;
    double rr[80];
    bool valid[80];
    for (int i = 0; i < 80; i++) {
        rr[i] = i % 2 ? 800 : 820;
        valid[i] = i % 10 != 5;
        if (!valid[i]) rr[i] = 1600; /* a missed beat */
        t += rr[i] / 1000;
        hrv_push(h, t, rr[i], valid[i]);
    }
    /* Every adjacent valid pair differs by 20 ms: RMSSD exactly 20 unless a
     * flagged 1600 leaks into a difference. */
    CHECK(fabs(hrv_rmssd(h) - 20.0) < 1e-9, "RMSSD with flagged intervals %.4f, want 20",
          hrv_rmssd(h));
    /* Last five valid: intervals 79, 78, 77, 76 and 74 (75 is flagged):
     * 800, 820, 800, 820, 820 -> median 820. */
    CHECK(fabs(hrv_heart_rate(h) - 60000.0 / 820.0) < 1e-9,
          "HR from the valid intervals only: %.3f", hrv_heart_rate(h));
    /* A break: the pair across it does not count. */
    hrv_break(h);
    hrv_push(h, t + 0.5, 500, true);
    CHECK(fabs(hrv_rmssd(h) - 20.0) < 1e-9, "no difference across a break: %.4f", hrv_rmssd(h));
    hrv_free(h);
}

/* Needs 30 s of data. */
static void test_rmssd_needs_data(void)
{
    hrv *h = hrv_new();
    double t = 0;
    int i = 0;
    for (; t < 29.0; i++) {
        t += 1.0;
        hrv_push(h, t, 1000 + (i % 2) * 30, true);
    }
    CHECK(isnan(hrv_rmssd(h)), "RMSSD unknown with 29 s of data: %g", hrv_rmssd(h));
    for (; t < 31.0; i++) {
        t += 1.0;
        hrv_push(h, t, 1000 + (i % 2) * 30, true);
    }
    CHECK(fabs(hrv_rmssd(h) - 30) < 1e-9, "RMSSD 30 after 31 s: %g", hrv_rmssd(h));
    hrv_free(h);
}

/* RSA: heart period swinging with breathing; max - min within each breath. */
static void test_rsa(void)
{
    hrv *h = hrv_new();
    double t = 0, breath_s = 6.0;
    double lo = INFINITY, hi = -INFINITY;
    while (t < 60) {
        double rr = 900 + 60 * sin(2 * M_PI * t / breath_s);
        t += rr / 1000;
        hrv_push(h, t, rr, true);
        if (t >= 48 && t <= 54) {
            lo = fmin(lo, rr);
            hi = fmax(hi, rr);
        }
    }
    double rsa = hrv_rsa(h, 48, 54);
    printf("RSA %.2f ms (true swing 120, sampled %.2f)\n", rsa, hi - lo);
    CHECK(fabs(rsa - (hi - lo)) < 1e-9, "RSA %.3f != %.3f", rsa, hi - lo);
    CHECK(rsa > 100 && rsa <= 120, "RSA near the 120 ms swing: %.2f", rsa);
    CHECK(isnan(hrv_rsa(h, 48, 49)), "RSA needs 3 intervals");
    hrv_free(h);
}

int main(void)
{
    test_order_stats();
    test_rmssd_formula();
    test_flagged_excluded();
    test_rmssd_needs_data();
    test_rsa();
    return check_finish("test_bio_hrv");
}
