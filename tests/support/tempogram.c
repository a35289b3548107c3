#include "tempogram.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct biquad {
    double b0, b1, b2, a1, a2, z1, z2;
} biquad;

/* RBJ "Audio EQ Cookbook" bandpass, constant 0 dB peak gain. */
static biquad bandpass(double fc, double q, double rate)
{
    double w = 2.0 * M_PI * fc / rate, alpha = sin(w) / (2.0 * q), a0 = 1.0 + alpha;
    return (biquad){alpha / a0, 0.0, -alpha / a0, -2.0 * cos(w) / a0, (1.0 - alpha) / a0, 0, 0};
}

static double biquad_run(biquad *f, double x)
{
    double y = f->b0 * x + f->z1; /* transposed direct form II */
    f->z1 = f->b1 * x - f->a1 * y + f->z2;
    f->z2 = f->b2 * x - f->a2 * y;
    return y;
}

#define MAX_STAGES 4

double *tg_band_energy(const float *l, const float *r, size_t n, double rate, const tg_band *bands,
                       size_t nb, double frame_s, size_t *frames)
{
    const size_t hop = (size_t)(frame_s * rate);
    *frames = hop ? n / hop : 0;
    double *e = calloc(*frames * nb + 1, sizeof *e);
    biquad *f = calloc(nb * MAX_STAGES, sizeof *f);
    if (!e || !f) {
        free(e), free(f);
        *frames = 0;
        return NULL;
    }
    for (size_t b = 0; b < nb; b++)
        for (int s = 0; s < MAX_STAGES; s++)
            f[b * MAX_STAGES + s] = bandpass(bands[b].hz, bands[b].q, rate);
    for (size_t k = 0; k < *frames; k++) {
        double *row = e + k * nb;
        for (size_t i = 0; i < hop; i++) {
            size_t at = k * hop + i;
            double x = r ? 0.5 * ((double)l[at] + r[at]) : (double)l[at];
            for (size_t b = 0; b < nb; b++) {
                double y = x;
                int stages = bands[b].stages < 1            ? 1
                             : bands[b].stages > MAX_STAGES ? MAX_STAGES
                                                            : bands[b].stages;
                for (int s = 0; s < stages; s++) y = biquad_run(&f[b * MAX_STAGES + s], y);
                row[b] += y * y;
            }
        }
        for (size_t b = 0; b < nb; b++) row[b] /= (double)hop;
    }
    free(f);
    return e;
}

void tg_moving_mean(const double *x, size_t n, size_t half, double *out)
{
    /* Running sums: O(n) whatever the span. */
    double sum = 0;
    size_t lo = 0, hi = 0; /* the sum covers x[lo, hi) */
    for (size_t k = 0; k < n; k++) {
        size_t want_lo = k > half ? k - half : 0, want_hi = k + half + 1 < n ? k + half + 1 : n;
        while (hi < want_hi) sum += x[hi++];
        while (lo < want_lo) sum -= x[lo++];
        out[k] = sum / (double)(hi - lo);
    }
}

/* Half-wave rectified rise of log energy per frame, column b of e (frames x nb). */
static void log_rise(const double *e, size_t frames, size_t nb, size_t b, double *out)
{
    double prev = 0;
    for (size_t k = 0; k < frames; k++) {
        double m = log(1e-10 + e[k * nb + b]);
        out[k] = k > 0 && m > prev ? m - prev : 0.0;
        prev = m;
    }
}

/* x - its moving mean, half-wave rectified and squared (onset strength's last step). */
static void rectify_squared(double *x, size_t n, size_t half, double *tmp)
{
    tg_moving_mean(x, n, half, tmp);
    for (size_t k = 0; k < n; k++) {
        double d = x[k] > tmp[k] ? x[k] - tmp[k] : 0.0;
        x[k] = d * d;
    }
}

