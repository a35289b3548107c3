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
    double rise_env_ms;    /* rise-time envelope: mean |x| window, default 10 ms, per
                            * sample (see sq_onsets) */
    double hold_ms;        /* > 0: the RMS over hold_ms from the detection window's
                            * start must also stand threshold_db over the background,
                            * default 0 (off); see sq_onsets */
    double peak_search_ms; /* the attack's peak is looked for this long, default 250 ms */
} sq_onset_opts;

typedef struct sq_onset {
    size_t index; /* sample where the rise crosses 10 % of its height */
    double time_s;
    double rise_ms;    /* 10-90 % rise of the amplitude envelope */
    double level_dbfs; /* envelope peak (rise envelope, RMS) */
    double over_db;    /* detection envelope above the background when found */
} sq_onset;

void sq_onset_defaults(sq_onset_opts *o);
/* Finds onsets in a mono signal (opts NULL: defaults); fills at most max and
 * returns how many were found (may exceed max). The rise is measured on a short
 * mean-|x| envelope from the background level to the attack's peak: a linear
 * attack from 0 to A over T ms reads 0.8 T (T well over rise_env_ms). The 10 ms
 * default averages a full period down to 100 Hz: a 2 ms envelope follows the
 * waveform of anything below ~250 Hz (a bowl's hum or a rumble would "rise" in
 * 3 ms); it lengthens a fast rise's reading by a few ms (a 1 ms gate reads ~10
 * ms, an 8 ms attack ~13 ms), so a reading under 25 ms is still a fast rise.
 * With hold_ms > 0 an onset must hold its energy: a noise envelope that pokes
 * over the threshold for one window (a brown-noise swell's 10 ms RMS crossing by
 * a dB) is not an event, while a real one is, however short, once it stands well
 * over (a 2 ms burst 28 dB over its background still averages 16 dB over across
 * 30 ms). One event is reported once: a detection whose attack walks back to within
 * min_gap_ms of the previous onset's (the same peak found again after a
 * re-arm) is merged into it. */
size_t sq_onsets(const float *x, size_t n, double rate, const sq_onset_opts *opts, sq_onset *out,
                 size_t max);

/* Onsets per minute from the median inter-onset interval (robust to one missed
 * or extra event); 0 when fewer than two onsets. *median_ioi_s may be NULL. */
double sq_onset_rate(const sq_onset *on, size_t count, double *median_ioi_s);

/* ---- Events by spectral flux ------------------------------------------------ */

/* The onsets above must stand 10 dB over their background: right for judging an
 * attack (a startle needs level), wrong for counting events, since a soft strike
 * over a texture is heard without being 10 dB louder than it. Spectral flux hears
 * what the envelope misses: new energy in some band, however quiet against the
 * whole (Dixon, "Onset detection revisited", DAFx 2006; Boeck, Krebs & Schedl,
 * "Evaluating the online capabilities of onset detection methods", ISMIR 2012). */
typedef struct sq_flux_opts {
    size_t fft;              /* frame, Hann window, default 2048 (43 ms at 48 kHz) */
    double hop_ms;           /* default 10 ms */
    double lo_hz, hi_hz;     /* bins summed, default 40 Hz .. 12 kHz */
    double floor_db;         /* level floor under the signal's per-bin white-noise
                            * level, default 40 dB (bins below it cannot jump) */
    size_t lag;              /* newest frames left out of a bin's reference, and the
                            * span of its growth, default 3 (30 ms; >= 1) */
    size_t ref_frames;       /* frames averaged (dB) before those: a bin's reference
                            * level, default 30 (300 ms) */
    double jump_db;          /* a bin counts by how far it stands past its reference
                            * plus this, default 10 dB */
    double min_flux_db;      /* least SF of an event, default 20 dB (e.g. two bins
                            * 10 dB past jump_db: steady noise makes ~8 per frame) */
    double window_s;         /* adaptive threshold over +-window_s, default 1.5 s */
    double k;                /* threshold: median + k * robust sigma of the flux, default 4 */
    double texture_window_s; /* span over which the candidates' rate and median
                              * flux are taken, +-5 s by default */
    double texture_rate;     /* candidates per minute above which they are a
                            * texture's grain, default 120 (0: no texture test) */
    double prominence_db;    /* in a texture, how much more an event's strongest bin
                            * grows than the median candidate's, default 6 dB */
    double min_gap_ms;       /* least time between events, default 120 ms */
} sq_flux_opts;

