/* The pace a listener hears, measured from the audio alone: band envelopes, onset
 * strength and a Fourier tempogram over them (Grosche & Mueller, "Extracting
 * predominant local pulse information from music recordings", IEEE TASLP 19(6),
 * 2011; onset strength after Scheirer, "Tempo and beat analysis of acoustic musical
 * signals", JASA 103(1), 1998). One piece of code for tests/unit/test_tempo_audible.c
 * (the hum's pulse and the strikes of `bowls`) and the sound-quality suite (the pace
 * of every shipped preset, tests/sound/sound_suite.h).
 *
 * No FFT library: FFTW's planner must not be used after the engine's plugins were
 * unloaded (see the report on the stretch node's planner hooks), and the few
 * hundred frequencies a tempogram needs are cheap as direct sums.
 *
 * All functions are [any] thread, allocate, and are not for the audio thread. */
#ifndef LULL_TEST_TEMPOGRAM_H
#define LULL_TEST_TEMPOGRAM_H

#include <stddef.h>

/* One analysis band: an RBJ constant-peak bandpass biquad at hz with quality q,
 * applied `stages` times in cascade (>= 1). */
typedef struct tg_band {
    double hz, q;
    int stages;
} tg_band;

/* Mean-square energy of the mono mix 0.5 (l + r) (r NULL: l alone) in each band,
 * per frame of frame_s seconds: returns frames x nb values, row-major (e[k nb + b]),
 * and *frames; NULL when out of memory. */
double *tg_band_energy(const float *l, const float *r, size_t n, double rate, const tg_band *bands,
                       size_t nb, double frame_s, size_t *frames);

/* out[k] = mean of x over [k - half, k + half] (clipped at the ends); out may not
 * alias x. */
void tg_moving_mean(const double *x, size_t n, size_t half, double *out);

/* Onset strength of the mono mix (Scheirer 1998): `bands` octave bands from lo_hz
 * up (Q sqrt 2), each band's log energy per frame_s, differentiated and half-wave
 * rectified (energy rises only), summed over the bands; the local mean over mean_s
 * is removed and the remainder (>= 0) squared, so a slow swell or a change of
 * texture is not an onset and strong onsets weigh most. Returns the envelope (one
 * value per frame) and *frames. */
double *tg_onset_strength(const float *l, const float *r, size_t n, double rate, double lo_hz,
                          int bands, double frame_s, double mean_s, size_t *frames);

/* |sum x[k] e^{-2 pi i f k / fr}| / sum |x[k]|: 1 for pulses on one grid of period
 * 1/f, pi/4 for a pure sinusoid of frequency f, ~1/sqrt(n) for noise. */
double tg_salience(const double *x, size_t n, double fr, double f);

/* The maximum of g over [lo, hi]: a grid of `step`, then golden-section search
 * around its best to step * 1e-4; *best_val gets g there. */
typedef double (*tg_fn)(const void *ud, double x);
double tg_argmax(tg_fn g, const void *ud, double lo, double hi, double step, double *best_val);

/* A tempo clock as the engine runs it: at the start of chunk i (frame frame[i]) its
 * beat position beat[i], integrated from the engine's tempo (tempo / 60 x frames /
 * rate per chunk). tg_clock_add appends one chunk (grows the arrays);
 * tg_clock_beat interpolates linearly within a chunk. */
typedef struct tg_clock {
    double *frame, *beat;
    size_t n, cap;
    double next_beat; /* the beat position at the end of the last chunk */
} tg_clock;
int tg_clock_add(tg_clock *c, double first_frame, double frames, double tempo_bpm, double rate);
double tg_clock_beat(const tg_clock *c, double frame);
void tg_clock_free(tg_clock *c);

/* Like tg_salience, against a clock: |sum x[k] e^{-2 pi i scale beat[k]}| / sum |x[k]|,
 * beat[k] the clock's beat position (beats, fractional) at frame k. A tempo that
 * wanders keeps its phase: 1 for onsets all at one phase of the beat, pi/4 for a
 * swell once per beat, ~1/sqrt(n) for anything unrelated to the clock. */
