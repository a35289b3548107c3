#include "bio/resp_tracker.h"

#include <math.h>
#include <stdlib.h>

#include "bio/order_stats.h"
#include "core/limits.h"

#define HIGHPASS_HZ 0.03
#define LOWPASS_HZ 1.2
#define ENVELOPE_TAU_S 8.0
#define HYSTERESIS_OF_RECENT 0.3
#define HYSTERESIS_OF_SESSION 0.2
#define ARTIFACT_OF_SESSION 3.0
#define RECENT_AMPS 4
#define SESSION_AMPS 256
#define SESSION_MIN_AMPS 8
#define DURATIONS 3
#define CYCLES 6
#define MIN_CYCLE_S 1.0
#define MAX_CYCLE_S 40.0
#define MIN_HALF_S 0.25
/* This many artifact-flagged half-cycles in a row, each of a breath-like
 * duration, mean the breathing itself got deeper: the session median relearns. */
#define RELEARN_AFTER 6
#define RELEARN_MIN_HALF_S 0.75
#define RATE_STALE_CYCLES 3.0
#define WARMUP_S 2.0
#define HISTORY_S 30.0
/* Event time = midpoint of the crossings of a level this fraction of the
 * hysteresis inside the extremum: on the flanks, where noise moves the time
 * least. */
#define CROSSING_OF_HYSTERESIS 0.9
/* Early turn (phase only): once the half-cycle has swung at least TURN_MIN_SWING
 * of the recent breath swing, a move back by TURN_OF_RECENT of it (a quarter of
 * the confirmation hysteresis) marks the extremum provisionally. On a sinusoid of
 * period P the signal is back by a fraction k of its swing acos(1 - 2k) / 2 pi x P
 * after the extremum: 0.09 P at k = 0.08, against 0.18 P at the 0.3 of the
 * confirmation. The floor keeps it above the in-band noise of a clean belt. */
#define ONSET_OF_HYSTERESIS 0.5
#define TURN_OF_RECENT 0.08
#define TURN_OF_SESSION 0.06
#define TURN_MIN_SWING 0.5

enum seek { SEEK_ANY, SEEK_PEAK, SEEK_TROUGH };

typedef struct extremum {
    double value, time_s;
    int64_t sample;
} extremum;

struct resp_tracker {
    double fs;
    /* filters */
    double hp_a, hp_x1, hp_y1;
    double lp_b0, lp_b1, lp_b2, lp_a1, lp_a2;
    double lp_x1, lp_x2, lp_y1, lp_y2;
    double delay_s;
    int64_t delay_samples;
    bool restart; /* next sample (re)starts the filters */
    /* envelope: running mean |filtered| */
    double env_abs;
    double env_count;
    /* event tracking */
    enum seek seek;
    extremum hi, lo; /* candidates */
    bool have_last;  /* an event since the last gap */
    resp_event last;
    double last_value;        /* filtered value at the last extremum */
    bool last_accepted;       /* the half-cycle ending at `last` was accepted */
    double last_kind_time[2]; /* crossing midpoint of the last event of each kind since the gap */
    bool last_kind_ok[2];
    double last_event_time; /* across gaps, for staleness */
    resp_event_kind last_event_kind;
    int64_t samples;
    int64_t since_restart;
    float *history; /* filtered samples, ring indexed by sample number */
    int64_t history_len;
    int artifact_run;
    /* learned values */
    double recent_amp[RECENT_AMPS];
    size_t recent_head, recent_count;
    double session_amp[SESSION_AMPS];
    size_t session_head, session_count;
    double session_median;
    double cycles[CYCLES], inhales[DURATIONS], exhales[DURATIONS];
    size_t cycle_head, cycle_count, inhale_head, inhale_count, exhale_head, exhale_count;
    double last_inhale_s; /* accepted inhale duration of the current breath, NaN if none */
    double ie_ratio, depth;
    /* provisional extremum (phase only), cleared by a new candidate or an event */
    bool turn_valid;
    resp_event_kind turn_kind;
    double turn_time;
    double scratch[SESSION_AMPS];
};

