/* The engine: one object that owns the running preset's plan, the crossfade to the
 * next one, the clocks, the modulations and the output safety stage, and renders
 * any number of frames per call. Drivers (JACK, offline) call lull_engine_process
 * from their audio thread; the control layer (OSC, CLI) calls the rest.
 *
 * Threads (see docs/design.md):
 *   [audio]    lull_engine_process only.
 *   [control]  one thread at a time sends commands (OSC server, or the CLI).
 *   [bio]      one thread publishes feature frames.
 *   [main]     create/destroy while no other thread uses the engine.
 * Preset graphs are built on the engine's worker thread (threaded mode) or inline
 * in the calling thread (offline mode); either way never on the audio thread.
 * Commands travel to the audio thread on bounded lock-free queues; when a queue is
 * full the command is dropped and counted (status.dropped). */
#ifndef LULL_ENGINE_ENGINE_H
#define LULL_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bio/features.h"
#include "preset/preset.h"
#include "preset/preset_catalog.h"

#define LULL_ENGINE_BLOCK 64u /* internal sub-block, frames */
#define LULL_MAX_DIRS 8

typedef struct lull_engine lull_engine;

typedef struct lull_engine_config {
    double sample_rate;
    float volume_db;     /* initial master volume (default -6) */
    float max_volume_db; /* cap for every volume request (default 0) */
    float ceiling_db;    /* limiter ceiling (default -6) */
    float fade_in_s;     /* on start and session start (default 2) */
    float fade_out_s;    /* on session stop and shutdown (default 2) */
    float crossfade_s;   /* default preset crossfade (default 3) */
    bool threaded;       /* true: own worker thread (daemon); false: inline (offline) */
    bool start_session;  /* start with the session running (default true) */
    /* NULL-terminated; copied. Empty: $LULL_PRESET_DIR / $LULL_PLUGIN_DIR, else the
     * build tree's directories, else the installed ones. */
    const char *preset_dirs[LULL_MAX_DIRS];
    const char *plugin_dirs[LULL_MAX_DIRS];
    /* NULL-terminated; copied. Where presets' sound files are found (docs/presets.md,
     * "sounds"). Empty: lull_engine_default_sound_dirs of the preset directories. */
    const char *sound_dirs[LULL_MAX_DIRS];
} lull_engine_config;

/* [any] */
void lull_engine_config_defaults(lull_engine_config *c);

/* [main] Loads plugins, starts the worker. Returns NULL with a message on failure. */
lull_engine *lull_engine_create(const lull_engine_config *c, char *err, size_t errlen);
/* [main] The audio thread must no longer call process. */
void lull_engine_destroy(lull_engine *e);

/* [audio] Render nframes (any count) of stereo output. Realtime-safe. */
void lull_engine_process(lull_engine *e, float *left, float *right, uint32_t nframes);

/* Completion of an asynchronous request, called on the worker thread (threaded)
 * or before the request function returns (offline). message: "" or the reason. */
typedef void (*lull_done_fn)(void *ud, bool ok, const char *name, const char *message);

/* [control] Load a preset by name from the preset directories (names only: no '/',
 * no "..", no NUL), crossfading over crossfade_s (< 0: the configured default).
 * Returns false and fills err when refused before any work; otherwise done() is
 * called once with the outcome. The current preset plays on when a load fails. */
bool lull_engine_load_preset(lull_engine *e, const char *name, float crossfade_s, lull_done_fn done,
                             void *ud, char *err, size_t errlen);
/* [control] The same for a file path (CLI and offline use; never over the network). */
bool lull_engine_load_preset_file(lull_engine *e, const char *path, float crossfade_s,
                                  lull_done_fn done, void *ud, char *err, size_t errlen);

/* [control] Set a node parameter of the current preset. False + err when the node
 * or parameter is unknown or the value is non-finite or out of range. */
bool lull_engine_set_param(lull_engine *e, const char *node, const char *param, float value,
                           char *err, size_t errlen);
/* [control] Master volume in dB, clamped to max_volume_db; *applied (may be NULL)
 * gets the clamped value. False when the command queue was full (dropped, counted). */
bool lull_engine_set_volume(lull_engine *e, float db, float *applied);
/* [control] Fade in (start) or to silence (stop); the engine keeps running.
 * False when the command queue was full (dropped and counted). */
bool lull_engine_session(lull_engine *e, bool start);
/* [control] Breath pacer mode; target <= 0 keeps the current target. */
bool lull_engine_set_pacer(lull_engine *e, enum pacer_mode mode, float target, char *err,
                           size_t errlen);

/* [bio] Publish the latest feature frame (lock-free; the audio thread reads the
 * newest complete frame at its next block). */
void lull_engine_publish_features(lull_engine *e, const lull_features *f);

