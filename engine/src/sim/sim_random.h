/* Deterministic pseudo-random numbers for the simulated client and the tests'
 * synthetic signals: xorshift64* (uniform in [0, 1)) and Box–Muller (standard
 * normal). The same seed gives the same sequence on every platform. */
#ifndef LULL_SIM_SIM_RANDOM_H
#define LULL_SIM_SIM_RANDOM_H

#include <math.h>
#include <stdint.h>

/* [any] */
static inline double sim_uniform(uint64_t *rng)
{
    uint64_t x = *rng ? *rng : 88172645463325252ull; /* never the stuck zero state */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}

/* [any] */
static inline double sim_gauss(uint64_t *rng)
{
    double u1 = sim_uniform(rng), u2 = sim_uniform(rng);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

#endif
