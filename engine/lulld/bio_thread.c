#include "bio_thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/bio_pipeline.h"
#include "core/log.h"
#include "core/rt.h"
#include "osc/sensor_msg.h"

#define PUBLISH_PERIOD_S (1.0 / 30.0)

struct bio_thread {
    spsc_queue *sensors;
    engine_slot *slot;
    bio_pipeline *pipeline;   /* biosignal thread only */
    FILE *log;
    double next_log_s;
    pthread_t thread;
    atomic_bool stop;
};

static bio_stream stream_of(uint8_t kind)
{
    return kind == SENSOR_ECG ? BIO_ECG : kind == SENSOR_PPG ? BIO_PPG : BIO_RESP;
}

static void take(bio_thread *b, const sensor_msg *m)
{
    switch (m->kind) {
    case SENSOR_RESP:
    case SENSOR_ECG:
    case SENSOR_PPG: {
        /* Batches of one message share its arrival time: date this batch's last
         * sample back by the samples that follow it. */
        bio_stream s = stream_of(m->kind);
        double t_last = m->arrival_s - m->following / bio_pipeline_rate(b->pipeline, s);
        bio_pipeline_push_samples(b->pipeline, s, m->values, m->count, t_last);
        break;
    }
    case SENSOR_RR:
        bio_pipeline_push_rr(b->pipeline, m->values, m->count, m->arrival_s);
        break;
    case SENSOR_HR:
        bio_pipeline_push_hr(b->pipeline, m->values[0], m->arrival_s);
        break;
    case SENSOR_RATE:
        /* Allocates: fine here (this thread is not the audio thread). */
        if (bio_pipeline_set_rate(b->pipeline, stream_of(m->signal), m->values[0]) != 0)
            log_warn("bio: sampling rate %.2f Hz refused for signal %u", (double)m->values[0],
                     m->signal);
        break;
    default:
        break;
    }
}

static void log_features(bio_thread *b, const lull_features *f)
{
    fprintf(b->log, "%.3f,%u,%.3f,%.3f,%u,%.2f,%.2f,%.3f,%.3f\n", f->time_s, f->breath_state,
            (double)f->breath_rate, (double)f->breath_depth, f->heart_state,
            (double)f->heart_rate, (double)f->rmssd, (double)f->coherence, (double)f->arousal);
    fflush(b->log);
}

static void *run(void *arg)
{
    bio_thread *b = arg;
    sensor_msg m;
    while (!atomic_load(&b->stop)) {
        while (spsc_pop(b->sensors, &m))
            take(b, &m);
        double now = rt_now_s();
        lull_features f;
        bio_pipeline_features(b->pipeline, now, &f);
        lull_engine *e = engine_slot_acquire(b->slot);
        lull_engine_publish_features(e, &f);
        engine_slot_release(b->slot);
        if (b->log && now >= b->next_log_s) {
            log_features(b, &f);
            b->next_log_s = now + 1.0;
        }
        struct timespec ts = {0, (long)(PUBLISH_PERIOD_S * 1e9)};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static FILE *open_session_log(const char *dir, char *err, size_t errlen)
{
    char path[1024], stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s/session-%s.csv", dir, stamp);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "session-log: cannot create %s", path);
        return NULL;
    }
    fprintf(f, "time_s,breath_state,breath_rate,breath_depth,heart_state,heart_rate,rmssd,"
               "coherence,arousal\n");
    log_info("session log: %s", path);
    return f;
}

bio_thread *bio_thread_start(spsc_queue *sensors, engine_slot *slot,
                             const char *session_log_dir, char *err, size_t errlen)
{
    bio_thread *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->sensors = sensors;
    b->slot = slot;
    b->pipeline = bio_pipeline_new(NULL);
    if (!b->pipeline) {
        snprintf(err, errlen, "cannot create the biosignal pipeline");
        free(b);
        return NULL;
    }
    if (session_log_dir && session_log_dir[0] &&
        !(b->log = open_session_log(session_log_dir, err, errlen))) {
        bio_pipeline_free(b->pipeline);
        free(b);
        return NULL;
    }
    int rc = pthread_create(&b->thread, NULL, run, b);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the biosignal thread: %s", strerror(rc));
        if (b->log)
            fclose(b->log);
        bio_pipeline_free(b->pipeline);
        free(b);
        return NULL;
    }
    return b;
}

void bio_thread_stop(bio_thread *b)
{
    if (!b)
        return;
    atomic_store(&b->stop, true);
    pthread_join(b->thread, NULL);
    if (b->log)
        fclose(b->log);
    bio_pipeline_free(b->pipeline);
    free(b);
}
