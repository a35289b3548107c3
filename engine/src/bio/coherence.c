#include "bio/coherence.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

#define RESAMPLE_HZ 4.0
#define POINTS 256    /* 64 s at 4 Hz */
#define FFT_SIZE 1024 /* zero padding: 0.0039 Hz per bin */
#define PEAK_LO_HZ 0.04
#define PEAK_HI_HZ 0.26
#define PEAK_HALF_WIDTH_HZ 0.015
#define TOTAL_LO_HZ 0.0033
#define TOTAL_HI_HZ 0.4
#define MAX_HOLE_S 10.0
/* Beats the 64-s window can hold, at up to 300 bpm, plus the one before it. */
#define MAX_BEATS (HRV_RING)

struct coherence {
    double *in;        /* FFT_SIZE, fftw_malloc'd */
    fftw_complex *out; /* FFT_SIZE / 2 + 1 */
    fftw_plan plan;
    double window[POINTS];
    double times[MAX_BEATS], rr[MAX_BEATS];
    double value, peak_hz, last_update_s;
};

coherence *coherence_new(void)
{
    coherence *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->in = fftw_malloc(sizeof(double) * FFT_SIZE);
    c->out = fftw_malloc(sizeof(fftw_complex) * (FFT_SIZE / 2 + 1));
    if (c->in && c->out) c->plan = fftw_plan_dft_r2c_1d(FFT_SIZE, c->in, c->out, FFTW_ESTIMATE);
    if (!c->plan) {
        coherence_free(c);
        return NULL;
    }
    for (int i = 0; i < POINTS; i++)
        c->window[i] = 0.5 * (1.0 - cos(2.0 * M_PI * i / (POINTS - 1)));
    coherence_reset(c);
    return c;
}

void coherence_free(coherence *c)
{
    if (!c) return;
    if (c->plan) fftw_destroy_plan(c->plan);
    fftw_free(c->in);
    fftw_free(c->out);
    free(c);
}

void coherence_reset(coherence *c)
{
    c->value = c->peak_hz = NAN;
    c->last_update_s = NAN;
}

double coherence_value(const coherence *c) { return c->value; }
double coherence_peak_hz(const coherence *c) { return c->peak_hz; }

double coherence_compute(coherence *c, const double *times_s, const double *rr_ms, size_t n)
{
    c->peak_hz = NAN;
    if (n < 2) return NAN;
    double end = times_s[n - 1], start = end - COHERENCE_WINDOW_S;
    if (times_s[0] > start + 1.0 / RESAMPLE_HZ) return NAN;
    for (size_t i = 1; i < n; i++)
        if (times_s[i] > start && times_s[i] - times_s[i - 1] > MAX_HOLE_S) return NAN;

    /* 1. Linear interpolation at start + (k + 1) / 4 s, k = 0..255. */
    size_t j = 0;
    for (int k = 0; k < POINTS; k++) {
        double t = start + (k + 1) / RESAMPLE_HZ;
        while (j + 2 < n && times_s[j + 1] < t) j++;
        double span = times_s[j + 1] - times_s[j];
        double a = span > 0 ? (t - times_s[j]) / span : 0.0;
        c->in[k] = rr_ms[j] + a * (rr_ms[j + 1] - rr_ms[j]);
    }
    /* 2. Least-squares line removed, Hann window, zero padding. */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int k = 0; k < POINTS; k++) {
        sx += k;
        sy += c->in[k];
        sxx += (double)k * k;
        sxy += k * c->in[k];
    }
    double slope = (POINTS * sxy - sx * sy) / (POINTS * sxx - sx * sx);
    double icpt = (sy - slope * sx) / POINTS;
    for (int k = 0; k < POINTS; k++) c->in[k] = (c->in[k] - icpt - slope * k) * c->window[k];
    for (int k = POINTS; k < FFT_SIZE; k++) c->in[k] = 0.0;
    /* 3. Power spectrum. */
    fftw_execute(c->plan);
    const double df = RESAMPLE_HZ / FFT_SIZE;
    int peak = -1;
    double peak_p = -1;
    for (int k = (int)ceil(PEAK_LO_HZ / df); k * df <= PEAK_HI_HZ; k++) {
        double p = c->out[k][0] * c->out[k][0] + c->out[k][1] * c->out[k][1];
        if (p > peak_p) {
            peak_p = p;
            peak = k;
        }
    }
    /* 4.-5. Peak and total power. */
    double peak_power = 0, total = 0;
    for (int k = (int)ceil(TOTAL_LO_HZ / df); k * df <= TOTAL_HI_HZ; k++) {
        double p = c->out[k][0] * c->out[k][0] + c->out[k][1] * c->out[k][1];
        total += p;
        if (fabs((k - peak) * df) <= PEAK_HALF_WIDTH_HZ) peak_power += p;
    }
    if (!(total > peak_power)) return NAN;
    c->peak_hz = peak * df;
    return peak_power / (total - peak_power);
}

bool coherence_update(coherence *c, const hrv *h, double now_s)
{
    if (now_s - c->last_update_s < COHERENCE_UPDATE_S) return false;
    c->last_update_s = now_s;
    double last = hrv_last_beat_time(h);
    if (!isfinite(last)) {
        c->value = NAN;
        return true;
    }
    /* From a little before the window, so the first grid point has a beat before it. */
    size_t n = hrv_valid_since(h, last - COHERENCE_WINDOW_S - 3.0, c->times, c->rr, MAX_BEATS);
    c->value = coherence_compute(c, c->times, c->rr, n);
    return true;
}
