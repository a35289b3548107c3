#include "bio/release_detector.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Sigh: at least twice the usual breath (Vlemincx et al. 2013, Biol. Psychol.
 * 93(1): a sigh is a breath of at least twice the mean tidal volume; Li et al.
 * 2016, Nature 530: about twice a normal breath). The filtered swing of a breath
 * twice as deep measures 1.8-2.2 x the median (a sigh is also slower, and the
 * median mixes inhale and exhale swings), hence 1.8. Above 6 x it is a movement. */
#define SIGH_OF_MEDIAN 1.8
#define SIGH_MAX_OF_MEDIAN 6.0
#define SIGH_MIN_S 0.75
/* Irregular breathing: resting breath durations vary by 10-25 % (CV of the total
 * breath time, Tobin et al. 1988, J. Appl. Physiol. 65(1); Bruce 1996, Eur. Respir.
 * J. 9), breath to breath they change by less; crying and sobbing break the
 * rhythm into short and long, shallow and deep breaths. 0.3 / 0.5 flagged much of
 * the NeuroKit2 resting record; 0.4 / 0.6 leaves its two sighs. */
#define IRREGULAR_SUCCESSIVE 0.4
#define IRREGULAR_SWING_CV 0.6
#define IRREGULAR_MIN_CYCLES 4
/* Breath hold: apnoea is scored from 10 s in adults (AASM); a held breath at
 * rest shows from 2.5 usual cycles. */
#define HOLD_CYCLES 2.5
#define HOLD_MIN_S 8.0
#define HOLD_QUALITY 0.5
/* Heart surge: 15 bpm over the last minute's median, held 3 s. RSA swings the
 * rate by up to +-10 bpm within a breath at 6/min, and the feature (median of 5
 * intervals) smooths most of it. */
#define SURGE_BPM 15.0
#define SURGE_HOLD_S 3.0
#define SURGE_QUALITY 0.5
#define SURGE_MIN_SECONDS 30
/* Breath evidence within this long after a motion artifact is not trusted. */
#define MOTION_HOLDOFF_S 10.0
/* A release ends after this long without evidence. */
#define SETTLE_S 20.0

void release_detector_init(release_detector *d)
{
    memset(d, 0, sizeof *d);
    d->last_event_s = d->last_trough_s = d->hold_from_s = NAN;
    d->breath_ok_since = d->surge_since = NAN;
    d->hr_next_s = -INFINITY;
    d->irregular_until = -INFINITY;
    d->last_motion_s = -INFINITY;
    d->last_end_s = -INFINITY;
}

static void evidence(release_detector *d, double at, double start, uint32_t bit, double value)
{
    if (!d->active) {
        d->active = true;
        /* Backdated evidence never reaches into the previous release. */
        d->cur = (release_event){fmax(start, d->last_end_s), NAN, 0, NAN, NAN, NAN, NAN};
        d->last_evidence_s = at;
    }
    d->cur.evidence |= bit;
    double *v = bit == RELEASE_SIGH        ? &d->cur.sigh_ratio
                : bit == RELEASE_IRREGULAR ? &d->cur.irregularity
                : bit == RELEASE_HOLD      ? &d->cur.hold_s
                                           : &d->cur.surge_bpm;
    if (!(*v >= value)) *v = value;
    d->last_evidence_s = fmax(d->last_evidence_s, at);
}

static double irregularity(const release_detector *d)
{
    double worst = 0.0;
    if (d->n_inhales >= IRREGULAR_MIN_CYCLES + 1) {
        double c[RELEASE_CYCLES], sum = 0, diff = 0;
        int n = d->n_inhales - 1;
        for (int k = 0; k < n; k++) {
            int a = (d->inhale_head - d->n_inhales + k + 2 * (RELEASE_CYCLES + 1)) %
                    (RELEASE_CYCLES + 1);
            int b = (a + 1) % (RELEASE_CYCLES + 1);
            c[k] = d->inhale_times[b] - d->inhale_times[a];
            sum += c[k];
        }
        for (int k = 1; k < n; k++) diff += fabs(c[k] - c[k - 1]);
        double mean = sum / n;
        if (mean > 0) worst = fmax(worst, diff / (n - 1) / mean / IRREGULAR_SUCCESSIVE);
    }
    if (d->n_swings == RELEASE_SWINGS) {
        double sum = 0, sq = 0;
        for (int k = 0; k < RELEASE_SWINGS; k++) sum += d->swings[k];
        double mean = sum / RELEASE_SWINGS;
        for (int k = 0; k < RELEASE_SWINGS; k++)
            sq += (d->swings[k] - mean) * (d->swings[k] - mean);
        if (mean > 0)
            worst = fmax(worst, sqrt(sq / (RELEASE_SWINGS - 1)) / mean / IRREGULAR_SWING_CV);
    }
    return worst; /* >= 1: irregular */
}

