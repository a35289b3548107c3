#include "core/pcm_dither.h"

#include <math.h>

void pcm_dither_init(pcm_dither *d, int bits, uint64_t seed)
{
    d->bits = bits < 8 ? 8 : bits > 24 ? 24 : bits;
    d->state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

/* xorshift64* (Vigna 2016): top 32 bits to a uniform in [0, 1). */
static double uniform(pcm_dither *d)
{
    uint64_t x = d->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    d->state = x;
    return (double)((x * 0x2545F4914F6CDD1Dull) >> 32) * (1.0 / 4294967296.0);
}

void pcm_dither_to_int(pcm_dither *d, const float *in, int32_t *out, size_t n)
{
    const double scale = ldexp(1.0, d->bits - 1); /* LSBs per full scale */
    const double lo = -scale, hi = scale - 1.0;
    const int shift = 32 - d->bits;
    for (size_t i = 0; i < n; i++) {
        double x = in[i];
        if (!isfinite(x)) x = 0.0; /* the safety stage keeps output finite; belt and braces */
        double tpdf = uniform(d) - uniform(d); /* triangular, ±1 LSB */
        double q = floor(x * scale + tpdf + 0.5);
        if (q < lo) q = lo;
        if (q > hi) q = hi;
        out[i] = (int32_t)((uint32_t)(int32_t)q << shift);
    }
}
