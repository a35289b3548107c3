#include "session/session_recorder.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/thread_name.h"
#include "queue/spsc_queue.h"
#include "session/session_store.h"

#define DEFAULT_QUEUE_ITEMS 1024
#define REOPEN_INTERVAL_S 10.0
#define RETENTION_INTERVAL_S 3600.0
#define WRITER_TICK_NS 50000000L /* the writer checks for stop every 50 ms */

enum msg_type { MSG_START = 1, MSG_STOP, MSG_FRAME, MSG_EVENT };

typedef struct rec_msg {
    uint8_t type;
    union {
        session_frame frame;
        session_event event; /* START: detail = client alias; STOP: detail = how */
    } u;
} rec_msg;

struct session_recorder {
    /* [main] set at creation, read-only after */
    session_recorder_config cfg;
    char path[512], room[SESSION_TEXT_MAX];
    /* [any] Two-sided: [bio] produces bio_q, [control] mark_q; the session writer
     * consumes both. */
    spsc_queue bio_q, mark_q;

    /* [main] the writer thread's lifecycle */
    pthread_t thread;
    atomic_bool stop;

    /* the session writer thread only (core/threads.h, "Other threads") */
    session_store *store;
    double next_open_s, next_retention_s;
    bool open;      /* a session is open (in memory) */
    int64_t cur_id; /* its row, -1 while not yet written */
    double open_wall_s;
    char open_client[SESSION_TEXT_MAX];

    /* status: written by the session writer under status_lock (the counters
     * atomically), read by [any !audio] */
    pthread_mutex_t status_lock;
    const char *state;
    char message[256];
    atomic_int_fast64_t status_session;
    atomic_uint_fast64_t frames_written, events_written, dropped, lost, batches;
};

static _Atomic(session_recorder *) g_recorder;

void session_recorder_set_global(session_recorder *r) { atomic_store(&g_recorder, r); }
session_recorder *session_recorder_global(void) { return atomic_load(&g_recorder); }

double session_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_state(session_recorder *r, const char *state, const char *message)
{
    pthread_mutex_lock(&r->status_lock);
    bool changed = r->state != state || strcmp(r->message, message) != 0;
    r->state = state;
    snprintf(r->message, sizeof r->message, "%s", message);
    pthread_mutex_unlock(&r->status_lock);
    if (!changed) return;
    if (!strcmp(state, "error"))
        log_error("session store: %s (the sound is not affected; retrying)", message);
    else if (!strcmp(state, "ok"))
        log_info("session store: writing to %s", r->path);
}

static void try_open(session_recorder *r)
{
    char err[512];
    r->store = session_store_open(r->path, SESSION_OPEN_WRITE, err, sizeof err);
    r->next_open_s = mono_now() + REOPEN_INTERVAL_S;
    if (!r->store) {
        set_state(r, "error", err);
        return;
    }
    set_state(r, "ok", "");
}

static void apply_retention(session_recorder *r)
{
    r->next_retention_s = mono_now() + RETENTION_INTERVAL_S;
    if (!(r->cfg.retention_days > 0) || !r->store) return;
    char err[512];
    long n = session_store_apply_retention(r->store, r->cfg.retention_days, session_wall_now(), err,
                                           sizeof err);
    if (n < 0)
        log_warn("session store: retention: %s", err);
    else if (n > 0)
        log_info("session store: retention (%.0f days) deleted %ld frames", r->cfg.retention_days,
                 n);
}

/* Writes one message inside the open transaction. False on a write failure. */
static bool write_msg(session_recorder *r, const rec_msg *m, char *err, size_t errlen,
                      uint64_t *frames, uint64_t *events)
{
    switch (m->type) {
    case MSG_START:
        if (r->open && r->cur_id > 0 &&
            !session_store_end(r->store, r->cur_id, m->u.event.wall_s, "stop", err, errlen))
            return false;
        r->open = true;
        r->cur_id = -1;
        r->open_wall_s = m->u.event.wall_s;
        snprintf(r->open_client, sizeof r->open_client, "%s", m->u.event.detail);
        return true;
    case MSG_STOP:
        if (!r->open) return true;
        if (r->cur_id > 0 && !session_store_end(r->store, r->cur_id, m->u.event.wall_s,
                                                m->u.event.detail, err, errlen))
            return false;
        r->open = false;
        r->cur_id = -1;
        return true;
    case MSG_FRAME:
        if (!r->open || r->cur_id <= 0) return true;
        if (!session_store_add_frame(r->store, r->cur_id, &m->u.frame, err, errlen)) return false;
        (*frames)++;
        return true;
    case MSG_EVENT:
        if (!r->open || r->cur_id <= 0) return true;
        if (!session_store_add_event(r->store, r->cur_id, &m->u.event, err, errlen)) return false;
        (*events)++;
        return true;
    default: return true;
    }
}

