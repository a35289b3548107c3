#include "resp_synth.h"

#include <math.h>

void resp_synth_init(resp_synth *s, double fs, uint64_t seed)
{
    s->fs = fs;
    s->inhale_fraction = 0.4;
    s->noise = 0.05;
    s->drift = 0.5;
    s->depth_jitter = 0.15;
    s->phase = 0.0;
    s->depth = 1.0;
    s->drift_phase = 0.0;
    s->rng = seed * 2654435761u + 12345u;
    s->n = 0;
}

double resp_synth_next(resp_synth *s, double rate_bpm, int *inhale_onset)
{
    int onset = s->n == 0;
    if (!onset) {
        s->phase += rate_bpm / 60.0 / s->fs;
        if (s->phase >= 1.0) {
            s->phase -= 1.0;
            onset = 1;
            s->depth = 1.0 + s->depth_jitter * sim_gauss(&s->rng);
            if (s->depth < 0.4) s->depth = 0.4;
        }
    }
    s->n++;
    if (inhale_onset) *inhale_onset = onset;
    double f = s->inhale_fraction, p = s->phase;
    double shape = p < f ? -cos(M_PI * p / f) : cos(M_PI * (p - f) / (1.0 - f));
    /* Drift: a 0.008 Hz wander plus a slower one. */
    s->drift_phase += 1.0 / s->fs;
    double drift = s->drift * (sin(2.0 * M_PI * 0.008 * s->drift_phase) +
                               0.5 * sin(2.0 * M_PI * 0.0021 * s->drift_phase + 1.0));
    return 0.5 * s->depth * shape + drift + s->noise * sim_gauss(&s->rng);
}
