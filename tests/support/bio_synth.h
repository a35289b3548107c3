/* Synthetic biosignals with known truth, for detector tests. Deterministic for
 * a given seed. */
#ifndef LULL_TEST_BIO_SYNTH_H
#define LULL_TEST_BIO_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct bio_synth_ppg_config {
    double fs; /* Hz */
    double seconds;
    double heart_rate_bpm;  /* mean rate */
    double rsa_ms;          /* peak-to-peak swing of the interval with breathing */
    double breath_rate_bpm; /* breaths per minute (RSA, baseline, amplitude) */
    double ibi_jitter_ms;   /* random beat-to-beat change (SD) */
    double wander;          /* baseline wander amplitude, x pulse amplitude */
    double noise;           /* white noise SD, x pulse amplitude */
    uint32_t seed;
} bio_synth_ppg_config;

/* Sensible defaults: 100 Hz, 300 s, 65 bpm, 60 ms RSA, 12 breaths/min, 15 ms
 * jitter, wander 0.5, noise 0.03. */
void bio_synth_ppg_default(bio_synth_ppg_config *cfg);

typedef struct bio_synth_ppg {
    float *x; /* n samples */
    size_t n;
    int64_t *peaks; /* n_peaks true systolic peak sample indices */
    size_t n_peaks;
} bio_synth_ppg;

/* A PPG: each pulse is a fast systolic upstroke and peak, a dicrotic notch and a
 * smaller diastolic wave (sum of two Gaussians on a decaying runoff), its
 * amplitude modulated by breathing, on a wandering baseline, with noise. The
 * true peak of each pulse is the maximum of that pulse's noiseless shape.
 * Returns 0, -1 on a bad config or no memory. */
int bio_synth_ppg_make(const bio_synth_ppg_config *cfg, bio_synth_ppg *out);
void bio_synth_ppg_free(bio_synth_ppg *p);

#endif
