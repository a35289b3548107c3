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
#include "core/thread_name.h"
#include "osc/sensor_msg.h"
#include "session/session_tracker.h"

#define PUBLISH_PERIOD_S (1.0 / 30.0)

struct bio_thread {
    spsc_queue *sensors;
    engine_slot *slot;
    bio_pipeline *pipeline; /* biosignal thread only */
    session_recorder *sessions;
    session_tracker tracker; /* biosignal thread only */
    double now;              /* the features call's clock, for the release listener */
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
    case SENSOR_RR: bio_pipeline_push_rr(b->pipeline, m->values, m->count, m->arrival_s); break;
    case SENSOR_HR: bio_pipeline_push_hr(b->pipeline, m->values[0], m->arrival_s); break;
    case SENSOR_RATE:
        /* Allocates: fine here (this thread is not the audio thread). */
        if (!bio_pipeline_set_rate(b->pipeline, stream_of(m->signal), m->values[0]))
            log_warn("bio: sampling rate %.2f Hz refused for signal %u", (double)m->values[0],
                     m->signal);
        break;
    default: break;
    }
}

/* The tracker's output goes onto the recorder's queue (never waits). */
static void sink_start(void *ud, double wall_s) { session_recorder_start(ud, wall_s, NULL); }
static void sink_stop(void *ud, double wall_s, const char *how)
{
    session_recorder_stop(ud, wall_s, how);
}
static void sink_frame(void *ud, const session_frame *f) { session_recorder_frame(ud, f); }
static void sink_event(void *ud, double wall_s, const char *kind, const char *detail)
{
    session_recorder_event(ud, wall_s, kind, detail);
}

/* A release moment ended (called from bio_pipeline_features on this thread):
 * into the session record, at its start, with its evidence. */
static void on_release(void *ctx, const release_event *ev)
{
    bio_thread *b = ctx;
    if (b->sessions) session_tracker_release(&b->tracker, ev, session_wall_now(), b->now);
}

static void *run(void *arg)
{
    bio_thread *b = arg;
    sensor_msg m;
    while (!atomic_load(&b->stop)) {
        while (spsc_pop(b->sensors, &m)) take(b, &m);
        double now = rt_now_s();
        b->now = now;
        lull_features f;
        bio_pipeline_features(b->pipeline, now, &f);
        lull_engine_status st;
        lull_engine *e = engine_slot_acquire(b->slot);
        lull_engine_publish_features(e, &f);
        if (b->sessions) {
            lull_engine_settings set;
            lull_engine_get_status(e, &st);
            lull_engine_get_settings(e, &set);
            /* A session runs from the therapist's start to their stop, through a
             * JACK outage too (the audio thread's own flag stops with the audio). */
            st.session_running = set.session_running;
        }
        engine_slot_release(b->slot);
        if (b->sessions) {
            /* The frame just published, not whatever the engine last consumed. */
            st.features = f;
            session_tracker_step(&b->tracker, &st, session_wall_now(), now);
        }
        struct timespec ts = {0, (long)(PUBLISH_PERIOD_S * 1e9)};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

bio_thread *bio_thread_start(spsc_queue *sensors, engine_slot *slot, session_recorder *sessions,
                             char *err, size_t errlen)
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
    b->sessions = sessions;
    bio_pipeline_set_release_listener(b->pipeline, on_release, b);
    session_sink sink = {.ud = sessions,
                         .start = sink_start,
                         .stop = sink_stop,
                         .frame = sink_frame,
                         .event = sink_event};
    session_tracker_init(&b->tracker, &sink);
    int rc = pthread_create(&b->thread, NULL, run, b);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the biosignal thread: %s", strerror(rc));
        bio_pipeline_free(b->pipeline);
        free(b);
        return NULL;
    }
    thread_name_set(b->thread, "bio");
    return b;
}

void bio_thread_stop(bio_thread *b)
{
    if (!b) return;
    atomic_store(&b->stop, true);
    pthread_join(b->thread, NULL);
    if (b->sessions) session_tracker_close(&b->tracker, session_wall_now(), "shutdown");
    bio_pipeline_free(b->pipeline);
    free(b);
}
