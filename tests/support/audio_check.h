/* Analysis helpers for audio tests: levels, finiteness, spectra (FFTW, double,
 * 4-term Blackman-Harris window: sidelobes below -92 dB) and a click detector. */
#ifndef LULL_TEST_AUDIO_CHECK_H
#define LULL_TEST_AUDIO_CHECK_H

#include <stdbool.h>
#include <stddef.h>

double ac_peak(const float *x, size_t n); /* max |x| */
double ac_rms(const float *x, size_t n);
double ac_db(double linear); /* 20 log10, floored at -400 dB */
static inline double ac_dbfs_rms(const float *x, size_t n) { return ac_db(ac_rms(x, n)); }
bool ac_all_finite(const float *x, size_t n);
/* Mean frequency (Hz) of x[0..n) from its interpolated rising zero crossings: (count
 * - 1) periods between the first and the last; 0 with fewer than two crossings. */
double ac_zero_cross_hz(const float *x, size_t n, double sample_rate);

/* A one-sided spectrum averaged over windowed segments (Welch, 50 % overlap).
 * bins = fft_size/2 + 1, bin k is at k * bin_hz. */
typedef struct ac_spectrum {
    size_t fft_size;
    size_t bins;
    double bin_hz;
    double *mean_sq;      /* mean over segments of |X_k|^2 (raw FFT of windowed data) */
    double window_sum;    /* sum of the window: coherent gain * fft_size */
    double window_sq_sum; /* sum of the window squared */
    size_t segments;
} ac_spectrum;

/* Spectrum of x (n >= fft_size; fft_size a power of two is fastest). With
 * n == fft_size it is a single windowed FFT. NULL on allocation failure. */
ac_spectrum *ac_spectrum_new(const float *x, size_t n, size_t fft_size, double sample_rate);
void ac_spectrum_free(ac_spectrum *s);

/* Amplitude of bin k scaled so that a sine of amplitude A centred on a bin reads A
 * there (coherent-gain normalisation; use for tones). */
double ac_spectrum_amplitude(const ac_spectrum *s, size_t k);
/* Mean-square power of x between f_lo and f_hi (bins whose centre lies in
 * [f_lo, f_hi)), scaled so that summing every bin gives the signal's mean square
 * (noise-power normalisation; use for noise). */
double ac_band_power(const ac_spectrum *s, double f_lo, double f_hi);
/* The bin with the largest amplitude within [f_lo, f_hi]. */
size_t ac_spectrum_peak_bin(const ac_spectrum *s, double f_lo, double f_hi);

/* Click detector. A click is a jump in value or slope that a smooth signal cannot
 * make: it shows as a second difference d2[n] = x[n+1] - 2x[n] + x[n-1] much larger
 * than the second differences around it. For each n the detector divides |d2[n]| by
 * the RMS of d2 over the `window` samples either side (excluding n-2..n+2), with
 * `floor` as the least level (so near-silence does not divide by zero), and reports
 * the largest ratio and where it is. Typical ratios: a sine or any smooth tone
 * ~1.4; Gaussian white noise 4..6 over a few seconds; a step of 1 % of a 100 Hz
 * sine's amplitude at 48 kHz ~80. A ratio above ~10 means a click on a tonal
 * signal; on broadband noise only far larger ratios mean anything. */
typedef struct ac_click {
    double ratio;
    size_t index;
} ac_click;
ac_click ac_click_detect(const float *x, size_t n, size_t window, double floor);

#endif
