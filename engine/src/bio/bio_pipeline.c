#include "bio/bio_pipeline.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bio/baseline.h"
#include "bio/beat_template.h"
#include "bio/coherence.h"
#include "bio/ecg_detector.h"
#include "bio/hrv.h"
#include "bio/ppg_detector.h"
#include "bio/signal_quality.h"
#include "core/limits.h"

#define DEFAULT_GAP_TOLERANCE_S 0.5
#define MAX_NUDGE_S 0.001
#define ABSURD_SAMPLE 1e9
#define SAMPLE_STALE_S 1.0
#define BEAT_STALE_INTERVALS 2.5
#define RR_DELIVERY_S 1.0
#define HR_STALE_S 3.0
#define RR_MAX_MS 5000.0
#define HR_MIN_BPM 20.0
#define HR_MAX_BPM 300.0
#define SEGMENTS 64
#define DETECTOR_CHUNK 256
#define BEATS_OUT 64
#define RESP_INTERVAL_WINDOW 8
#define HEART_INTERVAL_WINDOW 16
#define RSA_WAIT_S 3.0
#define BASELINE_MIN_QUALITY 0.5
/* Beat windows compared by the morphology score (beat_template.h). */
#define ECG_TPL_PRE_S 0.1
#define ECG_TPL_POST_S 0.2
#define PPG_TPL_S 0.3
/* Morphology score: 0 at this mean correlation, 1 at the next (Orphanidou 2015
 * accepts ECG at 0.66 and PPG at 0.86). */
#define ECG_MORPH_ZERO 0.5
#define ECG_MORPH_ONE 0.7
#define PPG_MORPH_ZERO 0.7
#define PPG_MORPH_ONE 0.9
/* Regularity evidence: the median beat-to-beat change of the last intervals
 * against the median interval. A sinus rhythm changes by a few percent from beat
 * to beat even with strong sinus arrhythmia (about 0.1 at most; ectopic beats are
 * outvoted by the median); peaks picked from noise by a detector with a 200-ms
 * refractory period change by a third of an interval. Score 1 at <= 0.12, 0 at
 * >= 0.25; it complements the morphology score, which slow noise can fool. */
#define REGULARITY_BEATS 10
#define REGULAR_ONE 0.12
#define REGULAR_ZERO 0.25
/* Heart sources, in order of preference. */
enum { SRC_ECG = 0, SRC_RR = 1, SRC_PPG = 2, SOURCES = 3, SRC_NONE = -1 };

/* Per waveform (resp, ECG, PPG), from core/limits.h. */
static const double default_rate[BIO_WAVEFORMS] = {
    LULL_RESP_DEFAULT_RATE_HZ, LULL_ECG_DEFAULT_RATE_HZ, LULL_PPG_DEFAULT_RATE_HZ};
static const double min_rate[BIO_WAVEFORMS] = {LULL_RESP_MIN_RATE_HZ, LULL_ECG_MIN_RATE_HZ,
                                               LULL_PPG_MIN_RATE_HZ};
static const double max_rate[BIO_WAVEFORMS] = {LULL_RESP_MAX_RATE_HZ, LULL_ECG_MAX_RATE_HZ,
                                               LULL_PPG_MAX_RATE_HZ};

/* Sample index -> time: piecewise, one segment per clock (re)anchoring. */
typedef struct segment {
    int64_t start_index;
    double start_time;
} segment;

typedef struct waveform {
    double fs;
    bool seen;
    int64_t next_index; /* index of the next sample */
    segment seg[SEGMENTS];
    int seg_head, seg_count;
    float last_good;
    double last_sample_time; /* NaN until seen */
    resp_tracker *resp;      /* BIO_RESP */
    ecg_detector *ecg;       /* BIO_ECG */
    ppg_detector *ppg;       /* BIO_PPG */
    signal_quality *quality;
    beat_template *tpl; /* BIO_ECG, BIO_PPG: morphology evidence */
    float chunk[DETECTOR_CHUNK];
} waveform;

typedef struct heart_source {
    beat_validator *validator;
    double recent[REGULARITY_BEATS]; /* last beat times, a ring, for regularity */
    int n_recent, recent_head;
    bool seen;
    double last_input_time; /* last sample (waveforms) or RR message */
    double last_beat_time;
    double median_ms;
    double report_delay_s; /* detector delay */
} heart_source;

