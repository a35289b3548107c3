#include "sound_quality.h"

#include <fftw3.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/loudness.h"
#include "audio_check.h"

/* ---- Loudness ---------------------------------------------------------------- */

static loudness_meter *meter_over(const float *l, const float *r, size_t n, double rate,
                                  double hop_s)
{
    char err[256];
    loudness_meter *m = loudness_new(r ? 2 : 1, rate, hop_s, err, sizeof err);
    if (!m) return NULL;
    if (!loudness_add(m, l, r, n)) {
        loudness_free(m);
        return NULL;
    }
    return m;
}

double sq_loudness_integrated(const float *left, const float *right, size_t n, double rate)
{
    loudness_meter *m = meter_over(left, right, n, rate, 0.1);
    if (!m) return NAN;
    loudness_summary s;
    loudness_get_summary(m, &s);
    loudness_free(m);
    return s.integrated_lufs;
}

size_t sq_loudness_shortterm(const float *left, const float *right, size_t n, double rate,
                             double hop_s, double *out, size_t max)
{
    loudness_meter *m = meter_over(left, right, n, rate, hop_s);
    if (!m) return 0;
    size_t count;
    const loudness_point *p = loudness_series(m, &count);
    for (size_t i = 0; i < count && i < max; i++) out[i] = p[i].shortterm_lufs;
    loudness_free(m);
    return count < max ? count : max;
}

double sq_true_peak_dbtp(const float *left, const float *right, size_t n, double rate)
{
    loudness_meter *m = meter_over(left, right, n, rate, 0.1);
    if (!m) return NAN;
    loudness_summary s;
    loudness_get_summary(m, &s);
    loudness_free(m);
    return s.true_peak_dbtp;
}

double sq_loudness_range(const float *left, const float *right, size_t n, double rate)
{
    loudness_meter *m = meter_over(left, right, n, rate, 0.1);
    if (!m) return NAN;
    loudness_summary s;
    loudness_get_summary(m, &s);
    loudness_free(m);
    return s.range_lu;
}

/* ---- Onsets ------------------------------------------------------------------ */