resp_tracker *resp_tracker_new(double fs)
{
    if (!(fs >= LULL_RESP_MIN_RATE_HZ && fs <= LULL_RESP_MAX_RATE_HZ)) return NULL;
    resp_tracker *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->history_len = (int64_t)ceil(HISTORY_S * fs) + 1;
    t->history = calloc((size_t)t->history_len, sizeof *t->history);
    if (!t->history) {
        free(t);
        return NULL;
    }
    t->fs = fs;
    t->hp_a = exp(-2.0 * M_PI * HIGHPASS_HZ / fs);
    double fc = fmin(LOWPASS_HZ, 0.4 * fs);
    double k = tan(M_PI * fc / fs), norm = 1.0 / (1.0 + M_SQRT2 * k + k * k);
    t->lp_b0 = k * k * norm;
    t->lp_b1 = 2.0 * t->lp_b0;
    t->lp_b2 = t->lp_b0;
    t->lp_a1 = 2.0 * (k * k - 1.0) * norm;
    t->lp_a2 = (1.0 - M_SQRT2 * k + k * k) * norm;
    /* Group delay of a 2nd-order Butterworth at low frequency: sqrt(2) / wc. */
    t->delay_s = M_SQRT2 / (2.0 * M_PI * fc);
    t->delay_samples = (int64_t)lround(t->delay_s * fs);
    t->restart = true;
    t->seek = SEEK_ANY;
    t->session_median = NAN;
    t->last_inhale_s = NAN;
    t->ie_ratio = t->depth = NAN;
    t->last_event_time = NAN;
    t->last_kind_time[0] = t->last_kind_time[1] = NAN;
    return t;
}

void resp_tracker_free(resp_tracker *t)
{
    if (!t) return;
    free(t->history);
    free(t);
}

void resp_tracker_gap(resp_tracker *t)
{
    t->restart = true;
    t->seek = SEEK_ANY;
    t->since_restart = 0;
    t->have_last = false;
    t->turn_valid = false;
    t->last_kind_time[0] = t->last_kind_time[1] = NAN;
    t->last_inhale_s = NAN;
}

static void ring_push(double *ring, size_t cap, size_t *head, size_t *count, double v)
{
    ring[*head] = v;
    *head = (*head + 1) % cap;
    if (*count < cap) (*count)++;
}

double resp_tracker_cycle_s(const resp_tracker *t);

static double small_median(const double *ring, size_t cap, size_t head, size_t count)
{
    double scratch[RECENT_AMPS > DURATIONS ? RECENT_AMPS : DURATIONS];
    return order_ring_median(ring, cap, head, count, scratch);
}

static double hysteresis(const resp_tracker *t)
{
    double envelope_ptp = M_PI * t->env_abs;
    double recent = envelope_ptp;
    if (t->recent_count > 0) {
        double m = small_median(t->recent_amp, RECENT_AMPS, t->recent_head, t->recent_count);
        if (m < recent) recent = m;
    }
    double h = HYSTERESIS_OF_RECENT * recent;
    if (isfinite(t->session_median) && h < HYSTERESIS_OF_SESSION * t->session_median)
        h = HYSTERESIS_OF_SESSION * t->session_median;
    return h;
}

/* The midpoint of the level crossings around the extremum (the last sample is
 * the one confirming it); the extremum's own time when the earlier flank is not
 * in the history since the restart. An asymmetric breath biases it, but by the
 * same amount every cycle: it is for cycle durations, not for event times. */
static double crossing_midpoint(const resp_tracker *t, resp_event_kind kind, const extremum *x,
                                double depth)
{
    double sign = kind == RESP_EXHALE_ONSET ? 1.0 : -1.0;
    double level = sign * (x->value - sign * depth);
    int64_t now = t->samples - 1;
    int64_t oldest = now - (t->since_restart - 1);
    if (now - oldest >= t->history_len) oldest = now - t->history_len + 1;
    if (now - x->sample >= t->history_len) return x->time_s;
    int64_t after = x->sample, before = x->sample;
    while (after < now && sign * t->history[after % t->history_len] > level) after++;
    while (before > oldest && sign * t->history[before % t->history_len] > level) before--;
    if (sign * t->history[before % t->history_len] > level) return x->time_s;
    return x->time_s + (0.5 * (double)(after + before) - (double)x->sample) / t->fs;
}

