/* The beats a detector has found but not yet handed to its caller: a small
 * fixed FIFO of beat positions in fractional sample indices (peaks are located
 * between samples; no allocation), shared by the ECG and PPG detectors, plus the
 * conversion of their durations to whole samples and the sub-sample peak fit. */
#ifndef LULL_BIO_BEAT_QUEUE_H
#define LULL_BIO_BEAT_QUEUE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BEAT_QUEUE_CAP 64

typedef struct beat_queue {
    double beats[BEAT_QUEUE_CAP];
    size_t count;
} beat_queue;

/* [bio] */
static inline void beat_queue_clear(beat_queue *q) { q->count = 0; }

/* [bio] A full queue drops the beat: the caller is not draining it (it drains every push). */
static inline void beat_queue_push(beat_queue *q, double beat)
{
    if (q->count < BEAT_QUEUE_CAP) q->beats[q->count++] = beat;
}

/* [bio] Moves up to max of the oldest beats into out (fractional indices, or rounded
 * to whole samples when out_index is given instead); returns how many. */
static inline size_t beat_queue_take(beat_queue *q, double *out, int64_t *out_index, size_t max)
{
    size_t n = q->count < max ? q->count : max;
    for (size_t i = 0; i < n; i++) {
        if (out)
            out[i] = q->beats[i];
        else
            out_index[i] = (int64_t)llround(q->beats[i]);
    }
    if (n > 0) {
        memmove(q->beats, q->beats + n, (q->count - n) * sizeof(double));
        q->count -= n;
    }
    return n;
}

/* [any] Offset (-0.5..0.5 samples) of the vertex of the parabola through three
 * samples around a local extremum at the middle one: the peak between samples
 * (Smith, "Spectral Audio Signal Processing", quadratic interpolation; HeartPy's
 * high-precision mode does the same on an upsampled pulse). 0 when flat. */
static inline double bio_parabolic_offset(double before, double at, double after)
{
    double den = before - 2.0 * at + after;
    if (!(fabs(den) > 0.0)) return 0.0;
    double off = 0.5 * (before - after) / den;
    return off < -0.5 ? -0.5 : off > 0.5 ? 0.5 : off;
}

/* [any] A duration in whole samples at fs, at least 1. */
static inline int bio_samples(double fs, double seconds)
{
    int v = (int)lround(fs * seconds);
    return v < 1 ? 1 : v;
}

#endif
