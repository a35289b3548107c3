#include "bio/ecg_detector.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bio/beat_queue.h"
#include "bio/bio_biquad.h"

enum {
    ECG_LEARN_CAP = 64,    /* integrator peaks kept during threshold learning */
    ECG_RR_COUNT = 8,      /* RR intervals in each Pan-Tompkins average */
};

#define ECG_LEARN_S 2.0         /* threshold learning period */
#define ECG_MWI_S 0.150         /* moving-window integrator width */
#define ECG_REFRACTORY_S 0.200
#define ECG_TWAVE_S 0.360       /* within this of a QRS, a peak must be steep to count */
#define ECG_SEARCH_BACK 1.66    /* x average RR without a beat */
#define ECG_R_SEARCH_S 0.250    /* R peak looked for this far before the integrator peak */
#define ECG_FORCE_PEAK_S 0.500  /* an integrator peak is taken at the latest this late */
#define ECG_HOLD_GAP_S 0.050    /* dropouts up to this long are bridged by holding */
#define ECG_RING_S 1.0          /* history kept for refinement and slopes */

/* One local maximum of the integrated signal, with what classification needs. */
typedef struct mwi_peak {
    double value;     /* integrator value */
    int64_t index;    /* sample index of the integrator maximum */
    int64_t r_index;  /* refined R peak */
    double slope;     /* steepest slope of the refinement signal before the peak */
} mwi_peak;

struct ecg_detector {
    double fs;
    int mwi_len, ring_len;
    int refractory, twave, r_search, force_peak, hold_gap, learn_len;
    int64_t ref_delay;           /* group delay of ref_lp in samples */

    /* filters */
    bio_biquad bp_hp, bp_lp;     /* 5-15 Hz band-pass for detection */
    bio_biquad ref_hp, ref_lp;   /* 0.5-40 Hz, nearly phase-true, for R refinement */
    double deriv_hist[4];        /* band-passed x[n-1..n-4] */
    double *mwi_ring;            /* squared derivative, mwi_len */
    double mwi_sum;
    int mwi_pos;
    double *ref_ring;            /* refinement signal, ring_len */

    /* stream */
    int64_t n;                   /* index of the next sample */
    bool started;
    double last_valid;
    int64_t gap_len;

    /* integrator peak finding (hysteresis: a peak is taken when the integrator
     * falls below half of it; then the next rise starts a new search) */
    bool rising;
    double pk_val, trough_val;
    int64_t pk_idx;

    /* learning */
    bool learning;
    int64_t learn_start;
    double learn_max, learn_sum;
    int64_t learn_count;
    mwi_peak learn_peaks[ECG_LEARN_CAP];
    int n_learn_peaks;

    /* Pan-Tompkins state */
    double spki, npki;
    int64_t last_qrs;            /* integrator index of the last QRS, -1 = unknown */
    int64_t last_r;              /* last reported R index, -1 = none */
    double last_slope;
    double rr1[ECG_RR_COUNT], rr2[ECG_RR_COUNT];
    int n_rr1, n_rr2, rr1_pos, rr2_pos;
    mwi_peak candidate;          /* best noise peak since the last QRS, for search-back */
    bool has_candidate;

    /* R polarity: running mean of the largest positive and negative deflections */
    double pos_level, neg_level;

    beat_queue pending;
};

ecg_detector *ecg_detector_new(double fs)
{
    if (!(fs >= 50.0 && fs <= 10000.0))
        return NULL;
    ecg_detector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->fs = fs;
    d->mwi_len = bio_samples(fs, ECG_MWI_S);
    d->ring_len = bio_samples(fs, ECG_RING_S);
    d->refractory = bio_samples(fs, ECG_REFRACTORY_S);
    d->twave = bio_samples(fs, ECG_TWAVE_S);
    d->r_search = bio_samples(fs, ECG_R_SEARCH_S);
    d->force_peak = bio_samples(fs, ECG_FORCE_PEAK_S);
    d->hold_gap = bio_samples(fs, ECG_HOLD_GAP_S);
    d->learn_len = bio_samples(fs, ECG_LEARN_S);
    /* 2nd-order Butterworth low-pass: group delay sqrt(2) / (2 pi fc) at DC */
    d->ref_delay = lround(fs * M_SQRT2 / (2.0 * M_PI * fmin(40.0, 0.4 * fs)));
    d->mwi_ring = calloc((size_t)d->mwi_len, sizeof(double));
    d->ref_ring = calloc((size_t)d->ring_len, sizeof(double));
    if (!d->mwi_ring || !d->ref_ring) {
        ecg_detector_free(d);
        return NULL;
    }
    ecg_detector_reset(d);
    return d;
}

