#include "session/session_tracker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void session_tracker_init(session_tracker *t, const session_sink *sink)
{
    memset(t, 0, sizeof *t);
    t->sink = *sink;
    /* A sensor's quality starts at 0 while it warms up: a drop counts only after
     * it was once good. */
    t->breath_low = t->heart_low = true;
}

void session_frame_from_status(const lull_engine_status *st, double wall_s, session_frame *f)
{
    memset(f, 0, sizeof *f);
    const lull_features *x = &st->features;
    f->wall_s = wall_s;
    /* A value of a sensor that is not OK is the last one it had: not a measurement. */
    bool b = x->breath_state == LULL_SENSOR_OK, h = x->heart_state == LULL_SENSOR_OK;
    f->breath_rate = b ? x->breath_rate : NAN;
    f->breath_depth = b ? x->breath_depth : NAN;
    f->ie_ratio = b ? x->ie_ratio : NAN;
    f->breath_quality = x->breath_quality;
    f->heart_rate = h ? x->heart_rate : NAN;
    f->rmssd = h ? x->rmssd : NAN;
    f->rsa = h && b ? x->rsa : NAN;
    f->coherence = h ? x->coherence : NAN;
    f->heart_quality = x->heart_quality;
    f->arousal = x->arousal;
    f->pacer_rate = st->pacer_mode != PACER_OFF ? st->pacer_rate : NAN;
    f->tempo_bpm = st->tempo_bpm;
    f->volume_db = st->volume_db;
    f->breath_state = x->breath_state;
    f->heart_state = x->heart_state;
    snprintf(f->pacer_mode, sizeof f->pacer_mode, "%s", pacer_mode_name(st->pacer_mode));
    snprintf(f->preset, sizeof f->preset, "%s", st->preset);
}

static void event(session_tracker *t, double wall_s, const char *kind, const char *detail)
{
    t->sink.event(t->sink.ud, wall_s, kind, detail);
}

static void sensor_events(session_tracker *t, double wall_s, const char *name, uint8_t was,
                          uint8_t now)
{
    if (was == LULL_SENSOR_OK && now == LULL_SENSOR_STALE)
        event(t, wall_s, SESSION_EV_SENSOR_LOST, name);
    else if (was == LULL_SENSOR_STALE && now == LULL_SENSOR_OK)
        event(t, wall_s, SESSION_EV_SENSOR_BACK, name);
}

static void quality_event(session_tracker *t, double wall_s, const char *name, uint8_t state,
                          float q, bool *low)
{
    if (state != LULL_SENSOR_OK || !isfinite(q)) return;
    if (!*low && q < SESSION_QUALITY_DROP) {
        *low = true;
        event(t, wall_s, SESSION_EV_QUALITY_DROP, name);
    } else if (*low && q > SESSION_QUALITY_REARM) {
        *low = false;
    }
}

