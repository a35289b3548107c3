/* The engine's control side: creation, and the commands that reach the audio
 * thread through the queues. Nothing here runs on the audio thread. */
#include "engine/engine_internal.h"

#include "core/names.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/install_paths.h"
#include "core/limits.h"
#include "core/log.h"
#include "preset/preset_name.h"

void lull_engine_config_defaults(lull_engine_config *c)
{
    *c = (lull_engine_config){
        .sample_rate = 48000,
        .volume_db = -6.0f,
        .max_volume_db = 0.0f,
        .ceiling_db = -6.0f,
        .fade_in_s = 2.0f,
        .fade_out_s = 2.0f,
        .crossfade_s = 3.0f,
        .threaded = true,
        .start_session = true,
    };
}

static bool copy_dirs(lull_engine *e, const char *const *src, const char **dst, size_t slot0)
{
    for (size_t i = 0; i < LULL_MAX_DIRS - 1 && src[i]; i++) {
        e->dirs_storage[slot0 + i] = strdup(src[i]);
        if (!e->dirs_storage[slot0 + i]) return false;
        dst[i] = e->dirs_storage[slot0 + i];
        dst[i + 1] = NULL;
    }
    return true;
}

static const char *default_preset_dir(void)
{
    const char *env = getenv("LULL_PRESET_DIR");
    if (env && *env) return env;
    return lull_default_preset_dir(); /* the build tree's only when running from it */
}

size_t lull_engine_default_sound_dirs(const char *const *preset_dirs, char (*out)[LULL_DIR_MAX],
                                      size_t max)
{
    size_t n = 0;
    const char *env = getenv("LULL_SOUND_DIR");
    if (env && *env) {
        for (const char *p = env; *p && n < max;) {
            size_t len = strcspn(p, ":");
            if (len > 0 && len < LULL_DIR_MAX) {
                memcpy(out[n], p, len);
                out[n++][len] = '\0';
            }
            p += len;
            if (*p == ':') p++;
        }
        return n;
    }
    const char *fallback[2] = {default_preset_dir(), NULL};
    const char *const *dirs = preset_dirs && preset_dirs[0] ? preset_dirs : fallback;
    for (size_t i = 0; dirs[i] && n < max; i++)
        if (snprintf(out[n], LULL_DIR_MAX, "%s/sounds", dirs[i]) < LULL_DIR_MAX) n++;
    return n;
}

struct sound_bank *lull_engine_sound_bank(const lull_engine *e) { return e->bank; }

bool lull_engine_default_preset_file(const char *name, const struct plugin_registry *reg,
                                     char *path, size_t n, char *err, size_t errlen)
{
    const char *dir = default_preset_dir();
    struct stat st;
    char why[160];
    /* the file of that name (valid or not: the caller validates it) */
    if (preset_name_valid(name, why, sizeof why) &&
        (size_t)snprintf(path, n, "%s/%s.json", dir, name) < n && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode))
        return true;
    /* else a valid preset displayed so, or the closest name, as a load finds them */
    const char *dirs[2] = {dir, NULL};
    preset_catalog *c = preset_catalog_new(dirs, reg);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    preset_catalog_refresh(c);
    const preset_info *info = preset_catalog_find(c, name);
    bool found = info && (size_t)snprintf(path, n, "%s", info->path) < n;
    if (!found) {
        name_suggestion sg = {name, NULL, SIZE_MAX};
        char hint[96];
        preset_catalog_suggest(c, &sg);
        snprintf(err, errlen, "no preset named \"%.63s\" in %s%s (a file: give its path)", name,
                 dir, name_suggestion_text(&sg, hint, sizeof hint));
    }
    preset_catalog_free(c);
    return found;
}

static bool safety_param(lull_engine *e, const char *id, uint32_t *out, char *err, size_t errlen)
{
    int i = descriptor_find_param(e->safety.desc, id);
    if (i < 0) {
        snprintf(err, errlen, "the safety stage has no parameter \"%s\"", id);
        return false;
    }
    *out = (uint32_t)i;
    return true;
}

static float clamp_volume(const lull_engine *e, float db)
{
    if (!isfinite(db)) db = -80.0f;
    if (db > e->cfg.max_volume_db) db = e->cfg.max_volume_db;
    if (db < -80.0f) db = -80.0f;
    return db;
}

