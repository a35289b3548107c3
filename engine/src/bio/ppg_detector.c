#include "bio/ppg_detector.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bio/beat_queue.h"
#include "bio/bio_biquad.h"
#include "core/limits.h"

#define PPG_W1_S 0.111         /* MA_peak: about a systolic peak's width */
#define PPG_W2_S 0.667         /* MA_beat: about a beat */
#define PPG_BETA 0.02          /* offset, x the mean of the squared signal */
#define PPG_MEAN_TAU_S 10.0    /* running mean of the squared signal */
#define PPG_MIN_IBI_S 0.30     /* beats closer than this are one beat (200 bpm) */
#define PPG_MAX_BLOCK_S 1.5    /* a block this long is closed anyway */
#define PPG_REFINE_BACK_S 0.12 /* refinement window around the band-passed maximum */
#define PPG_REFINE_FWD_S 0.04
#define PPG_HOLD_GAP_S 0.050
#define PPG_RING_S 3.0
/* Recovery from artifacts: the offset's running mean of the squared signal
 * (10 s) would remember a motion burst or a higher gain for tens of seconds after
 * it ended; it is kept within PPG_MEAN_CAP x a faster mean (2 s, a few beats even
 * at 40 bpm, so never zero between beats), and one sample may raise it by at most
 * PPG_MEAN_STEP x itself. */
#define PPG_FAST_TAU_S 2.0
#define PPG_MEAN_CAP 4.0
#define PPG_MEAN_STEP 16.0

struct ppg_detector {
    double fs;
    int w1, w2, align, ring_len, min_ibi, max_block, refine_back, refine_fwd, hold_gap;
    double ref_delay; /* group delay of ref_lp in samples (fractional) */
    double mean_coeff, fast_coeff;

    bio_biquad hp, lp; /* 0.5-8 Hz band-pass */
    bio_biquad ref_lp; /* light low-pass of the raw signal for refinement */
    double *z_ring;    /* squared clipped signal, w2 (MA_beat window) */
    double sum_peak, sum_beat;
    double *ma_peak_ring; /* MA_peak history to delay it into alignment */
    double *y_ring;       /* band-passed signal, ring_len */
    double *r_ring;       /* refinement signal, ring_len */
    double z_mean, z_fast;

    int64_t n;
    int64_t filled; /* samples since the filters (re)started */
    bool started;
    double last_valid;
    int64_t gap_len;

    bool in_block;
    int64_t block_start;
    double block_max;
    int64_t block_max_idx;
    int64_t last_beat;

    beat_queue pending;
};

ppg_detector *ppg_detector_new(double fs)
{
    if (!(fs >= LULL_PPG_MIN_RATE_HZ && fs <= LULL_PPG_MAX_RATE_HZ)) return NULL;
    ppg_detector *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->fs = fs;
    d->w1 = bio_samples(fs, PPG_W1_S);
    d->w2 = bio_samples(fs, PPG_W2_S);
    if (d->w2 <= d->w1) d->w2 = d->w1 + 1;
    /* Both averages are trailing; MA_peak is delayed by half the difference of
     * the windows so that both are centred on the same sample. */
    d->align = (d->w2 - d->w1) / 2;
    d->ring_len = bio_samples(fs, PPG_RING_S);
    d->min_ibi = bio_samples(fs, PPG_MIN_IBI_S);
    d->max_block = bio_samples(fs, PPG_MAX_BLOCK_S);
    d->refine_back = bio_samples(fs, PPG_REFINE_BACK_S);
    d->refine_fwd = bio_samples(fs, PPG_REFINE_FWD_S);
    d->hold_gap = bio_samples(fs, PPG_HOLD_GAP_S);
    /* 2nd-order Butterworth low-pass: group delay sqrt(2) / (2 pi fc) at DC */
    d->ref_delay = fs * M_SQRT2 / (2.0 * M_PI * fmin(15.0, 0.4 * fs));
    d->mean_coeff = 1.0 / (fs * PPG_MEAN_TAU_S);
    d->fast_coeff = 1.0 / (fs * PPG_FAST_TAU_S);
    d->z_ring = calloc((size_t)d->w2, sizeof(double));
    d->ma_peak_ring = calloc((size_t)d->align + 1, sizeof(double));
    d->y_ring = calloc((size_t)d->ring_len, sizeof(double));
    d->r_ring = calloc((size_t)d->ring_len, sizeof(double));
    if (!d->z_ring || !d->ma_peak_ring || !d->y_ring || !d->r_ring) {
        ppg_detector_free(d);
        return NULL;
    }
    ppg_detector_reset(d);
    return d;
}