void session_tracker_step(session_tracker *t, const lull_engine_status *st, double wall_s,
                          double clock_s)
{
    if (st->session_running && !t->open) {
        t->open = true;
        t->primed = false;
        t->breath_low = t->heart_low = true;
        t->sink.start(t->sink.ud, wall_s);
        event(t, wall_s, SESSION_EV_START, st->preset);
        t->next_frame_s = clock_s;
    } else if (!st->session_running && t->open) {
        event(t, wall_s, SESSION_EV_STOP, "");
        t->sink.stop(t->sink.ud, wall_s, "stop");
        t->open = false;
        return;
    }
    if (!t->open) return;
    const lull_features *x = &st->features;
    if (t->primed) {
        char d[SESSION_TEXT_MAX];
        if (strcmp(t->preset, st->preset) != 0 && st->preset[0])
            event(t, wall_s, SESSION_EV_PRESET, st->preset);
        if (fabsf(st->volume_db - t->volume_db) >= SESSION_VOLUME_STEP_DB) {
            snprintf(d, sizeof d, "%.1f dB", (double)st->volume_db);
            event(t, wall_s, SESSION_EV_VOLUME, d);
            t->volume_db = st->volume_db;
        }
        if (st->pacer_mode != t->pacer_mode)
            event(t, wall_s, SESSION_EV_PACER, pacer_mode_name(st->pacer_mode));
        sensor_events(t, wall_s, "breath", t->breath_state, x->breath_state);
        sensor_events(t, wall_s, "heart", t->heart_state, x->heart_state);
    } else {
        t->volume_db = st->volume_db;
        t->primed = true;
    }
    quality_event(t, wall_s, "breath", x->breath_state, x->breath_quality, &t->breath_low);
    quality_event(t, wall_s, "heart", x->heart_state, x->heart_quality, &t->heart_low);
    snprintf(t->preset, sizeof t->preset, "%s", st->preset);
    t->pacer_mode = st->pacer_mode;
    t->breath_state = x->breath_state;
    t->heart_state = x->heart_state;
    if (clock_s >= t->next_frame_s) {
        session_frame f;
        session_frame_from_status(st, wall_s, &f);
        t->sink.frame(t->sink.ud, &f);
        t->next_frame_s += SESSION_FRAME_INTERVAL_S;
        /* After a stall (a suspended machine), resume the 1 Hz grid from now. */
        if (t->next_frame_s < clock_s) t->next_frame_s = clock_s + SESSION_FRAME_INTERVAL_S;
    }
}

void session_tracker_close(session_tracker *t, double wall_s, const char *how)
{
    if (!t->open) return;
    event(t, wall_s, SESSION_EV_STOP, how);
    t->sink.stop(t->sink.ud, wall_s, how);
    t->open = false;
}

void session_release_detail(const release_event *ev, char *out, size_t cap)
{
    double dur = isfinite(ev->end_s) ? ev->end_s - ev->start_s : 0.0;
    int used = snprintf(out, cap, "%.0f s:", fmax(dur, 0.0));
    /* strongest value of each kind seen, in release_detector.h's units */
    static const struct {
        uint32_t bit;
        const char *fmt;
    } k_parts[] = {
        {RELEASE_SIGH, " sigh %.1fx"},
        {RELEASE_IRREGULAR, " irregular %.1f"},
        {RELEASE_HOLD, " hold %.0f s"},
        {RELEASE_HEART_SURGE, " heart +%.0f bpm"},
    };
    const double values[] = {ev->sigh_ratio, ev->irregularity, ev->hold_s, ev->surge_bpm};
    bool first = true;
    for (size_t i = 0; i < sizeof k_parts / sizeof k_parts[0]; i++) {
        if (!(ev->evidence & k_parts[i].bit) || used < 0 || (size_t)used >= cap) continue;
        if (!first) used += snprintf(out + used, cap - (size_t)used, ",");
        if ((size_t)used >= cap) break;
        if (isfinite(values[i]))
            used += snprintf(out + used, cap - (size_t)used, k_parts[i].fmt, values[i]);
        else
            used += snprintf(out + used, cap - (size_t)used, " %s",
                             release_evidence_name(k_parts[i].bit));
        first = false;
    }
}

double session_release_span(const session_event *ev)
{
    char *end;
    double d = strtod(ev->detail, &end);
    if (end == ev->detail || strncmp(end, " s", 2) || !isfinite(d) || d < 0) return -1.0;
    return d;
}

bool session_tracker_release(session_tracker *t, const release_event *ev, double wall_s,
                             double clock_s)
{
    if (!t->open) return false;
    char detail[SESSION_TEXT_MAX];
    session_release_detail(ev, detail, sizeof detail);
    double start_wall = wall_s - (clock_s - ev->start_s);
    if (!isfinite(start_wall)) start_wall = wall_s;
    t->sink.event(t->sink.ud, start_wall, SESSION_EV_RELEASE, detail);
    return true;
}
