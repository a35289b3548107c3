/* The client's resting baseline and arousal relative to it.
 *
 * Baseline: once per second the current heart rate, RMSSD and breath rate (each
 * when known and its sensor's quality is at least 0.5) are collected; each
 * feature's baseline is learned from its first 180 such seconds (3 min of good
 * data): the median and a robust spread (1.4826 x the median absolute deviation,
 * floored at 3 bpm for heart rate, 0.15 for ln RMSSD, 1.5 breaths/min for breath
 * rate). RMSSD is handled as ln(RMSSD) (it is log-normal).
 *
 * Arousal = tanh(mean(z) / 2) over the features whose baseline is learned and
 * whose current value is known, with
 *   z_hr = (HR - HR0) / s_hr, z_rmssd = -(ln RMSSD - ln RMSSD0) / s_rmssd,
 *   z_br = (BR - BR0) / s_br:
 * 0 at baseline, positive when heart rate and breath rate go up and RMSSD goes
 * down (arousal), negative when relaxing; about +-0.46 at one spread, bounded
 * by +-1. NaN until a baseline is learned.
 *
 * Fixed storage, no allocation; one thread at a time. */
#ifndef LULL_BIO_BASELINE_H
#define LULL_BIO_BASELINE_H

#include <stdbool.h>

#define BASELINE_SECONDS 180

enum { BASELINE_HR = 0, BASELINE_RMSSD = 1, BASELINE_BR = 2, BASELINE_FEATURES = 3 };

typedef struct baseline {
    double values[BASELINE_FEATURES][BASELINE_SECONDS];
    int count[BASELINE_FEATURES];
    double center[BASELINE_FEATURES], spread[BASELINE_FEATURES]; /* NaN until learned */
    double next_sample_s;
} baseline;

/* [bio] */
void baseline_init(baseline *b);

/* [bio] Offers the current values at time now_s (NaN = unknown or not trusted); at most
 * one sample per second is kept. */
void baseline_update(baseline *b, double now_s, double hr, double rmssd, double br);

/* [bio] */
bool baseline_learned(const baseline *b, int feature);

/* [bio] Seconds of good samples still needed before the first feature's baseline is
 * learned: 0 once one is, BASELINE_SECONDS before any sample. */
double baseline_seconds_left(const baseline *b);

/* [bio] Arousal for the given current values, NaN when no baseline applies. */
double baseline_arousal(const baseline *b, double hr, double rmssd, double br);

#endif
