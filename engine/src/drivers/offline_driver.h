/* The offline driver: runs the same engine as lulld with every asynchronous stage
 * run inline, writing a WAV with libsndfile. Same preset, inputs and options give a
 * bit-identical file. Used by `lull render`, golden tests and benchmarks. */
#ifndef LULL_DRIVERS_OFFLINE_DRIVER_H
#define LULL_DRIVERS_OFFLINE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bio/features.h"

struct lull_engine;

/* Supplies feature frames for the render: called every `interval_s` of rendered
 * time with the stream time; fills *f. Used for --bio and --simulate. */
typedef void (*offline_feature_fn)(void *ud, double t, lull_features *f);

/* The file out_path is written as: 32-bit float WAV (the default: the engine's own
 * samples, bit for bit), 16- or 24-bit WAV, or 24-bit FLAC; the integer formats with
 * TPDF dither from a fixed seed (core/pcm_dither.h), so renders stay bit-identical. */
typedef enum offline_format {
    OFFLINE_FORMAT_FLOAT = 0,
    OFFLINE_FORMAT_WAV16,
    OFFLINE_FORMAT_WAV24,
    OFFLINE_FORMAT_FLAC,
} offline_format;

/* [any] "float", "wav16", "wav24" or "flac" to *out; -1 for anything else. */
int offline_format_parse(const char *name, offline_format *out);
/* [any] The name offline_format_parse takes. */
const char *offline_format_name(offline_format f);

typedef struct offline_render_opts {
    const char *preset; /* a preset name (searched in the preset dirs) or a file */
    double seconds;
    double sample_rate;          /* default 48000 */
    const char *out_path;        /* WAV or FLAC; NULL: render without writing (benchmarks) */
    offline_format format;       /* of out_path; default OFFLINE_FORMAT_FLOAT */
    uint32_t chunk_frames;       /* frames per process call; default 1024 */
    offline_feature_fn features; /* NULL: every feature stays at its neutral value */
    void *features_ud;
    double features_interval_s; /* default 0.1 */
    /* Called once with features_ud after the preset loaded, before rendering:
     * hands the engine to a feature source that reads it (the follower listens to
     * the pacer). NULL: not called. */
    void (*engine_ready)(void *ud, struct lull_engine *e);
    int fade_out_at_end; /* 1 (default via offline_render_defaults): end in silence */
    /* Sound file directories (NULL-terminated, at most LULL_MAX_DIRS - 1), or NULL for
     * the engine's defaults ($LULL_SOUND_DIR, else each preset dir's sounds/). */
    const char *const *sound_dirs;
    /* Called after every rendered chunk with its output (n frames from frame `first`,
     * deinterleaved) and the engine (for lull_engine_get_status: tempo, pacer,
     * features): what `lull render --plot` and `lull loudness` measure. Chunks are
     * at most chunk_frames long and split at feature frames. NULL: not called. */
    void (*observe)(void *ud, struct lull_engine *e, uint64_t first, const float *left,
                    const float *right, uint32_t n);
    void *observe_ud;
    /* Show progress on stderr under this label when it is a terminal and the render
     * takes more than a few seconds (core/progress.h). NULL: never. */
    const char *progress_label;
    /* Threads that render each block (graph/plan_pool.h): 0 or 1 the calling thread
     * alone (the default), up to PLAN_THREADS_MAX. The file is bit-identical for
     * every count; `lull render` asks for one per core (at most 2) by default. */
    uint32_t threads;
} offline_render_opts;

typedef struct offline_render_result {
    uint64_t frames;
    double wall_seconds; /* time spent rendering (not writing) */
    float peak;          /* linear peak over both channels */
    uint64_t nan_events;
    double preset_loudness_lufs; /* the preset's declared loudness target, NAN none */
} offline_render_result;

/* [any] The defaults: 20 s at 48 kHz, float WAV, 1024-frame chunks, one thread. */
void offline_render_defaults(offline_render_opts *o);

/* [main] An inline (non-threaded) engine at sample_rate with `preset` (a name from
 * the preset directories, or a file) loaded and playing; what offline_render and
 * the benchmarks run. NULL with a message on failure. */
struct lull_engine *offline_engine_open(const char *preset, double sample_rate, char *err,
                                        size_t errlen);
/* [main] offline_engine_open with sound directories (NULL: the defaults). */
struct lull_engine *offline_engine_open_dirs(const char *preset, double sample_rate,
                                             const char *const *sound_dirs, char *err,
                                             size_t errlen);
/* [main] True, or false with a message in err. */
bool offline_render(const offline_render_opts *o, offline_render_result *res, char *err,
                    size_t errlen);

#endif
