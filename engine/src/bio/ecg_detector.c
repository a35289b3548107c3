#include "bio/ecg_detector.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bio/beat_queue.h"
#include "bio/bio_biquad.h"
#include "core/limits.h"

enum {
    ECG_LEARN_CAP = 64, /* integrator peaks kept during threshold learning */
    ECG_RR_COUNT = 8,   /* RR intervals in each Pan-Tompkins average */
};

#define ECG_LEARN_S 2.0 /* threshold learning period */
#define ECG_MWI_S 0.150 /* moving-window integrator width */
#define ECG_REFRACTORY_S 0.200
#define ECG_TWAVE_S 0.360      /* within this of a QRS, a peak must be steep to count */
#define ECG_SEARCH_BACK 1.66   /* x average RR without a beat */
#define ECG_R_SEARCH_S 0.250   /* R peak looked for this far before the integrator peak */
#define ECG_FORCE_PEAK_S 0.500 /* an integrator peak is taken at the latest this late */
#define ECG_HOLD_GAP_S 0.050   /* dropouts up to this long are bridged by holding */
#define ECG_RING_S 1.0         /* history kept for refinement and slopes */
/* T waves taller than the R (chest-strap leads) pass the slope test when they are
 * narrow; they are still several times wider than a QRS. Half-height width of a
 * normal QRS: 20-50 ms; of a T wave: 80-200 ms (Goldberger, Clinical
 * Electrocardiography, 9th ed., ch. 2-3). A peak within ECG_TWAVE_S of a QRS
 * that is this much wider than that QRS is a T wave. */
#define ECG_TWAVE_WIDTH 2.5
#define ECG_WIDTH_SPAN_S 0.150 /* half-height width measured up to this far each side */
/* Recovery from artifacts: Pan-Tompkins' levels learn whatever peaks they see, so
 * a noise burst or a drop of the electrode gain leaves thresholds far above the
 * QRS for good. A single peak may raise a level by at most this factor, and when
 * no QRS has come for the search-back interval (at least ECG_SILENT_MIN_S), both
 * levels halve every ECG_DECAY_HALF_S until beats are found again: about eight
 * halvings (a 256 x burst in the integrator, 16 x in amplitude) take 2 s. */
#define ECG_LEVEL_STEP 4.0
#define ECG_SILENT_MIN_S 1.2
#define ECG_DECAY_HALF_S 0.25

/* One local maximum of the integrated signal, with what classification needs. */
typedef struct mwi_peak {
    double value;    /* integrator value */
    int64_t index;   /* sample index of the integrator maximum */
    int64_t r_index; /* refined R peak, whole sample */
    double r_pos;    /* refined R peak between samples (fractional index) */
    double slope;    /* steepest slope of the refinement signal before the peak */
    double width;    /* half-height width of the refined peak, samples */
} mwi_peak;

struct ecg_detector {
    double fs;
    int mwi_len, ring_len;
    int refractory, twave, r_search, force_peak, hold_gap, learn_len, width_span, silent_min;
    double ref_delay; /* group delay of ref_lp in samples (fractional) */
    double decay;     /* per-sample factor of the silent-level decay */

    /* filters */
    bio_biquad bp_hp, bp_lp;   /* 5-15 Hz band-pass for detection */
    bio_biquad ref_hp, ref_lp; /* 0.5-40 Hz, nearly phase-true, for R refinement */
    double deriv_hist[4];      /* band-passed x[n-1..n-4] */
    double *mwi_ring;          /* squared derivative, mwi_len */
    double mwi_sum;
    int mwi_pos;
    double *ref_ring; /* refinement signal, ring_len */

    /* stream */
    int64_t n; /* index of the next sample */
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
    int64_t last_qrs; /* integrator index of the last QRS, -1 = unknown */
    int64_t last_r;   /* last reported R index, -1 = none */
    double last_slope, last_width;
    double rr1[ECG_RR_COUNT], rr2[ECG_RR_COUNT];
    int n_rr1, n_rr2, rr1_pos, rr2_pos;
    mwi_peak candidate; /* best noise peak since the last QRS, for search-back */
    bool has_candidate;

    /* R polarity: running mean of the largest positive and negative deflections */
    double pos_level, neg_level;

    beat_queue pending;
};