void sq_onset_defaults(sq_onset_opts *o)
{
    *o = (sq_onset_opts){.env_ms = 10,
                         .background_s = 1,
                         .threshold_db = 10,
                         .floor_dbfs = -100,
                         .min_level_dbfs = -70,
                         .rearm_db = 3,
                         .min_gap_ms = 50,
                         .rise_env_ms = 10,
                         .peak_search_ms = 250,
                         .hold_ms = 0};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Sum of f(x[i]) over [a, b) from a prefix-sum array p (p[i] = sum of the first i). */
static double window_sum(const double *p, size_t n, long a, long b)
{
    if (a < 0) a = 0;
    if (b > (long)n) b = (long)n;
    return b > a ? p[b] - p[a] : 0.0;
}

/* Crossing of level L between i and i + 1 (env[i] < L <= env[i + 1]). */
static double crossing(const double *env, size_t i, double L)
{
    double d = env[i + 1] - env[i];
    return (double)i + (d > 0 ? (L - env[i]) / d : 1.0);
}

size_t sq_onsets(const float *x, size_t n, double rate, const sq_onset_opts *opts, sq_onset *out,
                 size_t max)
{
    sq_onset_opts o;
    if (opts)
        o = *opts;
    else
        sq_onset_defaults(&o);
    size_t hop = (size_t)lround(rate / 1000.0); /* 1 ms frames */
    long win = lround(o.env_ms * 1e-3 * rate);
    long rwin = lround(o.rise_env_ms * 1e-3 * rate);
    if (hop < 1 || win < 1 || rwin < 1 || n < 2) return 0;
    size_t frames = n / hop;
    double *sq = malloc((n + 1) * sizeof *sq), *ab = malloc((n + 1) * sizeof *ab);
    double *env = malloc((frames + 1) * sizeof *env);
    double *renv = malloc(n * sizeof *renv);
    size_t bg_frames = (size_t)lround(o.background_s * 1000.0);
    double *scratch = malloc((bg_frames + 1) * sizeof *scratch);
    size_t found = 0;
    if (!sq || !ab || !env || !renv || !scratch) goto done;
    sq[0] = ab[0] = 0;
    for (size_t i = 0; i < n; i++) {
        sq[i + 1] = sq[i] + (double)x[i] * x[i];
        ab[i + 1] = ab[i] + fabs((double)x[i]);
    }
    /* Detection envelope: RMS of the window ending at each frame, dB. */
    for (size_t j = 0; j < frames; j++) {
        long end = (long)((j + 1) * hop);
        double ms = window_sum(sq, n, end - win, end) / (double)win;
        double db = ms > 0 ? 10 * log10(ms) : o.floor_dbfs;
        env[j] = db > o.floor_dbfs ? db : o.floor_dbfs;
    }
    /* Rise envelope: mean |x| over a centred window. A linear smoother keeps a
     * linear attack linear (an RMS one would bend its foot). */
    for (size_t i = 0; i < n; i++)
        renv[i] = window_sum(ab, n, (long)i - rwin / 2, (long)i + rwin - rwin / 2) / (double)rwin;

    size_t win_frames = (size_t)((win + (long)hop - 1) / (long)hop);
    size_t gap_frames = (size_t)lround(o.min_gap_ms);
    /* Until a full background_s of past exists, the background is the median of
     * the first background_s: a signal is taken to start in its steady state, so
     * its first noise floor is not an onset over digital silence. */
    size_t first_n = frames < bg_frames ? frames : bg_frames;
    memcpy(scratch, env, first_n * sizeof *scratch);
    double first_bg = first_n ? median_of(scratch, first_n) : o.floor_dbfs;
    double bg = first_bg;
    int armed = 1;
    size_t last = 0;
    int any = 0;
    for (size_t j = 0; j < frames; j++) {
        /* Background: median over the past background_s, excluding the frames the
         * current window covers; refreshed every 10 ms. */
        if (j % 10 == 0) {
            size_t hi = j > win_frames ? j - win_frames : 0;
            if (hi >= bg_frames) {
                memcpy(scratch, env + hi - bg_frames, bg_frames * sizeof *scratch);
                bg = median_of(scratch, bg_frames);
            } else {
                bg = first_bg;
            }
        }
        double over = env[j] - bg;
        if (!armed && over < o.threshold_db - o.rearm_db) armed = 1;
        if (!armed || over < o.threshold_db || env[j] < o.min_level_dbfs) continue;
        if (any && j - last < gap_frames) continue;
        if (o.hold_ms > 0) {
            /* The energy must hold: the RMS over hold_ms from the detection
             * window's start stands threshold_db over the background too. */
            long a = (long)((j + 1) * hop) - win, h = lround(o.hold_ms * 1e-3 * rate);
            double ms = window_sum(sq, n, a, a + h) / (double)h;
            if (!(ms > 0) || 10 * log10(ms) - bg < o.threshold_db) continue;
        }
        armed = 0;
        any = 1;
        last = j;

        /* The attack: from the window's start to the envelope's peak within the
         * search span; levels between the background and that peak. */
        size_t s0 = (j + 1) * hop > (size_t)win ? (j + 1) * hop - (size_t)win : 0;
        size_t s1 = s0 + (size_t)lround(o.peak_search_ms * 1e-3 * rate);
        if (s1 > n) s1 = n;
        size_t pk = s0;
        for (size_t i = s0; i < s1; i++)
            if (renv[i] > renv[pk]) pk = i;
        double peak_db = env[j];
        for (size_t jj = j; jj < frames && jj * hop < s1; jj++)
            if (env[jj] > peak_db) peak_db = env[jj];
        /* Background as a mean-|x| level: RMS * sqrt(2/pi) * sqrt(2) for a sine,
         * near enough for noise too; it only sets the foot of the 10 % level. */
        double base = pow(10, bg / 20) * (2 / M_PI) * sqrt(2.0);
        if (base > renv[pk]) base = 0;
        double L10 = base + 0.1 * (renv[pk] - base), L90 = base + 0.9 * (renv[pk] - base);
        /* Walk back from the peak: the last crossing of 90 %, then of 10 %. */
        size_t i = pk;
        while (i > 0 && renv[i] >= L90) i--;
        double t90 = renv[i] < L90 ? crossing(renv, i, L90) : (double)i;
        while (i > 0 && renv[i] >= L10) i--;
        double t10 = renv[i] < L10 ? crossing(renv, i, L10) : (double)i;
        /* The same attack found again after a re-arm: one event. */
        if (found > 0 && found <= max &&
            t10 - (double)out[found - 1].index < o.min_gap_ms * 1e-3 * rate)
            continue;
        if (found < max)
            out[found] = (sq_onset){.index = (size_t)lround(t10),
                                    .time_s = t10 / rate,
                                    .rise_ms = (t90 - t10) / rate * 1e3,
                                    .level_dbfs = peak_db,
                                    .over_db = over};
        found++;
    }
done:
    free(sq), free(ab), free(env), free(renv), free(scratch);
    return found;
}

double sq_onset_rate(const sq_onset *on, size_t count, double *median_ioi_s)
{
    if (median_ioi_s) *median_ioi_s = 0;
    if (count < 2) return 0;
    double *ioi = malloc((count - 1) * sizeof *ioi);
    if (!ioi) return 0;
    for (size_t i = 1; i < count; i++) ioi[i - 1] = on[i].time_s - on[i - 1].time_s;
    double m = median_of(ioi, count - 1);
    free(ioi);
    if (median_ioi_s) *median_ioi_s = m;
    return m > 0 ? 60.0 / m : 0;
}

/* ---- Events by spectral flux -------------------------------------------------- */

void sq_flux_defaults(sq_flux_opts *o)
{
    *o = (sq_flux_opts){.fft = 2048,
                        .hop_ms = 10,
                        .lo_hz = 40,
                        .hi_hz = 12000,
                        .floor_db = 40,
                        .lag = 3,
                        .ref_frames = 30,
                        .jump_db = 10,
                        .min_flux_db = 18,
                        .window_s = 1.5,
                        .k = 4,
                        .texture_window_s = 5,
                        .texture_rate = 120,
                        .prominence_db = 6,
                        .min_gap_ms = 120};
}

size_t sq_flux_events(const float *x, size_t n, double rate, const sq_flux_opts *opts,
                      sq_onset *out, size_t max)
{
    sq_flux_opts o;
    if (opts)
        o = *opts;
    else
        sq_flux_defaults(&o);
    size_t N = o.fft, hop = (size_t)lround(o.hop_ms * 1e-3 * rate), lag = o.lag;
    if (N < 64 || hop < 1 || lag < 1 || n < N + hop) return 0;
    size_t frames = (n - N) / hop + 1, bins = N / 2 + 1;
    size_t k0 = (size_t)ceil(o.lo_hz * N / rate), k1 = (size_t)floor(o.hi_hz * N / rate);
    if (k1 >= bins) k1 = bins - 1;
    if (k0 < 1) k0 = 1;
    float *buf = fftwf_alloc_real(N);
    fftwf_complex *X = fftwf_alloc_complex(bins);
    size_t span = o.ref_frames + lag; /* frames of history kept per bin */
    double *win = malloc(N * sizeof *win), *hist = malloc((span + 2) * bins * sizeof *hist);
    double *ref = calloc(bins, sizeof *ref), *sf = calloc(frames, sizeof *sf);
    double *peakbin = calloc(frames, sizeof *peakbin);
    double *prevj = calloc(lag * bins, sizeof *prevj);
    size_t W = (size_t)lround(o.window_s * 1000.0 / o.hop_ms);
    size_t TWmax = (size_t)lround(o.texture_window_s * 1000.0 / o.hop_ms);
    double *scratch = malloc((2 * (W > TWmax ? W : TWmax) + 1) * sizeof *scratch);
    size_t *cf = malloc((frames / 2 + 1) * sizeof *cf);
    double *cover = malloc((frames / 2 + 1) * sizeof *cover);
    size_t found = 0;
    fftwf_plan plan = NULL;
    if (!buf || !X || !win || !hist || !ref || !prevj || !sf || !scratch || !cf || !cover ||
        !peakbin || !o.ref_frames)
        goto done;
    plan = fftwf_plan_dft_r2c_1d((int)N, buf, X, FFTW_ESTIMATE);
    if (!plan) goto done;
    double wsq = 0, ms = 0;
    for (size_t i = 0; i < N; i++) {
        win[i] = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)N);
        wsq += win[i] * win[i];
    }
    for (size_t i = 0; i < n; i++) ms += (double)x[i] * x[i];
    ms /= (double)n;
    if (ms <= 0) goto done;
    /* |X_k| of white noise with x's RMS is sqrt(ms * sum w^2); the floor sits
     * floor_db under it, so bins far below the signal's level cannot jump. */
    double c = sqrt(ms * wsq) * pow(10, -o.floor_db / 20);
    for (size_t f = 0; f < frames; f++) {
        const float *s = x + f * hop;
        for (size_t i = 0; i < N; i++) buf[i] = (float)(s[i] * win[i]);
        fftwf_execute(plan);
        /* span + 2 slots: the frame leaving the reference (f - span - 1) is still
         * there when frame f is written. */
        double *cur = hist + (f % (span + 2)) * bins, sum = 0, top = 0;
        for (size_t k = k0; k <= k1; k++) {
            cur[k] = 20 * log10(hypot(X[k][0], X[k][1]) + c);
            /* ref: the sum of L over frames f - span .. f - lag - 1. */
            if (f > lag) ref[k] += hist[((f - lag - 1) % (span + 2)) * bins + k];
            if (f > span) ref[k] -= hist[((f - span - 1) % (span + 2)) * bins + k];
            if (f < span) continue;
            /* How far the bin stands past its reference, and what of that is new
             * over the last `lag` frames (an attack spreads over several
             * overlapping frames): a held or decaying partial adds nothing. */
            double jump = fmax(0, cur[k] - ref[k] / (double)o.ref_frames - o.jump_db);
            double *old = prevj + (f % lag) * bins + k; /* J of frame f - lag */
            if (jump > *old) sum += jump - *old, top = fmax(top, jump - *old);
            *old = jump;
        }
        sf[f] = sum;
        peakbin[f] = top;
    }
    /* Adaptive threshold, refreshed every 5 frames (50 ms), and peak picking:
     * the candidates, kept with their flux and over-threshold figure. */
    double thr = 0, sig = 0;
    size_t last = 0, cn = 0;
    int any = 0;
    size_t gap = (size_t)lround(o.min_gap_ms / o.hop_ms);
    for (size_t f = span; f < frames; f++) {
        if ((f - span) % 5 == 0) {
            size_t a = f > W + span ? f - W : span, b = f + W < frames ? f + W : frames - 1, m = 0;
            for (size_t i = a; i <= b; i++) scratch[m++] = sf[i];
            double med = median_of(scratch, m);
            for (size_t i = 0; i < m; i++) scratch[i] = fabs(scratch[i] - med);
            sig = 1.4826 * median_of(scratch, m);
            thr = med + o.k * sig;
        }
        /* min_flux: steady noise's own exceedances (a few bins a few dB each)
         * stay under it; silence and steady tones give none. */
        if (!(sf[f] > thr) || sf[f] < o.min_flux_db) continue;
        int peak = 1;
        for (size_t d = 1; d <= 3 && peak; d++) {
            if (f >= d && sf[f - d] > sf[f]) peak = 0;
            if (f + d < frames && sf[f + d] >= sf[f]) peak = 0;
        }
        if (!peak || (any && f - last < gap)) continue;
        any = 1;
        last = f;
        cf[cn] = f;
        cover[cn++] = sig > 0 ? (sf[f] - thr) / sig : INFINITY;
    }
    /* Texture: where the candidates come faster than texture_rate per minute
     * over +-texture_window_s (rain impacts, bubbles: a grain, not an event
     * a listener follows), only those whose strongest bin grows prominence_db
     * more than the median candidate's there count: an event standing out of
     * the texture in its own band (a grain is broadband and spreads its
     * growth; a drop's partial stands alone). Sparser candidates all count. */
    size_t TW = (size_t)lround(o.texture_window_s * 1000.0 / o.hop_ms), lo = 0, hi = 0;
    for (size_t i = 0; i < cn; i++) {
        size_t f = cf[i];
        while (cf[lo] + TW < f) lo++;
        while (hi < cn && cf[hi] <= f + TW) hi++;
        size_t a = f > TW ? f - TW : 0, b = f + TW < frames ? f + TW : frames - 1;
        double span_min = (double)(b - a + 1) * o.hop_ms / 60000.0;
        if (o.texture_rate > 0 && (double)(hi - lo) > o.texture_rate * span_min) {
            size_t m = 0;
            for (size_t j = lo; j < hi; j++) scratch[m++] = peakbin[cf[j]];
            if (peakbin[f] < median_of(scratch, m) + o.prominence_db) continue;
        }
        size_t at = f * hop + N / 2;
        if (found < max)
            out[found] = (sq_onset){.index = at,
                                    .time_s = (double)at / rate,
                                    .rise_ms = NAN,
                                    .level_dbfs = NAN,
                                    .over_db = cover[i]};
        found++;
    }