/* The inhale onset of a trough x confirmed with hysteresis h, from its rising
 * flank: a breath at rest ends in an expiratory pause (Benchetrit 2000, Respir.
 * Physiol. 122: the pause is a regular part of the resting pattern), a flat
 * bottom whose noisy minimum lies anywhere in it, on average half the pause
 * before the inhale starts. The rise is a half cosine over the inhale Ti, so it
 * has risen a fraction k of its swing acos(1 - 2k) / pi x Ti after the onset:
 * the onset is the crossing of ONSET_OF_HYSTERESIS x h above the trough minus
 * that time, with the swing taken as the exhale just ended. Returns the
 * extremum's own time when there is no inhale duration yet or no crossing. */
static double rise_onset(const resp_tracker *t, const extremum *x, double h)
{
    if (t->inhale_count == 0 || !t->have_last) return x->time_s;
    double swing = fabs(x->value - t->last_value);
    double rise = ONSET_OF_HYSTERESIS * h;
    if (!(swing > 2.0 * rise)) return x->time_s;
    int64_t now = t->samples - 1;
    if (now - x->sample >= t->history_len) return x->time_s;
    double level = x->value + rise;
    int64_t i = x->sample;
    while (i < now && t->history[(i + 1) % t->history_len] < level) i++;
    if (i >= now) return x->time_s;
    double a = t->history[i % t->history_len], b = t->history[(i + 1) % t->history_len];
    double cross = (double)i + (b > a ? (level - a) / (b - a) : 0.0);
    double ti = small_median(t->inhales, DURATIONS, t->inhale_head, t->inhale_count);
    double back = acos(1.0 - 2.0 * rise / swing) / M_PI * ti;
    double onset = x->time_s + (cross - (double)x->sample) / t->fs - back;
    /* Never before the minimum: a steep rise (shorter than the model) keeps it. */
    return fmax(x->time_s, onset);
}

/* Bookkeeping for a confirmed extremum; fills *ev. */
static void confirm(resp_tracker *t, resp_event_kind kind, const extremum *x, double h,
                    resp_event *ev)
{
    double mid_time = crossing_midpoint(t, kind, x, CROSSING_OF_HYSTERESIS * h);
    /* The low-pass delays the breath by delay_s; the high-pass advances it by
     * atan(fc / f) / (2 pi f) at breathing frequency f (0.46 s at 6/min). */
    double cycle = resp_tracker_cycle_s(t);
    double lead = isfinite(cycle) ? atan(HIGHPASS_HZ * cycle) * cycle / (2.0 * M_PI) : 0.0;
    double at = kind == RESP_INHALE_ONSET ? rise_onset(t, x, h) : x->time_s;
    ev->kind = kind;
    ev->time_s = at - t->delay_s + lead;
    ev->sample = x->sample + (int64_t)lround((at - x->time_s - t->delay_s + lead) * t->fs);
    ev->amplitude = t->have_last ? fabs(x->value - t->last_value) : NAN;
    ev->artifact = false;
    ev->accepted = false;

    bool accepted = false;
    double half_s = t->have_last ? ev->time_s - t->last.time_s : NAN;
    if (t->have_last) {
        bool known = isfinite(t->session_median);
        ev->artifact = known && ev->amplitude > ARTIFACT_OF_SESSION * t->session_median;
        accepted = !ev->artifact && half_s >= MIN_HALF_S;
        if (ev->artifact) {
            t->artifact_run = half_s >= RELEARN_MIN_HALF_S ? t->artifact_run + 1 : 0;
            if (t->artifact_run >= RELEARN_AFTER) {
                t->session_count = 0;
                t->session_median = NAN;
                t->recent_count = 0;
                t->artifact_run = 0;
            }
        } else {
            t->artifact_run = 0;
        }
    }
    ev->accepted = accepted;
    if (accepted) {
        ring_push(t->recent_amp, RECENT_AMPS, &t->recent_head, &t->recent_count, ev->amplitude);
        ring_push(t->session_amp, SESSION_AMPS, &t->session_head, &t->session_count, ev->amplitude);
        if (t->session_count >= SESSION_MIN_AMPS)
            t->session_median = order_ring_median(t->session_amp, SESSION_AMPS, t->session_head,
                                                  t->session_count, t->scratch);
        if (isfinite(t->session_median) && t->session_median > 0)
            t->depth = ev->amplitude / t->session_median;
        if (kind == RESP_EXHALE_ONSET) {
            t->last_inhale_s = half_s;
            ring_push(t->inhales, DURATIONS, &t->inhale_head, &t->inhale_count, half_s);
        } else {
            ring_push(t->exhales, DURATIONS, &t->exhale_head, &t->exhale_count, half_s);
            if (isfinite(t->last_inhale_s)) t->ie_ratio = t->last_inhale_s / half_s;
        }
    }
    if (!accepted) t->last_inhale_s = NAN;

    /* A cycle counts when both of its half-cycles were accepted. */
    double prev_same = t->last_kind_time[kind];
    if (accepted && t->last_accepted && t->have_last && isfinite(prev_same)) {
        double duration = mid_time - prev_same;
        if (duration >= MIN_CYCLE_S && duration <= MAX_CYCLE_S)
            ring_push(t->cycles, CYCLES, &t->cycle_head, &t->cycle_count, duration);
    }
    t->last_kind_time[kind] = mid_time;
    t->last_accepted = accepted;
    t->last_event_time = ev->time_s;
    t->last_event_kind = kind;
    t->have_last = true;
    t->last = *ev;
    t->last_value = x->value;
    t->turn_valid = false;
}