void ppg_detector_free(ppg_detector *d)
{
    if (!d) return;
    free(d->z_ring);
    free(d->ma_peak_ring);
    free(d->y_ring);
    free(d->r_ring);
    free(d);
}

static void restart_filters(ppg_detector *d, double x)
{
    bio_biquad_highpass(&d->hp, d->fs, 0.5);
    bio_biquad_lowpass(&d->lp, d->fs, fmin(8.0, 0.4 * d->fs));
    bio_biquad_lowpass(&d->ref_lp, d->fs, fmin(15.0, 0.4 * d->fs));
    bio_biquad_settle(&d->hp, x);
    bio_biquad_settle(&d->lp, 0.0);
    bio_biquad_settle(&d->ref_lp, x);
    memset(d->z_ring, 0, (size_t)d->w2 * sizeof(double));
    memset(d->ma_peak_ring, 0, ((size_t)d->align + 1) * sizeof(double));
    d->sum_peak = d->sum_beat = 0.0;
    d->filled = 0;
    d->in_block = false;
}

void ppg_detector_reset(ppg_detector *d)
{
    d->n = 0;
    d->started = false;
    d->last_valid = 0.0;
    d->gap_len = 0;
    d->z_mean = d->z_fast = 0.0;
    d->last_beat = -1;
    beat_queue_clear(&d->pending);
    memset(d->y_ring, 0, (size_t)d->ring_len * sizeof(double));
    memset(d->r_ring, 0, (size_t)d->ring_len * sizeof(double));
    restart_filters(d, 0.0);
}

double ppg_detector_max_delay_s(const ppg_detector *d)
{
    /* centre of MA_beat lags by (w2-1)/2; a block closes at the latest
     * max_block after it opened, and the peak is inside it. */
    return ((double)(d->w2 - 1) / 2.0 + d->max_block + d->refine_fwd) / d->fs;
}

static size_t ring_at(const ppg_detector *d, int64_t i) { return (size_t)(i % d->ring_len); }

/* Closes a block of interest: the beat is the band-passed maximum, refined to
 * the maximum of the lightly filtered raw signal next to it. */
static void close_block(ppg_detector *d, int64_t centre)
{
    d->in_block = false;
    if (centre - d->block_start < d->w1) return;
    int64_t lo = d->block_max_idx - d->refine_back, hi = d->block_max_idx + d->refine_fwd;
    if (lo < d->n - d->ring_len + 1) lo = d->n - d->ring_len + 1;
    if (hi > d->n) hi = d->n;
    int64_t best = d->block_max_idx;
    double best_v = -INFINITY;
    for (int64_t i = lo; i <= hi; i++) {
        double v = d->r_ring[ring_at(d, i)];
        if (v > best_v) best_v = v, best = i;
    }
    /* Between samples: at 25 Hz (EmotiBit) the grid is 40 ms, ten times the
     * beat-to-beat changes HRV is about; the vertex of the parabola through the
     * maximum and its neighbours locates the peak to a few ms. */
    double frac = 0.0;
    if (best > d->n - d->ring_len + 1 && best < d->n)
        frac = bio_parabolic_offset(d->r_ring[ring_at(d, best - 1)], best_v,
                                    d->r_ring[ring_at(d, best + 1)]);
    double pos = (double)best + frac - d->ref_delay; /* the refinement low-pass delays it */
    best = (int64_t)llround(pos);
    if (d->last_beat >= 0 && best - d->last_beat < d->min_ibi) return;
    beat_queue_push(&d->pending, pos);
    d->last_beat = best;
}

