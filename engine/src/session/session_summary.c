#include "session/session_summary.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum which { BREATH, HEART, RMSSD };

static double value_of(const session_frame *f, enum which w)
{
    switch (w) {
    case BREATH: return f->breath_state == 1 ? f->breath_rate : NAN;
    case HEART: return f->heart_state == 1 ? f->heart_rate : NAN;
    default: return f->heart_state == 1 ? f->rmssd : NAN;
    }
}

/* Median of the finite values of frames with lo <= t < hi. */
static double window_median(const session_frame *f, size_t n, double lo, double hi, enum which w)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return NAN;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double x = value_of(&f[i], w);
        if (f[i].wall_s >= lo && f[i].wall_s < hi && isfinite(x)) v[k++] = x;
    }
    double m = NAN;
    if (k) {
        qsort(v, k, sizeof *v, cmp_double);
        m = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
    }
    free(v);
    return m;
}

void session_summarize(const session_frame *f, size_t n, double start_s, double end_s,
                       session_summary *o)
{
    memset(o, 0, sizeof *o);
    o->frames = n;
    if (n && !(end_s >= f[n - 1].wall_s)) end_s = f[n - 1].wall_s;
    if (!isfinite(end_s)) end_s = start_s;
    o->duration_s = end_s - start_s;
    o->window_s = fmin(SESSION_WINDOW_MAX_S, o->duration_s / 3.0);
    double a = start_s + o->window_s, b = end_s - o->window_s;
    /* the last window includes the end frame */
    o->breath_first = window_median(f, n, start_s, a, BREATH);
    o->breath_last = window_median(f, n, b, end_s + 1e-6, BREATH);
    o->heart_first = window_median(f, n, start_s, a, HEART);
    o->heart_last = window_median(f, n, b, end_s + 1e-6, HEART);
    o->rmssd_first = window_median(f, n, start_s, a, RMSSD);
    o->rmssd_last = window_median(f, n, b, end_s + 1e-6, RMSSD);
    for (size_t i = 0; i < n; i++) {
        bool b_ok = f[i].breath_state == 1 && isfinite(f[i].breath_rate);
        bool h_ok = f[i].heart_state == 1;
        o->breath_ok_s += b_ok;
        o->heart_ok_s += h_ok;
        if (b_ok && f[i].breath_rate >= SESSION_RESONANCE_LO &&
            f[i].breath_rate <= SESSION_RESONANCE_HI)
            o->resonance_s += 1.0;
        if (h_ok && isfinite(f[i].coherence) && f[i].coherence >= SESSION_COHERENCE_HIGH)
            o->coherent_s += 1.0;
    }
}
