/* The sound-quality suite over presets (issue 8, item 5): renders a preset offline
 * through the offline driver with a simulated client, measures what a listener
 * would notice (tests/support/sound_quality.h, audio_check.h) and judges it against
 * the preset's own declarations. docs/presets.md, "Sound-quality tests", describes
 * every check, its threshold and its source.
 *
 * Checks on one render (every client):
 *   loudness   EBU R128 integrated loudness within SS_LOUDNESS_TOL_LU of the
 *              preset's "loudness" (EBU R 128 / ITU-R BS.1770-4);
 *   true peak  under the engine's limiter ceiling (SS_CEILING_DBTP);
 *   rise       short-term loudness never rises more than SS_RISE_LU within
 *              SS_RISE_WINDOW_S, from SS_SKIP_S on (the 2 s fade-in + one 3 s window);
 *   onsets     every event SS_ONSET_OVER_DB over its background rises (10-90 %)
 *              in at least SS_MIN_RISE_MS;
 *   clicks     none: second-difference ratio under SS_AC_CLICK_RATIO
 *              (ac_click_detect) and no AR-residual click (sq_clicks).
 * Checks on a pair of windows (a calmer and a more aroused one):
 *   darkening  the centroid falls as the relaxing client calms (early vs late);
 *   centroid, tempo, density: stressed vs relaxed differ audibly, in the direction
 *              the preset declares (ss_declare).
 *
 * Everything here is [main] thread, allocates and is for tests only. */
#ifndef LULL_TEST_SOUND_SUITE_H
#define LULL_TEST_SOUND_SUITE_H

#include <stdbool.h>
#include <stddef.h>

#include "sound_quality.h"
#include "tempogram.h"

struct plugin_registry;

#define SS_RATE 48000.0
/* EBU R 128 (2020) section 2.3: +-1 LU where exact normalisation is not possible. */
#define SS_LOUDNESS_TOL_LU 1.0
/* The engine's limiter ceiling (lull_engine_config.ceiling_db default), as dBTP. */
#define SS_CEILING_DBTP (-6.0)
/* Issue 8: short-term (3 s) loudness never rises more than 3 LU within 10 s. */
#define SS_RISE_LU 3.0
#define SS_RISE_WINDOW_S 10.0
/* Skip the engine's 2 s fade-in and the first 3 s short-term window after it. */
#define SS_SKIP_S 5.0
/* Gentle onsets: events 10 dB over the running-median background rise 10-90 % in
 * 25 ms or more. Faster rises (< ~15-20 ms) add to the acoustic startle reflex's
 * drive; see docs/presets.md for the sources. */
#define SS_ONSET_OVER_DB 10.0
#define SS_MIN_RISE_MS 25.0
/* ac_click_detect: a smooth tone reads ~1.4, white noise 4..6; above 10 is a click. */
#define SS_AC_CLICK_RATIO 10.0
/* An onset must hold its energy 10 dB over the background for 30 ms
 * (sq_onset_opts.hold_ms): a noise swell's envelope poking over the threshold by
 * a dB for one 10 ms window is not an event; a real one, even a 2 ms tick well
 * over, is (sound_quality.h). Rises are read on sq_onsets' default 10 ms
 * envelope; clicks are counted when isolated (sq_clicks_isolated, 50 ms). */
#define SS_ONSET_HOLD_MS 30.0
/* Most spectral-flux events kept per render (a 300 s render has a few hundred). */
#define SS_MAX_EVENTS 16384
/* Audible differences between stressed and relaxed (docs/presets.md): spectral
 * centroid 5 %, pace (the tempo clock the audio is locked to, tg_lock) 4 %, event
 * density 10 %.
 * Darkening within one relaxing render: a fall of at least 2 % (the window-to-
 * window spread of a steady preset's centroid is below 1 %). */
#define SS_CENTROID_DIFF 0.05
#define SS_TEMPO_DIFF 0.04
#define SS_DENSITY_DIFF 0.10
#define SS_DARKENING_DIFF 0.02
/* The audio follows the tempo clock when some pace envelope's salience on the
 * clock's beat (or half-beat) stands SS_LOCK_MIN times over its median off the
 * beat (tg_lock): noise's best of 32 such ratios exceeds 3 about 3 % of the time
 * (Rayleigh-distributed salience; docs/presets.md). */
#define SS_LOCK_MIN 3.0
/* Density counts spectral-flux events (sq_flux_events), which hear a soft strike
 * over a texture as the listener does; the 10 dB onsets above are for judging
 * attacks. A preset with an event layer (a pattern node) and fewer events than
 * this in a window fails: its events are not heard. */
#define SS_MIN_EVENTS 6
/* Notes per step of a `pattern` node at density 1: its lanes of 37, 41 and 43
 * steps hold 3, 5 and 4 notes (3/37 + 5/41 + 4/43; docs/nodes.md, pattern). */
#define SS_PATTERN_NOTES_PER_STEP 0.2961

/* ---- Rendering ----------------------------------------------------------------- */

typedef struct ss_trace_point {
    double t_s;
    double tempo_bpm, heart_bpm, breath_rate, arousal, pacer_rate; /* NaN: unknown */
} ss_trace_point;

