/* Heart rate and heart-rate variability from validated beat-to-beat intervals
 * (beat_validator verdicts). Flagged intervals are kept out, never interpolated.
 *
 *  - heart rate: 60000 / median of the last 5 valid intervals (bpm).
 *  - RMSSD: over the valid intervals whose beat falls in the 60 s ending at the
 *    last beat; sqrt(mean((RR[i] - RR[i-1])^2)) over the pairs of valid intervals
 *    that are adjacent (no flagged interval or gap between them). NaN until the
 *    valid intervals in the window add up to 30 s and give 10 differences.
 *  - RSA of a breath: max - min of the valid intervals whose beats fall inside
 *    the breath (inhale onset to next inhale onset), in ms; NaN with fewer than 3.
 *
 * Keeps the last 512 intervals (over 100 s at 300 bpm) in a ring; no allocation
 * after _new; one thread at a time. */
#ifndef LULL_BIO_HRV_H
#define LULL_BIO_HRV_H

#include <stdbool.h>
#include <stddef.h>

#define HRV_RING 512

typedef struct hrv hrv;

/* [main] [bio] */
hrv *hrv_new(void);
void hrv_free(hrv *h);
/* [bio] Forgets all intervals. */
void hrv_reset(hrv *h);

/* [bio] One interval ending with the beat at beat_time_s (increasing). */
void hrv_push(hrv *h, double beat_time_s, double interval_ms, bool valid);
/* [bio] The beat stream was interrupted: the next interval is not adjacent to the last. */
void hrv_break(hrv *h);

/* [bio] */
double hrv_heart_rate(const hrv *h);         /* bpm, NaN before the first valid interval */
double hrv_median_interval_ms(const hrv *h); /* of the last 5 valid, NaN before */
double hrv_rmssd(const hrv *h);              /* ms */
double hrv_rsa(const hrv *h, double t0_s, double t1_s);
double hrv_last_beat_time(const hrv *h); /* NaN before the first interval */

/* [bio] Copies the valid intervals whose beat is at or after from_s, oldest first:
 * beat times (s) and intervals (ms). Returns how many (at most max). */
size_t hrv_valid_since(const hrv *h, double from_s, double *times_s, double *rr_ms, size_t max);

#endif
