/* The session store: one SQLite file holding sessions, their 1 Hz feature frames
 * and their events (docs/sessions.md).
 *
 * Safety: WAL journal with synchronous=FULL, so a committed transaction survives
 * a kill -9 or a power cut and a crash mid-transaction leaves the file as it was
 * before it (SQLite's atomic commit, https://www.sqlite.org/atomiccommit.html).
 * The file is created 0600 and a folder it creates 0700: it holds a client's
 * health data. secure_delete is on, so deleted sessions are overwritten, not
 * left in free pages.
 *
 * Schema versions (PRAGMA user_version) are applied in order by
 * session_store_open, each in its own transaction; a file newer than this
 * program is refused rather than guessed at.
 *
 * Threads: a store belongs to one thread at a time, never the audio thread. The
 * functions below are tagged [main] (the CLI's lull report / sessions); in lulld
 * the session writer thread (session_recorder.c) plays that role for its own
 * store, as core/threads.h ("Other threads") allows. */
#ifndef LULL_SESSION_SESSION_STORE_H
#define LULL_SESSION_SESSION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session/session_types.h"

#define SESSION_SCHEMA_VERSION 2

typedef struct session_store session_store;

enum session_open_mode {
    SESSION_OPEN_WRITE = 0, /* create the file and folder when missing, migrate */
    SESSION_OPEN_READ,      /* existing file only, read-only (reports, lists) */
    SESSION_OPEN_EDIT,      /* existing file only, read-write (delete, set alias) */
};

/* [main] Opens (and in WRITE mode creates and migrates) the store. A session
 * left open by a crash is closed at its last frame (ended_how "crash").
 * NULL with a message naming the file on failure. */
session_store *session_store_open(const char *path, enum session_open_mode mode, char *err,
                                  size_t errlen);
void session_store_close(session_store *s);

/* [main] The schema version of the open file. */
int session_store_version(session_store *s);

/* [main] Transactions around a batch of writes; true, or false with a message. */
bool session_store_begin(session_store *s, char *err, size_t errlen);
bool session_store_commit(session_store *s, char *err, size_t errlen);
void session_store_rollback(session_store *s);

/* [main] A new session row; returns its id (> 0), or -1 with a message.
 * room, client, source may be NULL. */
int64_t session_store_start(session_store *s, double wall_s, const char *room, const char *client,
                            const char *source, char *err, size_t errlen);
/* [main] how: "stop", "shutdown", "crash", "render". These three: true, or false
 * with a message. */
bool session_store_end(session_store *s, int64_t id, double wall_s, const char *how, char *err,
                       size_t errlen);
bool session_store_add_frame(session_store *s, int64_t id, const session_frame *f, char *err,
                             size_t errlen);
bool session_store_add_event(session_store *s, int64_t id, const session_event *e, char *err,
                             size_t errlen);

/* [main] Deletes the frames of sessions that started more than `days` days
 * before now_s (sessions and events stay, marked frames_purged). Returns the
 * number of frames deleted, or -1 with a message. */
long session_store_apply_retention(session_store *s, double days, double now_s, char *err,
                                   size_t errlen);

/* ---- reading (CLI) ---------------------------------------------------------- */

typedef struct session_info {
    int64_t id;
    double started_s, ended_s; /* ended NaN while open */
    char room[SESSION_TEXT_MAX], client[SESSION_TEXT_MAX];
    char source[16], ended_how[16];
    long frames, events, marks;
    bool frames_purged;
} session_info;

/* [main] Sessions in start order (client NULL: all; else that alias only).
 * *out is malloc'd (free it); returns the count or -1 with a message. */
long session_store_list(session_store *s, const char *client, session_info **out, char *err,
                        size_t errlen);
/* [main] One session; true, or false with a message ("no session 12 in FILE"). */
bool session_store_info(session_store *s, int64_t id, session_info *out, char *err, size_t errlen);
/* [main] The newest session's id, or -1 with a message when there is none. */
int64_t session_store_last(session_store *s, char *err, size_t errlen);
/* [main] Frames / events of a session in time order, malloc'd; count or -1. */
long session_store_frames(session_store *s, int64_t id, session_frame **out, char *err,
                          size_t errlen);
long session_store_events(session_store *s, int64_t id, session_event **out, char *err,
                          size_t errlen);
/* [main] Removes the session, its frames and events, and checkpoints the WAL so
 * no copy stays in it. True, or false with a message. */
bool session_store_delete(session_store *s, int64_t id, char *err, size_t errlen);
/* [main] Sets (alias "" clears) a session's client alias; true, or false with a
 * message. */
bool session_store_set_client(session_store *s, int64_t id, const char *alias, char *err,
                              size_t errlen);

/* [any] The disk is full / the file or folder is read-only: sqlite's answer to the last
 * failed call was one of those (the recorder reports them in status). */
bool session_store_error_is_storage(session_store *s);

#endif