double *tg_onset_strength(const float *l, const float *r, size_t n, double rate, double lo_hz,
                          int bands, double frame_s, double mean_s, size_t *frames)
{
    tg_band b[16];
    if (bands > 16) bands = 16;
    for (int i = 0; i < bands; i++) b[i] = (tg_band){lo_hz * pow(2.0, i), M_SQRT2, 1};
    double *e = tg_band_energy(l, r, n, rate, b, (size_t)bands, frame_s, frames);
    size_t len = *frames;
    double *flux = calloc(len + 1, sizeof *flux), *rise = calloc(len + 1, sizeof *rise),
           *tmp = calloc(len + 1, sizeof *tmp);
    if (!e || !flux || !rise || !tmp) {
        free(e), free(flux), free(rise), free(tmp);
        *frames = 0;
        return NULL;
    }
    for (int i = 0; i < bands; i++) {
        log_rise(e, len, (size_t)bands, (size_t)i, rise);
        for (size_t k = 0; k < len; k++) flux[k] += rise[k];
    }
    rectify_squared(flux, len, (size_t)(mean_s / frame_s / 2), tmp);
    free(e), free(rise), free(tmp);
    return flux;
}

double tg_salience(const double *x, size_t n, double fr, double f)
{
    double complex s = 0, rot = cexp(-2.0 * M_PI * I * f / fr), ph = 1;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        s += x[k] * ph;
        ph *= rot;
        sum += fabs(x[k]);
        if ((k & 1023) == 1023) ph /= cabs(ph); /* keep the rotor on the unit circle */
    }
    return sum > 0 ? cabs(s) / sum : 0.0;
}

int tg_clock_add(tg_clock *c, double first_frame, double frames, double tempo_bpm, double rate)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4096;
        double *f = realloc(c->frame, cap * sizeof *f);
        if (!f) return -1;
        c->frame = f;
        double *b = realloc(c->beat, cap * sizeof *b);
        if (!b) return -1;
        c->beat = b;
        c->cap = cap;
    }
    c->frame[c->n] = first_frame;
    c->beat[c->n++] = c->next_beat;
    c->next_beat += tempo_bpm / 60.0 * frames / rate;
    return 0;
}

double tg_clock_beat(const tg_clock *c, double frame)
{
    if (!c->n) return NAN;
    size_t lo = 0, hi = c->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->frame[mid] <= frame)
            lo = mid;
        else
            hi = mid;
    }
    if (lo + 1 >= c->n) return c->beat[lo];
    double f0 = c->frame[lo], f1 = c->frame[lo + 1];
    return c->beat[lo] + (c->beat[lo + 1] - c->beat[lo]) * (frame - f0) / (f1 - f0);
}

void tg_clock_free(tg_clock *c)
{
    free(c->frame), free(c->beat);
    c->frame = c->beat = NULL;
    c->n = c->cap = 0;
}

double tg_beat_salience(const double *x, size_t n, const double *beat, double scale)
{
    double complex s = 0;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        s += x[k] * cexp(-2.0 * M_PI * I * beat[k] * scale);
        sum += fabs(x[k]);
    }
    return sum > 0 ? cabs(s) / sum : 0.0;
}

static int cmp_double(const void *a, const void *b);

double tg_beat_chance(const double *x, size_t n, const double *beat)
{
    double off[41];
    for (int i = 0; i < 41; i++) {
        double u = i < 20 ? 0.2 + 0.25 * i / 19.0 : 0.55 + 0.25 * (i - 20) / 20.0;
        off[i] = tg_beat_salience(x, n, beat, 1.0 + u);
    }
    qsort(off, 41, sizeof off[0], cmp_double);
    return off[20];
}