/* The session row is written lazily: a start while the disk was full gets its
 * row once writing works again, with its original start time. */
static bool ensure_row(session_recorder *r, char *err, size_t errlen)
{
    if (!r->open || r->cur_id > 0) return true;
    int64_t id = session_store_start(r->store, r->open_wall_s, r->room, r->open_client, "lulld",
                                     err, errlen);
    if (id < 0) return false;
    r->cur_id = id;
    return true;
}

/* Keeps track of the session's start and stop while nothing can be written. */
static void follow(session_recorder *r, const rec_msg *m)
{
    if (m->type == MSG_START) {
        r->open = true;
        r->cur_id = -1;
        r->open_wall_s = m->u.event.wall_s;
        snprintf(r->open_client, sizeof r->open_client, "%s", m->u.event.detail);
    } else if (m->type == MSG_STOP) {
        r->open = false;
        r->cur_id = -1;
    }
}

/* One transaction: everything queued now. */
static void write_batch(session_recorder *r)
{
    if (r->cfg.before_batch) r->cfg.before_batch(r->cfg.hook_ud);
    if (!r->store && mono_now() >= r->next_open_s) try_open(r);
    size_t pending = spsc_count(&r->bio_q) + spsc_count(&r->mark_q);
    if (!r->store) {
        /* Nothing can be written: keep the queues from filling with stale data,
         * but keep following the session's start and stop. */
        rec_msg m;
        uint64_t n = 0;
        while (spsc_pop(&r->bio_q, &m)) {
            n += m.type == MSG_FRAME || m.type == MSG_EVENT;
            follow(r, &m);
        }
        while (spsc_pop(&r->mark_q, &m)) n++;
        atomic_fetch_add(&r->lost, n);
        return;
    }
    if (pending == 0 && (!r->open || r->cur_id > 0)) return;
    char err[512] = "";
    uint64_t frames = 0, events = 0, items = 0;
    int64_t id_before = r->cur_id;
    if (!session_store_begin(r->store, err, sizeof err) || !ensure_row(r, err, sizeof err))
        goto failed;
    rec_msg m;
    /* The biosignal thread's queue first: a mark belongs to the session that is
     * open once the starts and stops queued before it are applied. */
    while (spsc_pop(&r->bio_q, &m)) {
        items++;
        if (!write_msg(r, &m, err, sizeof err, &frames, &events) || !ensure_row(r, err, sizeof err))
            goto failed;
    }
    while (spsc_pop(&r->mark_q, &m)) {
        items++;
        if (!write_msg(r, &m, err, sizeof err, &frames, &events)) goto failed;
    }
    if (!session_store_commit(r->store, err, sizeof err)) goto failed;
    atomic_fetch_add(&r->frames_written, frames);
    atomic_fetch_add(&r->events_written, events);
    atomic_fetch_add(&r->batches, 1);
    atomic_store(&r->status_session, r->open ? r->cur_id : -1);
    set_state(r, "ok", "");
    return;
failed:
    session_store_rollback(r->store);
    /* What this batch wrote is gone: a row created in it must be made again. */
    if (r->open && r->cur_id != id_before) r->cur_id = -1;
    /* Drop the rest of what was queued for this batch: the next one starts fresh. */
    while (spsc_pop(&r->bio_q, &m)) {
        items++;
        follow(r, &m);
    }
    while (spsc_pop(&r->mark_q, &m)) items++;
    atomic_fetch_add(&r->lost, items);
    set_state(r, "error", err);
}

static void *writer(void *arg)
{
    session_recorder *r = arg;
    try_open(r);
    apply_retention(r);
    double next_batch = mono_now() + r->cfg.commit_interval_s;
    while (!atomic_load(&r->stop)) {
        struct timespec ts = {0, WRITER_TICK_NS};
        nanosleep(&ts, NULL);
        double now = mono_now();
        if (now < next_batch) continue;
        next_batch = now + r->cfg.commit_interval_s;
        write_batch(r);
        if (now >= r->next_retention_s && r->store) apply_retention(r);
    }
    /* Shutdown: the last items, and the open session ends here. */
    write_batch(r);
    if (r->store && r->open && r->cur_id > 0) {
        char err[512];
        if (!session_store_end(r->store, r->cur_id, session_wall_now(), "shutdown", err,
                               sizeof err))
            log_error("session store: %s", err);
    }
    session_store_close(r->store);
    r->store = NULL;
    return NULL;
}