void ecg_detector_free(ecg_detector *d)
{
    if (!d)
        return;
    free(d->mwi_ring);
    free(d->ref_ring);
    free(d);
}

/* Restarts the filters as if x had always been the input (start, end of a gap). */
static void restart_filters(ecg_detector *d, double x)
{
    double fs = d->fs;
    bio_biquad_highpass(&d->bp_hp, fs, 5.0);
    bio_biquad_lowpass(&d->bp_lp, fs, 15.0);
    bio_biquad_highpass(&d->ref_hp, fs, 0.5);
    bio_biquad_lowpass(&d->ref_lp, fs, fmin(40.0, 0.4 * fs));
    bio_biquad_settle(&d->bp_hp, x);
    bio_biquad_settle(&d->bp_lp, 0.0);
    bio_biquad_settle(&d->ref_hp, x);
    bio_biquad_settle(&d->ref_lp, 0.0);
    memset(d->deriv_hist, 0, sizeof d->deriv_hist);
    memset(d->mwi_ring, 0, (size_t)d->mwi_len * sizeof(double));
    d->mwi_sum = 0.0;
    d->mwi_pos = 0;
    d->rising = true;
    d->pk_val = 0.0;
    d->pk_idx = d->n;
    d->trough_val = 0.0;
    /* Intervals and T-wave tests must not span the gap. */
    d->last_qrs = -1;
    d->has_candidate = false;
}

static void start_learning(ecg_detector *d)
{
    d->learning = true;
    d->learn_start = d->n;
    d->learn_max = 0.0;
    d->learn_sum = 0.0;
    d->learn_count = 0;
    d->n_learn_peaks = 0;
}

void ecg_detector_reset(ecg_detector *d)
{
    d->n = 0;
    d->started = false;
    d->last_valid = 0.0;
    d->gap_len = 0;
    memset(d->ref_ring, 0, (size_t)d->ring_len * sizeof(double));
    d->spki = d->npki = 0.0;
    d->last_qrs = -1;
    d->last_r = -1;
    d->last_slope = 0.0;
    d->n_rr1 = d->n_rr2 = d->rr1_pos = d->rr2_pos = 0;
    d->has_candidate = false;
    d->pos_level = d->neg_level = 0.0;
    beat_queue_clear(&d->pending);
    restart_filters(d, 0.0);
    start_learning(d);
}

double ecg_detector_max_delay_s(const ecg_detector *d)
{
    /* R peak -> integrator peak (at most the R search span), then at most
     * ECG_FORCE_PEAK_S until the peak is taken. */
    return (double)(d->r_search + d->force_peak) / d->fs;
}

static double thr1(const ecg_detector *d) { return d->npki + 0.25 * (d->spki - d->npki); }

static double rr_average(const ecg_detector *d)
{
    const double *rr = d->n_rr2 > 0 ? d->rr2 : d->rr1;
    int count = d->n_rr2 > 0 ? d->n_rr2 : d->n_rr1;
    if (count == 0)
        return 0.0;
    double s = 0.0;
    for (int i = 0; i < count; i++)
        s += rr[i];
    return s / count;
}

static void emit(ecg_detector *d, int64_t r_index)
{
    beat_queue_push(&d->pending, r_index);
    d->last_r = r_index;
}

static void accept_qrs(ecg_detector *d, const mwi_peak *p, bool search_back)
{
    if (search_back)
        d->spki = 0.25 * p->value + 0.75 * d->spki;
    else
        d->spki = 0.125 * p->value + 0.875 * d->spki;
    if (d->last_qrs >= 0) {
        double rr = (double)(p->index - d->last_qrs);
        double avg2 = rr_average(d);
        d->rr1[d->rr1_pos] = rr;
        d->rr1_pos = (d->rr1_pos + 1) % ECG_RR_COUNT;
        if (d->n_rr1 < ECG_RR_COUNT)
            d->n_rr1++;
        if (d->n_rr2 == 0 || (rr > 0.92 * avg2 && rr < 1.16 * avg2)) {
            d->rr2[d->rr2_pos] = rr;
            d->rr2_pos = (d->rr2_pos + 1) % ECG_RR_COUNT;
            if (d->n_rr2 < ECG_RR_COUNT)
                d->n_rr2++;
        }
    }
    d->last_qrs = p->index;
    d->last_slope = p->slope;
    d->has_candidate = false;
    emit(d, p->r_index);
}

