/* Fuzz harness: a session store file (engine/src/session/session_store) read as
 * `lull sessions` and `lull report` read it: the input is written as r.db, opened
 * read-only, and every session in it is listed, read (info, frames, events),
 * summarised, its release events' stored spans parsed and its report page
 * written (to /dev/null). What a hostile or damaged file can reach is SQLite's
 * own file parsing and lull's handling of the values it returns (NULLs, NaN,
 * out-of-range numbers, over-long or odd text). Seeds: files written by
 * `lull render --session-db` (tests/fuzz/make_corpus.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "session/session_report.h"
#include "session/session_store.h"
#include "session/session_summary.h"
#include "session/session_tracker.h"

/* More sessions than this in one input are not read: each costs a report. */
#define FUZZ_SESSION_MAX 8

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    sink = fopen("/dev/null", "w");
    if (!sink) abort();
    return 0;
}

static void need_message(const char *what, const char *err)
{
    if (err[0]) return;
    fprintf(stderr, "fuzz_session: %s failed without a message\n", what);
    abort();
}

static void read_session(session_store *s, int64_t id)
{
    char err[512] = "";
    session_info info;
    if (!session_store_info(s, id, &info, err, sizeof err)) {
        need_message("session_store_info", err);
        return;
    }
    session_frame *frames = NULL;
    session_event *events = NULL;
    long nf = session_store_frames(s, id, &frames, err, sizeof err);
    if (nf < 0) need_message("session_store_frames", err);
    long ne = nf < 0 ? -1 : session_store_events(s, id, &events, err, sizeof err);
    if (nf >= 0 && ne < 0) need_message("session_store_events", err);
    if (nf >= 0 && ne >= 0) {
        session_summary sum;
        session_summarize(frames, (size_t)nf, info.started_s, info.ended_s, &sum);
        volatile double span = 0;
        for (long i = 0; i < ne; i++)
            if (strcmp(events[i].kind, SESSION_EV_RELEASE) == 0)
                span += session_release_span(&events[i]);
        (void)span;
        char when[64];
        session_format_time(info.started_s, NULL, when, sizeof when);
        err[0] = '\0';
        if (!session_report_write(sink, &info, frames, (size_t)nf, events, (size_t)ne, err,
                                  sizeof err))
            need_message("session_report_write", err);
    }
    free(frames);
    free(events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A journal left by the previous input would be replayed into this one. */
    char side[600];
    snprintf(side, sizeof side, "%s/r.db-wal", fuzz_scratch_dir());
    unlink(side);
    snprintf(side, sizeof side, "%s/r.db-shm", fuzz_scratch_dir());
    unlink(side);
    const char *path = fuzz_write_file(0, "r.db", data, size);
    if (!path) abort();

    char err[512] = "";
    session_store *s = session_store_open(path, SESSION_OPEN_READ, err, sizeof err);
    if (!s) {
        need_message("session_store_open", err);
        return 0;
    }
    (void)session_store_version(s);
    session_info *list = NULL;
    long n = session_store_list(s, NULL, &list, err, sizeof err);
    if (n < 0) need_message("session_store_list", err);
    for (long i = 0; i < n && i < FUZZ_SESSION_MAX; i++) read_session(s, list[i].id);
    if (n > 0) {
        /* The alias filter, as `lull sessions --client NAME` uses it. */
        session_info *mine = NULL;
        err[0] = '\0';
        if (session_store_list(s, list[0].client, &mine, err, sizeof err) < 0)
            need_message("session_store_list (client)", err);
        free(mine);
    }
    free(list);
    err[0] = '\0';
    int64_t last = session_store_last(s, err, sizeof err);
    if (last < 0) need_message("session_store_last", err);
    session_store_close(s);
    return 0;
}