session_recorder *session_recorder_create(const session_recorder_config *c, char *err,
                                          size_t errlen)
{
    session_recorder *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->cfg = *c;
    if (!(r->cfg.commit_interval_s > 0)) r->cfg.commit_interval_s = 1.0;
    if (!r->cfg.queue_items) r->cfg.queue_items = DEFAULT_QUEUE_ITEMS;
    snprintf(r->path, sizeof r->path, "%s", c->path);
    if (c->room && c->room[0])
        snprintf(r->room, sizeof r->room, "%s", c->room);
    else if (gethostname(r->room, sizeof r->room) != 0)
        r->room[0] = '\0';
    r->room[sizeof r->room - 1] = '\0';
    r->cfg.path = r->path;
    r->cfg.room = r->room;
    r->cur_id = -1;
    r->state = "starting";
    atomic_store(&r->status_session, -1);
    pthread_mutex_init(&r->status_lock, NULL);
    if (!spsc_init(&r->bio_q, r->cfg.queue_items, sizeof(rec_msg)) ||
        !spsc_init(&r->mark_q, r->cfg.queue_items / 4 + 16, sizeof(rec_msg))) {
        snprintf(err, errlen, "out of memory");
        spsc_destroy(&r->bio_q);
        free(r);
        return NULL;
    }
    int rc = pthread_create(&r->thread, NULL, writer, r);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the session writer thread: %s", strerror(rc));
        spsc_destroy(&r->bio_q);
        spsc_destroy(&r->mark_q);
        free(r);
        return NULL;
    }
    thread_name_set(r->thread, "session-writer");
    return r;
}

void session_recorder_destroy(session_recorder *r)
{
    if (!r) return;
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    spsc_destroy(&r->bio_q);
    spsc_destroy(&r->mark_q);
    pthread_mutex_destroy(&r->status_lock);
    free(r);
}

static bool push(session_recorder *r, spsc_queue *q, const rec_msg *m)
{
    if (spsc_push(q, m)) return true;
    atomic_fetch_add(&r->dropped, 1);
    return false;
}

static bool push_event(session_recorder *r, spsc_queue *q, uint8_t type, double wall_s,
                       const char *kind, const char *detail)
{
    rec_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.u.event.wall_s = wall_s;
    snprintf(m.u.event.kind, sizeof m.u.event.kind, "%s", kind ? kind : "");
    snprintf(m.u.event.detail, sizeof m.u.event.detail, "%s", detail ? detail : "");
    return push(r, q, &m);
}

bool session_recorder_start(session_recorder *r, double wall_s, const char *client)
{
    return push_event(r, &r->bio_q, MSG_START, wall_s, "", client);
}

bool session_recorder_stop(session_recorder *r, double wall_s, const char *how)
{
    return push_event(r, &r->bio_q, MSG_STOP, wall_s, "", how ? how : "stop");
}

bool session_recorder_frame(session_recorder *r, const session_frame *f)
{
    rec_msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_FRAME;
    m.u.frame = *f;
    return push(r, &r->bio_q, &m);
}

bool session_recorder_event(session_recorder *r, double wall_s, const char *kind,
                            const char *detail)
{
    return push_event(r, &r->bio_q, MSG_EVENT, wall_s, kind, detail);
}

bool session_recorder_mark(session_recorder *r, double wall_s, const char *word)
{
    return push_event(r, &r->mark_q, MSG_EVENT, wall_s, SESSION_EV_MARK, word);
}

void session_recorder_get_status(session_recorder *r, session_recorder_status *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&r->status_lock);
    out->state = r->state;
    snprintf(out->message, sizeof out->message, "%s", r->message);
    pthread_mutex_unlock(&r->status_lock);
    snprintf(out->path, sizeof out->path, "%s", r->path);
    out->session_id = atomic_load(&r->status_session);
    out->frames_written = atomic_load(&r->frames_written);
    out->events_written = atomic_load(&r->events_written);
    out->dropped = atomic_load(&r->dropped);
    out->lost = atomic_load(&r->lost);
    out->batches = atomic_load(&r->batches);
}