/* A steep enough peak is a QRS; a shallow one close after a QRS is a T wave. */
static bool is_t_wave(const ecg_detector *d, const mwi_peak *p)
{
    return d->last_qrs >= 0 && p->index - d->last_qrs < d->twave &&
           p->slope < 0.5 * d->last_slope;
}

static void classify(ecg_detector *d, const mwi_peak *p)
{
    if (d->last_qrs >= 0 && p->index - d->last_qrs < d->refractory)
        return;
    if (d->last_r >= 0 && p->r_index <= d->last_r)
        return;
    if (p->value > thr1(d) && !is_t_wave(d, p)) {
        accept_qrs(d, p, false);
        return;
    }
    d->npki = 0.125 * p->value + 0.875 * d->npki;
    if (!is_t_wave(d, p) && (!d->has_candidate || p->value > d->candidate.value)) {
        d->candidate = *p;
        d->has_candidate = true;
    }
}

static void search_back(ecg_detector *d)
{
    if (!d->has_candidate || d->last_qrs < 0)
        return;
    double avg = rr_average(d);
    if (avg <= 0.0 || (double)(d->n - d->last_qrs) <= ECG_SEARCH_BACK * avg)
        return;
    if (d->candidate.value > 0.5 * thr1(d))
        accept_qrs(d, &d->candidate, true);
    else
        d->has_candidate = false;
}

static void finish_learning(ecg_detector *d)
{
    d->learning = false;
    d->spki = d->learn_max / 3.0;
    d->npki = 0.5 * d->learn_sum / (double)d->learn_count;
    for (int i = 0; i < d->n_learn_peaks; i++)
        classify(d, &d->learn_peaks[i]);
}

static void learn_peak(ecg_detector *d, const mwi_peak *p)
{
    if (d->n_learn_peaks < ECG_LEARN_CAP) {
        d->learn_peaks[d->n_learn_peaks++] = *p;
        return;
    }
    /* Full: the smallest peak is surely noise; drop it, keep time order. */
    int smallest = 0;
    for (int i = 1; i < ECG_LEARN_CAP; i++)
        if (d->learn_peaks[i].value < d->learn_peaks[smallest].value)
            smallest = i;
    if (p->value <= d->learn_peaks[smallest].value)
        return;
    memmove(&d->learn_peaks[smallest], &d->learn_peaks[smallest + 1],
            (size_t)(ECG_LEARN_CAP - 1 - smallest) * sizeof(mwi_peak));
    d->learn_peaks[ECG_LEARN_CAP - 1] = *p;
}

/* Callers keep index >= 0 (take_peak clamps its window to the samples seen). */
static size_t ring_at(const ecg_detector *d, int64_t index)
{
    return (size_t)(index % d->ring_len);
}

/* Turns the integrator maximum at pk_idx into a peak: R location and slope. */
static void take_peak(ecg_detector *d)
{
    mwi_peak p = {.value = d->pk_val, .index = d->pk_idx};
    int64_t oldest = d->n - d->ring_len + 1;
    if (oldest < 0)
        oldest = 0;   /* early in the stream the ring is not full yet */
    int64_t lo = p.index - d->r_search;
    if (lo < oldest)
        lo = oldest;
    if (d->last_r >= 0 && lo <= d->last_r + d->refractory)
        lo = d->last_r + d->refractory;
    /* The window ends at the peak, or at the oldest sample still in the ring when
     * the peak is older than that (right after a gap). */
    int64_t hi = p.index < oldest ? oldest : p.index;
    if (lo > hi)
        lo = hi;
    int64_t best_pos = lo, best_neg = lo;
    double vmax = -INFINITY, vmin = INFINITY;
    for (int64_t i = lo; i <= hi; i++) {
        double v = d->ref_ring[ring_at(d, i)];
        if (v > vmax)
            vmax = v, best_pos = i;
        if (v < vmin)
            vmin = v, best_neg = i;
    }
    /* The R wave is the deflection whose polarity usually dominates this lead;
     * following it avoids jumping between R and S from beat to beat. */
    bool positive = d->pos_level + d->neg_level > 0.0 ? d->pos_level >= d->neg_level
                                                      : vmax >= -vmin;
    /* the refinement low-pass delays the signal by its DC group delay */
    p.r_index = (positive ? best_pos : best_neg) - d->ref_delay;
    /* Steepest slope of the nearly phase-true signal in the same window: the
     * band-pass blunts a narrow QRS at low rates, a T wave stays shallow. */
    double slope = 0.0;
    for (int64_t i = lo + 1; i <= hi; i++)
        slope = fmax(slope, fabs(d->ref_ring[ring_at(d, i)] - d->ref_ring[ring_at(d, i - 1)]));
    p.slope = slope * d->fs;
    if (d->learning) {
        learn_peak(d, &p);
        return;
    }
    int64_t r_before = d->last_r;
    classify(d, &p);
    if (d->last_r != r_before) { /* accepted: learn the lead's polarity */
        d->pos_level += 0.1 * (fmax(vmax, 0.0) - d->pos_level);
        d->neg_level += 0.1 * (fmax(-vmin, 0.0) - d->neg_level);
    }
}

