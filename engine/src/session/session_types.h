/* What a session record holds: one feature frame per second and events, each
 * stamped with wall-clock time (seconds since the Unix epoch, UTC), so that a
 * report or a CSV export shows the time of day the therapist remembers.
 * Plain data, fixed size: frames and events travel by value on the recorder's
 * lock-free queues. Unknown values are NaN (stored as SQL NULL). */
#ifndef LULL_SESSION_SESSION_TYPES_H
#define LULL_SESSION_SESSION_TYPES_H

#include <stdint.h>

#define SESSION_TEXT_MAX 64 /* preset names, event details, marks, aliases (bytes) */

typedef struct session_frame {
    double wall_s;        /* Unix time, s */
    float breath_rate;    /* breaths/min */
    float breath_depth;   /* relative to the session's typical breath, ~0..2 */
    float ie_ratio;       /* inhale / exhale duration */
    float breath_quality; /* 0..1 */
    float heart_rate;     /* beats/min */
    float rmssd;          /* ms */
    float rsa;            /* ms */
    float coherence;      /* peak / (total - peak), docs/biosignals.md */
    float heart_quality;  /* 0..1 */
    float arousal;        /* ~-1..1, 0 = baseline */
    float pacer_rate;     /* breaths/min; NaN when the pacer is off */
    float tempo_bpm;
    float volume_db;
    uint8_t breath_state; /* lull_sensor_state */
    uint8_t heart_state;
    char pacer_mode[12]; /* off|follow|guide|resonance */
    char preset[SESSION_TEXT_MAX];
} session_frame;

/* Event kinds, stored as these words in the events table. */
#define SESSION_EV_START "start" /* detail: what started it */
#define SESSION_EV_STOP "stop"
#define SESSION_EV_PRESET "preset"           /* detail: the new preset's name */
#define SESSION_EV_VOLUME "volume"           /* detail: "-12.0 dB" */
#define SESSION_EV_PACER "pacer"             /* detail: the new mode */
#define SESSION_EV_SENSOR_LOST "sensor_lost" /* detail: breath|heart */
#define SESSION_EV_SENSOR_BACK "sensor_back"
#define SESSION_EV_QUALITY_DROP "quality_drop" /* detail: breath|heart */
#define SESSION_EV_MARK "mark"                 /* detail: the therapist's word */
/* A release moment (bio/release_detector.h), stored at its start once it has
 * ended; detail: "<duration> s: <evidence>", e.g. "42 s: sigh 2.1x, hold 9 s",
 * the duration first so that a reader finds the span's end without a schema
 * change (session_release_detail, session_release_span in session_tracker.h). */
#define SESSION_EV_RELEASE "release"

typedef struct session_event {
    double wall_s;
    char kind[16];
    char detail[SESSION_TEXT_MAX];
} session_event;

#endif
