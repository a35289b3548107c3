/* Synthetic respiration for tests: a breathing waveform with a chosen rate at
 * every sample, a long exhale, breath-to-breath depth variation, baseline drift
 * and white noise, with the true inhale onsets reported. Deterministic for a
 * given seed. */
#ifndef LULL_TEST_RESP_SYNTH_H
#define LULL_TEST_RESP_SYNTH_H

#include <stdint.h>

#include "sim/sim_random.h"

typedef struct resp_synth {
    double fs;
    double inhale_fraction; /* share of the cycle spent inhaling, default 0.4 */
    double noise;           /* white noise standard deviation (breath amplitude is 1) */
    double drift;           /* amplitude of a slow baseline wander */
    double depth_jitter;    /* relative breath-to-breath depth variation */
    double phase;           /* cycles, 0..1 */
    double depth;           /* depth of the current breath */
    double drift_phase;
    uint64_t rng;
    int64_t n;
} resp_synth;

void resp_synth_init(resp_synth *s, double fs, uint64_t seed);

/* Next sample at the given rate (breaths/min). *inhale_onset (may be NULL) is set
 * to 1 when an inhale starts at this sample, else 0. */
double resp_synth_next(resp_synth *s, double rate_bpm, int *inhale_onset);

/* Random draws for tests: sim_uniform / sim_gauss (sim/sim_random.h). */

#endif