ecg_detector *ecg_detector_new(double fs)
{
    if (!(fs >= LULL_ECG_MIN_RATE_HZ && fs <= LULL_ECG_MAX_RATE_HZ)) return NULL;
    ecg_detector *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->fs = fs;
    d->mwi_len = bio_samples(fs, ECG_MWI_S);
    d->ring_len = bio_samples(fs, ECG_RING_S);
    d->refractory = bio_samples(fs, ECG_REFRACTORY_S);
    d->twave = bio_samples(fs, ECG_TWAVE_S);
    d->r_search = bio_samples(fs, ECG_R_SEARCH_S);
    d->force_peak = bio_samples(fs, ECG_FORCE_PEAK_S);
    d->hold_gap = bio_samples(fs, ECG_HOLD_GAP_S);
    d->learn_len = bio_samples(fs, ECG_LEARN_S);
    d->width_span = bio_samples(fs, ECG_WIDTH_SPAN_S);
    d->silent_min = bio_samples(fs, ECG_SILENT_MIN_S);
    d->decay = pow(0.5, 1.0 / (ECG_DECAY_HALF_S * fs));
    /* 2nd-order Butterworth low-pass: group delay sqrt(2) / (2 pi fc) at DC */
    d->ref_delay = fs * M_SQRT2 / (2.0 * M_PI * fmin(40.0, 0.4 * fs));
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
    if (!d) return;
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
    d->last_slope = d->last_width = 0.0;
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
    if (count == 0) return 0.0;
    double s = 0.0;
    for (int i = 0; i < count; i++) s += rr[i];
    return s / count;
}

static void emit(ecg_detector *d, const mwi_peak *p)
{
    beat_queue_push(&d->pending, p->r_pos);
    d->last_r = p->r_index;
}

/* A peak's contribution to a level, at most ECG_LEVEL_STEP x the signal level:
 * an artifact cannot teach a threshold that no later QRS reaches. */
static double level_input(const ecg_detector *d, double value)
{
    return d->spki > 0.0 ? fmin(value, ECG_LEVEL_STEP * d->spki) : value;
}

static void accept_qrs(ecg_detector *d, const mwi_peak *p, bool search_back)
{
    double v = level_input(d, p->value);
    if (search_back)
        d->spki = 0.25 * v + 0.75 * d->spki;
    else
        d->spki = 0.125 * v + 0.875 * d->spki;
    if (d->last_qrs >= 0) {
        double rr = (double)(p->index - d->last_qrs);
        double avg2 = rr_average(d);
        d->rr1[d->rr1_pos] = rr;
        d->rr1_pos = (d->rr1_pos + 1) % ECG_RR_COUNT;
        if (d->n_rr1 < ECG_RR_COUNT) d->n_rr1++;
        if (d->n_rr2 == 0 || (rr > 0.92 * avg2 && rr < 1.16 * avg2)) {
            d->rr2[d->rr2_pos] = rr;
            d->rr2_pos = (d->rr2_pos + 1) % ECG_RR_COUNT;
            if (d->n_rr2 < ECG_RR_COUNT) d->n_rr2++;
        }
    }
    d->last_qrs = p->index;
    d->last_slope = p->slope;
    d->last_width = p->width;
    d->has_candidate = false;
    emit(d, p);
}

/* A steep enough peak is a QRS; a shallow one close after a QRS is a T wave, and
 * so is a much wider one (Pan-Tompkins' rule looks at slope only; a narrow T wave
 * taller than the R passes it). */
static bool is_t_wave(const ecg_detector *d, const mwi_peak *p)
{
    if (d->last_qrs < 0 || p->index - d->last_qrs >= d->twave) return false;
    return p->slope < 0.5 * d->last_slope ||
           (d->last_width > 0.0 && p->width > ECG_TWAVE_WIDTH * d->last_width);
}

static void classify(ecg_detector *d, const mwi_peak *p)
{
    if (d->last_qrs >= 0 && p->index - d->last_qrs < d->refractory) return;
    if (d->last_r >= 0 && p->r_index <= d->last_r) return;
    bool t_wave = is_t_wave(d, p);
    if (p->value > thr1(d) && !t_wave) {
        accept_qrs(d, p, false);
        return;
    }
    /* A T wave is the heart's own, not noise: it must not lift the noise level
     * above the QRS when it is the taller wave. */
    if (!t_wave) d->npki = 0.125 * level_input(d, p->value) + 0.875 * d->npki;
    if (!t_wave && (!d->has_candidate || p->value > d->candidate.value)) {
        d->candidate = *p;
        d->has_candidate = true;
    }
}

static void search_back(ecg_detector *d)
{
    if (!d->has_candidate || d->last_qrs < 0) return;
    double avg = rr_average(d);
    if (avg <= 0.0 || (double)(d->n - d->last_qrs) <= ECG_SEARCH_BACK * avg) return;
    if (d->candidate.value > 0.5 * thr1(d))
        accept_qrs(d, &d->candidate, true);
    else
        d->has_candidate = false;
}

/* No QRS for longer than search-back would wait: the levels are too high for
 * the beats now arriving (they learnt an artifact, or the gain dropped). */
static void relax_levels(ecg_detector *d)
{
    double avg = rr_average(d);
    int64_t since = d->n - (d->last_qrs >= 0 ? d->last_qrs : d->learn_start + d->learn_len);
    double wait = fmax((double)d->silent_min, ECG_SEARCH_BACK * avg);
    if ((double)since > wait) {
        d->spki *= d->decay;
        d->npki *= d->decay;
    }
}