void release_detector_breath(release_detector *d, const resp_event *ev, double median,
                             double cycle_s)
{
    double t = ev->time_s;
    /* A breath let go after a hold. */
    if (isfinite(d->hold_from_s)) {
        evidence(d, t, d->hold_from_s, RELEASE_HOLD, t - d->hold_from_s);
        d->hold_from_s = NAN;
    }
    d->last_event_s = t;
    if (t <= d->last_motion_s + MOTION_HOLDOFF_S) return; /* history cleared by the motion */
    bool breath_like =
        !ev->artifact || (isfinite(median) && ev->amplitude <= SIGH_MAX_OF_MEDIAN * median);
    if (ev->kind == RESP_EXHALE_ONSET && isfinite(median) && median > 0 &&
        isfinite(ev->amplitude) && isfinite(d->last_trough_s) &&
        t - d->last_trough_s >= SIGH_MIN_S) {
        double ratio = ev->amplitude / median;
        if (ratio >= SIGH_OF_MEDIAN && ratio <= SIGH_MAX_OF_MEDIAN)
            evidence(d, t, d->last_trough_s, RELEASE_SIGH, ratio);
    }
    if (ev->kind == RESP_INHALE_ONSET) {
        d->last_trough_s = t;
        if (breath_like) {
            d->inhale_times[d->inhale_head] = t;
            d->inhale_head = (d->inhale_head + 1) % (RELEASE_CYCLES + 1);
            if (d->n_inhales < RELEASE_CYCLES + 1) d->n_inhales++;
        }
    }
    if (breath_like && isfinite(ev->amplitude)) {
        d->swings[d->swing_head] = ev->amplitude;
        d->swing_head = (d->swing_head + 1) % RELEASE_SWINGS;
        if (d->n_swings < RELEASE_SWINGS) d->n_swings++;
    }
    double irr = irregularity(d);
    if (irr >= 1.0) {
        double span = isfinite(cycle_s) ? RELEASE_CYCLES * cycle_s : 30.0;
        evidence(d, t, t - fmin(span, 30.0), RELEASE_IRREGULAR, irr * IRREGULAR_SUCCESSIVE);
        d->irregular_until = t;
    }
}

void release_detector_motion(release_detector *d, double now)
{
    d->last_motion_s = now;
    d->n_inhales = d->inhale_head = 0;
    d->n_swings = d->swing_head = 0;
    d->last_trough_s = NAN;
}

void release_detector_gap(release_detector *d)
{
    d->last_event_s = d->last_trough_s = d->hold_from_s = NAN;
    d->n_inhales = d->inhale_head = 0;
    d->breath_ok_since = NAN;
}

