/* Release moments, detected causally from what the pipeline already measures:
 * the moments of a session when the body lets something go (a sigh, sobbing, a
 * breath held then let go, a surge of the heart), during which a pacer that keeps
 * guiding toward slow breathing is in the way (docs/biosignals.md, "Release
 * moments", gives the rules, their thresholds and sources).
 *
 * Evidence (each a bit of release_event.evidence):
 *  - RELEASE_SIGH: an inhale swing (trough -> peak) of more than SIGH_OF_MEDIAN
 *    (1.8, "about twice") x the session's median swing and under 6 x (larger is a motion artifact),
 *    lasting at least 0.75 s; value = the ratio;
 *  - RELEASE_IRREGULAR: the breathing's cycle-to-cycle variability over the last
 *    6 breaths: mean |successive difference| of the inhale-to-inhale durations
 *    over their mean >= 0.4, or the coefficient of variation of the last 8
 *    half-cycle swings >= 0.6; value = the larger of the two, each scaled to
 *    the successive-difference threshold (0.4 = just irregular);
 *  - RELEASE_HOLD: no breath event for more than 2.5 mean cycles (at least 8 s)
 *    while respiration keeps arriving with good quality (a flat belt, not a lost
 *    one); value = the seconds held. It is reported when the breath is let go (the
 *    next event), covering the hold;
 *  - RELEASE_HEART_SURGE: heart rate at least 15 bpm above the median of the
 *    last 60 s of good frames for 3 s, with heart quality >= 0.5 and no motion
 *    artifact (breath quality, when a belt is worn, >= 0.5); value = bpm above.
 *
 * Breath evidence is ignored for 10 s after a motion artifact on the belt
 * (release_detector_motion).
 * A release starts at the first evidence and ends when no evidence has come for
 * SETTLE_S (20 s) and the breathing has been regular (not RELEASE_IRREGULAR) over
 * that time: the event then carries its start, end and the evidence seen.
 *
 * Thread: the biosignal thread (one at a time); fixed size, no allocation. */
#ifndef LULL_BIO_RELEASE_DETECTOR_H
#define LULL_BIO_RELEASE_DETECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "bio/features.h"
#include "bio/resp_tracker.h"

enum release_evidence {
    RELEASE_SIGH = 1u << 0,
    RELEASE_IRREGULAR = 1u << 1,
    RELEASE_HOLD = 1u << 2,
    RELEASE_HEART_SURGE = 1u << 3,
};
#define RELEASE_KINDS 4

typedef struct release_event {
    double start_s, end_s; /* end NaN while in progress */
    uint32_t evidence;     /* release_evidence bits seen during it */
    /* strongest value of each kind (see above), NaN when not seen */
    double sigh_ratio, irregularity, hold_s, surge_bpm;
} release_event;

#define RELEASE_CYCLES 6
#define RELEASE_SWINGS 8
#define RELEASE_HR_SECONDS 60

typedef struct release_detector {
    /* breathing */
    double inhale_times[RELEASE_CYCLES + 1];
    int n_inhales, inhale_head;
    double swings[RELEASE_SWINGS];
    int n_swings, swing_head;
    double last_event_s;    /* last breath event, NaN after a gap */
    double last_trough_s;   /* last inhale onset (for the sigh's duration) */
    double hold_from_s;     /* last event before a hold in progress, NaN when none */
    double breath_ok_since; /* breath sensor fresh with quality since, NaN when not */
    /* heart: one median-rate sample per second */
    float hr_sec[RELEASE_HR_SECONDS];
    int n_hr, hr_head;
    double hr_next_s;
    double surge_since; /* NaN when no surge in progress */
    /* release in progress */
    bool active;
    release_event cur;
    double last_evidence_s;
    double irregular_until; /* irregular verdict of the latest breath holds until then */
    double last_motion_s;   /* last motion artifact, -inf when none */
    double last_end_s;      /* end of the previous release, -inf when none */
} release_detector;

/* [any] */
void release_detector_init(release_detector *d);
/* [bio] A breath event from the tracker; median = the
 * session's median swing (NaN before it is known), cycle_s = mean cycle. */
void release_detector_breath(release_detector *d, const resp_event *ev, double median,
                             double cycle_s);
/* [bio] A motion artifact on the respiration at time now (the pipeline: its
 * burst score below 0.5): breath evidence from the 10 s after it is ignored and
 * the variability history starts over, so that a movement is not a release. */
void release_detector_motion(release_detector *d, double now);
/* [bio] The respiration stream had a gap. */
void release_detector_gap(release_detector *d);
/* [bio] A features frame at f->time_s (breath and heart filled): updates the
 * detector and sets f->release and f->release_evidence. Returns true and fills
 * *ended when a release ended with this frame. */
bool release_detector_frame(release_detector *d, lull_features *f, release_event *ended);
/* [bio] The release in progress (false when none). */
bool release_detector_current(const release_detector *d, release_event *out);
/* [any] "sigh", "irregular", "hold", "heart_surge" for one bit; the evidence bits
 * joined with '+' into buf ("" for none). */
const char *release_evidence_name(uint32_t bit);
void release_evidence_text(uint32_t evidence, char *buf, int size);

#endif
