/* Morphology evidence that a heart is there: how alike the recent beats look.
 *
 * Each detected beat's waveform window (ECG: 0.2 s before to 0.4 s after the R
 * peak, holding P, QRS and T; PPG: 0.3 s either side of the systolic peak) is
 * compared with the average of the last 8 windows by Pearson correlation; the
 * score is the median of those correlations (Orphanidou et al., "Signal-quality
 * indices for the electrocardiogram and photoplethysmogram: derivation and
 * applications to wireless monitoring", IEEE JBHI 19(3):832-838, 2015: an ECG
 * window is acceptable at a mean correlation >= 0.66, a PPG window at >= 0.86;
 * NeuroKit2's ecg_quality "averageQRS" method does the same; the median here
 * keeps one ectopic or mislocated beat from sinking the score). Real beats
 * correlate at 0.9 and above; the peaks a detector picks out of noise (any
 * colour) do not repeat, so their mean correlation stays low (measured in
 * test_bio_cases and docs/biosignals.md).
 *
 * The signal is high-passed at 0.5 Hz (baseline wander) into a ring of 4 s; a
 * beat is scored once its window is complete (beats reported later than the
 * ring holds are skipped). Beats are given in fractional sample indices on the
 * same count as the pushed samples.
 *
 * No allocation after _new; one thread at a time (the biosignal thread). */
#ifndef LULL_BIO_BEAT_TEMPLATE_H
#define LULL_BIO_BEAT_TEMPLATE_H

#include <stdint.h>

typedef struct beat_template beat_template;

/* [main] [bio] fs in Hz; pre_s and post_s: the window around the beat, seconds (> 0, together
 * at most 2 s). NULL on bad arguments or no memory. */
beat_template *beat_template_new(double fs, double pre_s, double post_s);
void beat_template_free(beat_template *t);

/* [bio] Forgets the beats and the signal (a gap in the stream); the sample count goes on. */
void beat_template_gap(beat_template *t);

/* [bio] One sample (its index is the count of samples pushed before it). */
void beat_template_push(beat_template *t, double x);

/* [bio] A beat at fractional sample index `index`. */
void beat_template_beat(beat_template *t, double index);

/* [bio] Median correlation of the last (up to 8) beats with their average, 0 before 4
 * beats have been scored, NaN-free. */
double beat_template_correlation(const beat_template *t);

#endif