typedef struct ss_render {
    char client[32];
    double rate;
    size_t n; /* frames */
    float *left, *right, *mono;
    ss_trace_point *trace; /* the engine's status every 0.5 s */
    tg_clock clock;        /* the engine's tempo clock, every chunk */
    size_t trace_n, trace_cap;
    double wall_s;        /* render time */
    double analysis_s[3]; /* time spent measuring loudness, onsets, clicks */
    unsigned long long nan_events;
    /* whole-render measurements (ss_analyze) */
    double integrated_lufs, true_peak_dbtp, range_lu, max_rise_lu, max_rise_at_s;
    sq_onset *onsets; /* every onset found in the mono mix (10 dB over) */
    size_t onset_n;
    sq_onset *events; /* every spectral-flux event (tempo, density) */
    size_t event_n;
    size_t fast_onsets;                 /* of those from SS_SKIP_S on: rise < SS_MIN_RISE_MS */
    double min_rise_ms, min_rise_at_s;  /* the fastest loud onset (NaN: none) */
    double ac_ratio, ac_at_s;           /* worst second-difference ratio over both channels */
    size_t ar_clicks;                   /* isolated AR-residual clicks over both channels */
    size_t ar_periodic;                 /* residual peaks within SS_CLICK_ISOLATION_S of another */
    double ar_max_click;                /* largest residual / sigma of an isolated click */
    double ar_max_ratio, ar_first_at_s; /* largest residual anywhere; first click */
} ss_render;

/* Renders `seconds` of a preset file with the simulated client ("relaxing",
 * "stressed", "dropouts", or any lull render --simulate spec; NULL: none) and
 * analyses it (ss_analyze). Returns 0, or -1 with a message. */
int ss_render_preset(const char *preset_path, const char *client, double seconds, ss_render *r,
                     char *err, size_t errlen);
/* The whole-render measurements above, from SS_SKIP_S on. */
void ss_analyze(ss_render *r);
void ss_render_free(ss_render *r);

/* ---- Windows --------------------------------------------------------------------- */

typedef struct ss_window {
    double from_s, to_s;
    double centroid_hz; /* sq_spectral_centroid of the mono mix */
    /* The pace heard (tg_pace, tempogram.h) within the preset's tempo floor..ceiling:
     * NaN when the preset declares no tempo or the window is too short. */
    double pace_bpm, pace_spread, pace_prominence;
    int pace_envelope; /* tg_pace_result.envelope */
    /* How the audio follows the engine's tempo clock (tg_lock): NaN when unknown. */
    double lock_ratio;
    int lock_envelope, lock_half_beat;
    double events_per_min; /* flux events / window length */
    size_t events;
    double engine_bpm, heart_bpm, breath_rate, arousal; /* means of the trace (NaN) */
} ss_window;

/* Measures a window of r; d (may be NULL: no pace) gives the tempo range the pace
 * is looked for in. */
struct ss_declared;
void ss_window_measure(const ss_render *r, const struct ss_declared *d, double from_s, double to_s,
                       ss_window *w);

/* ---- What a preset declares -------------------------------------------------------- */

/* How a preset declares the way its sound follows arousal, read from its
 * modulation mappings (docs/presets.md, "Sound-quality tests"):
 *   each mapping whose source rises with arousal (heart.rate, breath.rate, arousal,
 *   tempo.bpm when the tempo follows the heart: +1; heart.rmssd, heart.coherence:
 *   -1; clocks, pacer, LFOs: 0) onto a parameter listed in ss_param_roles gives
 *   source sign x sign(out range) x sign(in range) x the parameter's sign;
 *   brightness sums the "bright" parameters, density the "density" ones plus the
 *   tempo; the tempo is +1 when "tempo" follows the heart (follow_heart > 0).
 * A category whose terms disagree is "mixed" (SS_MIXED) and is not checked. */
#define SS_MIXED 2
typedef struct ss_declared {
    double loudness_lufs;              /* NaN: none declared */
    double tempo_floor, tempo_ceiling; /* bpm, the "tempo" block's (0: none) */
    int event_layer;                   /* 1: a `pattern` node plays events on the tempo clock */
    /* The most events a minute its pattern nodes can play (ss_pattern_rate_max):
     * a preset that declares fewer than SS_MIN_EVENTS per window is too sparse for
     * its density to be counted, and is judged by its tempo alone. */
    double event_rate_max;
    int brightness, tempo, density; /* +1 rises with arousal, -1 falls, 0 none, SS_MIXED */
    char brightness_by[160], density_by[160]; /* "svf:cutoff<-heart.rate ..." */
} ss_declared;

int ss_declare(const struct plugin_registry *reg, const char *preset_path, ss_declared *d,
               char *err, size_t errlen);

/* ---- Judgement --------------------------------------------------------------------- */

enum ss_check {
    SS_LOUDNESS = 0,
    SS_TRUE_PEAK,
    SS_RISE,
    SS_ONSETS,
    SS_CLICKS, /* per render */
    SS_DARKENING,
    SS_CENTROID,
    SS_TEMPO,
    SS_DENSITY, /* per pair */
    SS_CHECK_COUNT
};
typedef enum ss_verdict { SS_PASS = 0, SS_FAIL, SS_NA } ss_verdict;

const char *ss_check_name(enum ss_check c);
/* "pass", "FAIL" or "n/a", as the suite's tables print a verdict. */
const char *ss_verdict_name(ss_verdict v);

/* A per-render check (SS_LOUDNESS..SS_CLICKS); why gets the figure and the reason. */
ss_verdict ss_judge_render(const ss_declared *d, const ss_render *r, enum ss_check c, char *why,
                           size_t n);
/* A pair check: `calm` is the window of the calmer client (relaxing late), `aroused`
 * the other (relaxing early for SS_DARKENING, stressed for the rest). */
ss_verdict ss_judge_pair(const ss_declared *d, const ss_window *calm, const ss_window *aroused,
                         enum ss_check c, char *why, size_t n);

#endif
