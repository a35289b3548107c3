#include "bio/beat_validator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bio/order_stats.h"

enum {
    BOOT_LEN = 5,    /* range-valid intervals used before the median has 3 values */
    RESTART_RUN = 5, /* agreeing flagged intervals that restart the median */
    MEDIAN_MAX = 64,
};

/* A beat whose verdict is not given yet. */
typedef struct pending_beat {
    double time_s, interval_ms;
    beat_flag flag;
    bool decided; /* set by the pattern its predecessor completed */
    bool beat_ectopic;
} pending_beat;

struct beat_validator {
    beat_validator_config cfg;
    double *history; /* last median_len valid intervals (ring) */
    int hist_count, hist_pos;
    double boot[BOOT_LEN];
    int boot_count, boot_pos;
    double run[RESTART_RUN]; /* consecutive flagged (ratio) intervals */
    int run_count;
    double *scratch;
    bool has_pending;
    pending_beat pending;
    bool has_last;
    double last_time_s;
};

void beat_validator_config_default(beat_validator_config *cfg)
{
    cfg->min_ms = 300.0;
    cfg->max_ms = 2000.0;
    cfg->ratio_low = 0.7;
    cfg->ratio_high = 1.3;
    cfg->ectopic_short = 0.88;
    cfg->ectopic_long = 1.08;
    cfg->median_len = 9;
}

beat_validator *beat_validator_new(const beat_validator_config *cfg)
{
    beat_validator_config c;
    if (cfg)
        c = *cfg;
    else
        beat_validator_config_default(&c);
    if (!(c.min_ms > 0 && c.max_ms > c.min_ms && c.ratio_low > 0 && c.ratio_low < 1 &&
          c.ratio_high > 1 && c.ectopic_short < 1 && c.ectopic_long > 1 && c.median_len >= 3 &&
          c.median_len <= MEDIAN_MAX))
        return NULL;
    beat_validator *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->cfg = c;
    v->history = calloc((size_t)c.median_len, sizeof(double));
    v->scratch = calloc((size_t)c.median_len + BOOT_LEN + RESTART_RUN, sizeof(double));
    if (!v->history || !v->scratch) {
        beat_validator_free(v);
        return NULL;
    }
    return v;
}

void beat_validator_free(beat_validator *v)
{
    if (!v) return;
    free(v->history);
    free(v->scratch);
    free(v);
}

void beat_validator_reset(beat_validator *v)
{
    v->hist_count = v->hist_pos = 0;
    v->boot_count = v->boot_pos = 0;
    v->run_count = 0;
    v->has_pending = false;
    v->has_last = false;
}

double beat_validator_median_ms(const beat_validator *v)
{
    if (v->hist_count == 0) return NAN;
    return order_ring_median(v->history, (size_t)v->cfg.median_len, (size_t)v->hist_pos,
                             (size_t)v->hist_count, v->scratch);
}

/* The rhythm an interval is compared with: the median of valid intervals, or
 * while there are fewer than three, of the recent in-range ones (including the
 * interval under judgement and its successor, so the very start is judged too). */
static double reference_ms(beat_validator *v, double ip, double next)
{
    if (v->hist_count >= 3) return beat_validator_median_ms(v);
    double tmp[BOOT_LEN + 2];
    int n = 0;
    for (int i = 0; i < v->boot_count; i++) tmp[n++] = v->boot[i];
    tmp[n++] = ip;
    if (!isnan(next)) tmp[n++] = next;
    return order_median(tmp, (size_t)n, v->scratch);
}

static bool in_range(const beat_validator *v, double ms)
{
    return ms >= v->cfg.min_ms && ms <= v->cfg.max_ms;
}

static void add_valid(beat_validator *v, double ms)
{
    v->history[v->hist_pos] = ms;
    v->hist_pos = (v->hist_pos + 1) % v->cfg.median_len;
    if (v->hist_count < v->cfg.median_len) v->hist_count++;
}

/* Consecutive flagged intervals that agree with each other mean the rhythm
 * itself changed: the median restarts from them. */
