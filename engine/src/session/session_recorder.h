/* The session recorder: lulld's path from the threads that know what happened
 * to the session store on disk.
 *
 * Producers never wait: the biosignal thread (frames, events, session start and
 * stop) and the control thread (therapist marks) each own one bounded lock-free
 * queue (queue/spsc_queue.h); a full queue drops the item and counts it. One
 * writer thread owns the SQLite store: about once a second it drains both queues
 * into one transaction (a crash loses at most that second plus what is queued).
 * When the disk is full or the file becomes read-only, the batch is rolled
 * back and its items are counted as lost, the state turns "error" with SQLite's
 * message (logged once, shown in /lull/status), and the next batch tries again:
 * the recorder recovers by itself when space comes back. The audio thread is
 * never involved.
 *
 * Threads: create/destroy [main]; start/stop/frame/event [bio] (one producer);
 * mark [control] (one producer); status [any !audio]. */
#ifndef LULL_SESSION_SESSION_RECORDER_H
#define LULL_SESSION_SESSION_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session/session_types.h"

typedef struct session_recorder session_recorder;

typedef struct session_recorder_config {
    const char *path;         /* the SQLite file (created 0600, folder 0700) */
    const char *room;         /* stored with each session; NULL: the host name */
    double retention_days;    /* frames of older sessions are deleted; 0: keep all */
    double commit_interval_s; /* default 1 */
    size_t queue_items;       /* per queue; default 1024 (17 min of frames) */
    /* Test hook: the writer calls it before each batch (a test stalls the writer
     * here to prove the producers never wait). NULL in lulld. */
    void (*before_batch)(void *ud);
    void *hook_ud;
} session_recorder_config;

/* [main] Starts the writer thread, which opens the store (an open failure is
 * not fatal: it is logged and reported as state "error", and retried every
 * 10 s). NULL only when out of memory or threads. */
session_recorder *session_recorder_create(const session_recorder_config *c, char *err,
                                          size_t errlen);
/* [main] Flushes what is queued, ends an open session ("shutdown"), closes. */
void session_recorder_destroy(session_recorder *r);

/* [bio] Each returns false when its queue was full (dropped, counted). */
bool session_recorder_start(session_recorder *r, double wall_s, const char *client);
bool session_recorder_stop(session_recorder *r, double wall_s, const char *how);
bool session_recorder_frame(session_recorder *r, const session_frame *f);
bool session_recorder_event(session_recorder *r, double wall_s, const char *kind,
                            const char *detail);
/* [control] A therapist's mark (a word, <= 63 bytes) for the open session. */
bool session_recorder_mark(session_recorder *r, double wall_s, const char *word);

typedef struct session_recorder_status {
    const char *state; /* "starting", "ok" or "error" */
    char message[256]; /* the last error ("" when ok) */
    char path[512];
    int64_t session_id; /* the open session's row, -1 none */
    uint64_t frames_written, events_written;
    uint64_t dropped; /* items refused by a full queue */
    uint64_t lost;    /* items in batches that could not be written */
    uint64_t batches; /* committed transactions */
} session_recorder_status;

/* [any !audio] */
void session_recorder_get_status(session_recorder *r, session_recorder_status *out);

/* lulld's one recorder, for the control thread's /lull/session/mark handler and
 * /lull/status (NULL: no recorder; set [main] before the OSC thread starts, and
 * cleared before the recorder is destroyed). An atomic pointer, so the OSC
 * server needs no new configuration. [any] */
void session_recorder_set_global(session_recorder *r);
session_recorder *session_recorder_global(void);

/* Wall-clock time now, Unix seconds. [any] */
double session_wall_now(void);

#endif