static void finish_learning(ecg_detector *d)
{
    d->learning = false;
    /* A pop (a bumped electrode) in the learning window is one peak far above the
     * rest: it must not set the signal level. Take the largest peak that is at
     * most ECG_LEVEL_STEP x the next one below it. */
    double top = d->learn_max, second = 0.0;
    for (int i = 0; i < d->n_learn_peaks; i++) {
        double v = d->learn_peaks[i].value;
        if (v < top && v > second) second = v;
    }
    if (second > 0.0 && top > ECG_LEVEL_STEP * second) top = second;
    d->spki = top / 3.0;
    d->npki = 0.5 * d->learn_sum / (double)d->learn_count;
    for (int i = 0; i < d->n_learn_peaks; i++) classify(d, &d->learn_peaks[i]);
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
        if (d->learn_peaks[i].value < d->learn_peaks[smallest].value) smallest = i;
    if (p->value <= d->learn_peaks[smallest].value) return;
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
    if (oldest < 0) oldest = 0; /* early in the stream the ring is not full yet */
    int64_t lo = p.index - d->r_search;
    if (lo < oldest) lo = oldest;
    if (d->last_r >= 0 && lo <= d->last_r + d->refractory) lo = d->last_r + d->refractory;
    /* The window ends at the peak, or at the oldest sample still in the ring when
     * the peak is older than that (right after a gap). */
    int64_t hi = p.index < oldest ? oldest : p.index;
    if (lo > hi) lo = hi;
    int64_t best_pos = lo, best_neg = lo;
    double vmax = -INFINITY, vmin = INFINITY;
    for (int64_t i = lo; i <= hi; i++) {
        double v = d->ref_ring[ring_at(d, i)];
        if (v > vmax) vmax = v, best_pos = i;
        if (v < vmin) vmin = v, best_neg = i;
    }
    /* The R wave is the deflection whose polarity usually dominates this lead;
     * following it avoids jumping between R and S from beat to beat. */
    bool positive =
        d->pos_level + d->neg_level > 0.0 ? d->pos_level >= d->neg_level : vmax >= -vmin;
    int64_t at = positive ? best_pos : best_neg;
    double sign = positive ? 1.0 : -1.0;
    /* Between samples: the vertex of the parabola through the peak and its
     * neighbours (all still in the ring: at <= the integrator peak < n). */
    double frac = 0.0;
    if (at > oldest && at + 1 < d->n)
        frac = bio_parabolic_offset(sign * d->ref_ring[ring_at(d, at - 1)],
                                    sign * d->ref_ring[ring_at(d, at)],
                                    sign * d->ref_ring[ring_at(d, at + 1)]);
    /* the refinement low-pass delays the signal by its DC group delay */
    p.r_pos = (double)at + frac - d->ref_delay;
    p.r_index = (int64_t)llround(p.r_pos);
    /* Half-height width of that peak, for the T-wave test. */
    double half = 0.5 * sign * d->ref_ring[ring_at(d, at)];
    int64_t a = at, b = at;
    while (a > oldest && at - a < d->width_span && sign * d->ref_ring[ring_at(d, a - 1)] > half)
        a--;
    while (b + 1 < d->n && b - at < d->width_span && sign * d->ref_ring[ring_at(d, b + 1)] > half)
        b++;
    p.width = (double)(b - a + 1);
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
    double der =
        (2.0 * bp + d->deriv_hist[0] - d->deriv_hist[2] - 2.0 * d->deriv_hist[3]) * (d->fs / 8.0);
    memmove(&d->deriv_hist[1], &d->deriv_hist[0], 3 * sizeof(double));
    d->deriv_hist[0] = bp;
    double sq = der * der;
    d->mwi_sum += sq - d->mwi_ring[d->mwi_pos];
    d->mwi_ring[d->mwi_pos] = sq;
    if (++d->mwi_pos == d->mwi_len) {
        /* Recompute once per window so rounding never accumulates. */
        d->mwi_pos = 0;
        double s = 0.0;
        for (int i = 0; i < d->mwi_len; i++) s += d->mwi_ring[i];
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
    if (!d->learning) {
        search_back(d);
        relax_levels(d);
    }
}

static void push_samples(ecg_detector *d, const float *x, size_t n)
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
                if (d->learning) start_learning(d);
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

size_t ecg_detector_push(ecg_detector *d, const float *x, size_t n, int64_t *beats_out,
                         size_t max_out)
{
    push_samples(d, x, n);
    return beat_queue_take(&d->pending, NULL, beats_out, max_out);
}

size_t ecg_detector_push_precise(ecg_detector *d, const float *x, size_t n, double *beats_out,
                                 size_t max_out)
{
    push_samples(d, x, n);
    return beat_queue_take(&d->pending, beats_out, NULL, max_out);
}