struct bio_pipeline {
    /* [bio] Every field: one instance belongs to the thread that feeds it (lulld's bio
     * thread; [main] offline). [main] creates it and sets the listeners before that
     * thread starts, and frees it after the thread has stopped. */
    double gap_tolerance_s;
    waveform wave[BIO_WAVEFORMS];
    heart_source src[SOURCES];
    signal_quality *rr_quality; /* intervals score only */
    int active;                 /* SRC_* driving HRV, or SRC_NONE */
    hrv *hrv;
    coherence *coh;
    baseline base;
    /* RR chain */
    bool rr_chained;
    double rr_last_beat;
    /* HR-only devices */
    double hr_value, hr_time;
    bool hr_seen;
    /* breath-by-breath RSA */
    double last_inhale_time; /* NaN after a gap */
    double rsa_t0, rsa_t1;   /* pending breath, NaN when none */
    double rsa;
    double chain_start;       /* start of the unbroken chain of valid beats, NaN = none */
    release_detector release; /* release moments (release_detector.h) */
    double last_frame_s;      /* time of the last features frame, NaN before */
    bio_release_fn on_release;
    void *release_ctx;
    bio_pipeline_listener listener;
    bio_pipeline_counters counters;
};

void bio_pipeline_config_default(bio_pipeline_config *cfg)
{
    for (int i = 0; i < BIO_WAVEFORMS; i++) cfg->rate_hz[i] = default_rate[i];
    cfg->gap_tolerance_s = DEFAULT_GAP_TOLERANCE_S;
}

static void waveform_free_parts(waveform *w)
{
    resp_tracker_free(w->resp);
    ecg_detector_free(w->ecg);
    ppg_detector_free(w->ppg);
    signal_quality_free(w->quality);
    beat_template_free(w->tpl);
    w->tpl = NULL;
    w->resp = NULL;
    w->ecg = NULL;
    w->ppg = NULL;
    w->quality = NULL;
}

static void waveform_restart_clock(waveform *w)
{
    w->seen = false;
    w->next_index = 0;
    w->seg_head = w->seg_count = 0;
    w->last_good = 0.0f;
    w->last_sample_time = NAN;
}

/* Builds the extractors of one waveform at rate hz into *w (untouched on failure). */
static bool waveform_build(waveform *w, bio_stream s, double hz)
{
    if (!(hz >= min_rate[s] && hz <= max_rate[s])) return false;
    waveform n = {0};
    n.fs = hz;
    n.quality =
        signal_quality_new(hz, s == BIO_RESP ? RESP_INTERVAL_WINDOW : HEART_INTERVAL_WINDOW);
    bool ok = n.quality != NULL;
    if (s == BIO_RESP) ok = ok && (n.resp = resp_tracker_new(hz)) != NULL;
    if (s == BIO_ECG) ok = ok && (n.ecg = ecg_detector_new(hz)) != NULL;
    if (s == BIO_PPG) ok = ok && (n.ppg = ppg_detector_new(hz)) != NULL;
    if (s == BIO_ECG) ok = ok && (n.tpl = beat_template_new(hz, ECG_TPL_PRE_S, ECG_TPL_POST_S));
    if (s == BIO_PPG) ok = ok && (n.tpl = beat_template_new(hz, PPG_TPL_S, PPG_TPL_S));
    if (!ok) {
        waveform_free_parts(&n);
        return false;
    }
    waveform_free_parts(w);
    *w = n;
    waveform_restart_clock(w);
    return true;
}