double tg_beat_salience(const double *x, size_t n, const double *beat, double scale);

/* Chance level of tg_beat_salience: its median over 41 grids between the beat's
 * harmonics (scale 1.2..1.45 and 1.55..1.8), where nothing locked to the beat or
 * its half-beats adds up. */
double tg_beat_chance(const double *x, size_t n, const double *beat);

/* ---- Pace ------------------------------------------------------------------------ */

typedef struct tg_pace_opts {
    double frame_s;   /* envelope frame, default 0.01 s */
    double win_s;     /* tempogram window, default 20 s: a tempo gliding at a preset's
                       * slew (<= 10 bpm/min) moves < 4 bpm within it */
    double hop_s;     /* between windows, default 10 s */
    double detrend_s; /* RMS envelopes lose their moving mean over this, default 4 s
                       * (a breath swell, <= 0.3 Hz, is not the beat) */
} tg_pace_opts;

typedef struct tg_pace_result {
    double bpm;        /* median over the windows of the pace heard; NaN: none */
    double spread;     /* median |window pace - bpm| / bpm */
    double prominence; /* median over the windows of best score / median score */
    size_t windows;
    int envelope; /* the envelope heard most often: band index, + TG_BANDS for the
                   * band's onset strength */
} tg_pace_result;

/* Octave bands of the pace measurement: centres 62.5 Hz .. 8 kHz. */
#define TG_BANDS 8

void tg_pace_defaults(tg_pace_opts *o);
/* The 2 TG_BANDS pace envelopes (see tg_pace) of a mono signal: envelope j is
 * env[j frames .. (j + 1) frames); NULL when out of memory. */
double *tg_pace_envelopes(const float *x, size_t n, double rate, const tg_pace_opts *opts,
                          size_t *frames);

/* How the audio follows a tempo clock (beat[k]: the clock's beat position at
 * frame k of the opts->frame_s envelopes): for each pace envelope, its
 * tg_beat_salience on the beat and on the half-beat (a pattern's subdivision 2)
 * over its tg_beat_chance; the best envelope's ratio. Noise reads ~1 (its
 * largest of 2 x 2 TG_BANDS draws rarely 3); a pulse or events on the beat read
 * far more. An envelope counts only where the beat is its strongest periodicity
 * near the beat (its Fourier salience over 0.8..1.25 x the clock's mean rate is
 * at most 1 / TG_LOCK_PEAK_FRACTION times the beat's): a hum pulsing at its own
 * fixed speed leaks several times chance into a nearby beat's salience, but
 * stands far over it at its own frequency. */
#define TG_LOCK_PEAK_FRACTION 0.5
typedef struct tg_lock_result {
    double peak_fraction; /* the winner's salience / its strongest nearby periodicity */
    double ratio;         /* best salience / chance (0: no envelope follows); NaN: too short */
    double salience;      /* that salience */
    int envelope;         /* as tg_pace_result.envelope */
    int half_beat;        /* 1: the half-beat grid won */
} tg_lock_result;
int tg_lock(const float *x, size_t n, double rate, const double *beat, const tg_pace_opts *opts,
            tg_lock_result *out);
/* The pace of a mono signal within lo_bpm..hi_bpm (a preset's tempo floor..ceiling;
 * hi_bpm < 2 lo_bpm keeps an octave out of the range). Per TG_BANDS octave band two
 * envelopes: its RMS less its detrend_s moving mean (a hum's swell, a texture's
 * surge) and its onset strength (log-energy rise, local mean removed: strikes,
 * drops). Per window of win_s and per envelope, the score of a frequency f is the
 * harmonic sum tg_salience(f) + tg_salience(2 f), so events on a half-beat grid
 * (a pattern's subdivision 2) count for their beat; the envelope whose best score
 * stands highest over its median score in the range (prominence: the chance level
 * of that envelope) gives the window's pace. The result is the median over the
 * windows. Returns 0, or -1 when the signal is shorter than one window or memory
 * runs out (out->bpm NaN). */
int tg_pace(const float *x, size_t n, double rate, double lo_bpm, double hi_bpm,
            const tg_pace_opts *opts, tg_pace_result *out);

#endif