double tg_argmax(tg_fn g, const void *ud, double lo, double hi, double step, double *best_val)
{
    double best = lo, bv = -1;
    for (double x = lo; x <= hi; x += step) {
        double v = g(ud, x);
        if (v > bv) bv = v, best = x;
    }
    double a = best - step, b = best + step;
    const double r = 0.6180339887498949;
    double x1 = b - r * (b - a), x2 = a + r * (b - a), g1 = g(ud, x1), g2 = g(ud, x2);
    while (b - a > step * 1e-4) {
        if (g1 > g2) {
            b = x2, x2 = x1, g2 = g1;
            x1 = b - r * (b - a), g1 = g(ud, x1);
        } else {
            a = x1, x1 = x2, g1 = g2;
            x2 = a + r * (b - a), g2 = g(ud, x2);
        }
    }
    *best_val = fmax(g1, g2);
    return 0.5 * (a + b);
}

/* ---- Pace ------------------------------------------------------------------------ */

void tg_pace_defaults(tg_pace_opts *o)
{
    o->frame_s = 0.01;
    o->win_s = 20.0;
    o->hop_s = 10.0;
    o->detrend_s = 4.0;
}

double *tg_pace_envelopes(const float *x, size_t n, double rate, const tg_pace_opts *opts,
                          size_t *frames)
{
    tg_pace_opts o;
    if (opts)
        o = *opts;
    else
        tg_pace_defaults(&o);
    const double fr = 1.0 / o.frame_s;
    tg_band bands[TG_BANDS];
    for (int b = 0; b < TG_BANDS; b++) bands[b] = (tg_band){62.5 * pow(2.0, b), M_SQRT2, 1};
    double *e = tg_band_energy(x, NULL, n, rate, bands, TG_BANDS, o.frame_s, frames);
    size_t len = *frames;
    double *env = calloc(2 * TG_BANDS * len + 1, sizeof *env), *tmp = calloc(len + 1, sizeof *tmp);
    if (!e || !env || !tmp) {
        free(e), free(env), free(tmp);
        *frames = 0;
        return NULL;
    }
    for (size_t b = 0; b < TG_BANDS; b++) {
        double *rms = env + b * len, *ons = env + (TG_BANDS + b) * len;
        for (size_t k = 0; k < len; k++) rms[k] = sqrt(e[k * TG_BANDS + b]);
        tg_moving_mean(rms, len, (size_t)(o.detrend_s * fr / 2), tmp);
        for (size_t k = 0; k < len; k++) rms[k] -= tmp[k];
        log_rise(e, len, TG_BANDS, b, ons);
        rectify_squared(ons, len, (size_t)(1.0 * fr / 2), tmp);
    }
    free(e), free(tmp);
    return env;
}

int tg_lock(const float *x, size_t n, double rate, const double *beat, const tg_pace_opts *opts,
            tg_lock_result *out)
{
    out->ratio = out->salience = NAN;
    out->envelope = -1;
    out->half_beat = 0;
    size_t frames;
    double *env = tg_pace_envelopes(x, n, rate, opts, &frames);
    if (!env || frames < 2) {
        free(env);
        return -1;
    }
    out->ratio = -1;
    out->peak_fraction = NAN;
    tg_pace_opts o;
    if (opts)
        o = *opts;
    else
        tg_pace_defaults(&o);
    const double fr = 1.0 / o.frame_s, T = (double)frames / fr;
    const double rate_hz = (beat[frames - 1] - beat[0]) / ((double)(frames - 1) / fr);
    for (size_t j = 0; j < 2 * TG_BANDS; j++) {
        const double *e = env + j * frames;
        double chance = tg_beat_chance(e, frames, beat);
        for (int half = 0; half < 2; half++) {
            double scale = half ? 2.0 : 1.0;
            double s = tg_beat_salience(e, frames, beat, scale);
            /* A strong periodicity near the beat but off it (a hum at its own
             * speed) leaks into the beat's salience above chance: the beat must
             * also be the envelope's strongest periodicity near it. */
            double peak = s;
            for (double f = 0.8 * rate_hz * scale; f <= 1.25 * rate_hz * scale; f += 0.2 / T)
                peak = fmax(peak, tg_salience(e, frames, fr, f));
            double r = chance > 0 ? s / chance : 0;
            if (s < TG_LOCK_PEAK_FRACTION * peak) continue;
            if (r > out->ratio)
                out->ratio = r, out->salience = s, out->envelope = (int)j, out->half_beat = half,
                out->peak_fraction = s / peak;
        }
    }
    if (out->ratio < 0) out->ratio = 0;
    free(env);
    return 0;
}