static void note_flagged(beat_validator *v, double ms)
{
    v->run[v->run_count++] = ms;
    if (v->run_count < RESTART_RUN) return;
    double med = order_median(v->run, RESTART_RUN, v->scratch);
    bool agree = true;
    for (int i = 0; i < RESTART_RUN; i++) agree = agree && fabs(v->run[i] - med) < 0.15 * med;
    if (agree) {
        v->hist_count = v->hist_pos = 0;
        for (int i = 0; i < RESTART_RUN; i++) add_valid(v, v->run[i]);
        v->run_count = 0;
    } else {
        memmove(v->run, v->run + 1, (RESTART_RUN - 1) * sizeof(double));
        v->run_count--;
    }
}

/* Judges the pending beat; `next` is the interval that follows it (NaN at flush). */
static beat_result decide(beat_validator *v, double next)
{
    pending_beat *p = &v->pending;
    beat_result r = {
        .time_s = p->time_s, .interval_ms = p->interval_ms, .beat_ectopic = p->beat_ectopic};
    const beat_validator_config *c = &v->cfg;
    double ip = p->interval_ms;
    if (p->decided || p->flag == BEAT_FIRST) {
        r.flag = p->flag;
    } else if (!in_range(v, ip)) {
        r.flag = BEAT_ARTIFACT_RANGE;
    } else {
        double nx = !isnan(next) && in_range(v, next) ? next : NAN;
        double med = reference_ms(v, ip, nx);
        double ratio = ip / med, ratio_next = nx / med; /* NaN when no usable next */
        if (ratio < c->ectopic_short && ratio_next > c->ectopic_long && ratio + ratio_next > 1.6 &&
            ratio + ratio_next < 2.4) {
            r.flag = BEAT_ECTOPIC;
            r.beat_ectopic = true;
        } else if (ratio < c->ratio_low && ratio + ratio_next > 0.8 && ratio + ratio_next < 1.2) {
            r.flag = BEAT_EXTRA;
        } else if (ratio > 1.7 && ratio < 2.3) {
            r.flag = BEAT_MISSED;
        } else if (ratio < c->ratio_low || ratio > c->ratio_high) {
            r.flag = BEAT_ARTIFACT_RATIO;
        } else {
            r.flag = BEAT_VALID;
        }
    }
    if (r.flag == BEAT_VALID) {
        add_valid(v, ip);
        v->run_count = 0;
    } else if (r.flag == BEAT_ARTIFACT_RATIO || r.flag == BEAT_MISSED) {
        note_flagged(v, ip);
    } else if (r.flag == BEAT_ARTIFACT_RANGE) {
        v->run_count = 0;
    }
    if (r.flag != BEAT_FIRST && in_range(v, ip)) {
        v->boot[v->boot_pos] = ip;
        v->boot_pos = (v->boot_pos + 1) % BOOT_LEN;
        if (v->boot_count < BOOT_LEN) v->boot_count++;
    }
    return r;
}

int beat_validator_push(beat_validator *v, double t_s, beat_result *out)
{
    if (!isfinite(t_s) || (v->has_last && t_s <= v->last_time_s)) return 0;
    double interval = v->has_last ? (t_s - v->last_time_s) * 1000.0 : NAN;
    int produced = 0;
    pending_beat next = {
        .time_s = t_s, .interval_ms = interval, .flag = v->has_last ? BEAT_VALID : BEAT_FIRST};
    if (v->has_pending) {
        bool was_decided = v->pending.decided;
        beat_flag before = v->pending.flag;
        *out = decide(v, interval);
        produced = 1;
        /* A pattern found on the pending beat decides the next one too. */
        if (!was_decided && (out->flag == BEAT_ECTOPIC || out->flag == BEAT_EXTRA) &&
            before != BEAT_FIRST) {
            next.flag = out->flag;
            next.decided = true;
        }
    }
    v->pending = next;
    v->has_pending = true;
    v->has_last = true;
    v->last_time_s = t_s;
    return produced;
}

int beat_validator_flush(beat_validator *v, beat_result *out)
{
    if (!v->has_pending) return 0;
    *out = decide(v, NAN);
    v->has_pending = false;
    return 1;
}

const char *beat_flag_name(beat_flag f)
{
    switch (f) {
    case BEAT_VALID: return "valid";
    case BEAT_FIRST: return "first";
    case BEAT_ARTIFACT_RANGE: return "range";
    case BEAT_ARTIFACT_RATIO: return "artifact";
    case BEAT_ECTOPIC: return "ectopic";
    case BEAT_MISSED: return "missed";
    case BEAT_EXTRA: return "extra";
    }
    return "unknown";
}
