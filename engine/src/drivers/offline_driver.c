#include "drivers/offline_driver.h"

#include <math.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pcm_dither.h"
#include "core/progress.h"
#include "core/rt.h"
#include "engine/engine.h"
#include "graph/plan_pool.h"
#include "preset/preset_name.h"

void offline_render_defaults(offline_render_opts *o)
{
    *o = (offline_render_opts){
        .seconds = 20,
        .sample_rate = 48000,
        .chunk_frames = 1024,
        .features_interval_s = 0.1,
        .fade_out_at_end = 1,
    };
}

/* ---- the file format (lull render --format) ---- */

static const char *const k_format_names[] = {"float", "wav16", "wav24", "flac"};

int offline_format_parse(const char *name, offline_format *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, k_format_names[i]) == 0) {
            *out = (offline_format)i;
            return 0;
        }
    return -1;
}

const char *offline_format_name(offline_format f)
{
    return (unsigned)f < 4 ? k_format_names[f] : "?";
}

static int sndfile_format(offline_format f)
{
    switch (f) {
    case OFFLINE_FORMAT_WAV16: return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case OFFLINE_FORMAT_WAV24: return SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    case OFFLINE_FORMAT_FLAC: return SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
    default: return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    }
}

/* n interleaved stereo frames: float as is, integer formats dithered (pcm: scratch). */
static sf_count_t write_frames(SNDFILE *sf, offline_format f, pcm_dither *d, const float *inter,
                               int32_t *pcm, uint32_t n)
{
    if (f == OFFLINE_FORMAT_FLOAT) return sf_writef_float(sf, inter, n);
    pcm_dither_to_int(d, inter, pcm, 2 * (size_t)n);
    return sf_writef_int(sf, pcm, n);
}

typedef struct load_result {
    bool ok;
    char message[1024];
} load_result;

static void on_loaded(void *ud, bool ok, const char *name, const char *message)
{
    load_result *r = ud;
    r->ok = ok;
    snprintf(r->message, sizeof r->message, "%s", message);
}

lull_engine *offline_engine_open(const char *preset, double sample_rate, char *err, size_t errlen)
{
    return offline_engine_open_dirs(preset, sample_rate, NULL, err, errlen);
}

lull_engine *offline_engine_open_dirs(const char *preset, double sample_rate,
                                      const char *const *sound_dirs, char *err, size_t errlen)
{
    lull_engine_config cfg;
    lull_engine_config_defaults(&cfg);
    cfg.sample_rate = sample_rate;
    cfg.threaded = false;
    for (size_t i = 0; sound_dirs && sound_dirs[i] && i < LULL_MAX_DIRS - 1; i++)
        cfg.sound_dirs[i] = sound_dirs[i];
    lull_engine *e = lull_engine_create(&cfg, err, errlen);
    if (!e) return NULL;
    load_result lr = {0};
    bool queued = preset_arg_is_file(preset)
                      ? lull_engine_load_preset_file(e, preset, 0.0f, on_loaded, &lr, err, errlen)
                      : lull_engine_load_preset(e, preset, 0.0f, on_loaded, &lr, err, errlen);
    if (!queued || !lr.ok) {
        if (queued) snprintf(err, errlen, "%s", lr.message);
        lull_engine_destroy(e);
        return NULL;
    }
    return e;
}