typedef struct scored {
    const double *x;
    size_t n;
    double fr;
} scored;

/* The harmonic sum: the beat and its half-beat grid. */
static double score_at(const void *ud, double f)
{
    const scored *s = ud;
    return tg_salience(s->x, s->n, s->fr, f) + tg_salience(s->x, s->n, s->fr, 2.0 * f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int tg_pace(const float *x, size_t n, double rate, double lo_bpm, double hi_bpm,
            const tg_pace_opts *opts, tg_pace_result *out)
{
    tg_pace_opts o;
    if (opts)
        o = *opts;
    else
        tg_pace_defaults(&o);
    memset(out, 0, sizeof *out);
    out->bpm = out->spread = out->prominence = NAN;
    out->envelope = -1;
    const double fr = 1.0 / o.frame_s, lo = lo_bpm / 60.0, hi = hi_bpm / 60.0;
    size_t frames;
    double *env = tg_pace_envelopes(x, n, rate, &o, &frames);
    const size_t win = (size_t)(o.win_s * fr), hop = (size_t)(o.hop_s * fr);
    if (!env || frames < win || !win || !hop) {
        free(env);
        return -1;
    }
    const size_t ne = 2 * TG_BANDS;
    double *tmp = calloc(frames, sizeof *tmp);
    size_t nwin = (frames - win) / hop + 1;
    const double step = 0.1 / o.win_s; /* a tenth of the window's resolution */
    size_t grid = (size_t)((hi - lo) / step) + 1;
    double *paces = calloc(nwin, sizeof *paces), *proms = calloc(nwin, sizeof *proms),
           *scores = calloc(grid, sizeof *scores);
    int *votes = calloc(ne, sizeof *votes);
    if (!tmp || !paces || !proms || !scores || !votes) {
        free(env), free(tmp), free(paces), free(proms), free(scores), free(votes);
        return -1;
    }
    for (size_t w = 0; w < nwin; w++) {
        double best_prom = -1, best_f = NAN;
        int best_env = -1;
        for (size_t j = 0; j < ne; j++) {
            scored s = {env + j * frames + w * hop, win, fr};
            double top = -1, top_f = lo;
            for (size_t g = 0; g < grid; g++) {
                double f = lo + step * (double)g;
                scores[g] = score_at(&s, f);
                if (scores[g] > top) top = scores[g], top_f = f;
            }
            double chance = median(scores, grid);
            double prom = chance > 0 ? top / chance : 0;
            if (prom > best_prom) best_prom = prom, best_f = top_f, best_env = (int)j;
        }
        /* Refine the winner's peak around its grid maximum. */
        scored s = {env + (size_t)best_env * frames + w * hop, win, fr};
        double v, a = fmax(lo, best_f - step), b = fmin(hi, best_f + step);
        paces[w] = 60.0 * tg_argmax(score_at, &s, a, b, step / 4, &v);
        proms[w] = best_prom;
        votes[best_env]++;
    }
    out->windows = nwin;
    for (size_t j = 0; j < ne; j++)
        if (out->envelope < 0 || votes[j] > votes[out->envelope]) out->envelope = (int)j;
    memcpy(tmp, paces, nwin * sizeof *tmp);
    out->bpm = median(tmp, nwin);
    for (size_t w = 0; w < nwin; w++) tmp[w] = fabs(paces[w] - out->bpm) / out->bpm;
    out->spread = median(tmp, nwin);
    out->prominence = median(proms, nwin);
    free(env), free(tmp), free(paces), free(proms), free(scores), free(votes);
    return 0;
}
