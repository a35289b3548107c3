#include "audio_check.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

double ac_peak(const float *x, size_t n)
{
    double p = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)x[i]) > p) p = fabs((double)x[i]);
    return p;
}

double ac_zero_cross_hz(const float *x, size_t n, double sample_rate)
{
    double first = -1, last = -1;
    long count = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (first < 0) first = t;
            last = t;
            count++;
        }
    return count > 1 ? (count - 1) * sample_rate / (last - first) : 0;
}

double ac_rms(const float *x, size_t n)
{
    if (n == 0) return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s / (double)n);
}

double ac_db(double linear) { return linear > 1e-20 ? 20.0 * log10(linear) : -400.0; }

bool ac_all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return false;
    return true;
}

ac_spectrum *ac_spectrum_new(const float *x, size_t n, size_t fft_size, double sample_rate)
{
    if (fft_size < 8 || n < fft_size) return NULL;
    ac_spectrum *s = calloc(1, sizeof *s);
    double *window = fftw_alloc_real(fft_size);
    double *frame = fftw_alloc_real(fft_size);
    fftw_complex *bins = fftw_alloc_complex(fft_size / 2 + 1);
    if (!s || !window || !frame || !bins) goto fail;
    s->fft_size = fft_size;
    s->bins = fft_size / 2 + 1;
    s->bin_hz = sample_rate / (double)fft_size;
    s->mean_sq = calloc(s->bins, sizeof *s->mean_sq);
    if (!s->mean_sq) goto fail;

    /* Periodic 4-term Blackman-Harris (-92 dB sidelobes). */
    for (size_t i = 0; i < fft_size; i++) {
        double t = 2.0 * M_PI * (double)i / (double)fft_size;
        window[i] = 0.35875 - 0.48829 * cos(t) + 0.14128 * cos(2 * t) - 0.01168 * cos(3 * t);
        s->window_sum += window[i];
        s->window_sq_sum += window[i] * window[i];
    }
    fftw_plan plan = fftw_plan_dft_r2c_1d((int)fft_size, frame, bins, FFTW_ESTIMATE);
    size_t hop = fft_size / 2;
    for (size_t start = 0; start + fft_size <= n; start += hop) {
        for (size_t i = 0; i < fft_size; i++) frame[i] = (double)x[start + i] * window[i];
        fftw_execute(plan);
        for (size_t k = 0; k < s->bins; k++)
            s->mean_sq[k] += bins[k][0] * bins[k][0] + bins[k][1] * bins[k][1];
        s->segments++;
    }
    fftw_destroy_plan(plan);
    for (size_t k = 0; k < s->bins; k++) s->mean_sq[k] /= (double)s->segments;
    fftw_free(window);
    fftw_free(frame);
    fftw_free(bins);
    return s;
fail:
    fftw_free(window);
    fftw_free(frame);
    fftw_free(bins);
    ac_spectrum_free(s);
    return NULL;
}

void ac_spectrum_free(ac_spectrum *s)
{
    if (!s) return;
    free(s->mean_sq);
    free(s);
}

double ac_spectrum_amplitude(const ac_spectrum *s, size_t k)
{
    /* A sine A sin(wt) on a bin gives |X_k| = A * window_sum / 2. */
    return 2.0 * sqrt(s->mean_sq[k]) / s->window_sum;
}

double ac_band_power(const ac_spectrum *s, double f_lo, double f_hi)
{
    /* Parseval with the window: sum_k |X_k|^2 over all N bins = N * sum x^2 w^2, so
     * mean square = sum over the one-sided bins (doubled except DC and Nyquist)
     * / (N * sum w^2). */
    double sum = 0.0;
    for (size_t k = 0; k < s->bins; k++) {
        double f = (double)k * s->bin_hz;
        if (f < f_lo || f >= f_hi) continue;
        double two_sided = (k == 0 || k == s->bins - 1) ? 1.0 : 2.0;
        sum += two_sided * s->mean_sq[k];
    }
    return sum / ((double)s->fft_size * s->window_sq_sum);
}

size_t ac_spectrum_peak_bin(const ac_spectrum *s, double f_lo, double f_hi)
{
    size_t best = 0;
    double best_v = -1.0;
    for (size_t k = 0; k < s->bins; k++) {
        double f = (double)k * s->bin_hz;
        if (f >= f_lo && f <= f_hi && s->mean_sq[k] > best_v) {
            best_v = s->mean_sq[k];
            best = k;
        }
    }
    return best;
}

ac_click ac_click_detect(const float *x, size_t n, size_t window, double floor)
{
    ac_click result = {0.0, 0};
    if (n < 3) return result;
    size_t m = n - 2; /* d2[j] belongs to sample j + 1 */
    double *d2 = malloc(m * sizeof *d2);
    double *prefix = malloc((m + 1) * sizeof *prefix); /* prefix[j] = sum d2[0..j-1]^2 */
    if (!d2 || !prefix) {
        free(d2);
        free(prefix);
        result.ratio = INFINITY;
        return result;
    }
    prefix[0] = 0.0;
    for (size_t j = 0; j < m; j++) {
        d2[j] = (double)x[j + 2] - 2.0 * x[j + 1] + x[j];
        prefix[j + 1] = prefix[j] + d2[j] * d2[j];
    }
    for (size_t j = 0; j < m; j++) {
        size_t lo = j > window ? j - window : 0;
        size_t hi = j + window + 1 < m ? j + window + 1 : m;
        size_t ex_lo = j > 2 ? j - 2 : 0;
        size_t ex_hi = j + 3 < m ? j + 3 : m;
        double sum = (prefix[hi] - prefix[lo]) - (prefix[ex_hi] - prefix[ex_lo]);
        size_t count = (hi - lo) - (ex_hi - ex_lo);
        double level = count ? sqrt(fmax(sum, 0.0) / (double)count) : 0.0;
        double ratio = fabs(d2[j]) / fmax(level, floor);
        if (ratio > result.ratio) {
            result.ratio = ratio;
            result.index = j + 1;
        }
    }
    free(d2);
    free(prefix);
    return result;
}
