/* Float samples to integer PCM with TPDF dither: what `lull render --format wav16 |
 * wav24 | flac` writes. Triangular (TPDF) dither of 2 LSB peak to peak, the sum of
 * two independent uniform variables of 1 LSB, makes the quantisation error's mean
 * and variance independent of the signal (no distortion on quiet fade-outs; the
 * error is white noise of LSB²/4 in total, 1/12 quantisation + 2/12 dither):
 * Lipshitz, Wannamaker & Vanderkooy, "Quantization and Dither: A Theoretical
 * Survey", J. Audio Eng. Soc. 40(5), 1992. The generator is seeded by the caller,
 * so the same render gives the same file. */
#ifndef LULL_CORE_PCM_DITHER_H
#define LULL_CORE_PCM_DITHER_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcm_dither {
    uint64_t state; /* xorshift64* state, never 0 */
    int bits;       /* 8..24: the target word length */
} pcm_dither;

/* [any] bits: 8..24 (clamped); seed: any value (0 is replaced by a constant). */
void pcm_dither_init(pcm_dither *d, int bits, uint64_t seed);

/* [main] n samples of in (full scale ±1.0) to out, quantised to d->bits with TPDF
 * dither, saturated at the word's limits, and left-justified in 32 bits (the
 * scale libsndfile's sf_write_int expects for every integer format). */
void pcm_dither_to_int(pcm_dither *d, const float *in, int32_t *out, size_t n);

#endif
