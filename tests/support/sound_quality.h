/* Sound-quality analyzers for tests: what a listener would notice, measured.
 *
 *   loudness     EBU R128 integrated / short-term loudness and true peak, through
 *                the engine's own meter (engine/src/analysis/loudness.h).
 *   onsets       events that stand out of their background, with their rise time.
 *   clicks       samples an autoregressive model of the signal cannot predict.
 *   centroid     the spectrum's centre of power ("brightness").
 *   onset rate   events per minute (a pulse, a drip, a tempo).
 *
 * The click detector here complements ac_click_detect (audio_check.h): that one
 * looks at second differences and only works on smooth, tonal signals; this one
 * whitens the signal with a local AR model first, so it also finds a click buried
 * in broadband noise (Godsill & Rayner, "Digital Audio Restoration", Springer
 * 1998, ch. 5; Vaseghi & Rayner, IEE Proc. 135(1), 1988).
 *
 * All functions are [any] thread, allocate, and are not for the audio thread. */
#ifndef LULL_TEST_SOUND_QUALITY_H
#define LULL_TEST_SOUND_QUALITY_H

#include <stddef.h>

/* ---- Loudness (EBU R128 / ITU-R BS.1770-4) ---------------------------------- */

/* Integrated loudness, LUFS, of a stereo signal (right NULL: mono, measured as one
 * front channel; a full-scale 997 Hz sine on one channel reads -3.01 LUFS).
 * -HUGE_VAL for silence; NaN when the meter fails. */
double sq_loudness_integrated(const float *left, const float *right, size_t n, double rate);
/* Short-term loudness (3 s windows) every hop_s seconds: fills out (at most max
 * values; the first point ends at hop_s) and returns the number of points. */
size_t sq_loudness_shortterm(const float *left, const float *right, size_t n, double rate,
                             double hop_s, double *out, size_t max);
/* True peak, dBTP (oversampled, BS.1770-4 annex 2); -HUGE_VAL for silence. */
double sq_true_peak_dbtp(const float *left, const float *right, size_t n, double rate);
/* Loudness range, LU (EBU Tech 3342). */
double sq_loudness_range(const float *left, const float *right, size_t n, double rate);

/* ---- Onsets ------------------------------------------------------------------ */

typedef struct sq_onset_opts {
    double env_ms;         /* detection envelope: RMS window, default 10 ms, 1 ms hop */
    double background_s;   /* running median of the envelope over the past, default 1 s */
    double threshold_db;   /* envelope above background to count, default 10 dB */
    double floor_dbfs;     /* envelopes below count as this (silence), default -100 */
    double min_level_dbfs; /* an onset's envelope must reach this, default -70 dBFS */
    double rearm_db;       /* re-arm once back below background + threshold - this, default 3 */
    double min_gap_ms;     /* least time between onsets, default 50 ms */
    double rise_env_ms;    /* rise-time envelope: RMS window, default 2 ms, per sample */
    double peak_search_ms; /* the attack's peak is looked for this long, default 250 ms */
} sq_onset_opts;

typedef struct sq_onset {
    size_t index;          /* sample where the rise crosses 10 % of its height */
    double time_s;
    double rise_ms;        /* 10-90 % rise of the amplitude envelope */
    double level_dbfs;     /* envelope peak (rise envelope, RMS) */
    double over_db;        /* detection envelope above the background when found */
} sq_onset;

void sq_onset_defaults(sq_onset_opts *o);
/* Finds onsets in a mono signal (opts NULL: defaults); fills at most max and
 * returns how many were found (may exceed max). The rise is measured on a short
 * RMS envelope from the background level to the attack's peak: a linear attack
 * from 0 to A over T ms reads 0.8 T. */
size_t sq_onsets(const float *x, size_t n, double rate, const sq_onset_opts *opts, sq_onset *out,
                 size_t max);

/* Onsets per minute from the median inter-onset interval (robust to one missed
 * or extra event); 0 when fewer than two onsets. *median_ioi_s may be NULL. */
double sq_onset_rate(const sq_onset *on, size_t count, double *median_ioi_s);

/* ---- Clicks (AR residual) ---------------------------------------------------- */

typedef struct sq_click_opts {
    int order;             /* AR model order, default 24 */
    size_t block;          /* samples per model fit (Burg), default 4096 */
    double k;              /* flag |residual| > k * robust sigma, default 8 */
    double sigma_floor;    /* least sigma (digital silence), default 1e-6 (-120 dBFS) */
} sq_click_opts;

typedef struct sq_click {
    size_t index;          /* first sample of the click (its first flagged residual) */
    double ratio;          /* largest |residual| / sigma within it */
} sq_click;

void sq_click_defaults(sq_click_opts *o);
/* Fits an AR model of `order` to each block (Burg's method), runs the signal
 * through its inverse filter and flags samples whose residual exceeds k times
 * 1.4826 * the median absolute residual of the block (a Gaussian's sigma, robust
 * to the clicks themselves). Flags closer than `order` samples belong to one click
 * (a click's residual rings through the filter). Fills at most max, returns the
 * count. *max_ratio (may be NULL) gets the largest residual/sigma anywhere, for
 * printing the margin of a clean signal. Sensitivity follows predictability: in
 * a tone sigma is near float rounding and a 1e-4 click stands out; in pink noise
 * sigma is ~0.6 x the RMS (its top octaves are nearly white), so only clicks
 * ~8 x the RMS reach k = 8. Clean Gaussian-like noise peaks near 5 sigma in
 * 10^5..10^6 samples. */
size_t sq_clicks(const float *x, size_t n, const sq_click_opts *opts, sq_click *out, size_t max,
                 double *max_ratio);

/* ---- Spectrum ---------------------------------------------------------------- */

/* Power-weighted spectral centroid, Hz: sum(f P(f)) / sum(P(f)) over the Welch
 * power spectrum (Blackman-Harris, 4096 points or the largest power of two <= n,
 * 50 % overlap) of x. Two sines of amplitudes a, b at f1, f2 read
 * (a^2 f1 + b^2 f2) / (a^2 + b^2). NaN for silence or n < 64. */
double sq_spectral_centroid(const float *x, size_t n, double rate);

#endif