void sq_flux_defaults(sq_flux_opts *o);
/* Events of a mono signal by a spectral novelty function with an adaptive
 * threshold (Dixon 2006; Boeck, Krebs & Schedl 2012): each bin's level L(n,k) =
 * 20 log10(|X(n,k)| + c) dB, c = floor_db under the per-bin level of white noise
 * with x's RMS (so nothing depends on the signal's level), is compared with its
 * own mean over the ref_frames before the last `lag`; J(n,k) = max(0, L - mean -
 * jump_db) is how far it stands out, and SF(n) sums its growth over `lag`
 * frames, max(0, J(n,k) - J(n-lag,k)) (an attack spreads over several overlapping
 * frames), so a held or decaying partial adds nothing after its onset. A bin of steady noise (exponential power) exceeds its
 * typical level by 10 dB with probability e^(-10 ln 10 / 10) ~ 0.1 %, a struck
 * partial 13 dB over its noise bin does every time: a soft strike counts over a
 * loud texture. An event is a local maximum of SF over +-3 frames, above median
 * + k * 1.4826 * MAD of SF over +-window_s and above min_flux_db, min_gap_ms after
 * the previous one. In a texture of impacts (more than texture_rate candidates a
 * minute over +-texture_window_s), a candidate counts only if its strongest bin
 * grows prominence_db more than the median candidate's there. Fills at most max
 * sq_onset (index, time_s = the frame's centre; over_db = SF over its threshold in robust sigmas; rise_ms, level_dbfs
 * NaN) and returns how many were found. For sq_onset_rate and for counting. */
size_t sq_flux_events(const float *x, size_t n, double rate, const sq_flux_opts *opts,
                      sq_onset *out, size_t max);

/* ---- Clicks (AR residual) ---------------------------------------------------- */

typedef struct sq_click_opts {
    int order;          /* AR model order, default 24 */
    size_t block;       /* samples per model fit (Burg), default 4096 */
    double k;           /* flag |residual| > k * robust sigma, default 8 */
    double sigma_floor; /* least sigma (digital silence), default 1e-6 (-120 dBFS) */
} sq_click_opts;

typedef struct sq_click {
    size_t index; /* first sample of the click (its first flagged residual) */
    double ratio; /* largest |residual| / sigma within it */
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
/* Keeps the isolated clicks of cl[0..k) (sorted by index, as sq_clicks gives
 * them) in place and returns how many: a click is isolated when no other lies
 * within `isolation` samples. Residual peaks that recur closer than that are the
 * excitation of a buzzy tone (a sawtooth's or a bowed string's period: the LPC
 * residual of a voiced sound is a pulse train, Makhoul, Proc. IEEE 63(4), 1975),
 * not clicks; *periodic (may be NULL) gets how many were dropped. 50 ms (a period
 * of any pitch above 20 Hz) is SQ_CLICK_ISOLATION_S. */
#define SQ_CLICK_ISOLATION_S 0.05
size_t sq_clicks_isolated(sq_click *cl, size_t k, size_t isolation, size_t *periodic);

/* ---- Spectrum ---------------------------------------------------------------- */

/* Power-weighted spectral centroid, Hz: sum(f P(f)) / sum(P(f)) over the Welch
 * power spectrum (Blackman-Harris, 4096 points or the largest power of two <= n,
 * 50 % overlap) of x. Two sines of amplitudes a, b at f1, f2 read
 * (a^2 f1 + b^2 f2) / (a^2 + b^2). NaN for silence or n < 64. */
double sq_spectral_centroid(const float *x, size_t n, double rate);

#endif