/* Phase lead of the high-pass at the current breathing frequency (see confirm). */
static double highpass_lead(const resp_tracker *t)
{
    double cycle = resp_tracker_cycle_s(t);
    return isfinite(cycle) ? atan(HIGHPASS_HZ * cycle) * cycle / (2.0 * M_PI) : 0.0;
}

/* Early turn of the candidate extremum x (kind = the event it would be), for the
 * phase only: the signal has swung TURN_MIN_SWING of a recent breath since the
 * last event and is back by the turn threshold. Its time is the midpoint of the
 * crossings of that level around x, as for cycle durations: the argmax of a flat,
 * noisy extremum wanders, its flanks do not. A new candidate cancels it. */
static void early_turn(resp_tracker *t, resp_event_kind kind, const extremum *x, double y)
{
    if (t->turn_valid || !t->have_last || t->recent_count == 0) return;
    double recent = small_median(t->recent_amp, RECENT_AMPS, t->recent_head, t->recent_count);
    double k = TURN_OF_RECENT * recent;
    if (isfinite(t->session_median)) k = fmax(k, TURN_OF_SESSION * t->session_median);
    double sign = kind == RESP_EXHALE_ONSET ? 1.0 : -1.0;
    if (sign * (x->value - t->last_value) < TURN_MIN_SWING * recent) return;
    if (sign * (x->value - y) < k) return;
    t->turn_valid = true;
    t->turn_kind = kind;
    t->turn_time = crossing_midpoint(t, kind, x, k) - t->delay_s + highpass_lead(t);
}