bio_pipeline *bio_pipeline_new(const bio_pipeline_config *cfg)
{
    bio_pipeline_config def;
    if (!cfg) {
        bio_pipeline_config_default(&def);
        cfg = &def;
    }
    bio_pipeline *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->gap_tolerance_s = cfg->gap_tolerance_s > 0 ? cfg->gap_tolerance_s : DEFAULT_GAP_TOLERANCE_S;
    bool ok = true;
    for (int s = 0; s < BIO_WAVEFORMS && ok; s++) {
        double hz = cfg->rate_hz[s] > 0 ? cfg->rate_hz[s] : default_rate[s];
        ok = waveform_build(&p->wave[s], (bio_stream)s, hz);
    }
    for (int i = 0; i < SOURCES && ok; i++) ok = (p->src[i].validator = beat_validator_new(NULL));
    ok = ok && (p->rr_quality = signal_quality_new(1.0, HEART_INTERVAL_WINDOW));
    ok = ok && (p->hrv = hrv_new()) && (p->coh = coherence_new());
    if (!ok) {
        bio_pipeline_free(p);
        return NULL;
    }
    for (int i = 0; i < SOURCES; i++) {
        p->src[i].last_input_time = p->src[i].last_beat_time = NAN;
        p->src[i].median_ms = NAN;
    }
    p->src[SRC_ECG].report_delay_s = ecg_detector_max_delay_s(p->wave[BIO_ECG].ecg);
    p->src[SRC_PPG].report_delay_s = ppg_detector_max_delay_s(p->wave[BIO_PPG].ppg);
    p->active = SRC_NONE;
    baseline_init(&p->base);
    p->hr_value = p->hr_time = NAN;
    p->last_inhale_time = p->rsa_t0 = p->rsa_t1 = p->rsa = NAN;
    p->rr_last_beat = NAN;
    p->chain_start = NAN;
    release_detector_init(&p->release);
    p->last_frame_s = NAN;
    return p;
}

void bio_pipeline_free(bio_pipeline *p)
{
    if (!p) return;
    for (int s = 0; s < BIO_WAVEFORMS; s++) waveform_free_parts(&p->wave[s]);
    for (int i = 0; i < SOURCES; i++) beat_validator_free(p->src[i].validator);
    signal_quality_free(p->rr_quality);
    hrv_free(p->hrv);
    coherence_free(p->coh);
    free(p);
}

bool bio_pipeline_set_rate(bio_pipeline *p, bio_stream s, double hz)
{
    if ((int)s < 0 || s >= BIO_WAVEFORMS) return false;
    /* Devices repeat their rate: an unchanged rate must not restart the detectors. */
    if (p->wave[s].fs == hz) return true;
    if (!waveform_build(&p->wave[s], s, hz)) return false;
    if (s == BIO_ECG) p->src[SRC_ECG].report_delay_s = ecg_detector_max_delay_s(p->wave[s].ecg);
    if (s == BIO_PPG) p->src[SRC_PPG].report_delay_s = ppg_detector_max_delay_s(p->wave[s].ppg);
    return true;
}

double bio_pipeline_rate(const bio_pipeline *p, bio_stream s) { return p->wave[s].fs; }

void bio_pipeline_set_listener(bio_pipeline *p, const bio_pipeline_listener *l)
{
    if (l)
        p->listener = *l;
    else
        memset(&p->listener, 0, sizeof p->listener);
}

void bio_pipeline_set_release_listener(bio_pipeline *p, bio_release_fn fn, void *ctx)
{
    p->on_release = fn;
    p->release_ctx = ctx;
}

void bio_pipeline_counters_get(const bio_pipeline *p, bio_pipeline_counters *out)
{
    *out = p->counters;
}

/* ---- sample clocks ------------------------------------------------------ */

static void segment_add(waveform *w, int64_t index, double time)
{
    w->seg[w->seg_head] = (segment){index, time};
    w->seg_head = (w->seg_head + 1) % SEGMENTS;
    if (w->seg_count < SEGMENTS) w->seg_count++;
}

static double index_time(const waveform *w, double index)
{
    const segment *best = NULL;
    for (int i = 0; i < w->seg_count; i++) {
        const segment *s = &w->seg[(w->seg_head + SEGMENTS - 1 - i) % SEGMENTS];
        best = s;
        if ((double)s->start_index <= index) break;
    }
    return best->start_time + (index - (double)best->start_index) / w->fs;
}

/* ---- heart ---------------------------------------------------------------- */

/* The beat chain of the active source is broken: HRV and coherence start over. */
static void heart_break(bio_pipeline *p)
{
    hrv_break(p->hrv);
    p->chain_start = NAN;
}

