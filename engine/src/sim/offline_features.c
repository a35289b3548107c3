#include "sim/offline_features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records/record_pick.h"

#define BATCH 256

struct offline_features {
    bio_pipeline *pipe;
    /* synthetic client */
    bool use_model;
    client_model model;
    lull_engine *engine;
    /* recording */
    bio_record *rec;
    const bio_signal *sig[BIO_WAVEFORMS];
    size_t pos[BIO_WAVEFORMS];
    /* pending model samples of each stream (flushed at a gap or each frame) */
    float buf[BIO_WAVEFORMS][BATCH];
    size_t nbuf[BIO_WAVEFORMS];
    double tbuf[BIO_WAVEFORMS];
};

static offline_features *alloc_with(const double rates[BIO_WAVEFORMS], char *err, size_t errlen)
{
    offline_features *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    bio_pipeline_config cfg;
    bio_pipeline_config_default(&cfg);
    for (int s = 0; s < BIO_WAVEFORMS; s++)
        if (rates[s] > 0) cfg.rate_hz[s] = rates[s];
    o->pipe = bio_pipeline_new(&cfg);
    if (!o->pipe) {
        snprintf(err, errlen,
                 "a sampling rate is outside what the detectors take (respiration 4-1000 Hz, "
                 "ECG 50-10000 Hz, PPG 20-10000 Hz)");
        free(o);
        return NULL;
    }
    return o;
}

offline_features *offline_features_from_record(const char *path, double csv_fs,
                                               const char *const names[BIO_WAVEFORMS], char *err,
                                               size_t errlen)
{
    bio_record *rec = NULL;
    if (!bio_record_read(path, csv_fs, &rec, err, errlen)) return NULL;
    const bio_signal *sig[BIO_WAVEFORMS];
    if (!record_pick_signals(rec, path, names, sig, err, errlen)) {
        bio_record_free(rec);
        return NULL;
    }
    double rates[BIO_WAVEFORMS] = {0};
    for (int s = 0; s < BIO_WAVEFORMS; s++)
        if (sig[s]) rates[s] = sig[s]->fs;
    offline_features *o = alloc_with(rates, err, errlen);
    if (!o) {
        bio_record_free(rec);
        return NULL;
    }
    o->rec = rec;
    memcpy(o->sig, sig, sizeof sig);
    return o;
}

offline_features *offline_features_from_model(client_profile p, uint64_t seed, char *err,
                                              size_t errlen)
{
    client_spec spec = {p, 0, 0};
    return offline_features_from_spec(&spec, seed, err, errlen);
}

offline_features *offline_features_from_spec(const client_spec *spec, uint64_t seed, char *err,
                                             size_t errlen)
{
    const double rates[BIO_WAVEFORMS] = {
        [BIO_RESP] = CLIENT_RESP_FS, [BIO_ECG] = CLIENT_ECG_FS, [BIO_PPG] = CLIENT_PPG_FS};
    offline_features *o = alloc_with(rates, err, errlen);
    if (!o) return NULL;
    o->use_model = true;
    client_model_init_spec(&o->model, spec, seed);
    return o;
}

void offline_features_free(offline_features *o)
{
    if (!o) return;
    bio_pipeline_free(o->pipe);
    bio_record_free(o->rec);
    free(o);
}

void offline_features_set_engine(offline_features *o, lull_engine *e) { o->engine = e; }

void offline_features_engine_ready(void *ud, lull_engine *e) { offline_features_set_engine(ud, e); }

const client_model *offline_features_model(const offline_features *o)
{
    return o->use_model ? &o->model : NULL;
}

void offline_features_counters(const offline_features *o, bio_pipeline_counters *out)
{
    bio_pipeline_counters_get(o->pipe, out);
}

static void flush_stream(offline_features *o, int s)
{
    if (o->nbuf[s])
        bio_pipeline_push_samples(o->pipe, (bio_stream)s, o->buf[s], o->nbuf[s], o->tbuf[s]);
    o->nbuf[s] = 0;
}

static void add_sample(offline_features *o, int s, float x, double t)
{
    o->buf[s][o->nbuf[s]++] = x;
    o->tbuf[s] = t;
    if (o->nbuf[s] == BATCH) flush_stream(o, s);
}

static void feed_model(offline_features *o, double t)
{
    if (o->engine && o->model.profile == CLIENT_FOLLOWER) {
        lull_engine_status st;
        lull_engine_get_status(o->engine, &st);
        if (st.pacer_mode != PACER_OFF)
            client_model_set_pacer(&o->model, t, st.pacer_rate, st.pacer_phase);
    }
    client_tick k;
    while ((o->model.n + 1) / CLIENT_ECG_FS <= t) {
        client_model_tick(&o->model, &k);
        if (!k.sending) {
            for (int s = 0; s < BIO_WAVEFORMS; s++) flush_stream(o, s);
            continue;
        }
        add_sample(o, BIO_ECG, k.ecg, k.t);
        if (k.has_resp) add_sample(o, BIO_RESP, k.resp, k.t);
        if (k.has_ppg) add_sample(o, BIO_PPG, k.ppg, k.t);
    }
    for (int s = 0; s < BIO_WAVEFORMS; s++) flush_stream(o, s);
}

static void feed_record(offline_features *o, double t)
{
    for (int s = 0; s < BIO_WAVEFORMS; s++) {
        const bio_signal *g = o->sig[s];
        if (!g) continue;
        size_t end = (size_t)floor(t * g->fs) + 1; /* samples with i / fs <= t */
        if (end > g->n) end = g->n;
        while (o->pos[s] < end) {
            size_t n = end - o->pos[s] < BATCH ? end - o->pos[s] : BATCH;
            bio_pipeline_push_samples(o->pipe, (bio_stream)s, g->samples + o->pos[s], n,
                                      (double)(o->pos[s] + n - 1) / g->fs);
            o->pos[s] += n;
        }
    }
}

void offline_features_fn(void *ud, double t, lull_features *f)
{
    offline_features *o = ud;
    if (o->use_model)
        feed_model(o, t);
    else
        feed_record(o, t);
    bio_pipeline_features(o->pipe, t, f);
}

bool render_features_setup(const char *bio_file, const char *profile, offline_render_opts *o,
                           char *err, size_t errlen)
{
    return render_features_setup_rate(bio_file, 0.0, profile, o, err, errlen);
}

bool render_features_setup_rate(const char *bio_file, double bio_rate, const char *profile,
                                offline_render_opts *o, char *err, size_t errlen)
{
    if (bio_file && profile) {
        snprintf(err, errlen, "--bio and --simulate exclude each other");
        return false;
    }
    offline_features *src = NULL;
    if (bio_file) {
        src = offline_features_from_record(bio_file, bio_rate, NULL, err, errlen);
    } else if (profile) {
        client_spec spec;
        char why[256];
        if (!client_spec_parse(profile, &spec, why, sizeof why)) {
            snprintf(err, errlen, "--simulate: %s", why);
            return false;
        }
        src = offline_features_from_spec(&spec, 1, err, errlen);
    } else {
        return true;
    }
    if (!src) return false;
    o->features = offline_features_fn;
    o->features_ud = src;
    o->engine_ready = offline_features_engine_ready; /* the follower hears the pacer */
    return true;
}

void render_features_teardown(offline_render_opts *o)
{
    if (o->features == offline_features_fn) offline_features_free(o->features_ud);
    o->features = NULL;
    o->features_ud = NULL;
}
