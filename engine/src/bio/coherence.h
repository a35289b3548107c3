/* Cardiac coherence (after McCraty et al., HeartMath): how much of the heart
 * period's variability sits in one narrow peak of the low-frequency band, as
 * when breathing slowly and evenly.
 *
 * From the valid intervals of the last 64 s (ending at the last valid beat):
 *  1. the heart period RR(t) (ms, at each beat's time) is resampled every 0.25 s
 *     (4 Hz, 256 points) by linear interpolation on the beat time axis;
 *  2. a least-squares line is removed; a Hann window is applied;
 *  3. the power spectrum P(f) = |X(f)|^2 of the zero-padded (to 1024 points,
 *     0.0039 Hz per bin) series is taken with FFTW;
 *  4. the peak is the largest bin with 0.04 <= f <= 0.26 Hz; peak power = sum of
 *     P over bins with |f - f_peak| <= 0.015 Hz; total = sum of P over
 *     0.0033 <= f <= 0.4 Hz;
 *  5. coherence = peak power / (total - peak power).
 * NaN when the valid beats do not cover the 64 s or leave a hole over 10 s.
 * A sinusoidal heart period at 0.1 Hz gives about 10 or more; white-noise
 * intervals give about 0.1-0.3.
 *
 * The FFTW plan is made in _new (FFTW_ESTIMATE; the planner is not thread-safe:
 * create on the thread that creates the other FFTW plans, or serialise);
 * coherence_update() only executes it and never allocates. */
#ifndef LULL_BIO_COHERENCE_H
#define LULL_BIO_COHERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "bio/hrv.h"

#define COHERENCE_WINDOW_S 64.0
#define COHERENCE_UPDATE_S 5.0

typedef struct coherence coherence;

/* [main] [bio] */
coherence *coherence_new(void);
void coherence_free(coherence *c);
/* [bio] Forgets the last value. */
void coherence_reset(coherence *c);

/* [bio] Recomputes from h's valid intervals when COHERENCE_UPDATE_S have passed since
 * the last computation (or none was made). Returns true when it recomputed. */
bool coherence_update(coherence *c, const hrv *h, double now_s);

/* [bio] The formula above on given beats (times in s, increasing; intervals in ms),
 * for a window ending at the last beat. Returns the coherence or NaN. */
double coherence_compute(coherence *c, const double *times_s, const double *rr_ms, size_t n);

/* [bio] */
double coherence_value(const coherence *c);   /* NaN until known */
double coherence_peak_hz(const coherence *c); /* frequency of the last peak, NaN if none */

#endif