static float hr_median(const release_detector *d)
{
    float v[RELEASE_HR_SECONDS];
    for (int i = 0; i < d->n_hr; i++) v[i] = d->hr_sec[i];
    for (int i = 1; i < d->n_hr; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            float x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    return v[d->n_hr / 2];
}

bool release_detector_frame(release_detector *d, lull_features *f, release_event *ended)
{
    double now = f->time_s;
    bool breath_good = f->breath_state == LULL_SENSOR_OK && f->breath_quality >= HOLD_QUALITY;
    bool breath_fresh = f->breath_state == LULL_SENSOR_OK;
    if (breath_good && !isfinite(d->breath_ok_since)) d->breath_ok_since = now;
    if (!breath_fresh) d->breath_ok_since = NAN;
    /* Breath hold: the sensor keeps sending (fresh) and was good before it. The
     * quality falls while nothing is accepted, so only freshness is asked now. */
    double since = now - d->last_event_s;
    double cycle = isfinite(f->breath_rate) && f->breath_rate > 0 ? 60.0 / f->breath_rate : NAN;
    if (isfinite(d->last_event_s) && breath_fresh && !isfinite(d->hold_from_s)) {
        double need = fmax(HOLD_MIN_S, isfinite(cycle) ? HOLD_CYCLES * cycle : HOLD_MIN_S);
        if (since > need && isfinite(d->breath_ok_since) && d->breath_ok_since <= d->last_event_s)
            d->hold_from_s = d->last_event_s;
    }
    if (isfinite(d->hold_from_s)) {
        /* In progress: it is a release already (the pacer waits), the event
         * gets its evidence value when the breath is let go. */
        if (!breath_fresh)
            d->hold_from_s = NAN;
        else {
            if (!d->active) {
                d->active = true;
                d->cur = (release_event){d->hold_from_s, NAN, 0, NAN, NAN, NAN, NAN};
            }
            d->last_evidence_s = now;
        }
    }

    /* Heart surge against the last minute, without motion. */
    bool heart_good = f->heart_state == LULL_SENSOR_OK && f->heart_quality >= SURGE_QUALITY &&
                      isfinite(f->heart_rate);
    bool still = f->breath_state != LULL_SENSOR_OK || f->breath_quality >= HOLD_QUALITY;
    if (heart_good && still && d->n_hr >= SURGE_MIN_SECONDS) {
        double above = f->heart_rate - hr_median(d);
        if (above >= SURGE_BPM) {
            if (!isfinite(d->surge_since)) d->surge_since = now;
            if (now - d->surge_since >= SURGE_HOLD_S)
                evidence(d, now, d->surge_since, RELEASE_HEART_SURGE, above);
        } else {
            d->surge_since = NAN;
        }
    } else {
        d->surge_since = NAN;
    }
    /* The minute's reference learns only outside a surge and a release, so that
     * a long release does not become the new normal within it. */
    if (heart_good && still && now >= d->hr_next_s && !isfinite(d->surge_since) && !d->active) {
        d->hr_sec[d->hr_head] = f->heart_rate;
        d->hr_head = (d->hr_head + 1) % RELEASE_HR_SECONDS;
        if (d->n_hr < RELEASE_HR_SECONDS) d->n_hr++;
        d->hr_next_s = now + 1.0;
    }

    bool done = false;
    if (d->active && now - d->last_evidence_s >= SETTLE_S && now - d->irregular_until >= SETTLE_S) {
        d->cur.end_s = now;
        d->last_end_s = now;
        d->active = false;
        if (ended) *ended = d->cur;
        done = true;
    }
    f->release = d->active ? 1.0f : 0.0f;
    f->release_evidence =
        d->active ? (uint8_t)(d->cur.evidence | (isfinite(d->hold_from_s) ? RELEASE_HOLD : 0)) : 0;
    return done;
}

bool release_detector_current(const release_detector *d, release_event *out)
{
    if (d->active && out) *out = d->cur;
    return d->active;
}

const char *release_evidence_name(uint32_t bit)
{
    switch (bit) {
    case RELEASE_SIGH: return "sigh";
    case RELEASE_IRREGULAR: return "irregular";
    case RELEASE_HOLD: return "hold";
    case RELEASE_HEART_SURGE: return "heart_surge";
    default: return "?";
    }
}

void release_evidence_text(uint32_t evidence, char *buf, int size)
{
    if (size <= 0) return;
    buf[0] = '\0';
    int used = 0;
    for (int k = 0; k < RELEASE_KINDS; k++) {
        uint32_t bit = 1u << k;
        if (!(evidence & bit)) continue;
        int n = snprintf(buf + used, (size_t)(size - used), "%s%s", used ? "+" : "",
                         release_evidence_name(bit));
        if (n < 0 || n >= size - used) break;
        used += n;
    }
}
