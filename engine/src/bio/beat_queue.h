/* The beats a detector has found but not yet handed to its caller: a small
 * fixed FIFO of sample indices (no allocation), shared by the ECG and PPG
 * detectors, plus the conversion of their durations to whole samples. */
#ifndef LULL_BIO_BEAT_QUEUE_H
#define LULL_BIO_BEAT_QUEUE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BEAT_QUEUE_CAP 64

typedef struct beat_queue {
    int64_t beats[BEAT_QUEUE_CAP];
    size_t count;
} beat_queue;

static inline void beat_queue_clear(beat_queue *q) { q->count = 0; }

/* A full queue drops the beat: the caller is not draining it (it drains every push). */
static inline void beat_queue_push(beat_queue *q, int64_t beat)
{
    if (q->count < BEAT_QUEUE_CAP) q->beats[q->count++] = beat;
}

/* Moves up to max of the oldest beats into out; returns how many. */
static inline size_t beat_queue_take(beat_queue *q, int64_t *out, size_t max)
{
    size_t n = q->count < max ? q->count : max;
    if (n > 0) {
        memcpy(out, q->beats, n * sizeof(int64_t));
        memmove(q->beats, q->beats + n, (q->count - n) * sizeof(int64_t));
        q->count -= n;
    }
    return n;
}

/* A duration in whole samples at fs, at least 1. */
static inline int bio_samples(double fs, double seconds)
{
    int v = (int)lround(fs * seconds);
    return v < 1 ? 1 : v;
}

#endif
