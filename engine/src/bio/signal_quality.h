/* Signal quality of one sensor stream, 0..1: the product of four scores.
 *
 *  - flatline: the raw range over the last 2 s against the stream's typical 2-s
 *    range (a slow average of it while not flat): 0 below 2 %, 1 above 10 %,
 *    linear between. A disconnected electrode or a belt that stopped moving.
 *  - clipping: the fraction of the last 2 s of samples that repeat the previous
 *    sample while within 0.1 % of the range of the extremes seen so far (an
 *    ADC or amplifier at its rail): 1 at 0 %, 0 at 10 % or more.
 *  - burst: with a reference amplitude (respiration: the session's median breath
 *    swing), the filtered peak-to-peak over the last 2 s against it; without
 *    (ECG, PPG), the raw 2-s range against the typical one: 1 up to 2 x, 0 from
 *    4 x, linear between. Motion artifacts are much larger than the signal.
 *    The typical range follows at most a doubling per 0.25-s step (tau 60 s),
 *    so a burst hardly teaches it.
 *  - intervals: the fraction of the last N beat intervals / breath half-cycles
 *    that were plausible and accepted (not flagged by the validator, not an
 *    artifact); slots not yet filled count as bad, so quality builds up over the
 *    first N events.
 * The 2-s windows are kept as eight 0.25-s blocks plus the block being filled,
 * so a burst shows within one sample.
 *
 * Staleness is the pipeline's business (it knows the clocks); see bio_pipeline.h.
 * No allocation after _new; one thread at a time. */
#ifndef LULL_BIO_SIGNAL_QUALITY_H
#define LULL_BIO_SIGNAL_QUALITY_H

#include <stdbool.h>

typedef struct signal_quality signal_quality;

typedef struct signal_quality_scores {
    double flatline, clipping, burst, intervals;
    double total; /* product */
} signal_quality_scores;

/* [main] [bio] fs: nominal sampling rate (> 0); interval_window: N above (1..64). */
signal_quality *signal_quality_new(double fs, int interval_window);
void signal_quality_free(signal_quality *q);

/* [bio] One raw sample and its filtered value (pass raw twice when there is no filter). */
void signal_quality_push(signal_quality *q, double raw, double filtered);

/* [bio] The verdict on one interval or half-cycle. */
void signal_quality_interval(signal_quality *q, bool good);

/* [bio] Reference swing for the burst score; NaN disables it. */
void signal_quality_set_reference(signal_quality *q, double reference_ptp);

/* [bio] The stream was interrupted: the sample windows restart (interval history stays). */
void signal_quality_gap(signal_quality *q);

/* [bio] */
void signal_quality_get(const signal_quality *q, signal_quality_scores *out);

#endif
