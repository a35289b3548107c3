/* One frame of biosignal features, produced by the biosignal pipeline (daemon's
 * biosignal thread, or inline by the offline driver and `lull analyze`) and read
 * by the audio thread through engine/feature_mailbox. Plain data, fixed size.
 *
 * Unknown values are NaN. `*_state` says whether the sensor is present and fresh;
 * mappings that depend on a sensor that is not LULL_SENSOR_OK glide to neutral. */
#ifndef LULL_BIO_FEATURES_H
#define LULL_BIO_FEATURES_H

#include <stdint.h>

enum lull_sensor_state {
    LULL_SENSOR_NONE = 0, /* never seen in this session */
    LULL_SENSOR_OK = 1,
    LULL_SENSOR_STALE = 2, /* seen, but no data for 1 s / no beat for 2.5 intervals */
};

typedef struct lull_features {
    double time_s; /* stream time of the frame (monotonic seconds) */
    /* respiration */
    float breath_rate;    /* breaths per minute */
    float breath_phase;   /* 0..1, 0 = start of inhale (measured, not the pacer) */
    float breath_depth;   /* amplitude relative to the session's typical breath, ~0..2 */
    float ie_ratio;       /* inhale duration / exhale duration of the last breath */
    float breath_quality; /* 0..1 */
    /* heart */
    float heart_rate;     /* beats per minute */
    float rmssd;          /* ms, over the last 30..60 s of valid intervals */
    float rsa;            /* ms, peak-to-trough heart period swing of the last breath */
    float coherence;      /* ratio, see docs/biosignals.md */
    float heart_quality;  /* 0..1 */
    float arousal;        /* ~-1..1 relative to the learned baseline, 0 = baseline */
    uint8_t breath_state; /* lull_sensor_state */
    uint8_t heart_state;
    /* While a feature is still learning, the seconds of good data it still needs
     * (coherence: 64 s of valid beats; arousal: 180 s of good samples for its
     * baseline), so that a display says "learning, 40 s" instead of NaN. 0 once
     * the feature is known, NaN while no sensor feeds it. */
    float coherence_learning_s;
    float arousal_learning_s;
    /* A release moment is in progress (1) or not (0): a sigh, irregular
     * (sobbing-like) breathing, a breath hold, a heart-rate surge without motion
     * (bio/release_detector.h). The guide pacer holds while it is 1. */
    float release;
    uint8_t release_evidence; /* release_evidence bits behind it, 0 when none */
} lull_features;

/* [any] A features frame where everything is unknown and no sensor was seen. */
void lull_features_init(lull_features *f);

#endif