done:
    if (plan) fftwf_destroy_plan(plan);
    fftwf_free(buf), fftwf_free(X);
    free(win), free(hist), free(ref), free(prevj), free(sf), free(scratch), free(cf), free(cover),
        free(peakbin);
    return found;
}

/* ---- Clicks ------------------------------------------------------------------ */

void sq_click_defaults(sq_click_opts *o)
{
    *o = (sq_click_opts){.order = 24, .block = 4096, .k = 8, .sigma_floor = 1e-6};
}

/* Burg's method: a[0] = 1, a[1..p] such that e[n] = sum a[k] x[n-k] is the forward
 * prediction error; reflection coefficients minimise forward + backward error
 * power (Burg 1967; Kay, "Modern Spectral Estimation", 1988, ch. 7). The order
 * stops growing once the error power is 120 dB below the signal's: a pure tone is
 * predicted by order 2, and more stages would only amplify float rounding. */
static void burg(const double *x, size_t n, int p, double *a, double *f, double *b, double *tmp)
{
    memset(a, 0, (size_t)(p + 1) * sizeof *a);
    a[0] = 1;
    double power = 0;
    for (size_t i = 0; i < n; i++) {
        f[i] = b[i] = x[i];
        power += x[i] * x[i];
    }
    if (power <= 0) return;
    double floor = power * 1e-12;
    for (int m = 1; m <= p && (size_t)m < n; m++) {
        double num = 0, den = 0;
        for (size_t i = (size_t)m; i < n; i++) {
            num += f[i] * b[i - 1];
            den += f[i] * f[i] + b[i - 1] * b[i - 1];
        }
        if (den <= 2 * floor) break;
        double k = -2 * num / den;
        memcpy(tmp, a, (size_t)(m + 1) * sizeof *tmp);
        for (int i = 1; i < m; i++) a[i] = tmp[i] + k * tmp[m - i];
        a[m] = k;
        for (size_t i = n - 1; i >= (size_t)m; i--) {
            double fi = f[i];
            f[i] = fi + k * b[i - 1];
            b[i] = b[i - 1] + k * fi;
        }
    }
}