lull_engine *lull_engine_create(const lull_engine_config *c, char *err, size_t errlen)
{
    if (!(c->sample_rate >= 8000 && c->sample_rate <= 384000)) {
        snprintf(err, errlen, "sample rate %g Hz is outside 8000..384000", c->sample_rate);
        return NULL;
    }
    lull_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->cfg = *c;
    memset(e->cfg.preset_dirs, 0, sizeof e->cfg.preset_dirs);
    memset(e->cfg.plugin_dirs, 0, sizeof e->cfg.plugin_dirs);
    memset(e->cfg.sound_dirs, 0, sizeof e->cfg.sound_dirs);
    e->sr = c->sample_rate;
    e->carry_pos = LULL_ENGINE_BLOCK;
    pthread_mutex_init(&e->ctl_lock, NULL);
    pthread_mutex_init(&e->status_lock, NULL);
    pthread_mutex_init(&e->job_lock, NULL);
    pthread_cond_init(&e->job_cond, NULL);
    e->jobs_tail = &e->jobs;
    lull_features_init(&e->last_features);
    engine_audio_status st0 = {0};

    const char *default_presets[2] = {default_preset_dir(), NULL};
    if (!copy_dirs(e, c->preset_dirs[0] ? c->preset_dirs : default_presets, e->cfg.preset_dirs,
                   0) ||
        !copy_dirs(e, c->plugin_dirs, e->cfg.plugin_dirs, LULL_MAX_DIRS) ||
        !spsc_init(&e->cmdq, ENGINE_CMD_CAPACITY, sizeof(engine_cmd)) ||
        !spsc_init(&e->planq, ENGINE_PLAN_CAPACITY, sizeof(plan_msg)) ||
        !spsc_init(&e->retireq, ENGINE_RETIRE_CAPACITY, sizeof(lull_plan *)) ||
        !triple_buffer_init(&e->features_tb, sizeof(lull_features), &e->last_features) ||
        !triple_buffer_init(&e->status_tb, sizeof st0, &st0)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    e->reg = e->cfg.plugin_dirs[0] ? registry_load_dirs(e->cfg.plugin_dirs, err, errlen)
                                   : registry_load_default(err, errlen);
    if (!e->reg) goto fail;
    e->catalog = preset_catalog_new(e->cfg.preset_dirs, e->reg);
    if (!e->catalog) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    /* Sound directories: as configured, else the defaults of the preset directories. */
    char(*default_sounds)[LULL_DIR_MAX] = malloc((LULL_MAX_DIRS - 1) * sizeof *default_sounds);
    const char *sound_dirs[LULL_MAX_DIRS] = {NULL};
    if (c->sound_dirs[0]) {
        for (size_t i = 0; i < LULL_MAX_DIRS - 1 && c->sound_dirs[i]; i++)
            sound_dirs[i] = c->sound_dirs[i];
    } else if (default_sounds) {
        size_t n =
            lull_engine_default_sound_dirs(e->cfg.preset_dirs, default_sounds, LULL_MAX_DIRS - 1);
        for (size_t i = 0; i < n; i++) sound_dirs[i] = default_sounds[i];
    }
    bool dirs_ok = default_sounds && copy_dirs(e, sound_dirs, e->cfg.sound_dirs, 2 * LULL_MAX_DIRS);
    free(default_sounds);
    if (!dirs_ok || !(e->bank = sound_bank_create(e->sr, e->cfg.sound_dirs))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    /* The safety stage: the statically linked one, always. */
    const lull_descriptor *sd = lull_safety_entry()->descriptors[0];
    if (!node_runtime_init(&e->safety, sd, "safety", NULL, e->sr, err, errlen)) goto fail;
    if (!safety_param(e, "volume_db", &e->safety_volume, err, errlen) ||
        !safety_param(e, "ceiling_db", &e->safety_ceiling, err, errlen) ||
        !safety_param(e, "gate", &e->safety_gate, err, errlen) ||
        !safety_param(e, "fade_in_s", &e->safety_fade_in, err, errlen) ||
        !safety_param(e, "fade_out_s", &e->safety_fade_out, err, errlen))
        goto fail;
    e->ctl_volume_db = clamp_volume(e, c->volume_db);
    param_smoother_jump(&e->safety.params[e->safety_volume], e->ctl_volume_db);
    param_smoother_jump(&e->safety.params[e->safety_ceiling], c->ceiling_db);
    param_smoother_jump(&e->safety.params[e->safety_fade_in], c->fade_in_s);
    param_smoother_jump(&e->safety.params[e->safety_fade_out], c->fade_out_s);
    param_smoother_jump(&e->safety.params[e->safety_gate], c->start_session ? 1.0f : 0.0f);
    e->session_running = c->start_session;
    e->ctl_session = c->start_session;
    uint32_t lat = lull_engine_latency(e);
    e->fade_out_frames = (uint32_t)(c->fade_out_s * e->sr) + lat + LULL_ENGINE_BLOCK;
    e->stop_frames = c->start_session ? 0 : e->fade_out_frames;

    tempo_clock_init(&e->tempo, &preset_tempo_default);
    breath_pacer_init(&e->pacer, &preset_pacer_default);

    if (!engine_worker_start(e)) {
        snprintf(err, errlen, "cannot start the worker thread");
        goto fail;
    }
    return e;
fail:
    lull_engine_destroy(e);
    return NULL;
}

void lull_engine_destroy(lull_engine *e)
{
    if (!e) return;
    engine_worker_stop(e);
    if (e->retireq.slots) engine_collect_retired(e);
    plan_free(e->cur);
    plan_free(e->next);
    plan_free(e->pending.plan);
    for (uint32_t i = 0; i < e->backlog_count; i++) plan_free(e->backlog[i]);
    plan_msg m;
    if (e->planq.slots)
        while (spsc_pop(&e->planq, &m)) plan_free(m.plan);
    if (e->safety.desc) node_runtime_fini(&e->safety);
    /* After every plan: they hold the bank's sounds. */
    sound_bank_destroy(e->bank);
    preset_catalog_free(e->catalog);
    registry_free(e->reg);
    preset_free(e->ctl_preset);
    spsc_destroy(&e->cmdq);
    spsc_destroy(&e->planq);
    spsc_destroy(&e->retireq);
    triple_buffer_destroy(&e->features_tb);
    triple_buffer_destroy(&e->status_tb);
    for (size_t i = 0; i < 3 * LULL_MAX_DIRS; i++) free(e->dirs_storage[i]);
    pthread_mutex_destroy(&e->ctl_lock);
    pthread_mutex_destroy(&e->status_lock);
    pthread_mutex_destroy(&e->job_lock);
    pthread_cond_destroy(&e->job_cond);
    free(e);
}

void lull_engine_service(lull_engine *e)
{
    /* In threaded mode the worker is the retire queue's only consumer. */
    if (!e->cfg.threaded) engine_collect_retired(e);
}

const plugin_registry *lull_engine_registry(const lull_engine *e) { return e->reg; }

static bool push_cmd(lull_engine *e, const engine_cmd *c)
{
    if (spsc_push(&e->cmdq, c)) return true;
    atomic_fetch_add(&e->dropped, 1);
    return false;
}

static bool submit_path(lull_engine *e, const char *path, float crossfade_s, lull_done_fn done,
                        void *ud, char *err, size_t errlen)
{
    if (!isfinite(crossfade_s) || crossfade_s > LULL_MAX_CROSSFADE_S) {
        snprintf(err, errlen, "crossfade must be a finite number of seconds up to %g",
                 LULL_MAX_CROSSFADE_S);
        return false;
    }
    engine_job *job = calloc(1, sizeof *job);
    if (!job || !(job->path = strdup(path))) {
        free(job);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    job->crossfade_s = crossfade_s;
    job->done = done;
    job->ud = ud;
    engine_submit_job(e, job);
    return true;
}

/* By file name first (an invalid file then fails its load with its own error),
 * else by display name through the catalog ("Singing bowls"). */
bool lull_engine_load_preset(lull_engine *e, const char *name, float crossfade_s, lull_done_fn done,
                             void *ud, char *err, size_t errlen)
{
    char why[160] = "";
    if (preset_name_valid(name, why, sizeof why)) {
        for (size_t i = 0; e->cfg.preset_dirs[i]; i++) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s.json", e->cfg.preset_dirs[i], name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                return submit_path(e, path, crossfade_s, done, ud, err, errlen);
        }
    }
    preset_catalog_refresh(e->catalog);
    const preset_info *info = preset_catalog_find(e->catalog, name);
    if (info) return submit_path(e, info->path, crossfade_s, done, ud, err, errlen);
    /* Say where it looked, and the closest name there (file or display name); a
     * name given with its ".json" is compared without it (a load takes the name). */
    char stem[NAME_MAX_LEN + 1];
    size_t name_len = strlen(name);
    bool json = name_len > 5 && strcmp(name + name_len - 5, ".json") == 0;
    snprintf(stem, sizeof stem, "%.*s", (int)(json ? name_len - 5 : name_len), name);
    name_suggestion sg = {stem, NULL, SIZE_MAX};
    preset_catalog_suggest(e->catalog, &sg);
    char where[512] = "", hint[96];
    for (size_t i = 0, len = 0; e->cfg.preset_dirs[i] && len < sizeof where; i++) {
        int n =
            snprintf(where + len, sizeof where - len, "%s%s", i ? ", " : "", e->cfg.preset_dirs[i]);
        if (n < 0) break;
        len += (size_t)n;
    }
    if (why[0])
        snprintf(err, errlen, "no preset is named or displayed as \"%.63s\" (%s) in %s%s", name,
                 why, where, name_suggestion_text(&sg, hint, sizeof hint));
    else
        snprintf(err, errlen, "no preset named \"%.63s\" in %s%s", name, where,
                 name_suggestion_text(&sg, hint, sizeof hint));
    return false;
}

float lull_engine_preset_loudness(lull_engine *e)
{
    pthread_mutex_lock(&e->ctl_lock);
    float lufs = e->ctl_preset ? e->ctl_preset->loudness_lufs : NAN;
    pthread_mutex_unlock(&e->ctl_lock);
    return lufs;
}

bool lull_engine_preset_info(lull_engine *e, const char *name, preset_info *out, char *err,
                             size_t errlen)
{
    preset_catalog_refresh(e->catalog);
    const preset_info *info = preset_catalog_find(e->catalog, name);
    if (info) {
        *out = *info;
        return true;
    }
    const char *why = preset_catalog_error(e->catalog, name);
    if (why[0])
        snprintf(err, errlen, "preset \"%.63s\" is not valid: %s", name, why);
    else
        snprintf(err, errlen, "no preset is named or displayed as \"%.63s\"", name);
    return false;
}

bool lull_engine_load_preset_file(lull_engine *e, const char *path, float crossfade_s,
                                  lull_done_fn done, void *ud, char *err, size_t errlen)
{
    return submit_path(e, path, crossfade_s, done, ud, err, errlen);
}

bool lull_engine_set_param(lull_engine *e, const char *node, const char *param, float value,
                           char *err, size_t errlen)
{
    if (!isfinite(value)) {
        snprintf(err, errlen, "value for %s:%s is not a finite number", node, param);
        return false;
    }
    pthread_mutex_lock(&e->ctl_lock);
    bool ok = false;
    const lull_preset *p = e->ctl_preset;
    int ni = p ? preset_find_node(p, node) : -1;
    if (!p) {
        snprintf(err, errlen, "no preset is loaded");
    } else if (ni < 0) {
        snprintf(err, errlen, "preset %s has no node \"%.63s\"", p->name, node);
    } else {
        const lull_descriptor *d = p->nodes[ni].desc;
        int pi = descriptor_find_param(d, param);
        if (pi < 0) {
            snprintf(err, errlen, "node %s (%s) has no parameter \"%.63s\"", node, d->id, param);
        } else {
            const lull_param_info *info = &d->params[pi];
            if (value < info->min || value > info->max)
                snprintf(err, errlen, "%s:%s = %g is outside [%g, %g] %s", node, param, value,
                         info->min, info->max, info->unit);
            else if ((info->flags & LULL_PARAM_STEPPED) && value != floorf(value))
                snprintf(err, errlen, "%s:%s takes whole numbers", node, param);
            else {
                engine_cmd c = {CMD_PARAM, (uint32_t)ni, (uint32_t)pi, e->ctl_generation, value};
                ok = push_cmd(e, &c);
                if (!ok) snprintf(err, errlen, "command queue full; dropped");
            }
        }
    }
    pthread_mutex_unlock(&e->ctl_lock);
    return ok;
}

bool lull_engine_set_volume(lull_engine *e, float db, float *applied)
{
    db = clamp_volume(e, db);
    if (applied) *applied = db;
    engine_cmd c = {.type = CMD_VOLUME, .value = db};
    if (!push_cmd(e, &c)) return false;
    e->ctl_volume_db = db;
    return true;
}

bool lull_engine_session(lull_engine *e, bool start)
{
    engine_cmd c = {.type = CMD_SESSION, .value = start ? 1.0f : 0.0f};
    if (!push_cmd(e, &c)) return false;
    e->ctl_session = start;
    return true;
}

void lull_engine_restart_output(lull_engine *e)
{
    engine_cmd c = {.type = CMD_RESTART_OUTPUT};
    push_cmd(e, &c);
}

void lull_engine_get_settings(lull_engine *e, lull_engine_settings *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_lock(&e->ctl_lock);
    if (e->ctl_preset) snprintf(s->preset, sizeof s->preset, "%s", e->ctl_preset->name);
    s->pacer_set = e->ctl_pacer_set;
    s->pacer_mode = e->ctl_pacer_mode;
    s->pacer_target = e->ctl_pacer_target;
    pthread_mutex_unlock(&e->ctl_lock);
    s->volume_db = e->ctl_volume_db;
    s->session_running = e->ctl_session;
}

bool lull_engine_set_pacer(lull_engine *e, enum pacer_mode mode, float target, char *err,
                           size_t errlen)
{
    if ((unsigned)mode > PACER_RESONANCE) {
        snprintf(err, errlen, "unknown pacer mode");
        return false;
    }
    if (!isfinite(target) ||
        (target > 0 && (target < LULL_PACER_MIN_TARGET || target > LULL_PACER_MAX_TARGET))) {
        snprintf(err, errlen, "pacer target %g breaths/min is outside %g..%g", target,
                 LULL_PACER_MIN_TARGET, LULL_PACER_MAX_TARGET);
        return false;
    }
    engine_cmd c = {.type = CMD_PACER, .node = (uint32_t)mode, .value = target};
    if (push_cmd(e, &c)) {
        pthread_mutex_lock(&e->ctl_lock);
        e->ctl_pacer_set = true;
        e->ctl_pacer_mode = mode;
        if (target > 0) e->ctl_pacer_target = target;
        pthread_mutex_unlock(&e->ctl_lock);
        return true;
    }
    snprintf(err, errlen, "command queue full; dropped");
    return false;
}

void lull_engine_publish_features(lull_engine *e, const lull_features *f)
{
    triple_buffer_write(&e->features_tb, f);
    pthread_mutex_lock(&e->ctl_lock);
    e->last_features = *f;
    pthread_mutex_unlock(&e->ctl_lock);
}

void lull_engine_get_status(lull_engine *e, lull_engine_status *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_lock(&e->status_lock);
    const void *p;
    triple_buffer_read(&e->status_tb, &p);
    const engine_audio_status *a = p;
    memcpy(s->preset, a->preset, sizeof s->preset);
    s->preset[sizeof s->preset - 1] = '\0';
    s->tempo_bpm = a->tempo_bpm;
    s->pacer_rate = a->pacer_rate;
    s->pacer_phase = a->pacer_phase;
    s->pacer_mode = a->pacer_mode;
    s->session_running = a->session_running;
    s->faded_out = a->faded_out;
    s->crossfading = a->crossfading;
    s->frames = a->frames;
    s->nan_events = a->nan_events;
    memcpy(s->nan_node, a->nan_node, sizeof s->nan_node);
    s->nan_node[sizeof s->nan_node - 1] = '\0';
    pthread_mutex_unlock(&e->status_lock);
    s->sample_rate = e->sr;
    s->volume_db = e->ctl_volume_db;
    s->dropped = atomic_load(&e->dropped);
    pthread_mutex_lock(&e->ctl_lock);
    s->features = e->last_features;
    pthread_mutex_unlock(&e->ctl_lock);
}

size_t lull_engine_list_presets(lull_engine *e, char (*names)[64], size_t max)
{
    size_t n = preset_catalog_refresh(e->catalog);
    if (n > max) n = max;
    for (size_t i = 0; i < n; i++)
        snprintf(names[i], 64, "%s", preset_catalog_get(e->catalog, i)->name);
    return n;
}

void lull_engine_count_drop(lull_engine *e) { atomic_fetch_add(&e->dropped, 1); }

uint32_t lull_engine_latency(lull_engine *e)
{
    uint32_t lat = LULL_ENGINE_BLOCK;
    const lull_descriptor *d = e->safety.desc;
    if (d && d->get_extension) {
        const lull_ext_latency *ext = d->get_extension(e->safety.self, LULL_EXT_LATENCY);
        if (ext) lat += ext->get(e->safety.self);
    }
    return lat;
}
