#include "session/session_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "session/session_recorder.h"
#include "session/session_store.h"
#include "session/session_tracker.h"

struct session_render {
    session_store *store;
    session_tracker tracker;
    int64_t id;
    double wall0, rate, next_s;
    char source[SESSION_TEXT_MAX];
    char err[512];
    int failed;
    /* the observer this one chains to */
    void (*next)(void *ud, struct lull_engine *e, uint64_t first, const float *l, const float *r,
                 uint32_t n);
    void *next_ud;
};

static void r_start(void *ud, double wall_s)
{
    session_render *r = ud;
    if (r->failed) return;
    r->id = session_store_start(r->store, wall_s, NULL, NULL, r->source, r->err, sizeof r->err);
    if (r->id < 0) r->failed = 1;
}

static void r_stop(void *ud, double wall_s, const char *how)
{
    session_render *r = ud;
    if (r->failed || r->id <= 0) return;
    if (!session_store_end(r->store, r->id, wall_s, how, r->err, sizeof r->err)) r->failed = 1;
}

static void r_frame(void *ud, const session_frame *f)
{
    session_render *r = ud;
    if (r->failed || r->id <= 0) return;
    if (!session_store_add_frame(r->store, r->id, f, r->err, sizeof r->err)) r->failed = 1;
}

static void r_event(void *ud, double wall_s, const char *kind, const char *detail)
{
    session_render *r = ud;
    if (r->failed || r->id <= 0) return;
    session_event e = {.wall_s = wall_s};
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    snprintf(e.detail, sizeof e.detail, "%s", detail ? detail : "");
    if (!session_store_add_event(r->store, r->id, &e, r->err, sizeof r->err)) r->failed = 1;
}

session_render *session_render_open(const char *db_path, const char *source, double sample_rate,
                                    char *err, size_t errlen)
{
    session_render *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(r->store = session_store_open(db_path, SESSION_OPEN_WRITE, err, errlen))) {
        free(r);
        return NULL;
    }
    if (!session_store_begin(r->store, err, errlen)) {
        session_render_free(r);
        return NULL;
    }
    snprintf(r->source, sizeof r->source, "%s", source);
    r->rate = sample_rate;
    r->wall0 = session_wall_now();
    session_sink sink = {
        .ud = r, .start = r_start, .stop = r_stop, .frame = r_frame, .event = r_event};
    session_tracker_init(&r->tracker, &sink);
    return r;
}

/* Sampled every 0.25 s of stream time: events within a quarter second, frames
 * at 1 Hz (the tracker's own pacing). */
#define SAMPLE_S 0.25

static void observe(void *ud, struct lull_engine *e, uint64_t first, const float *left,
                    const float *right, uint32_t n)
{
    session_render *r = ud;
    if (r->next) r->next(r->next_ud, e, first, left, right, n);
    double t = (double)(first + n) / r->rate;
    if (t < r->next_s || r->failed) return;
    r->next_s = t + SAMPLE_S;
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    st.session_running = true; /* the render's fade-out is not the therapist's stop */
    session_tracker_step(&r->tracker, &st, r->wall0 + t, t);
}

void session_render_attach(session_render *r, offline_render_opts *o)
{
    r->next = o->observe;
    r->next_ud = o->observe_ud;
    o->observe = observe;
    o->observe_ud = r;
}

bool session_render_finish(session_render *r, long long *id_out, char *err, size_t errlen)
{
    double end = r->wall0 + r->next_s - SAMPLE_S;
    session_tracker_close(&r->tracker, end > r->wall0 ? end : r->wall0, "render");
    bool ok = true;
    if (r->failed) {
        snprintf(err, errlen, "%s", r->err);
        ok = false;
    } else if (r->id <= 0) {
        snprintf(err, errlen, "the render was too short to record a session");
        ok = false;
    } else if (!session_store_commit(r->store, err, errlen)) {
        ok = false;
    }
    if (id_out) *id_out = r->id;
    session_render_free(r);
    return ok;
}

void session_render_free(session_render *r)
{
    if (!r) return;
    session_store_rollback(r->store);
    session_store_close(r->store);
    free(r);
}