static void process_sample(ppg_detector *d, double x)
{
    double y = bio_biquad_run(&d->lp, bio_biquad_run(&d->hp, x));
    double r = bio_biquad_run(&d->ref_lp, x);
    size_t ri = ring_at(d, d->n);
    d->y_ring[ri] = y;
    d->r_ring[ri] = r;
    double z = y > 0.0 ? y * y : 0.0;
    double z_in = d->z_mean > 0.0 ? fmin(z, PPG_MEAN_STEP * d->z_mean) : z;
    d->z_mean += d->mean_coeff * (z_in - d->z_mean);
    d->z_fast += d->fast_coeff * (z - d->z_fast);

    /* trailing sums over w1 and w2 from one ring of w2 values */
    int pos = (int)(d->filled % d->w2);
    int pos_w1 = (int)((d->filled + d->w2 - d->w1) % d->w2); /* leaves the w1 window */
    d->sum_peak += z - (d->filled >= d->w1 ? d->z_ring[pos_w1] : 0.0);
    d->sum_beat += z - d->z_ring[pos];
    d->z_ring[pos] = z;
    d->filled++;
    if (d->filled % d->w2 == 0) { /* recompute exactly now and then */
        double sb = 0.0, sp = 0.0;
        for (int i = 0; i < d->w2; i++) sb += d->z_ring[i];
        for (int i = 0; i < d->w1; i++) sp += d->z_ring[(d->w2 - 1 - i) % d->w2];
        d->sum_beat = sb;
        d->sum_peak = sp;
    }
    double ma_peak_now = d->sum_peak / d->w1, ma_beat = d->sum_beat / d->w2;
    /* ring of align+1 values: write the newest, read the one `align` samples old */
    d->ma_peak_ring[d->filled % (d->align + 1)] = ma_peak_now;
    double ma_peak = d->ma_peak_ring[(d->filled + 1) % (d->align + 1)];
    if (d->filled <= d->w2) return; /* the long average is not full yet */
    d->z_mean = fmin(d->z_mean, PPG_MEAN_CAP * d->z_fast);
    int64_t centre = d->n - (d->w2 - 1) / 2;
    double thr = ma_beat + PPG_BETA * d->z_mean;
    if (ma_peak > thr) {
        double yc = d->y_ring[ring_at(d, centre)];
        if (!d->in_block) {
            d->in_block = true;
            d->block_start = centre;
            d->block_max = yc;
            d->block_max_idx = centre;
        } else if (yc > d->block_max) {
            d->block_max = yc;
            d->block_max_idx = centre;
        }
        if (centre - d->block_start >= d->max_block) close_block(d, centre);
    } else if (d->in_block) {
        close_block(d, centre);
    }
}

static void push_samples(ppg_detector *d, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i];
        if (!isfinite(v)) {
            d->gap_len++;
            if (d->started && d->gap_len <= d->hold_gap) {
                process_sample(d, d->last_valid);
            } else {
                size_t r = ring_at(d, d->n);
                d->y_ring[r] = 0.0;
                d->r_ring[r] = -INFINITY; /* never a peak */
                d->in_block = false;
            }
            d->n++;
            continue;
        }
        if (!d->started || d->gap_len > d->hold_gap) restart_filters(d, v);
        d->started = true;
        d->gap_len = 0;
        d->last_valid = v;
        process_sample(d, v);
        d->n++;
    }
}

size_t ppg_detector_push(ppg_detector *d, const float *x, size_t n, int64_t *beats_out,
                         size_t max_out)
{
    push_samples(d, x, n);
    return beat_queue_take(&d->pending, NULL, beats_out, max_out);
}

size_t ppg_detector_push_precise(ppg_detector *d, const float *x, size_t n, double *beats_out,
                                 size_t max_out)
{
    push_samples(d, x, n);
    return beat_queue_take(&d->pending, beats_out, NULL, max_out);
}