bool offline_render(const offline_render_opts *o, offline_render_result *res, char *err,
                    size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (!(o->seconds > 0 && o->seconds <= 24 * 3600)) {
        snprintf(err, errlen, "--seconds must be between 0 and 86400");
        return false;
    }
    plan_pool *pool = NULL;
    if (o->threads > 1 && !(pool = plan_pool_create(o->threads, err, errlen))) return false;
    lull_engine *e =
        offline_engine_open_dirs(o->preset, o->sample_rate, o->sound_dirs, err, errlen);
    if (!e) {
        plan_pool_destroy(pool);
        return false;
    }
    lull_engine_set_render_pool(e, pool);
    lull_engine_config cfg;
    lull_engine_config_defaults(&cfg); /* the fade-out time the engine runs with */

    if (o->engine_ready) o->engine_ready(o->features_ud, e);

    SNDFILE *sf = NULL;
    if (o->out_path) {
        SF_INFO info = {
            .samplerate = (int)o->sample_rate, .channels = 2, .format = sndfile_format(o->format)};
        sf = sf_open(o->out_path, SFM_WRITE, &info);
        if (!sf) {
            snprintf(err, errlen, "%s: cannot write: %s", o->out_path, sf_strerror(NULL));
            lull_engine_destroy(e);
            plan_pool_destroy(pool);
            return false;
        }
        /* No PEAK chunk timestamp or other run-dependent metadata: bit-identical files. */
        sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    }

    uint64_t total = (uint64_t)llround(o->seconds * o->sample_rate);
    uint32_t chunk = o->chunk_frames ? o->chunk_frames : 1024;
    float *l = malloc(chunk * sizeof(float)), *r = malloc(chunk * sizeof(float));
    float *inter = malloc(2 * chunk * sizeof(float));
    int32_t *pcm = malloc(2 * chunk * sizeof(int32_t)); /* integer formats */
    pcm_dither dither;
    pcm_dither_init(&dither, o->format == OFFLINE_FORMAT_WAV16 ? 16 : 24, 0x6c756c6c);
    if (!l || !r || !inter || !pcm) {
        snprintf(err, errlen, "out of memory");
        free(l), free(r), free(inter), free(pcm);
        if (sf) sf_close(sf);
        lull_engine_destroy(e);
        plan_pool_destroy(pool);
        return false;
    }
    uint64_t fade_at = UINT64_MAX;
    if (o->fade_out_at_end) {
        double fade_s = cfg.fade_out_s + (double)lull_engine_latency(e) / o->sample_rate;
        if (o->seconds > 2 * fade_s)
            fade_at = total - (uint64_t)(fade_s * o->sample_rate) - LULL_ENGINE_BLOCK;
    }
    /* Feature frames and the closing fade start at fixed frames, and chunks are split
     * there, so the output does not depend on chunk_frames. */
    double feat_interval = o->features_interval_s > 0 ? o->features_interval_s : 0.1;
    uint64_t feat_k = 0, next_feat = 0;
    lull_features f;
    lull_features_init(&f);
    bool ok = true;
    double wall = 0.0;
    lull_progress progress;
    progress_begin(&progress, o->progress_label, o->seconds, false);
    if (!o->progress_label) progress.enabled = false;
    for (uint64_t done = 0; done < total;) {
        if (o->features && done == next_feat) {
            o->features(o->features_ud, (double)done / o->sample_rate, &f);
            lull_engine_publish_features(e, &f);
            next_feat = (uint64_t)llround(++feat_k * feat_interval * o->sample_rate);
        }
        if (done == fade_at) lull_engine_session(e, false);
        uint64_t stop = done + chunk;
        if (stop > total) stop = total;
        if (o->features && next_feat > done && next_feat < stop) stop = next_feat;
        if (fade_at > done && fade_at < stop) stop = fade_at;
        uint32_t n = (uint32_t)(stop - done);
        uint64_t t0 = rt_now_ns();
        lull_engine_process(e, l, r, n);
        wall += (double)(rt_now_ns() - t0) * 1e-9;
        lull_engine_service(e);
        if (o->observe) o->observe(o->observe_ud, e, done, l, r, n);
        for (uint32_t i = 0; i < n; i++) {
            inter[2 * i] = l[i];
            inter[2 * i + 1] = r[i];
            float a = fabsf(l[i]) > fabsf(r[i]) ? fabsf(l[i]) : fabsf(r[i]);
            if (!(a <= res->peak)) res->peak = a;
        }
        if (sf && write_frames(sf, o->format, &dither, inter, pcm, n) != (sf_count_t)n) {
            snprintf(err, errlen, "%s: write failed: %s", o->out_path, sf_strerror(sf));
            ok = false;
            break;
        }
        done += n;
        res->frames = done;
        progress_update(&progress, (double)done / o->sample_rate);
    }
    progress_end(&progress);
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    res->nan_events = st.nan_events;
    res->preset_loudness_lufs = lull_engine_preset_loudness(e);
    res->wall_seconds = wall;
    free(l), free(r), free(inter), free(pcm);
    if (sf && sf_close(sf) != 0 && ok) {
        snprintf(err, errlen, "%s: close failed", o->out_path);
        ok = false;
    }
    lull_engine_destroy(e);
    plan_pool_destroy(pool);
    return ok;
}
