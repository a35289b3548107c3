/* The engine's private state, shared by engine.c (audio side), engine_control.c
 * (control side) and engine_worker.c (worker). Each field's comment says which
 * thread owns it. */
#ifndef LULL_ENGINE_ENGINE_INTERNAL_H
#define LULL_ENGINE_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "clocks/breath_pacer.h"
#include "clocks/tempo_clock.h"
#include "engine/engine.h"
#include "graph/plan.h"
#include "plugin/registry.h"
#include "preset/preset_catalog.h"
#include "queue/spsc_queue.h"
#include "queue/triple_buffer.h"
#include "sound/sound_bank.h"

#define ENGINE_MAX_EVENTS 32
#define ENGINE_BACKLOG 8
#define ENGINE_CMD_CAPACITY 1024
#define ENGINE_PLAN_CAPACITY 8
#define ENGINE_RETIRE_CAPACITY 32

enum engine_cmd_type { CMD_PARAM = 1, CMD_VOLUME, CMD_SESSION, CMD_PACER, CMD_RESTART_OUTPUT };

/* control -> audio. */
typedef struct engine_cmd {
    uint32_t type;
    uint32_t node, param; /* CMD_PARAM: preset indices; CMD_PACER: node = mode */
    uint64_t generation;  /* CMD_PARAM: the plan it was resolved against */
    float value;
} engine_cmd;

/* worker -> audio: a plan to crossfade to. */
typedef struct plan_msg {
    lull_plan *plan;
    uint32_t xfade_frames;
} plan_msg;

/* audio -> control, through status_tb. */
typedef struct engine_audio_status {
    char preset[64];
    float tempo_bpm, pacer_rate, pacer_phase, volume_db;
    enum pacer_mode pacer_mode;
    bool session_running, faded_out, crossfading;
    uint64_t frames, nan_events;
    char nan_node[64];
} engine_audio_status;

/* A preset load waiting for the worker. */
typedef struct engine_job {
    struct engine_job *next;
    char *path; /* resolved preset file */
    float crossfade_s;
    lull_done_fn done;
    void *ud;
} engine_job;

struct lull_engine {
    /* [main] set at creation (lull_engine_create), read-only after */
    lull_engine_config cfg;
    char *dirs_storage[3 * LULL_MAX_DIRS]; /* preset, plugin, sound directories */
    plugin_registry *reg;
    /* [main] creates, [worker] uses (or inline): the sound files of every plan of
     * this engine, at its rate; a rate change builds a new engine and so a new bank. */
    sound_bank *bank;
    /* [main] set at creation, read-only after */
    double sr;
    uint32_t fade_out_frames;
    uint32_t safety_volume, safety_ceiling, safety_gate, safety_fade_in, safety_fade_out;

    /* [any] Two-sided: each side of a queue is owned by the one thread named. */
    spsc_queue cmdq;             /* control -> audio */
    spsc_queue planq;            /* worker -> audio */
    spsc_queue retireq;          /* audio -> worker */
    triple_buffer features_tb;   /* bio -> audio */
    triple_buffer status_tb;     /* audio -> control (reader side under status_lock) */
    pthread_mutex_t status_lock; /* [any !audio] status readers (lull_engine_get_status) */

    /* [audio] only (lull_engine_process); [main] frees what is left at destroy */
    lull_plan *cur, *next;
    plan_msg pending;
    uint32_t xfade_pos, xfade_len;
    node_runtime safety;
    tempo_clock tempo;
    breath_pacer pacer;
    bool pacer_overridden;
    bool session_running;
    uint32_t stop_frames;
    float carry[2][LULL_ENGINE_BLOCK];
    uint32_t carry_pos;
    float mix[2][LULL_MAX_BLOCK];
    lull_event events[ENGINE_MAX_EVENTS];
    uint32_t event_count;
    uint64_t frames, nan_events, leaked;
    char nan_node[64];
    lull_plan *backlog[ENGINE_BACKLOG];
    uint32_t backlog_count;
    /* [main] set between blocks (lull_engine_set_render_pool, offline only): the
     * threads the plans' blocks run on; NULL: the audio thread alone */
    struct plan_pool *render_pool;

    /* [control] [worker] control side, under ctl_lock (the control thread writes
     * the settings, the worker the loaded preset and generation) */
    pthread_mutex_t ctl_lock;
    lull_preset *ctl_preset; /* the newest loaded preset: names for param/set */
    preset_catalog *catalog; /* [control] the preset directories' valid presets */
    uint64_t ctl_generation;
    float ctl_volume_db;
    bool ctl_session;
    bool ctl_pacer_set;
    enum pacer_mode ctl_pacer_mode;
    float ctl_pacer_target;
    atomic_ullong dropped;       /* [any] atomic: every thread counts its drops */
    lull_features last_features; /* [bio] writes, status reads: under ctl_lock */

    /* [main] the worker's lifecycle (engine_worker_start/stop) */
    pthread_t worker;
    bool worker_running;
    /* [control] [worker] the job list, under job_lock: control appends, the worker
     * takes; [main] sets stopping under it at destroy */
    pthread_mutex_t job_lock;
    pthread_cond_t job_cond;
    engine_job *jobs, **jobs_tail;
    bool stopping;
};

/* [worker] Build the preset of a job and queue its plan. */
void engine_run_job(lull_engine *e, engine_job *job);
/* [worker] Free every plan the audio thread retired. */
void engine_collect_retired(lull_engine *e);
/* [main] Start the worker thread (threaded engines, from lull_engine_create).
 * False when the thread could not be created. */
bool engine_worker_start(lull_engine *e);
/* [main] Stop and join the worker, freeing jobs it never ran (lull_engine_destroy). */
void engine_worker_stop(lull_engine *e);
/* [control] Hand a job to the worker (or run it inline when not threaded). */
void engine_submit_job(lull_engine *e, engine_job *job);

#endif
