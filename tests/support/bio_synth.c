#include "bio_synth.h"

#include <math.h>
#include <stdlib.h>

void bio_synth_ppg_default(bio_synth_ppg_config *cfg)
{
    cfg->fs = 100.0;
    cfg->seconds = 300.0;
    cfg->heart_rate_bpm = 65.0;
    cfg->rsa_ms = 60.0;
    cfg->breath_rate_bpm = 12.0;
    cfg->ibi_jitter_ms = 15.0;
    cfg->wander = 0.5;
    cfg->noise = 0.03;
    cfg->seed = 1;
}

/* xorshift32 and Box-Muller: small, deterministic, good enough for noise. */
static double uniform(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return ((double)*s + 0.5) / 4294967296.0;
}

static double gauss(uint32_t *s)
{
    double u = uniform(s), v = uniform(s);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* One pulse, t seconds after its onset, for an interval of ibi seconds: the
 * systolic wave, the diastolic (reflected) wave after the notch, and the
 * runoff that makes the diastole decay. Peak value about 1. */
static double pulse_shape(double t, double ibi)
{
    if (t < 0.0 || t > 1.6 * ibi) return 0.0;
    double sys_t = 0.14, sys_w = 0.055; /* systolic peak at 140 ms */
    double dia_t = 0.14 + 0.33 * sqrt(ibi), dia_w = 0.07;
    double s = exp(-0.5 * pow((t - sys_t) / sys_w, 2));
    double dwave = 0.45 * exp(-0.5 * pow((t - dia_t) / dia_w, 2));
    double runoff = t > sys_t
                        ? 0.25 * exp(-(t - sys_t) / (0.35 * ibi)) * (1.0 - exp(-(t - sys_t) / 0.03))
                        : 0.0;
    return s + dwave + runoff;
}

int bio_synth_ppg_make(const bio_synth_ppg_config *cfg, bio_synth_ppg *out)
{
    if (!(cfg->fs >= 10 && cfg->seconds > 0 && cfg->heart_rate_bpm >= 30 &&
          cfg->heart_rate_bpm <= 200))
        return -1;
    uint32_t seed = cfg->seed ? cfg->seed : 1;
    size_t n = (size_t)(cfg->fs * cfg->seconds);
    size_t max_beats = (size_t)(cfg->seconds * 4.0) + 4;
    double *onset = malloc(sizeof(double) * max_beats);
    double *ibis = malloc(sizeof(double) * max_beats);
    double *clean = calloc(n, sizeof(double));
    out->x = malloc(sizeof(float) * n);
    out->peaks = malloc(sizeof(int64_t) * max_beats);
    out->n = n;
    out->n_peaks = 0;
    if (!onset || !ibis || !clean || !out->x || !out->peaks) {
        free(onset);
        free(ibis);
        free(clean);
        bio_synth_ppg_free(out);
        return -1;
    }
    double mean_ibi = 60.0 / cfg->heart_rate_bpm, br = cfg->breath_rate_bpm / 60.0;
    size_t nb = 0;
    double walk = 0.0;
    for (double t = -1.0; t < cfg->seconds && nb < max_beats;) {
        walk = 0.9 * walk + gauss(&seed) * cfg->ibi_jitter_ms / 1000.0;
        double ibi = mean_ibi + 0.5 * cfg->rsa_ms / 1000.0 * sin(2.0 * M_PI * br * t) + walk;
        if (ibi < 0.3) ibi = 0.3;
        onset[nb] = t;
        ibis[nb++] = ibi;
        t += ibi;
    }
    for (size_t b = 0; b < nb; b++) {
        double amp = 1.0 + 0.15 * sin(2.0 * M_PI * br * onset[b] + 1.0);
        size_t i0 = onset[b] < 0 ? 0 : (size_t)(onset[b] * cfg->fs);
        size_t i1 = (size_t)((onset[b] + 1.6 * ibis[b]) * cfg->fs) + 1;
        for (size_t i = i0; i < i1 && i < n; i++)
            clean[i] += amp * pulse_shape((double)i / cfg->fs - onset[b], ibis[b]);
        /* True peak: maximum of this pulse alone, found on a fine grid. */
        double best_t = 0.0, best = -1.0;
        for (double t = 0.05; t < 0.3; t += 0.0005) {
            double v = pulse_shape(t, ibis[b]) +
                       (b > 0 ? pulse_shape(t + onset[b] - onset[b - 1], ibis[b - 1]) : 0.0);
            if (v > best) best = v, best_t = t;
        }
        double peak_t = onset[b] + best_t;
        if (peak_t >= 0.0 && peak_t * cfg->fs < (double)n)
            out->peaks[out->n_peaks++] = llround(peak_t * cfg->fs);
    }
    double drift_phase = uniform(&seed) * 2.0 * M_PI;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / cfg->fs;
        double baseline = cfg->wander * (0.6 * sin(2.0 * M_PI * br * t) +
                                         0.4 * sin(2.0 * M_PI * 0.03 * t + drift_phase));
        out->x[i] = (float)(clean[i] + baseline + cfg->noise * gauss(&seed));
    }
    free(onset);
    free(ibis);
    free(clean);
    return 0;
}

void bio_synth_ppg_free(bio_synth_ppg *p)
{
    free(p->x);
    free(p->peaks);
    p->x = NULL;
    p->peaks = NULL;
    p->n = p->n_peaks = 0;
}