static bool source_fresh(const bio_pipeline *p, int i, double now)
{
    const heart_source *s = &p->src[i];
    if (!s->seen) return false;
    double median_s = isfinite(s->median_ms) ? s->median_ms / 1000.0 : 1.0;
    if (i == SRC_RR)
        return now - s->last_input_time <= BEAT_STALE_INTERVALS * median_s + RR_DELIVERY_S;
    if (now - s->last_input_time > SAMPLE_STALE_S) return false;
    double since_beat =
        now - (isfinite(s->last_beat_time) ? s->last_beat_time : s->last_input_time);
    return since_beat <= BEAT_STALE_INTERVALS * median_s + s->report_delay_s;
}

static void heart_result(bio_pipeline *p, int i, const beat_result *r)
{
    bio_stream stream = i == SRC_ECG ? BIO_ECG : i == SRC_PPG ? BIO_PPG : BIO_WAVEFORMS;
    if (p->listener.beat) p->listener.beat(p->listener.ctx, stream, r);
    if (r->flag == BEAT_FIRST) return;
    bool valid = r->flag == BEAT_VALID;
    if (valid)
        p->counters.intervals_valid++;
    else
        p->counters.intervals_flagged++;
    signal_quality *q = i == SRC_RR ? p->rr_quality : p->wave[stream].quality;
    signal_quality_interval(q, valid);
    /* The preferred fresh source drives HRV; a change of source breaks the chain. */
    int want = SRC_NONE;
    for (int k = 0; k < SOURCES && want == SRC_NONE; k++)
        if (k == i || source_fresh(p, k, r->time_s)) want = k;
    if (want != i) return;
    if (p->active != i) {
        heart_break(p);
        p->active = i;
    }
    hrv_push(p->hrv, r->time_s, r->interval_ms, valid);
    if (valid && !isfinite(p->chain_start)) p->chain_start = r->time_s - r->interval_ms / 1000.0;
}

static void heart_beat(bio_pipeline *p, int i, double t)
{
    heart_source *s = &p->src[i];
    s->recent[s->recent_head] = t;
    s->recent_head = (s->recent_head + 1) % REGULARITY_BEATS;
    if (s->n_recent < REGULARITY_BEATS) s->n_recent++;
    beat_result r;
    if (beat_validator_push(s->validator, t, &r)) heart_result(p, i, &r);
    s->last_beat_time = t;
    s->median_ms = beat_validator_median_ms(s->validator);
}

/* ---- waveforms ------------------------------------------------------------ */

static void resp_sample(bio_pipeline *p, waveform *w, float x, double t)
{
    resp_event ev;
    double filtered;
    int found = resp_tracker_push(w->resp, x, t, &ev, &filtered);
    signal_quality_push(w->quality, x, filtered);
    if (!found) return;
    signal_quality_interval(w->quality, ev.accepted);
    signal_quality_set_reference(w->quality, resp_tracker_median_amplitude(w->resp));
    if (p->listener.breath) p->listener.breath(p->listener.ctx, &ev);
    release_detector_breath(&p->release, &ev, resp_tracker_median_amplitude(w->resp),
                            resp_tracker_cycle_s(w->resp));
    if (ev.kind != RESP_INHALE_ONSET) return;
    p->counters.breaths++;
    if (ev.accepted && isfinite(p->last_inhale_time)) {
        p->rsa_t0 = p->last_inhale_time;
        p->rsa_t1 = ev.time_s;
    }
    p->last_inhale_time = ev.accepted ? ev.time_s : NAN;
}

static void detector_chunk(bio_pipeline *p, bio_stream s, size_t n)
{
    waveform *w = &p->wave[s];
    double beats[BEATS_OUT];
    size_t nb = s == BIO_ECG ? ecg_detector_push_precise(w->ecg, w->chunk, n, beats, BEATS_OUT)
                             : ppg_detector_push_precise(w->ppg, w->chunk, n, beats, BEATS_OUT);
    int src = s == BIO_ECG ? SRC_ECG : SRC_PPG;
    for (size_t b = 0; b < nb; b++) {
        p->counters.beats[s]++;
        beat_template_beat(w->tpl, beats[b]);
        heart_beat(p, src, index_time(w, beats[b]));
    }
}

