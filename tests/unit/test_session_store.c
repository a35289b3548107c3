/* The session store, recorder and report (engine/src/session):
 *  - a new store's folder is 0700 and its file 0600; a v1 file is migrated to
 *    the current schema keeping its rows; a newer file is refused by name;
 *  - a session a crash left open is closed at its last frame;
 *  - retention deletes old frames only; delete leaves no trace of a session's
 *    text in the file or its WAL (secure_delete + checkpoint);
 *  - the recorder writes what the producers queued, and a stalled writer never
 *    makes a producer wait (the producer finishes while the writer is provably
 *    blocked; the overflow is dropped and counted);
 *  - a store that cannot be opened is reported as "error" naming the file;
 *  - the summary matches its formulas on a synthetic session, and the report's
 *    SVG data carries the falling breath rate;
 *  - release moments: a synthetic breathing with one sigh of 2.6x the median
 *    depth, run through the biosignal pipeline, ends one release whose listener
 *    call the tracker turns into a "release" event at the sigh, with its
 *    duration and evidence; the event survives the store, and the report shades
 *    its span on the time axis. */
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bio/bio_pipeline.h"
#include "check.h"
#include "session/session_recorder.h"
#include "session/session_report.h"
#include "session/session_store.h"
#include "session/session_summary.h"
#include "session/session_tracker.h"

static char g_dir[256];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

static session_frame frame_at(double t, float breath)
{
    session_frame f;
    memset(&f, 0, sizeof f);
    f.wall_s = t;
    f.breath_rate = breath;
    f.breath_depth = 1, f.ie_ratio = 0.7f, f.breath_quality = 0.9f;
    f.heart_rate = 70, f.rmssd = 40, f.rsa = 60, f.coherence = 0.3f, f.heart_quality = 0.9f;
    f.arousal = 0, f.pacer_rate = 6, f.tempo_bpm = 60, f.volume_db = -6;
    f.breath_state = f.heart_state = 1;
    snprintf(f.pacer_mode, sizeof f.pacer_mode, "guide");
    snprintf(f.preset, sizeof f.preset, "surf");
    return f;
}

static void test_create_and_migrate(void)
{
    char err[512], path[512];
    path_in(path, sizeof path, "new/sub/s.db");
    session_store *s = session_store_open(path, SESSION_OPEN_WRITE, err, sizeof err);
    CHECK(s != NULL, "open: %s", err);
    if (!s) return;
    struct stat st;
    char dir[512];
    path_in(dir, sizeof dir, "new/sub");
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "folder mode %o", st.st_mode & 0777);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file mode %o", st.st_mode & 0777);
    CHECK(session_store_version(s) == SESSION_SCHEMA_VERSION, "version %d",
          session_store_version(s));
    session_store_close(s);

    /* A file as schema 1 made it, with a session in it. */
    path_in(path, sizeof path, "v1.db");
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK, "sqlite open");
    const char *v1 =
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, started REAL NOT NULL, ended REAL,"
        " room TEXT, client TEXT, source TEXT, ended_how TEXT);"
        "CREATE TABLE frames (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE "
        "CASCADE,"
        " t REAL NOT NULL, breath_rate REAL, breath_depth REAL, ie_ratio REAL, breath_quality REAL,"
        " breath_state INTEGER, heart_rate REAL, rmssd REAL, rsa REAL, coherence REAL,"
        " heart_quality REAL, heart_state INTEGER, arousal REAL, pacer_rate REAL,"
        " pacer_mode TEXT, tempo REAL, preset TEXT, volume REAL);"
        "CREATE INDEX frames_by_session ON frames(session_id, t);"
        "CREATE TABLE events (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES"
        " sessions(id) ON DELETE CASCADE, t REAL NOT NULL, kind TEXT NOT NULL, detail TEXT);"
        "CREATE INDEX events_by_session ON events(session_id, t);"
        "INSERT INTO sessions VALUES (1, 1000, 1060, 'room 2', 'A7', 'lulld', 'stop');"
        "INSERT INTO frames(session_id, t, breath_rate, breath_state) VALUES (1, 1001, 12.5, 1);"
        "PRAGMA user_version = 1;";
    CHECK(sqlite3_exec(db, v1, NULL, NULL, NULL) == SQLITE_OK, "v1 schema: %s", sqlite3_errmsg(db));
    sqlite3_close(db);
    s = session_store_open(path, SESSION_OPEN_WRITE, err, sizeof err);
    CHECK(s != NULL, "open v1: %s", err);
    if (s) {
        CHECK(session_store_version(s) == 2, "migrated to %d", session_store_version(s));
        session_info info;
        CHECK(session_store_info(s, 1, &info, err, sizeof err), "%s", err);
        CHECK(!strcmp(info.client, "A7") && info.frames == 1 && !info.frames_purged,
              "kept: client %s frames %ld", info.client, info.frames);
        session_store_close(s);
    }
    /* A file from a newer lull is refused, by name, not guessed at. */
    path_in(path, sizeof path, "v99.db");
    CHECK(sqlite3_open(path, &db) == SQLITE_OK, "sqlite open");
    sqlite3_exec(db, "PRAGMA user_version = 99;", NULL, NULL, NULL);
    sqlite3_close(db);
    s = session_store_open(path, SESSION_OPEN_WRITE, err, sizeof err);
    CHECK(s == NULL && strstr(err, "v99.db") && strstr(err, "newer"), "refused: %s", err);
    session_store_close(s);
    printf("  migration 1 -> 2 kept the session; a schema-99 file: \"%s\"\n", err);
}

