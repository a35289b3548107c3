#include "bio/hrv.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "bio/order_stats.h"

#define HR_MEDIAN_OF 5
#define RMSSD_WINDOW_S 60.0
#define RMSSD_MIN_DATA_MS 30000.0
#define RMSSD_MIN_DIFFS 10
#define RSA_MIN_INTERVALS 3

typedef struct beat_interval {
    double time_s, rr_ms;
    int64_t seq; /* adjacent intervals have consecutive numbers */
    bool valid;
} beat_interval;

struct hrv {
    beat_interval ring[HRV_RING];
    size_t head, count;
    int64_t next_seq;
};

hrv *hrv_new(void) { return calloc(1, sizeof(hrv)); }
void hrv_free(hrv *h) { free(h); }

void hrv_reset(hrv *h)
{
    h->head = h->count = 0;
    h->next_seq = 0;
}

/* The i-th newest interval (0 = newest). */
static const beat_interval *newest(const hrv *h, size_t i)
{
    return &h->ring[(h->head + HRV_RING - 1 - i) % HRV_RING];
}

void hrv_push(hrv *h, double beat_time_s, double interval_ms, bool valid)
{
    beat_interval *b = &h->ring[h->head];
    b->time_s = beat_time_s;
    b->rr_ms = interval_ms;
    b->valid = valid && isfinite(interval_ms) && interval_ms > 0;
    b->seq = h->next_seq++;
    h->head = (h->head + 1) % HRV_RING;
    if (h->count < HRV_RING) h->count++;
}

void hrv_break(hrv *h) { h->next_seq++; }

double hrv_median_interval_ms(const hrv *h)
{
    double last[HR_MEDIAN_OF], scratch[HR_MEDIAN_OF];
    size_t n = 0;
    for (size_t i = 0; i < h->count && n < HR_MEDIAN_OF; i++)
        if (newest(h, i)->valid) last[n++] = newest(h, i)->rr_ms;
    return n ? order_median(last, n, scratch) : NAN;
}

double hrv_heart_rate(const hrv *h) { return 60000.0 / hrv_median_interval_ms(h); }

double hrv_last_beat_time(const hrv *h) { return h->count ? newest(h, 0)->time_s : NAN; }

double hrv_rmssd(const hrv *h)
{
    if (h->count == 0) return NAN;
    double end = newest(h, 0)->time_s, data_ms = 0, sum_sq = 0;
    int diffs = 0;
    for (size_t i = 0; i < h->count; i++) {
        const beat_interval *b = newest(h, i);
        if (b->time_s <= end - RMSSD_WINDOW_S) break;
        if (!b->valid) continue;
        data_ms += b->rr_ms;
        if (i + 1 >= h->count) continue;
        const beat_interval *prev = newest(h, i + 1);
        /* The earlier interval must lie in the window too. */
        if (prev->valid && prev->seq == b->seq - 1 && prev->time_s > end - RMSSD_WINDOW_S) {
            double d = b->rr_ms - prev->rr_ms;
            sum_sq += d * d;
            diffs++;
        }
    }
    if (data_ms < RMSSD_MIN_DATA_MS || diffs < RMSSD_MIN_DIFFS) return NAN;
    return sqrt(sum_sq / diffs);
}

double hrv_rsa(const hrv *h, double t0_s, double t1_s)
{
    double lo = INFINITY, hi = -INFINITY;
    int n = 0;
    for (size_t i = 0; i < h->count; i++) {
        const beat_interval *b = newest(h, i);
        if (b->time_s < t0_s) break;
        if (!b->valid || b->time_s > t1_s) continue;
        lo = fmin(lo, b->rr_ms);
        hi = fmax(hi, b->rr_ms);
        n++;
    }
    return n >= RSA_MIN_INTERVALS ? hi - lo : NAN;
}

size_t hrv_valid_since(const hrv *h, double from_s, double *times_s, double *rr_ms, size_t max)
{
    size_t first = 0; /* number of intervals (newest first) at or after from_s */
    while (first < h->count && newest(h, first)->time_s >= from_s) first++;
    size_t n = 0;
    for (size_t i = first; i-- > 0 && n < max;) {
        const beat_interval *b = newest(h, i);
        if (!b->valid) continue;
        times_s[n] = b->time_s;
        rr_ms[n] = b->rr_ms;
        n++;
    }
    return n;
}