/* Starts or nudges the sample clock for a batch of n samples ending at t_last.
 * Returns true when the batch does not follow the previous one. */
static bool clock_batch(bio_pipeline *p, waveform *w, size_t n, double t_last)
{
    double span = (double)(n - 1) / w->fs;
    if (!w->seen) {
        segment_add(w, w->next_index, t_last - span);
        w->seen = true;
        return false;
    }
    double expected = index_time(w, w->next_index + (int64_t)n - 1);
    double err = t_last - expected;
    if (fabs(err) > p->gap_tolerance_s) return true;
    double nudge = fmax(-MAX_NUDGE_S, fmin(MAX_NUDGE_S, 0.01 * err));
    if (fabs(nudge) > 1e-7) segment_add(w, w->next_index, index_time(w, w->next_index) + nudge);
    return false;
}

void bio_pipeline_push_samples(bio_pipeline *p, bio_stream s, const float *x, size_t n,
                               double t_last_s)
{
    if ((int)s < 0 || s >= BIO_WAVEFORMS || n == 0) return;
    waveform *w = &p->wave[s];
    if (!isfinite(t_last_s)) {
        p->counters.bad_batches[s]++;
        return;
    }
    if (clock_batch(p, w, n, t_last_s)) {
        p->counters.gaps[s]++;
        signal_quality_gap(w->quality);
        if (w->tpl) beat_template_gap(w->tpl);
        if (s == BIO_RESP) {
            resp_tracker_gap(w->resp);
            release_detector_gap(&p->release);
            p->last_inhale_time = NAN;
        } else {
            /* The detectors treat a non-finite sample as a gap; it takes an index. */
            w->chunk[0] = NAN;
            detector_chunk(p, s, 1);
            w->next_index++;
            if (p->active == (s == BIO_ECG ? SRC_ECG : SRC_PPG)) heart_break(p);
        }
        segment_add(w, w->next_index, t_last_s - (double)(n - 1) / w->fs);
    }
    size_t fill = 0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (!isfinite(v) || fabsf(v) > ABSURD_SAMPLE) {
            p->counters.bad_samples[s]++;
            v = w->last_good;
        } else {
            w->last_good = v;
            p->counters.samples[s]++;
        }
        int64_t index = w->next_index++;
        if (s == BIO_RESP) {
            resp_sample(p, w, v, index_time(w, index));
            continue;
        }
        signal_quality_push(w->quality, v, v);
        beat_template_push(w->tpl, v);
        w->chunk[fill++] = v;
        if (fill == DETECTOR_CHUNK) {
            detector_chunk(p, s, fill);
            fill = 0;
        }
    }
    if (fill) detector_chunk(p, s, fill);
    w->last_sample_time = index_time(w, w->next_index - 1);
    if (s != BIO_RESP) {
        heart_source *hs = &p->src[s == BIO_ECG ? SRC_ECG : SRC_PPG];
        hs->seen = true;
        hs->last_input_time = w->last_sample_time;
    }
}

/* ---- RR and HR ------------------------------------------------------------ */

void bio_pipeline_push_rr(bio_pipeline *p, const float *rr_ms, size_t n, double t_s)
{
    if (!isfinite(t_s)) {
        p->counters.rr_dropped += n;
        return;
    }
    double sum_s = 0;
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(rr_ms[i]) && rr_ms[i] > 0 && rr_ms[i] <= RR_MAX_MS) {
            sum_s += rr_ms[i] / 1000.0;
            good++;
        }
    }
    p->counters.rr_dropped += n - good;
    if (good < n) p->rr_chained = false; /* a dropped interval breaks the chain */
    heart_source *s = &p->src[SRC_RR];
    s->seen = true;
    s->last_input_time = t_s;
    if (good == 0) return;
    /* Beats by adding the intervals to the previous beat, nudged toward the stamp. */
    double start;
    double err = p->rr_chained ? t_s - (p->rr_last_beat + sum_s) : INFINITY;
    if (fabs(err) <= p->gap_tolerance_s + RR_DELIVERY_S) {
        start = p->rr_last_beat + fmax(-MAX_NUDGE_S, fmin(MAX_NUDGE_S, 0.01 * err));
    } else {
        if (p->counters.rr_accepted) p->counters.rr_gaps++;
        beat_validator_reset(s->validator);
        if (p->active == SRC_RR) heart_break(p);
        start = t_s - sum_s;
        heart_beat(p, SRC_RR, start); /* the beat that starts the first interval */
    }
    double t = start;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(rr_ms[i]) && rr_ms[i] > 0 && rr_ms[i] <= RR_MAX_MS)) continue;
        t += rr_ms[i] / 1000.0;
        p->counters.rr_accepted++;
        heart_beat(p, SRC_RR, t);
    }
    p->rr_last_beat = t;
    p->rr_chained = true;
}