static void test_crash_retention_delete(void)
{
    char err[512], path[512];
    path_in(path, sizeof path, "crash.db");
    session_store *s = session_store_open(path, SESSION_OPEN_WRITE, err, sizeof err);
    CHECK(s != NULL, "%s", err);
    if (!s) return;
    double now = 2e9, old = now - 40 * 86400.0;
    CHECK(session_store_begin(s, err, sizeof err), "%s", err);
    int64_t a = session_store_start(s, old, "room", NULL, "lulld", err, sizeof err);
    for (int i = 0; i < 10; i++) {
        session_frame f = frame_at(old + i, 12);
        session_store_add_frame(s, a, &f, err, sizeof err);
    }
    session_event mark = {
        .wall_s = old + 5, .kind = SESSION_EV_MARK, .detail = "zebra-secret-word"};
    session_store_add_event(s, a, &mark, err, sizeof err);
    session_store_end(s, a, old + 10, "stop", err, sizeof err);
    int64_t b = session_store_start(s, now, "room", "B2", "lulld", err, sizeof err);
    for (int i = 0; i < 20; i++) {
        session_frame f = frame_at(now + i, 10);
        session_store_add_frame(s, b, &f, err, sizeof err);
    }
    CHECK(session_store_commit(s, err, sizeof err), "%s", err);
    session_store_close(s); /* b never ended: as after a kill -9 */

    s = session_store_open(path, SESSION_OPEN_WRITE, err, sizeof err);
    CHECK(s != NULL, "%s", err);
    if (!s) return;
    session_info info;
    CHECK(session_store_info(s, b, &info, err, sizeof err), "%s", err);
    CHECK(!strcmp(info.ended_how, "crash") && fabs(info.ended_s - (now + 19)) < 1e-6,
          "crashed session closed at its last frame: %s %.1f", info.ended_how, info.ended_s - now);

    long gone = session_store_apply_retention(s, 30, now + 100, err, sizeof err);
    CHECK(gone == 10, "retention deleted %ld frames, want 10 (%s)", gone, err);
    session_store_info(s, a, &info, err, sizeof err);
    CHECK(info.frames == 0 && info.events == 1 && info.frames_purged,
          "old session: frames %ld events %ld purged %d", info.frames, info.events,
          info.frames_purged);
    session_store_info(s, b, &info, err, sizeof err);
    CHECK(info.frames == 20 && !info.frames_purged, "new session keeps %ld frames", info.frames);

    CHECK(session_store_delete(s, a, err, sizeof err), "%s", err);
    CHECK(!session_store_info(s, a, &info, err, sizeof err) && strstr(err, "no session"),
          "deleted: %s", err);
    CHECK(!session_store_delete(s, 999, err, sizeof err) && strstr(err, "999"), "%s", err);
    session_store_close(s);
    /* No copy of the mark's text anywhere in the file or its WAL. */
    const char *files[] = {"crash.db", "crash.db-wal"};
    for (int k = 0; k < 2; k++) {
        char p[512];
        path_in(p, sizeof p, files[k]);
        FILE *fp = fopen(p, "rb");
        if (!fp) continue;
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        bool found = false;
        for (size_t i = 0; i + 17 <= n && !found; i++)
            found = !memcmp(buf + i, "zebra-secret-word", 17);
        CHECK(!found, "%s still holds the deleted session's text (%zu bytes)", files[k], n);
    }
}

