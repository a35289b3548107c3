/* Block arithmetic for the host's audio path, written with GCC vector extensions
 * so that it is 4-wide SIMD at any optimisation level (the plain loops were left
 * scalar at -O2: aliasing between buffers, and a trip count unknown to the
 * compiler). Unaligned buffers are fine; the tail is done one frame at a time. */
#ifndef LULL_GRAPH_BLOCK_OPS_H
#define LULL_GRAPH_BLOCK_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef float block_v4f __attribute__((vector_size(16)));
typedef uint32_t block_v4u __attribute__((vector_size(16)));

/* [any] dst[i] = src[i] * gain */
static inline void block_scale(float *restrict dst, const float *restrict src, float gain,
                               uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        block_v4f v;
        memcpy(&v, src + i, sizeof v);
        v *= gain;
        memcpy(dst + i, &v, sizeof v);
    }
    for (; i < n; i++) dst[i] = src[i] * gain;
}

/* [any] dst[i] += src[i] * gain */
static inline void block_mul_add(float *restrict dst, const float *restrict src, float gain,
                                 uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        block_v4f a, b;
        memcpy(&a, dst + i, sizeof a);
        memcpy(&b, src + i, sizeof b);
        a += b * gain;
        memcpy(dst + i, &a, sizeof a);
    }
    for (; i < n; i++) dst[i] += src[i] * gain;
}

/* [any] True when any sample is Inf or NaN (its exponent bits are all ones). */
static inline bool block_has_nonfinite(const float *x, uint32_t n)
{
    const uint32_t e = 0x7f800000u;
    block_v4u acc = {0, 0, 0, 0};
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        block_v4u v;
        memcpy(&v, x + i, sizeof v);
        acc |= (block_v4u)((v & e) == e);
    }
    uint32_t bad = acc[0] | acc[1] | acc[2] | acc[3];
    for (; i < n; i++) {
        uint32_t b;
        memcpy(&b, x + i, sizeof b);
        bad |= (b & e) == e;
    }
    return bad != 0;
}

/* A screen for Inf and NaN over many buffers: their samples summed lane by lane
 * (block_sum_acc). An Inf or NaN leaves its lane non-finite (Inf plus anything but
 * -Inf stays Inf, which with -Inf makes NaN), so a whole batch's outputs are screened
 * at one add per four samples and one test at the end (block_sum_nonfinite). Four
 * accumulators, so that the adds do not wait on each other. A screen that fires may
 * be a finite sum that overflowed: confirm buffer by buffer (block_has_nonfinite). */
typedef struct block_sum {
    block_v4f lane[4];
} block_sum;

/* [audio] Add x[0..n) into the screen (n a multiple of 4; the caller checks any
 * tail). */
static inline void block_sum_acc(block_sum *acc, const float *x, uint32_t n)
{
    /* (locals, not acc->lane[]: GCC keeps an array member in memory, which puts a
     * store-to-load forwarding on every add) */
    block_v4f a0 = acc->lane[0], a1 = acc->lane[1], a2 = acc->lane[2], a3 = acc->lane[3];
    uint32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        block_v4f v0, v1, v2, v3;
        memcpy(&v0, x + i, sizeof v0);
        memcpy(&v1, x + i + 4, sizeof v1);
        memcpy(&v2, x + i + 8, sizeof v2);
        memcpy(&v3, x + i + 12, sizeof v3);
        a0 += v0;
        a1 += v1;
        a2 += v2;
        a3 += v3;
    }
    for (; i + 4 <= n; i += 4) {
        block_v4f v;
        memcpy(&v, x + i, sizeof v);
        a0 += v;
    }
    acc->lane[0] = a0;
    acc->lane[1] = a1;
    acc->lane[2] = a2;
    acc->lane[3] = a3;
}

/* [audio] True when the screen saw an Inf or NaN (or a finite sum overflowed). */
static inline bool block_sum_nonfinite(const block_sum *acc)
{
    block_v4f t = (acc->lane[0] + acc->lane[1]) + (acc->lane[2] + acc->lane[3]);
    float f[4];
    memcpy(f, &t, sizeof f);
    return block_has_nonfinite(f, 4);
}

#endif