void bio_pipeline_push_hr(bio_pipeline *p, float bpm, double t_s)
{
    if (!isfinite(bpm) || bpm < HR_MIN_BPM || bpm > HR_MAX_BPM || !isfinite(t_s)) {
        p->counters.hr_dropped++;
        return;
    }
    p->counters.hr_accepted++;
    p->hr_value = bpm;
    p->hr_time = t_s;
    p->hr_seen = true;
}

void bio_pipeline_flush(bio_pipeline *p)
{
    for (int i = 0; i < SOURCES; i++) {
        beat_result r;
        if (beat_validator_flush(p->src[i].validator, &r)) heart_result(p, i, &r);
    }
    release_event ev;
    if (release_detector_current(&p->release, &ev) && p->on_release) {
        ev.end_s = p->last_frame_s;
        p->on_release(p->release_ctx, &ev);
    }
}

/* ---- features ------------------------------------------------------------- */

static void breath_features(bio_pipeline *p, double now, lull_features *f)
{
    waveform *w = &p->wave[BIO_RESP];
    if (!isfinite(w->last_sample_time)) return;
    bool fresh = now - w->last_sample_time <= SAMPLE_STALE_S;
    f->breath_state = fresh ? LULL_SENSOR_OK : LULL_SENSOR_STALE;
    f->breath_rate = (float)resp_tracker_rate(w->resp, now);
    f->breath_phase = (float)resp_tracker_phase(w->resp, now);
    f->breath_depth = (float)resp_tracker_depth(w->resp);
    f->ie_ratio = (float)resp_tracker_ie_ratio(w->resp);
    signal_quality_scores q;
    signal_quality_get(w->quality, &q);
    f->breath_quality = fresh && isfinite(f->breath_rate) ? (float)q.total : 0.0f;
    /* A swing far beyond the usual breath on the belt: movement, not a release. */
    if (fresh && q.burst < 0.5) release_detector_motion(&p->release, now);
}