typedef struct lull_engine_status {
    char preset[64]; /* current (or incoming) preset; "" before the first */
    double sample_rate;
    float volume_db;
    float tempo_bpm;
    float pacer_rate; /* breaths/min */
    float pacer_phase;
    enum pacer_mode pacer_mode;
    bool session_running;
    bool faded_out; /* the output gate is fully closed */
    bool crossfading;
    uint64_t frames;        /* rendered since start */
    uint64_t dropped;       /* commands dropped on full queues */
    uint64_t nan_events;    /* nodes muted for non-finite output */
    char nan_node[64];      /* the last node muted for non-finite output */
    lull_features features; /* last published */
} lull_engine_status;

/* [any !audio] A consistent-enough snapshot (fields read atomically one by one). */
void lull_engine_get_status(lull_engine *e, lull_engine_status *s);

/* [control] Names of the valid presets in the preset directories, sorted; returns
 * the count (at most max). names[i] has room for 64 chars. A file that fails
 * validation is not listed (its error is logged once per change of the file). */
size_t lull_engine_list_presets(lull_engine *e, char (*names)[64], size_t max);

/* [control] The integrated loudness target (LUFS) the newest loaded preset declares
 * ("loudness"), NAN when it declares none or none is loaded. */
float lull_engine_preset_loudness(lull_engine *e);

/* [control] Display name, description, tags and loudness target of a valid preset,
 * found by file name or display name (case-insensitive). False + why otherwise. */
bool lull_engine_preset_info(lull_engine *e, const char *name, preset_info *out, char *err,
                             size_t errlen);

/* [main] [control] Count a dropped input (e.g. a flooded sensor queue) in status. */
void lull_engine_count_drop(lull_engine *e);

/* What the control side last asked for (not necessarily playing yet): the state a
 * rebuilt engine must carry over. [control] */
typedef struct lull_engine_settings {
    char preset[64]; /* the newest successfully loaded preset, "" none */
    float volume_db;
    bool session_running;
    bool pacer_set; /* a pacer mode was chosen by a command */
    enum pacer_mode pacer_mode;
    float pacer_target;
} lull_engine_settings;
/* [any !audio] */
void lull_engine_get_settings(lull_engine *e, lull_engine_settings *s);

/* [control] Restart the output as after a start: the safety stage forgets its
 * delay line and fades in (used when the audio device comes back). */
void lull_engine_restart_output(lull_engine *e);

/* Shortest crossfade between two presets: a request for less (even 0) is
 * lengthened so that a switch never clicks. */
#define LULL_MIN_CROSSFADE_S 0.05f

/* [any !audio] Free what the audio thread retired. The worker does this itself in
 * threaded mode; the offline driver calls it between blocks. */
void lull_engine_service(lull_engine *e);

struct plan_pool;
/* [main] Offline engines only (cfg.threaded false): run each block of the plans on
 * the threads of `pool` (graph/plan_pool.h; bit-identical output), or on the calling
 * thread alone with NULL. Called between lull_engine_process calls; the pool must
 * outlive its use. Returns false, changing nothing, for a threaded (realtime)
 * engine: its audio thread renders alone (docs/architecture.md, "Offline threads"). */
bool lull_engine_set_render_pool(lull_engine *e, struct plan_pool *pool);

/* [any] The plugin registry the engine loaded (read-only). */
const struct plugin_registry *lull_engine_registry(const lull_engine *e);

/* Longest directory path the engine keeps, bytes with the NUL. */
#define LULL_DIR_MAX 4096

/* [any !audio] The default sound directories, written into out (at most max):
 * the ':'-separated list in $LULL_SOUND_DIR when set, else "<dir>/sounds" for each
 * of preset_dirs (NULL-terminated; NULL or empty: the engine's default preset
 * directory). Returns the count. */
size_t lull_engine_default_sound_dirs(const char *const *preset_dirs, char (*out)[LULL_DIR_MAX],
                                      size_t max);

/* [main] The file a load of the preset named `name` opens when no engine is running
 * to ask (lull validate NAME), in the default preset directory ($LULL_PRESET_DIR,
 * else the installed one): "<dir>/<name>.json", else the valid preset displayed as
 * `name` (the presets checked against reg, as the engine's catalog does). False,
 * with the directory and the closest name in err, when there is none. */
bool lull_engine_default_preset_file(const char *name, const struct plugin_registry *reg,
                                     char *path, size_t n, char *err, size_t errlen);

/* [any] The engine's sound bank (sound/sound_bank.h): one per engine, at its rate. */
struct sound_bank *lull_engine_sound_bank(const lull_engine *e);

/* [any !audio] Latency of the output stage (limiter lookahead + sub-block carry), frames. */
uint32_t lull_engine_latency(lull_engine *e);

#endif
