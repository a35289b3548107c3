/* Causal QRS detector for a single ECG lead (Pan & Tompkins 1985, IEEE TBME 32(3)):
 * 5-15 Hz band-pass, five-point derivative, squaring, 150 ms moving-window
 * integration, adaptive signal/noise peak levels (SPKI/NPKI), search-back when no
 * beat came for 1.66 x the average RR, 200 ms refractory period, T-wave rejection
 * (slope and width tests within 360 ms), then refinement of the reported time to
 * the R peak (largest deflection of the baseline-removed ECG before the
 * integrator's peak, located between samples by a parabolic fit).
 *
 * Artifacts: a peak raises the signal/noise levels by at most 4 x, and when no
 * QRS has come for the search-back interval (at least 1.2 s) both levels halve
 * every 0.25 s, so detection resumes within about 2 s of any burst, pop or drop
 * of gain (measured in test_bio_cases).
 *
 * Filters are designed for the given rate (any fs >= 50 Hz). Used identically by
 * the daemon's biosignal thread and by `lull analyze`.
 *
 * Delay: a beat is reported once the integrated signal has fallen back below half
 * its peak, typically 0.15-0.35 s after the R peak (ecg_detector_max_delay_s gives
 * the bound for beats not found by search-back; search-back beats come later, at
 * most 1.66 average RR intervals after the previous beat). Beats found during the
 * first 2 s (threshold learning) are reported at the end of the learning period.
 *
 * Non-finite input samples (dropouts) are treated as a gap: the detector holds
 * its state, restarts its filters when data returns and ignores the restart
 * transient; sample indices keep counting through the gap.
 *
 * Thread: one detector per stream, used by one thread at a time. push() does not
 * allocate, lock or do I/O. */
#ifndef LULL_BIO_ECG_DETECTOR_H
#define LULL_BIO_ECG_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct ecg_detector ecg_detector;

/* [main] [bio] Returns NULL when fs is out of range (50..10000 Hz, core/limits.h) or memory runs out. */
ecg_detector *ecg_detector_new(double fs);
void ecg_detector_free(ecg_detector *d);

/* [bio] Forgets everything (as if new); the next pushed sample is index 0. */
void ecg_detector_reset(ecg_detector *d);

/* [bio] Feeds n samples (physical units, any gain). Writes the sample indices (counted
 * from the first sample pushed since new/reset) of the R peaks detected by now,
 * in increasing order, to beats_out (at most max_out); returns how many. Beats
 * that do not fit are kept (up to 64) and returned by the next call. */
size_t ecg_detector_push(ecg_detector *d, const float *x, size_t n, int64_t *beats_out,
                         size_t max_out);

/* [any] Upper bound, in seconds, between an R peak and the push() that reports it,
 * for beats detected without search-back once thresholds are learned. */
double ecg_detector_max_delay_s(const ecg_detector *d);

/* [bio] As ecg_detector_push, with the R peaks located between samples: fractional
 * sample indices (parabolic fit of the refined peak), so that beat intervals are
 * not quantised to the sample period. */
size_t ecg_detector_push_precise(ecg_detector *d, const float *x, size_t n, double *beats_out,
                                 size_t max_out);

#endif
