/* Causal pulse (systolic peak) detector for photoplethysmograms, after Elgendi et
 * al. 2013 (PLoS ONE 8(10): e76585), "two event-related moving averages":
 * 0.5-8 Hz band-pass, negative half clipped, squared; a 111 ms moving average
 * (MA_peak) against a 667 ms one (MA_beat) raised by beta = 0.02 x the running
 * mean of the squared signal; spans where MA_peak is above it and at least 111 ms
 * wide are blocks of interest; the beat is the maximum of the band-passed signal
 * in each block. Here both averages are causal (MA_peak delayed to stay aligned
 * with MA_beat), and the mean is a running average over ~10 s, kept within 4 x
 * MA_beat so that it forgets a motion burst or a higher gain within a beat. The
 * reported peak is the maximum of the lightly low-passed pulse near the block's
 * maximum, located between samples by a parabolic fit.
 *
 * Delay: a beat is reported when its block closes, typically 0.3-0.6 s after the
 * systolic peak; ppg_detector_max_delay_s gives the bound.
 *
 * Non-finite samples are treated as a gap (filters restart when data returns and
 * the restart transient is ignored); indices keep counting through the gap.
 *
 * Thread: one detector per stream, one thread at a time; push() does not
 * allocate, lock or do I/O. */
#ifndef LULL_BIO_PPG_DETECTOR_H
#define LULL_BIO_PPG_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct ppg_detector ppg_detector;

/* [main] [bio] Returns NULL when fs is out of range (20..10000 Hz, core/limits.h) or memory runs out. */
ppg_detector *ppg_detector_new(double fs);
void ppg_detector_free(ppg_detector *d);

/* [bio] Forgets everything (as if new); the next pushed sample is index 0. */
void ppg_detector_reset(ppg_detector *d);

/* [bio] Same contract as ecg_detector_push: sample indices of systolic peaks detected
 * by now, in increasing order; beats that do not fit are kept (up to 64). */
size_t ppg_detector_push(ppg_detector *d, const float *x, size_t n, int64_t *beats_out,
                         size_t max_out);

/* [bio] As ppg_detector_push, with the peaks located between samples (fractional
 * indices from a parabolic fit of the lightly filtered pulse). */
size_t ppg_detector_push_precise(ppg_detector *d, const float *x, size_t n, double *beats_out,
                                 size_t max_out);

/* [any] Upper bound, in seconds, between a systolic peak and the push() reporting it. */
double ppg_detector_max_delay_s(const ppg_detector *d);

#endif