static double ramp01(double x, double zero_at, double one_at)
{
    double v = (x - zero_at) / (one_at - zero_at);
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void sort_small(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* Evidence that the beats come at a heart's pace (see REGULARITY_BEATS). */
static double regularity_score(const heart_source *s)
{
    if (s->n_recent < 4) return 0.0;
    double t[REGULARITY_BEATS], rr[REGULARITY_BEATS], d[REGULARITY_BEATS];
    for (int k = 0; k < s->n_recent; k++)
        t[k] = s->recent[(s->recent_head - s->n_recent + k + REGULARITY_BEATS) % REGULARITY_BEATS];
    int n_rr = s->n_recent - 1;
    for (int k = 0; k < n_rr; k++) rr[k] = t[k + 1] - t[k];
    for (int k = 0; k + 1 < n_rr; k++) d[k] = fabs(rr[k + 1] - rr[k]);
    sort_small(rr, n_rr);
    sort_small(d, n_rr - 1);
    double med_rr = rr[n_rr / 2], med_d = d[(n_rr - 1) / 2];
    if (!(med_rr > 0)) return 0.0;
    return ramp01(med_d / med_rr, REGULAR_ZERO, REGULAR_ONE);
}

/* Evidence that the beats are a heart's: alike in shape (beat_template.h). */
static double morphology_score(const waveform *w, bool ecg)
{
    double c = beat_template_correlation(w->tpl);
    return ecg ? ramp01(c, ECG_MORPH_ZERO, ECG_MORPH_ONE)
               : ramp01(c, PPG_MORPH_ZERO, PPG_MORPH_ONE);
}

static void heart_features(bio_pipeline *p, double now, lull_features *f)
{
    bool any_seen = p->hr_seen, any_fresh = false;
    int fresh_src = SRC_NONE;
    for (int i = 0; i < SOURCES; i++) {
        any_seen |= p->src[i].seen;
        if (fresh_src == SRC_NONE && source_fresh(p, i, now)) fresh_src = i;
    }
    if (!any_seen) return;
    bool hr_fresh = p->hr_seen && now - p->hr_time <= HR_STALE_S;
    any_fresh = fresh_src != SRC_NONE || hr_fresh;
    f->heart_state = any_fresh ? LULL_SENSOR_OK : LULL_SENSOR_STALE;

    if (p->active != SRC_NONE) {
        f->heart_rate = (float)hrv_heart_rate(p->hrv);
        f->rmssd = (float)hrv_rmssd(p->hrv);
        coherence_update(p->coh, p->hrv, now);
        f->coherence = (float)coherence_value(p->coh);
        /* Coherence needs COHERENCE_WINDOW_S of valid beats; while unknown with
         * the window covered (waiting for the next 5-s update, or a hole in the
         * beats), at least 1 s is reported so that it still reads as learning. */
        double have = isfinite(p->chain_start) ? hrv_last_beat_time(p->hrv) - p->chain_start : 0.0;
        f->coherence_learning_s =
            isfinite(f->coherence) ? 0.0f : (float)fmax(1.0, COHERENCE_WINDOW_S - fmax(0.0, have));
        /* RSA of the last complete breath, once its beats are in. */
        if (isfinite(p->rsa_t1) &&
            (hrv_last_beat_time(p->hrv) >= p->rsa_t1 || now > p->rsa_t1 + RSA_WAIT_S)) {
            p->rsa = hrv_rsa(p->hrv, p->rsa_t0, p->rsa_t1);
            p->rsa_t0 = p->rsa_t1 = NAN;
        }
        f->rsa = (float)p->rsa;
    }
    if (fresh_src != SRC_NONE && fresh_src == p->active) {
        signal_quality_scores q;
        if (fresh_src == SRC_RR) {
            signal_quality_get(p->rr_quality, &q);
            f->heart_quality = (float)q.intervals;
        } else {
            waveform *w = &p->wave[fresh_src == SRC_ECG ? BIO_ECG : BIO_PPG];
            signal_quality_get(w->quality, &q);
            f->heart_quality = (float)(q.total * morphology_score(w, fresh_src == SRC_ECG) *
                                       regularity_score(&p->src[fresh_src]));
        }
    } else if (fresh_src == SRC_NONE && hr_fresh) {
        /* A device that sends only heart rate vouches for it. */
        f->heart_rate = p->hr_value;
        f->heart_quality = 1.0f;
    }
}

void bio_pipeline_features(bio_pipeline *p, double now_s, lull_features *out)
{
    lull_features_init(out);
    out->time_s = now_s;
    breath_features(p, now_s, out);
    heart_features(p, now_s, out);
    bool heart_ok = out->heart_quality >= BASELINE_MIN_QUALITY;
    bool breath_ok = out->breath_quality >= BASELINE_MIN_QUALITY;
    baseline_update(&p->base, now_s, heart_ok ? out->heart_rate : NAN, heart_ok ? out->rmssd : NAN,
                    breath_ok ? out->breath_rate : NAN);
    if (out->heart_state != LULL_SENSOR_NONE || out->breath_state != LULL_SENSOR_NONE)
        out->arousal_learning_s = (float)baseline_seconds_left(&p->base);
    out->arousal = (float)baseline_arousal(
        &p->base, out->heart_state == LULL_SENSOR_OK ? out->heart_rate : NAN,
        out->heart_state == LULL_SENSOR_OK ? out->rmssd : NAN,
        out->breath_state == LULL_SENSOR_OK ? out->breath_rate : NAN);
    release_event ended;
    if (release_detector_frame(&p->release, out, &ended) && p->on_release)
        p->on_release(p->release_ctx, &ended);
    p->last_frame_s = now_s;
}
