/* Turns the engine's state, sampled by the biosignal thread, into the session
 * record: the session's start and stop, a frame once a second, and events when
 * something changed (preset, volume, pacer mode, a sensor lost or back, a drop
 * in signal quality). Comparing snapshots keeps the record out of the control
 * and audio paths entirely: nothing there knows the recorder exists.
 *
 * Used by lulld (with a session_recorder) and by `lull render --session-db`
 * (with a store written inline); both hand it an emit interface.
 *
 * Threads: one thread (the biosignal thread, or the offline render's loop). */
#ifndef LULL_SESSION_SESSION_TRACKER_H
#define LULL_SESSION_SESSION_TRACKER_H

#include <stdbool.h>

#include "bio/release_detector.h"
#include "engine/engine.h"
#include "session/session_types.h"

/* Signal quality below this is a "quality_drop" event; it re-arms above
 * QUALITY_REARM (hysteresis, so a wavering signal is one event, not fifty).
 * 0.5 is the pipeline's own "usable" line (docs/biosignals.md, quality). */
#define SESSION_QUALITY_DROP 0.5f
#define SESSION_QUALITY_REARM 0.7f
/* A volume change smaller than this is not an event (dB). */
#define SESSION_VOLUME_STEP_DB 0.5f
#define SESSION_FRAME_INTERVAL_S 1.0

typedef struct session_sink {
    void *ud;
    void (*start)(void *ud, double wall_s);
    void (*stop)(void *ud, double wall_s, const char *how);
    void (*frame)(void *ud, const session_frame *f);
    void (*event)(void *ud, double wall_s, const char *kind, const char *detail);
} session_sink;

typedef struct session_tracker {
    session_sink sink;
    bool open, primed;
    double next_frame_s; /* on the caller's clock */
    char preset[SESSION_TEXT_MAX];
    float volume_db;
    enum pacer_mode pacer_mode;
    uint8_t breath_state, heart_state;
    bool breath_low, heart_low;
} session_tracker;

/* [main] */
void session_tracker_init(session_tracker *t, const session_sink *sink);

/* [bio] Feeds one snapshot: st from lull_engine_get_status, wall_s the wall clock,
 * clock_s a monotonic clock (or stream time offline) that paces the frames. */
void session_tracker_step(session_tracker *t, const lull_engine_status *st, double wall_s,
                          double clock_s);

/* [bio] A release moment that ended (the pipeline's release listener): emits a
 * SESSION_EV_RELEASE event at its start while a session is open. ev's times are
 * on the pipeline's clock; clock_s is that clock now and wall_s the wall clock
 * now, which place its start on the wall clock. Returns false when no session
 * was open (nothing emitted). */
bool session_tracker_release(session_tracker *t, const release_event *ev, double wall_s,
                             double clock_s);

/* [any] The event detail of a release: "<duration> s: <evidence and values>", cut to
 * fit SESSION_TEXT_MAX, e.g. "42 s: sigh 2.1x, irregular 1.4, hold 9 s, heart +18 bpm"
 * (values as in release_detector.h: sigh = swing / median swing, irregular =
 * variability / its threshold, hold = seconds held, heart = bpm above the
 * last minute's median). */
void session_release_detail(const release_event *ev, char *out, size_t cap);

/* [any] The span of a stored release event: its duration in s from the detail, or
 * -1 when the detail does not start with one. */
double session_release_span(const session_event *ev);

/* [main] Ends an open session (how: "shutdown", "render"). */
void session_tracker_close(session_tracker *t, double wall_s, const char *how);

/* [any] The frame for a snapshot. */
void session_frame_from_status(const lull_engine_status *st, double wall_s, session_frame *f);

#endif
