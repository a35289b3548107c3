/* Validates a stream of beat times from one source (ECG R peaks, PPG pulses or
 * times rebuilt from received RR intervals) and turns them into inter-beat
 * intervals flagged valid or not. Flagged intervals are to be left out of heart
 * rate and HRV, never interpolated.
 *
 * Rules, against the running median of the last `median_len` valid intervals:
 *  - outside [min_ms, max_ms]                                  -> ARTIFACT_RANGE
 *  - a premature interval (< ectopic_short x median) followed by a compensatory
 *    one (> ectopic_long x median), the two summing to about two medians:
 *    both intervals ECTOPIC, and the beat ending the short one is ectopic
 *  - about 2 x median (a beat the detector missed; not split)  -> MISSED
 *  - two short intervals summing to about one median (an extra detection):
 *    both EXTRA
 *  - any other interval outside [ratio_low, ratio_high] x median -> ARTIFACT_RATIO
 * When several consecutive flagged intervals agree with each other (a real change
 * of rate, e.g. after a dropout), the median restarts from them.
 *
 * Each interval is judged once the next beat is known (ectopic and extra-beat
 * patterns need it): push() returns the verdict on the previous beat, so results
 * lag by one beat; flush() returns the last one at the end of a stream.
 *
 * Plain computation: no allocation after _new; safe on any one thread. */
#ifndef LULL_BIO_BEAT_VALIDATOR_H
#define LULL_BIO_BEAT_VALIDATOR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum beat_flag {
    BEAT_VALID = 0,
    BEAT_FIRST,          /* first beat of the stream (or after reset): no interval */
    BEAT_ARTIFACT_RANGE, /* interval outside [min_ms, max_ms] */
    BEAT_ARTIFACT_RATIO, /* too far from the running median, no known pattern */
    BEAT_ECTOPIC,        /* premature + compensatory pair */
    BEAT_MISSED,         /* about twice the median: a beat is missing */
    BEAT_EXTRA,          /* short + short summing to the median: an extra beat */
} beat_flag;

typedef struct beat_validator_config {
    double min_ms, max_ms;        /* physiological range, default 300..2000 */
    double ratio_low, ratio_high; /* accepted ratio to the median, default 0.7..1.3 */
    double ectopic_short;         /* premature when below this x median, default 0.88 */
    double ectopic_long;          /* compensatory when above this x median, default 1.08 */
    int median_len;               /* valid intervals in the running median, default 9 */
} beat_validator_config;

typedef struct beat_result {
    double time_s;      /* time of the beat this result is about */
    double interval_ms; /* time since the previous beat; NaN for BEAT_FIRST */
    beat_flag flag;     /* verdict on that interval */
    bool beat_ectopic;  /* this beat itself is premature (ectopic) */
} beat_result;

typedef struct beat_validator beat_validator;

/* [any] */
void beat_validator_config_default(beat_validator_config *cfg);

/* [main] [bio] cfg NULL = defaults. Returns NULL on a bad config or no memory. */
beat_validator *beat_validator_new(const beat_validator_config *cfg);
void beat_validator_free(beat_validator *v);
void beat_validator_reset(beat_validator *v);

/* [bio] Adds a beat at time t_s (seconds, increasing). Returns 1 and fills *out with
 * the verdict on the previous beat, or 0 when there is none yet. A time not
 * after the previous beat is ignored (returns 0). */
int beat_validator_push(beat_validator *v, double t_s, beat_result *out);

/* [bio] Returns 1 and the verdict on the last beat pushed (judged without a next
 * beat), or 0 when there is none pending. */
int beat_validator_flush(beat_validator *v, beat_result *out);

/* [bio] Running median of valid intervals in ms, NaN before the first one. */
double beat_validator_median_ms(const beat_validator *v);

/* [any] Human-readable name of a flag ("valid", "ectopic", ...). */
const char *beat_flag_name(beat_flag f);

#endif