int resp_tracker_push(resp_tracker *t, float xf, double time_s, resp_event *ev, double *filtered)
{
    double x = xf;
    if (!isfinite(x)) {
        resp_tracker_gap(t);
        return 0;
    }
    if (t->restart) {
        t->hp_x1 = x;
        t->hp_y1 = 0;
        t->lp_x1 = t->lp_x2 = t->lp_y1 = t->lp_y2 = 0;
        t->restart = false;
    }
    double hp = t->hp_a * (t->hp_y1 + x - t->hp_x1);
    t->hp_x1 = x;
    t->hp_y1 = hp;
    double y = t->lp_b0 * hp + t->lp_b1 * t->lp_x1 + t->lp_b2 * t->lp_x2 - t->lp_a1 * t->lp_y1 -
               t->lp_a2 * t->lp_y2;
    t->lp_x2 = t->lp_x1;
    t->lp_x1 = hp;
    t->lp_y2 = t->lp_y1;
    t->lp_y1 = y;
    if (filtered) *filtered = y;

    t->env_count += 1.0;
    double alpha = fmax(1.0 / t->env_count, 1.0 / (ENVELOPE_TAU_S * t->fs));
    t->env_abs += alpha * (fabs(y) - t->env_abs);

    extremum cur = {y, time_s, t->samples};
    t->history[t->samples % t->history_len] = (float)y;
    t->samples++;
    t->since_restart++;
    double h = t->since_restart > WARMUP_S * t->fs ? hysteresis(t) : 0.0;
    int found = 0;
    switch (t->seek) {
    case SEEK_ANY:
        if (t->since_restart == 1) {
            t->hi = t->lo = cur;
            break;
        }
        if (y > t->hi.value) t->hi = cur;
        if (y < t->lo.value) t->lo = cur;
        if (h > 0 && y < t->hi.value - h) {
            confirm(t, RESP_EXHALE_ONSET, &t->hi, h, ev);
            t->seek = SEEK_TROUGH;
            t->lo = cur;
            found = 1;
        } else if (h > 0 && y > t->lo.value + h) {
            confirm(t, RESP_INHALE_ONSET, &t->lo, h, ev);
            t->seek = SEEK_PEAK;
            t->hi = cur;
            found = 1;
        }
        break;
    case SEEK_PEAK:
        if (y > t->hi.value) {
            t->hi = cur;
            t->turn_valid = false;
        } else if (h > 0 && y < t->hi.value - h) {
            confirm(t, RESP_EXHALE_ONSET, &t->hi, h, ev);
            t->seek = SEEK_TROUGH;
            t->lo = cur;
            found = 1;
        } else if (h > 0) {
            early_turn(t, RESP_EXHALE_ONSET, &t->hi, y);
        }
        break;
    case SEEK_TROUGH:
        if (y < t->lo.value) {
            t->lo = cur;
            t->turn_valid = false;
        } else if (h > 0 && y > t->lo.value + h) {
            confirm(t, RESP_INHALE_ONSET, &t->lo, h, ev);
            t->seek = SEEK_PEAK;
            t->hi = cur;
            found = 1;
        } else if (h > 0) {
            early_turn(t, RESP_INHALE_ONSET, &t->lo, y);
        }
        break;
    }
    return found;
}

double resp_tracker_cycle_s(const resp_tracker *t)
{
    if (t->cycle_count == 0) return NAN;
    /* The mean, not the median: consecutive cycles telescope, so the jitter of
     * single event times is divided by the number of cycles. */
    double sum = 0;
    for (size_t i = 0; i < t->cycle_count; i++) sum += t->cycles[i];
    return sum / (double)t->cycle_count;
}

double resp_tracker_rate(const resp_tracker *t, double now_s)
{
    double cycle = resp_tracker_cycle_s(t);
    if (!isfinite(cycle)) return NAN;
    if (!(now_s - t->last_event_time <= RATE_STALE_CYCLES * cycle)) return NAN;
    return 60.0 / cycle;
}

double resp_tracker_phase(const resp_tracker *t, double now_s)
{
    if (t->inhale_count == 0 || t->exhale_count == 0 || !isfinite(resp_tracker_rate(t, now_s)))
        return NAN;
    double ti = small_median(t->inhales, DURATIONS, t->inhale_head, t->inhale_count);
    double te = small_median(t->exhales, DURATIONS, t->exhale_head, t->exhale_count);
    double f = ti / (ti + te);
    /* The newest anchor: an early turn, else the last confirmed event. */
    resp_event_kind kind = t->turn_valid ? t->turn_kind : t->last_event_kind;
    double anchor = t->turn_valid ? t->turn_time : t->last_event_time;
    double since = fmax(0.0, now_s - anchor);
    /* Extrapolate through one boundary (the next event is confirmed only some
     * time after it happens), then hold just below the following one. */
    const double hold = 0.999;
    if (kind == RESP_INHALE_ONSET) {
        if (since < ti) return f * since / ti;
        return f + (1.0 - f) * fmin((since - ti) / te, hold);
    }
    if (since < te) return f + (1.0 - f) * since / te;
    return f * fmin((since - te) / ti, hold);
}

double resp_tracker_ie_ratio(const resp_tracker *t) { return t->ie_ratio; }
double resp_tracker_depth(const resp_tracker *t) { return t->depth; }
double resp_tracker_median_amplitude(const resp_tracker *t) { return t->session_median; }
double resp_tracker_last_event_time(const resp_tracker *t) { return t->last_event_time; }
double resp_tracker_delay_s(const resp_tracker *t) { return t->delay_s; }