static void process_sample(ecg_detector *d, double x)
{
    double bp = bio_biquad_run(&d->bp_lp, bio_biquad_run(&d->bp_hp, x));
    double ref = bio_biquad_run(&d->ref_lp, bio_biquad_run(&d->ref_hp, x));
    /* Five-point derivative (Pan-Tompkins), scaled to units per second. */
    double der = (2.0 * bp + d->deriv_hist[0] - d->deriv_hist[2] - 2.0 * d->deriv_hist[3]) *
                 (d->fs / 8.0);
    memmove(&d->deriv_hist[1], &d->deriv_hist[0], 3 * sizeof(double));
    d->deriv_hist[0] = bp;
    double sq = der * der;
    d->mwi_sum += sq - d->mwi_ring[d->mwi_pos];
    d->mwi_ring[d->mwi_pos] = sq;
    if (++d->mwi_pos == d->mwi_len) {
        /* Recompute once per window so rounding never accumulates. */
        d->mwi_pos = 0;
        double s = 0.0;
        for (int i = 0; i < d->mwi_len; i++)
            s += d->mwi_ring[i];
        d->mwi_sum = s;
    }
    double mwi = d->mwi_sum / d->mwi_len;
    size_t r = ring_at(d, d->n);
    d->ref_ring[r] = ref;

    if (d->learning) {
        d->learn_max = fmax(d->learn_max, mwi);
        d->learn_sum += mwi;
        d->learn_count++;
    }
    if (d->rising) {
        if (mwi > d->pk_val) {
            d->pk_val = mwi;
            d->pk_idx = d->n;
        }
        if (d->pk_val > 0.0 && (mwi < 0.5 * d->pk_val || d->n - d->pk_idx >= d->force_peak)) {
            take_peak(d);
            d->rising = false;
            d->trough_val = mwi;
        }
    } else {
        d->trough_val = fmin(d->trough_val, mwi);
        if (mwi > 2.0 * d->trough_val && mwi > d->trough_val) {
            d->rising = true;
            d->pk_val = mwi;
            d->pk_idx = d->n;
        }
    }
    if (d->learning && d->n - d->learn_start + 1 >= d->learn_len) {
        if (d->learn_max > 0.0)
            finish_learning(d);
        else
            start_learning(d); /* flat signal: nothing to learn from yet */
    }
    if (!d->learning)
        search_back(d);
}

size_t ecg_detector_push(ecg_detector *d, const float *x, size_t n, int64_t *beats_out,
                         size_t max_out)
{
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i];
        if (!isfinite(v)) {
            d->gap_len++;
            if (d->started && d->gap_len <= d->hold_gap) {
                process_sample(d, d->last_valid);
            } else {
                size_t r = ring_at(d, d->n);
                d->ref_ring[r] = 0.0;
                if (d->learning)
                    start_learning(d);
            }
            d->n++;
            continue;
        }
        if (!d->started || d->gap_len > d->hold_gap)
            restart_filters(d, v);
        d->started = true;
        d->gap_len = 0;
        d->last_valid = v;
        process_sample(d, v);
        d->n++;
    }
    return beat_queue_take(&d->pending, beats_out, max_out);
}
