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

/* [audio] OR into *acc a lane of all ones for every Inf or NaN among x[0..n) (n a
 * multiple of 4; the caller checks any tail): a whole batch's outputs are checked
 * with one reduction at the end instead of one per buffer. */
static inline void block_nonfinite_acc(block_v4u *acc, const float *x, uint32_t n)
{
    const uint32_t e = 0x7f800000u;
    for (uint32_t i = 0; i + 4 <= n; i += 4) {
        block_v4u v;
        memcpy(&v, x + i, sizeof v);
        *acc |= (block_v4u)((v & e) == e);
    }
}

#endif
