#include "bio/baseline.h"

#include <math.h>

#include "bio/order_stats.h"

static const double spread_floor[BASELINE_FEATURES] = {3.0, 0.15, 1.5};

void baseline_init(baseline *b)
{
    for (int f = 0; f < BASELINE_FEATURES; f++) {
        b->count[f] = 0;
        b->center[f] = b->spread[f] = NAN;
    }
    b->next_sample_s = -INFINITY;
}

static void learn(baseline *b, int f)
{
    double scratch[BASELINE_SECONDS], dev[BASELINE_SECONDS];
    double med = order_median(b->values[f], BASELINE_SECONDS, scratch);
    for (int i = 0; i < BASELINE_SECONDS; i++) dev[i] = fabs(b->values[f][i] - med);
    double mad = order_median(dev, BASELINE_SECONDS, scratch);
    b->center[f] = med;
    b->spread[f] = fmax(1.4826 * mad, spread_floor[f]);
}

void baseline_update(baseline *b, double now_s, double hr, double rmssd, double br)
{
    if (now_s < b->next_sample_s) return;
    b->next_sample_s = now_s + 1.0;
    const double v[BASELINE_FEATURES] = {hr, rmssd > 0 ? log(rmssd) : NAN, br};
    for (int f = 0; f < BASELINE_FEATURES; f++) {
        if (b->count[f] >= BASELINE_SECONDS || !isfinite(v[f])) continue;
        b->values[f][b->count[f]++] = v[f];
        if (b->count[f] == BASELINE_SECONDS) learn(b, f);
    }
}

bool baseline_learned(const baseline *b, int feature) { return isfinite(b->center[feature]); }

double baseline_seconds_left(const baseline *b)
{
    int most = 0;
    for (int f = 0; f < BASELINE_FEATURES; f++)
        if (b->count[f] > most) most = b->count[f];
    return (double)(BASELINE_SECONDS - most);
}

double baseline_arousal(const baseline *b, double hr, double rmssd, double br)
{
    const double v[BASELINE_FEATURES] = {hr, rmssd > 0 ? log(rmssd) : NAN, br};
    const double sign[BASELINE_FEATURES] = {1.0, -1.0, 1.0};
    double sum = 0;
    int n = 0;
    for (int f = 0; f < BASELINE_FEATURES; f++) {
        if (!baseline_learned(b, f) || !isfinite(v[f])) continue;
        sum += sign[f] * (v[f] - b->center[f]) / b->spread[f];
        n++;
    }
    return n ? tanh(sum / n / 2.0) : NAN;
}