/* ---- recorder ------------------------------------------------------------------ */

typedef struct stall {
    sem_t entered, release;
    int armed;
} stall;

static void stall_hook(void *ud)
{
    stall *s = ud;
    if (__atomic_load_n(&s->armed, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&s->armed, 0, __ATOMIC_RELEASE);
        sem_post(&s->entered);
        sem_wait(&s->release); /* the writer is stuck here, as on a dead disk */
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void wait_batches(session_recorder *r, uint64_t n)
{
    session_recorder_status st;
    for (int i = 0; i < 400; i++) {
        session_recorder_get_status(r, &st);
        if (st.batches >= n) return;
        usleep(10000);
    }
}

static void test_recorder(void)
{
    char err[512], path[512];
    path_in(path, sizeof path, "rec.db");
    stall st;
    sem_init(&st.entered, 0, 0);
    sem_init(&st.release, 0, 0);
    st.armed = 0;
    session_recorder_config c = {.path = path,
                                 .room = "room 1",
                                 .commit_interval_s = 0.1,
                                 .queue_items = 64,
                                 .before_batch = stall_hook,
                                 .hook_ud = &st};
    session_recorder *r = session_recorder_create(&c, err, sizeof err);
    CHECK(r != NULL, "%s", err);
    if (!r) return;
    double t0 = 1.7e9;
    CHECK(session_recorder_start(r, t0, "C3"), "start queued");
    for (int i = 0; i < 30; i++) {
        session_frame f = frame_at(t0 + i, 14.0f - 0.1f * (float)i);
        CHECK(session_recorder_frame(r, &f), "frame %d queued", i);
    }
    CHECK(session_recorder_event(r, t0 + 3, SESSION_EV_PRESET, "drone"), "event");
    CHECK(session_recorder_mark(r, t0 + 4, "release"), "mark");
    wait_batches(r, 1);

    /* Stall the writer, then produce far more than the queue holds. */
    __atomic_store_n(&st.armed, 1, __ATOMIC_RELEASE);
    sem_wait(&st.entered);
    int accepted = 0, pushes = 5000;
    double worst = 0;
    for (int i = 0; i < pushes; i++) {
        session_frame f = frame_at(t0 + 30 + i, 9);
        double a = now_s();
        accepted += session_recorder_frame(r, &f);
        double d = now_s() - a;
        if (d > worst) worst = d;
    }
    session_recorder_status s1;
    session_recorder_get_status(r, &s1);
    CHECK(accepted > 0 && accepted < pushes && s1.dropped == (uint64_t)(pushes - accepted),
          "stalled writer: %d of %d accepted, %llu dropped", accepted, pushes,
          (unsigned long long)s1.dropped);
    printf("  stalled writer: %d pushes returned while the writer was blocked; %d queued, "
           "%llu dropped and counted; slowest push %.1f us\n",
           pushes, accepted, (unsigned long long)s1.dropped, worst * 1e6);
    sem_post(&st.release);
    /* The queue stays full until the released writer has drained it: a stop
     * pushed before that is refused (a race, not a bug), so wait for the batch. */
    wait_batches(r, s1.batches + 1);
    CHECK(session_recorder_stop(r, t0 + 40, "stop"), "stop queued");
    session_recorder_status s0;
    session_recorder_get_status(r, &s0);
    wait_batches(r, s0.batches + 2);
    session_recorder_destroy(r);
    sem_destroy(&st.entered);
    sem_destroy(&st.release);

    session_store *s = session_store_open(path, SESSION_OPEN_READ, err, sizeof err);
    CHECK(s != NULL, "%s", err);
    if (!s) return;
    int64_t id = session_store_last(s, err, sizeof err);
    session_info info;
    CHECK(session_store_info(s, id, &info, err, sizeof err), "%s", err);
    CHECK(info.frames == 30 + accepted, "frames in the store %ld, want %d", info.frames,
          30 + accepted);
    CHECK(info.marks == 1 && info.events == 2, "marks %ld events %ld", info.marks, info.events);
    CHECK(!strcmp(info.client, "C3") && !strcmp(info.room, "room 1") &&
              !strcmp(info.ended_how, "stop") && fabs(info.ended_s - (t0 + 40)) < 1e-6,
          "session row: client %s room %s ended %s", info.client, info.room, info.ended_how);
    session_store_close(s);
}

static void test_recorder_unwritable(void)
{
    char err[512];
    /* /proc refuses new files, even to root: the store cannot be opened. */
    session_recorder_config c = {.path = "/proc/lull-no-such-dir/sessions.db",
                                 .commit_interval_s = 0.05};
    session_recorder *r = session_recorder_create(&c, err, sizeof err);
    CHECK(r != NULL, "%s", err);
    if (!r) return;
    session_recorder_status st;
    for (int i = 0; i < 200; i++) {
        session_recorder_get_status(r, &st);
        if (strcmp(st.state, "starting")) break;
        usleep(10000);
    }
    CHECK(!strcmp(st.state, "error") && strstr(st.message, "/proc/lull-no-such-dir"),
          "state %s: %s", st.state, st.message);
    printf("  unwritable store: state %s, \"%s\"\n", st.state, st.message);
    session_recorder_start(r, 1, NULL);
    session_frame f = frame_at(1, 12);
    CHECK(session_recorder_frame(r, &f), "frames still accepted (and later counted lost)");
    session_recorder_destroy(r);
}

/* ---- summary and report ----------------------------------------------------------- */

static void test_summary_and_report(void)
{
    /* 30 min; breath 14 -> 6 /min linearly; coherence 1.5 for minutes 10..20. */
    const size_t n = 1800;
    session_frame *f = calloc(n, sizeof *f);
    double t0 = 1.7e9;
    for (size_t i = 0; i < n; i++) {
        f[i] = frame_at(t0 + (double)i, (float)(14.0 - 8.0 * (double)i / (double)n));
        if (i >= 600 && i < 1200) f[i].coherence = 1.5f;
        if (i >= 900 && i < 960) f[i].breath_state = 2; /* a minute of lost breath signal */
    }
    session_summary s;
    session_summarize(f, n, t0, t0 + (double)n, &s);
    /* Medians of a linear ramp: the value at the middle of each 5-minute window. */
    double want_first = 14.0 - 8.0 * 150.0 / 1800.0, want_last = 14.0 - 8.0 * 1650.0 / 1800.0;
    CHECK(fabs(s.breath_first - want_first) < 0.01 && fabs(s.breath_last - want_last) < 0.01,
          "breath first %.3f (want %.3f), last %.3f (want %.3f)", s.breath_first, want_first,
          s.breath_last, want_last);
    /* Rate <= 7 from i >= 1800 * 7/8 = 1575: 225 frames. */
    CHECK(fabs(s.resonance_s - 225.0) <= 1.0, "resonance %.0f s, want 225", s.resonance_s);
    CHECK(fabs(s.coherent_s - 600.0) < 0.5, "coherent %.0f s, want 600", s.coherent_s);
    CHECK(fabs(s.breath_ok_s - 1740.0) < 0.5, "breath ok %.0f s, want 1740", s.breath_ok_s);
    printf("  summary: breath %.2f -> %.2f /min, resonance %.0f s, coherent %.0f s\n",
           s.breath_first, s.breath_last, s.resonance_s, s.coherent_s);

    session_event ev[] = {
        {t0, SESSION_EV_START, "surf"},
        {t0 + 300, SESSION_EV_PRESET, "drone"},
        {t0 + 600, SESSION_EV_MARK, "<release> & \"sigh\""},
    };
    session_info info = {.id = 7, .started_s = t0, .ended_s = t0 + (double)n, .frames = (long)n};
    snprintf(info.room, sizeof info.room, "room 1");
    char path[512], err[256];
    path_in(path, sizeof path, "report.html");
    FILE *o = fopen(path, "w");
    CHECK(o && session_report_write(o, &info, f, n, ev, 3, err, sizeof err), "report: %s", err);
    if (o) fclose(o);
    free(f);
    o = fopen(path, "r");
    static char html[4 << 20];
    size_t len = o ? fread(html, 1, sizeof html - 1, o) : 0;
    if (o) fclose(o);
    html[len] = '\0';
    CHECK(strstr(html, "<svg") && !strstr(html, "<script") && !strstr(html, "https:"),
          "inline SVG, no script, nothing fetched");
    CHECK(strstr(html, "&lt;release&gt; &amp; &quot;sigh&quot;") != NULL, "mark text escaped");
    CHECK(strstr(html, "@page{size:A4") != NULL, "A4 print rule");
    /* The breath line's data: first values high, last values low. */
    const char *p = strstr(html, "data-series=\"breath_rate\"");
    CHECK(p != NULL, "breath series present");
    if (p) {
        p = strstr(p, "data-v=\"");
        double first = strtod(p + 8, NULL), last = NAN;
        const char *end = strchr(p + 8, '"');
        for (const char *q = end - 1; q > p + 8; q--)
            if (q[-1] == ' ' && q[0] != ' ' && q[0] != '"') {
                last = strtod(q, NULL);
                break;
            }
        CHECK(first > 13.9 && last < 6.1, "breath data %.2f ... %.2f", first, last);
    }
    printf("  report: %zu bytes of HTML\n", len);
}

/* ---- release moments into the record ---------------------------------------- */

typedef struct captured {
    session_event ev[16];
    int n;
} captured;

static void cap_start(void *ud, double wall_s) { (void)ud, (void)wall_s; }
static void cap_stop(void *ud, double wall_s, const char *how)
{
    (void)ud, (void)wall_s, (void)how;
}
static void cap_frame(void *ud, const session_frame *f) { (void)ud, (void)f; }
static void cap_event(void *ud, double wall_s, const char *kind, const char *detail)
{
    captured *c = ud;
    if (c->n == 16) return;
    session_event *e = &c->ev[c->n++];
    e->wall_s = wall_s;
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->detail, sizeof e->detail, "%s", detail);
}

typedef struct release_ctx {
    session_tracker *t;
    double wall0, clock; /* the wall clock at stream time 0, and stream time now */
    int calls;
} release_ctx;

static void on_release(void *ctx, const release_event *ev)
{
    release_ctx *r = ctx;
    r->calls++;
    session_tracker_release(r->t, ev, r->wall0 + r->clock, r->clock);
}

static void test_release_record(void)
{
    captured cap = {0};
    session_sink sink = {
        .ud = &cap, .start = cap_start, .stop = cap_stop, .frame = cap_frame, .event = cap_event};
    session_tracker t;
    session_tracker_init(&t, &sink);
    release_event fake = {.start_s = 1,
                          .end_s = 2,
                          .evidence = RELEASE_SIGH,
                          .sigh_ratio = 2,
                          .irregularity = NAN,
                          .hold_s = NAN,
                          .surge_bpm = NAN};
    CHECK(!session_tracker_release(&t, &fake, 1e9, 3) && cap.n == 0,
          "a release outside a session is not recorded");

    const double wall0 = 1.7e9;
    lull_engine_status st;
    memset(&st, 0, sizeof st);
    st.session_running = true;
    session_tracker_step(&t, &st, wall0, 0.0);
    int before = cap.n;

    /* Breathing at 12/min, depth 1, with one breath of 2.6x at 120 s (a sigh:
     * > SIGH_OF_MEDIAN 1.8 x the median swing), regular again after it. */
    bio_pipeline *p = bio_pipeline_new(NULL);
    CHECK(p != NULL, "pipeline");
    if (!p) return;
    release_ctx rc = {.t = &t, .wall0 = wall0};
    bio_pipeline_set_release_listener(p, on_release, &rc);
    const double fs = bio_pipeline_rate(p, BIO_RESP), sigh_at = 120.0, period = 5.0;
    float chunk[64];
    size_t k = 0;
    lull_features f;
    for (long i = 0; i < (long)(240.0 * fs); i++) {
        double time = (double)i / fs;
        double cycle = floor(time / period);
        double depth = fabs(cycle * period - sigh_at) < 0.5 ? 2.6 : 1.0;
        chunk[k++] = (float)(-depth * cos(2.0 * M_PI * time / period));
        if (k == (size_t)(fs / 10.0) || k == sizeof chunk / sizeof chunk[0]) {
            bio_pipeline_push_samples(p, BIO_RESP, chunk, k, time);
            k = 0;
            rc.clock = time;
            bio_pipeline_features(p, time, &f);
        }
    }
    bio_pipeline_flush(p);
    bio_pipeline_free(p);
    const session_event *rel = NULL;
    for (int i = before; i < cap.n; i++)
        if (!strcmp(cap.ev[i].kind, SESSION_EV_RELEASE)) rel = &cap.ev[i];
    CHECK(rc.calls >= 1 && rel != NULL, "no release recorded (%d listener calls)", rc.calls);
    if (!rel) return;
    double start = rel->wall_s - wall0, span = session_release_span(rel);
    printf("  release: at %.1f s (sigh at %.0f..%.0f s), \"%s\", span %.0f s\n", start, sigh_at,
           sigh_at + period, rel->detail, span);
    /* The sigh is known when its inhale peaks, 2.5 s into the cycle. */
    CHECK(start >= sigh_at && start <= sigh_at + period,
          "release starts at %.1f s, not in the sigh", start);
    CHECK(strstr(rel->detail, "sigh 2.") != NULL, "evidence: %s", rel->detail);
    /* It ends after SETTLE_S = 20 s without evidence, the breathing regular. */
    CHECK(span >= 20.0 && span <= 40.0, "span %.0f s (20..40)", span);

    /* Through the store and into the report. */
    char path[512], err[256];
    path_in(path, sizeof path, "release.db");
    session_store *s = session_store_open(path, SESSION_OPEN_WRITE, err, sizeof err);
    CHECK(s != NULL, "store: %s", err);
    if (!s) return;
    int64_t id = session_store_start(s, wall0, "room", NULL, NULL, err, sizeof err);
    const size_t n = 240;
    session_frame *fr = calloc(n, sizeof *fr);
    for (size_t i = 0; i < n; i++) {
        fr[i] = frame_at(wall0 + (double)i, 12.0f);
        session_store_add_frame(s, id, &fr[i], err, sizeof err);
    }
    CHECK(session_store_add_event(s, id, rel, err, sizeof err), "add event: %s", err);
    session_store_end(s, id, wall0 + (double)n, "stop", err, sizeof err);
    session_event *back = NULL;
    long nb = session_store_events(s, id, &back, err, sizeof err);
    const session_event *got = NULL;
    for (long i = 0; i < nb; i++)
        if (!strcmp(back[i].kind, SESSION_EV_RELEASE)) got = &back[i];
    CHECK(got && !strcmp(got->detail, rel->detail) && fabs(got->wall_s - rel->wall_s) < 1e-3,
          "release event read back from the store");
    session_info info = {
        .id = id, .started_s = wall0, .ended_s = wall0 + (double)n, .frames = (long)n};
    path_in(path, sizeof path, "release.html");
    FILE *o = fopen(path, "w");
    CHECK(o && session_report_write(o, &info, fr, n, back, (size_t)(nb > 0 ? nb : 0), err,
                                    sizeof err),
          "report: %s", err);
    if (o) fclose(o);
    o = fopen(path, "r");
    static char html[1 << 20];
    size_t len = o ? fread(html, 1, sizeof html - 1, o) : 0;
    if (o) fclose(o);
    html[len] = '\0';
    const char *band = strstr(html, "<rect class=\"release\" data-t0=\"");
    CHECK(band != NULL, "no release band in the report");
    if (band) {
        double t0 = strtod(band + strlen("<rect class=\"release\" data-t0=\""), NULL);
        const char *q = strstr(band, "data-t1=\"");
        double t1 = q ? strtod(q + 9, NULL) : NAN;
        CHECK(fabs(t0 - start / 60.0) < 0.01 && fabs(t1 - (start + span) / 60.0) < 0.01,
              "band %.3f..%.3f min, want %.3f..%.3f", t0, t1, start / 60.0, (start + span) / 60.0);
        CHECK(strstr(band, "<title>release ") != NULL, "the band names its evidence");
    }
    free(back);
    free(fr);
    session_store_close(s);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/lull_test_session_%d", (int)getpid());
    mkdir(g_dir, 0700);
    test_create_and_migrate();
    test_crash_retention_delete();
    test_recorder();
    test_recorder_unwritable();
    test_summary_and_report();
    test_release_record();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    return check_finish("test_session_store");
}