size_t sq_clicks(const float *x, size_t n, const sq_click_opts *opts, sq_click *out, size_t max,
                 double *max_ratio)
{
    sq_click_opts o;
    if (opts)
        o = *opts;
    else
        sq_click_defaults(&o);
    if (max_ratio) *max_ratio = 0;
    int p = o.order;
    size_t B = o.block;
    if (p < 1 || B < (size_t)(4 * p) || n < (size_t)p + 1) return 0;
    double *xb = malloc(B * sizeof *xb), *f = malloc(B * sizeof *f), *bb = malloc(B * sizeof *bb);
    double *a = malloc((size_t)(p + 1) * sizeof *a), *tmp = malloc((size_t)(p + 1) * sizeof *tmp);
    double *e = malloc(B * sizeof *e), *mag = malloc(B * sizeof *mag);
    size_t found = 0;
    long last_flag = -1; /* sample of the newest flag, for grouping */
    if (!xb || !f || !bb || !a || !tmp || !e || !mag) goto done;
    for (size_t s = 0; s < n; s += B) {
        size_t len = n - s < B ? n - s : B;
        if (len < (size_t)(4 * p)) break; /* a tail too short to fit */
        for (size_t i = 0; i < len; i++) xb[i] = x[s + i];
        burg(xb, len, p, a, f, bb, tmp);
        /* Residual of every sample with p predecessors (from the previous block too). */
        size_t first = s == 0 ? (size_t)p : 0, cnt = 0;
        for (size_t i = first; i < len; i++) {
            double acc = 0;
            for (int k = 0; k <= p; k++) acc += a[k] * x[s + i - (size_t)k];
            e[i] = acc;
            mag[cnt++] = fabs(acc);
        }
        if (!cnt) continue;
        double sigma = 1.4826 * median_of(mag, cnt);
        if (sigma < o.sigma_floor) sigma = o.sigma_floor;
        for (size_t i = first; i < len; i++) {
            double r = fabs(e[i]) / sigma;
            if (max_ratio && r > *max_ratio) *max_ratio = r;
            if (r <= o.k) continue;
            long at = (long)(s + i);
            if (last_flag >= 0 && at - last_flag <= p && found > 0) {
                /* The same click ringing through the inverse filter. */
                if (found <= max && r > out[found - 1].ratio) out[found - 1].ratio = r;
            } else {
                if (found < max) out[found] = (sq_click){.index = (size_t)at, .ratio = r};
                found++;
            }
            last_flag = at;
        }
    }
done:
    free(xb), free(f), free(bb), free(a), free(tmp), free(e), free(mag);
    return found;
}

size_t sq_clicks_isolated(sq_click *cl, size_t k, size_t isolation, size_t *periodic)
{
    size_t kept = 0, dropped = 0, prev = 0;
    for (size_t i = 0; i < k; i++) {
        size_t at = cl[i].index; /* cl[i] is read before anything overwrites it */
        bool near_prev = i > 0 && at - prev <= isolation;
        bool near_next = i + 1 < k && cl[i + 1].index - at <= isolation;
        prev = at;
        if (near_prev || near_next) {
            dropped++;
            continue;
        }
        cl[kept++] = cl[i];
    }
    if (periodic) *periodic = dropped;
    return kept;
}

/* ---- Spectrum ---------------------------------------------------------------- */

double sq_spectral_centroid(const float *x, size_t n, double rate)
{
    if (n < 64) return NAN;
    size_t fft = 4096;
    while (fft > n) fft /= 2;
    ac_spectrum *s = ac_spectrum_new(x, n, fft, rate);
    if (!s) return NAN;
    double num = 0, den = 0;
    for (size_t k = 0; k < s->bins; k++) {
        num += k * s->bin_hz * s->mean_sq[k];
        den += s->mean_sq[k];
    }
    ac_spectrum_free(s);
    return den > 0 ? num / den : NAN;
}
