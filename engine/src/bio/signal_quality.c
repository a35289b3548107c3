#include "bio/signal_quality.h"

#include <math.h>
#include <stdlib.h>

#define BLOCK_S 0.25
#define BLOCKS 8
#define MAX_INTERVALS 64
#define TYPICAL_TAU_S 60.0

typedef struct block {
    double raw_min, raw_max, filt_min, filt_max;
    int n, railed;
} block;

struct signal_quality {
    int block_len;
    block blocks[BLOCKS];
    int block_head, block_count; /* completed blocks */
    block cur;
    double prev_raw;
    bool have_prev;
    double seen_min, seen_max; /* extremes seen so far */
    double typical_range;      /* slow average of the 2-s raw range, NaN until known */
    double typical_alpha;
    double reference;
    bool verdicts[MAX_INTERVALS];
    int verdict_len, verdict_head, verdict_count;
};

static void block_clear(block *b)
{
    b->raw_min = b->filt_min = INFINITY;
    b->raw_max = b->filt_max = -INFINITY;
    b->n = b->railed = 0;
}

signal_quality *signal_quality_new(double fs, int interval_window)
{
    if (!(fs > 0) || interval_window < 1 || interval_window > MAX_INTERVALS) return NULL;
    signal_quality *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->block_len = (int)ceil(BLOCK_S * fs);
    q->verdict_len = interval_window;
    q->typical_range = NAN;
    q->typical_alpha = BLOCK_S / TYPICAL_TAU_S;
    q->reference = NAN;
    q->seen_min = INFINITY;
    q->seen_max = -INFINITY;
    block_clear(&q->cur);
    return q;
}

void signal_quality_free(signal_quality *q) { free(q); }

void signal_quality_gap(signal_quality *q)
{
    q->block_count = 0;
    q->have_prev = false;
    block_clear(&q->cur);
}

void signal_quality_set_reference(signal_quality *q, double reference_ptp)
{
    q->reference = reference_ptp > 0 ? reference_ptp : NAN;
}

void signal_quality_interval(signal_quality *q, bool good)
{
    q->verdicts[q->verdict_head] = good;
    q->verdict_head = (q->verdict_head + 1) % q->verdict_len;
    if (q->verdict_count < q->verdict_len) q->verdict_count++;
}

/* Raw and filtered extremes over the completed blocks plus the current one. */
static void window_extremes(const signal_quality *q, block *w)
{
    *w = q->cur;
    for (int i = 0; i < q->block_count; i++) {
        const block *b = &q->blocks[i];
        w->raw_min = fmin(w->raw_min, b->raw_min);
        w->raw_max = fmax(w->raw_max, b->raw_max);
        w->filt_min = fmin(w->filt_min, b->filt_min);
        w->filt_max = fmax(w->filt_max, b->filt_max);
        w->n += b->n;
        w->railed += b->railed;
    }
}

void signal_quality_push(signal_quality *q, double raw, double filtered)
{
    if (raw < q->seen_min) q->seen_min = raw;
    if (raw > q->seen_max) q->seen_max = raw;
    double eps = 1e-3 * (q->seen_max - q->seen_min);
    bool at_rail = raw >= q->seen_max - eps || raw <= q->seen_min + eps;
    block *c = &q->cur;
    if (q->have_prev && raw == q->prev_raw && at_rail && q->seen_max > q->seen_min) c->railed++;
    q->prev_raw = raw;
    q->have_prev = true;
    c->raw_min = fmin(c->raw_min, raw);
    c->raw_max = fmax(c->raw_max, raw);
    c->filt_min = fmin(c->filt_min, filtered);
    c->filt_max = fmax(c->filt_max, filtered);
    if (++c->n < q->block_len) return;

    q->blocks[q->block_head] = *c;
    q->block_head = (q->block_head + 1) % BLOCKS;
    if (q->block_count < BLOCKS) q->block_count++;
    block_clear(c);
    if (q->block_count == BLOCKS) {
        block w;
        window_extremes(q, &w);
        double range = w.raw_max - w.raw_min;
        if (!isfinite(q->typical_range)) q->typical_range = range;
        /* Learn only from windows that are not flat, so a dead sensor cannot
         * teach us that flat is typical, and at most double per step, so a burst
         * hardly moves it while a lasting change (a new electrode) is followed
         * within minutes. */
        else if (range >= 0.1 * q->typical_range)
            q->typical_range +=
                q->typical_alpha * (fmin(range, 2.0 * q->typical_range) - q->typical_range);
    }
}

static double ramp(double x, double zero_at, double one_at)
{
    double v = (x - zero_at) / (one_at - zero_at);
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

void signal_quality_get(const signal_quality *q, signal_quality_scores *out)
{
    block w;
    window_extremes(q, &w);
    out->flatline = out->clipping = out->burst = 1.0;
    if (w.n == 0) {
        out->flatline = 0.0;
    } else {
        double range = w.raw_max - w.raw_min;
        if (range <= 0)
            out->flatline = 0.0;
        else if (isfinite(q->typical_range) && q->typical_range > 0)
            out->flatline = ramp(range / q->typical_range, 0.02, 0.10);
        out->clipping = 1.0 - ramp((double)w.railed / w.n, 0.0, 0.10);
        if (isfinite(q->reference))
            out->burst = 1.0 - ramp((w.filt_max - w.filt_min) / q->reference, 2.0, 4.0);
        else if (isfinite(q->typical_range) && q->typical_range > 0)
            out->burst = 1.0 - ramp(range / q->typical_range, 2.0, 4.0);
    }
    int good = 0;
    for (int i = 0; i < q->verdict_count; i++) good += q->verdicts[i];
    out->intervals = (double)good / q->verdict_len;
    out->total = out->flatline * out->clipping * out->burst * out->intervals;
}
