#include "session/session_store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct session_store {
    sqlite3 *db;
    char path[1024];
    int last_rc; /* extended result code of the last failure */
    sqlite3_stmt *ins_frame, *ins_event;
};

/* Schema migrations: entry i takes a file from user_version i to i + 1. Append
 * only; never edit a shipped step (files in the field were made by it). */
static const char *const k_migrations[SESSION_SCHEMA_VERSION] = {
    /* 0 -> 1: sessions, frames, events. Times are Unix seconds (UTC). */
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  started REAL NOT NULL,"
    "  ended REAL,"
    "  room TEXT, client TEXT, source TEXT, ended_how TEXT);"
    "CREATE TABLE frames ("
    "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  t REAL NOT NULL,"
    "  breath_rate REAL, breath_depth REAL, ie_ratio REAL, breath_quality REAL,"
    "  breath_state INTEGER, heart_rate REAL, rmssd REAL, rsa REAL, coherence REAL,"
    "  heart_quality REAL, heart_state INTEGER, arousal REAL, pacer_rate REAL,"
    "  pacer_mode TEXT, tempo REAL, preset TEXT, volume REAL);"
    "CREATE INDEX frames_by_session ON frames(session_id, t);"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  t REAL NOT NULL, kind TEXT NOT NULL, detail TEXT);"
    "CREATE INDEX events_by_session ON events(session_id, t);",
    /* 1 -> 2: retention marks the sessions whose frames it deleted. */
    "ALTER TABLE sessions ADD COLUMN frames_purged INTEGER NOT NULL DEFAULT 0;",
};

static bool fail(session_store *s, char *err, size_t errlen, const char *what)
{
    s->last_rc = sqlite3_extended_errcode(s->db);
    snprintf(err, errlen, "session store %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return false;
}

/* fail() for the functions whose result is a count or an id: -1. */
static long fail_count(session_store *s, char *err, size_t errlen, const char *what)
{
    fail(s, err, errlen, what);
    return -1;
}

static bool exec(session_store *s, const char *sql, char *err, size_t errlen, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        s->last_rc = sqlite3_extended_errcode(s->db);
        snprintf(err, errlen, "session store %s: %s: %s", s->path, what, msg ? msg : "error");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

/* mkdir -p for the folder of path, each new folder 0700. */
static bool make_parent(const char *path, char *err, size_t errlen)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return true;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "session store %s: cannot create the folder %s: %s", path, dir,
                     strerror(errno));
            return false;
        }
        *p = c;
        if (c == '\0') break;
    }
    return true;
}

static bool migrate(session_store *s, char *err, size_t errlen)
{
    int v = session_store_version(s);
    if (v > SESSION_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "session store %s: schema version %d is newer than this lull "
                 "understands (%d); use a newer lull",
                 s->path, v, SESSION_SCHEMA_VERSION);
        return false;
    }
    for (; v < SESSION_SCHEMA_VERSION; v++) {
        char sql[64], what[64];
        snprintf(what, sizeof what, "migrating schema %d -> %d", v, v + 1);
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", v + 1);
        if (!exec(s, "BEGIN IMMEDIATE;", err, errlen, what)) return false;
        if (!exec(s, k_migrations[v], err, errlen, what) || !exec(s, sql, err, errlen, what) ||
            !exec(s, "COMMIT;", err, errlen, what)) {
            sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
            return false;
        }
    }
    return true;
}

/* Sessions a crash left open end at their last frame (or their start). */
static bool close_crashed(session_store *s, char *err, size_t errlen)
{
    return exec(s,
                "UPDATE sessions SET ended_how = 'crash', ended = COALESCE("
                " (SELECT MAX(t) FROM frames WHERE frames.session_id = sessions.id),"
                " (SELECT MAX(t) FROM events WHERE events.session_id = sessions.id), started)"
                " WHERE ended IS NULL;",
                err, errlen, "closing sessions left open by a crash");
}

session_store *session_store_open(const char *path, enum session_open_mode mode, char *err,
                                  size_t errlen)
{
    session_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    int flags;
    if (mode == SESSION_OPEN_WRITE) {
        if (!make_parent(path, err, errlen)) goto fail_free;
        /* Create the file ourselves so that it is 0600 from its first byte,
         * whatever the umask (sqlite would use 0644). */
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "session store %s: cannot create or open: %s", path,
                     strerror(errno));
            goto fail_free;
        }
        close(fd);
        flags = SQLITE_OPEN_READWRITE;
    } else {
        if (access(path, F_OK) != 0) {
            snprintf(err, errlen,
                     "session store %s: no such file (lulld --session-db, or "
                     "--db FILE)",
                     path);
            goto fail_free;
        }
        flags = mode == SESSION_OPEN_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    }
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "session store %s: cannot open: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail_close;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* A reader (lull report) may meet the writer mid-commit: wait, don't fail. */
    sqlite3_busy_timeout(s->db, 2000);
    if (!exec(s, "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;", err, errlen, "setting up"))
        goto fail_close;
    if (mode != SESSION_OPEN_READ) {
        if (!exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", err, errlen,
                  "switching to WAL"))
            goto fail_close;
        if (mode == SESSION_OPEN_WRITE && !migrate(s, err, errlen)) goto fail_close;
        /* WAL and shared-memory files inherit nothing from the database file. */
        char side[1100];
        snprintf(side, sizeof side, "%s-wal", path);
        chmod(side, 0600);
        snprintf(side, sizeof side, "%s-shm", path);
        chmod(side, 0600);
    }
    if (session_store_version(s) != SESSION_SCHEMA_VERSION) {
        snprintf(err, errlen, "session store %s: schema version %d, this lull reads %d%s", path,
                 session_store_version(s), SESSION_SCHEMA_VERSION,
                 session_store_version(s) < SESSION_SCHEMA_VERSION
                     ? " (lulld upgrades it when it next opens the file)"
                     : "");
        goto fail_close;
    }
    if (mode == SESSION_OPEN_WRITE && !close_crashed(s, err, errlen)) goto fail_close;
    if (mode != SESSION_OPEN_READ &&
        (sqlite3_prepare_v2(s->db,
                            "INSERT INTO frames VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                            &s->ins_frame, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db,
                            "INSERT INTO events(session_id, t, kind, detail) VALUES (?,?,?,?)", -1,
                            &s->ins_event, NULL) != SQLITE_OK)) {
        fail(s, err, errlen, "preparing statements");
        goto fail_close;
    }
    return s;
fail_close:
    session_store_close(s);
    return NULL;
fail_free:
    free(s);
    return NULL;
}

void session_store_close(session_store *s)
{
    if (!s) return;
    sqlite3_finalize(s->ins_frame);
    sqlite3_finalize(s->ins_event);
    sqlite3_close(s->db);
    free(s);
}

int session_store_version(session_store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version;", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

bool session_store_begin(session_store *s, char *err, size_t errlen)
{
    return exec(s, "BEGIN IMMEDIATE;", err, errlen, "beginning a transaction");
}

bool session_store_commit(session_store *s, char *err, size_t errlen)
{
    return exec(s, "COMMIT;", err, errlen, "committing");
}

void session_store_rollback(session_store *s)
{
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v && v[0])
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Runs a prepared statement that returns no rows; resets it. */
static bool step_done(session_store *s, sqlite3_stmt *st, char *err, size_t errlen,
                      const char *what)
{
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_DONE || fail(s, err, errlen, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ok;
}

int64_t session_store_start(session_store *s, double wall_s, const char *room, const char *client,
                            const char *source, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO sessions(started, room, client, source) VALUES (?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_count(s, err, errlen, "starting a session");
    sqlite3_bind_double(st, 1, wall_s);
    bind_text_or_null(st, 2, room);
    bind_text_or_null(st, 3, client);
    bind_text_or_null(st, 4, source);
    bool ok = step_done(s, st, err, errlen, "starting a session");
    sqlite3_finalize(st);
    return ok ? sqlite3_last_insert_rowid(s->db) : -1;
}

bool session_store_end(session_store *s, int64_t id, double wall_s, const char *how, char *err,
                       size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE sessions SET ended = ?, ended_how = ? WHERE id = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "ending a session");
    sqlite3_bind_double(st, 1, wall_s);
    bind_text_or_null(st, 2, how);
    sqlite3_bind_int64(st, 3, id);
    bool ok = step_done(s, st, err, errlen, "ending a session");
    sqlite3_finalize(st);
    return ok;
}

bool session_store_add_frame(session_store *s, int64_t id, const session_frame *f, char *err,
                             size_t errlen)
{
    sqlite3_stmt *st = s->ins_frame;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_double(st, 2, f->wall_s);
    const float v1[] = {f->breath_rate, f->breath_depth, f->ie_ratio, f->breath_quality};
    for (int i = 0; i < 4; i++) bind_real_or_null(st, 3 + i, v1[i]);
    sqlite3_bind_int(st, 7, f->breath_state);
    const float v2[] = {f->heart_rate, f->rmssd, f->rsa, f->coherence, f->heart_quality};
    for (int i = 0; i < 5; i++) bind_real_or_null(st, 8 + i, v2[i]);
    sqlite3_bind_int(st, 13, f->heart_state);
    bind_real_or_null(st, 14, f->arousal);
    bind_real_or_null(st, 15, f->pacer_rate);
    bind_text_or_null(st, 16, f->pacer_mode);
    bind_real_or_null(st, 17, f->tempo_bpm);
    bind_text_or_null(st, 18, f->preset);
    bind_real_or_null(st, 19, f->volume_db);
    return step_done(s, st, err, errlen, "writing a frame");
}

bool session_store_add_event(session_store *s, int64_t id, const session_event *e, char *err,
                             size_t errlen)
{
    sqlite3_stmt *st = s->ins_event;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_double(st, 2, e->wall_s);
    sqlite3_bind_text(st, 3, e->kind, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 4, e->detail);
    return step_done(s, st, err, errlen, "writing an event");
}

long session_store_apply_retention(session_store *s, double days, double now_s, char *err,
                                   size_t errlen)
{
    if (!(days > 0)) return 0;
    sqlite3_stmt *st;
    double cutoff = now_s - days * 86400.0;
    long deleted = 0;
    if (!session_store_begin(s, err, errlen)) return -1;
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM frames WHERE session_id IN "
                           "(SELECT id FROM sessions WHERE started < ?1 AND ended IS NOT NULL)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_double(st, 1, cutoff);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        goto fail;
    }
    sqlite3_finalize(st);
    deleted = sqlite3_changes(s->db);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE sessions SET frames_purged = 1 WHERE started < ?1 AND "
                           "ended IS NOT NULL AND frames_purged = 0",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_double(st, 1, cutoff);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) goto fail;
    if (!session_store_commit(s, err, errlen)) {
        session_store_rollback(s);
        return -1;
    }
    return deleted;
fail:
    fail(s, err, errlen, "applying the retention");
    session_store_rollback(s);
    return -1;
}

/* ---- reading ------------------------------------------------------------------ */

static double col_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

#define INFO_SELECT                                                                                \
    "SELECT id, started, ended, room, client, source, ended_how, frames_purged,"                   \
    " (SELECT COUNT(*) FROM frames WHERE session_id = sessions.id),"                               \
    " (SELECT COUNT(*) FROM events WHERE session_id = sessions.id),"                               \
    " (SELECT COUNT(*) FROM events WHERE session_id = sessions.id AND kind = 'mark')"              \
    " FROM sessions "

static void read_info(sqlite3_stmt *st, session_info *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(st, 0);
    o->started_s = col_real(st, 1);
    o->ended_s = col_real(st, 2);
    col_text(st, 3, o->room, sizeof o->room);
    col_text(st, 4, o->client, sizeof o->client);
    col_text(st, 5, o->source, sizeof o->source);
    col_text(st, 6, o->ended_how, sizeof o->ended_how);
    o->frames_purged = sqlite3_column_int(st, 7) != 0;
    o->frames = (long)sqlite3_column_int64(st, 8);
    o->events = (long)sqlite3_column_int64(st, 9);
    o->marks = (long)sqlite3_column_int64(st, 10);
}

long session_store_list(session_store *s, const char *client, session_info **out, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           client ? INFO_SELECT "WHERE client = ? ORDER BY started, id"
                                  : INFO_SELECT "ORDER BY started, id",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_count(s, err, errlen, "listing sessions");
    if (client) sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
    long n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            session_info *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) break;
            *out = p;
        }
        read_info(st, &(*out)[n++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        return fail_count(s, err, errlen, "listing sessions");
    }
    return n;
}

bool session_store_info(session_store *s, int64_t id, session_info *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, INFO_SELECT "WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "reading a session");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_info(st, out);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no session %lld in %s (lull sessions list --db %s)", (long long)id,
                 s->path, s->path);
        return false;
    }
    return fail(s, err, errlen, "reading a session");
}

int64_t session_store_last(session_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM sessions ORDER BY started DESC, id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_count(s, err, errlen, "finding the last session");
    int64_t id = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        snprintf(err, errlen, "no session recorded in %s yet", s->path);
    else if (rc != SQLITE_ROW)
        return fail_count(s, err, errlen, "finding the last session");
    return id;
}

long session_store_frames(session_store *s, int64_t id, session_frame **out, char *err,
                          size_t errlen)
{
    sqlite3_stmt *st;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT t, breath_rate, breath_depth, ie_ratio, breath_quality,"
                           " breath_state, heart_rate, rmssd, rsa, coherence, heart_quality,"
                           " heart_state, arousal, pacer_rate, pacer_mode, tempo, preset, volume"
                           " FROM frames WHERE session_id = ? ORDER BY t",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_count(s, err, errlen, "reading frames");
    sqlite3_bind_int64(st, 1, id);
    long n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            session_frame *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) break;
            *out = p;
        }
        session_frame *f = &(*out)[n++];
        memset(f, 0, sizeof *f);
        f->wall_s = col_real(st, 0);
        f->breath_rate = (float)col_real(st, 1);
        f->breath_depth = (float)col_real(st, 2);
        f->ie_ratio = (float)col_real(st, 3);
        f->breath_quality = (float)col_real(st, 4);
        f->breath_state = (uint8_t)sqlite3_column_int(st, 5);
        f->heart_rate = (float)col_real(st, 6);
        f->rmssd = (float)col_real(st, 7);
        f->rsa = (float)col_real(st, 8);
        f->coherence = (float)col_real(st, 9);
        f->heart_quality = (float)col_real(st, 10);
        f->heart_state = (uint8_t)sqlite3_column_int(st, 11);
        f->arousal = (float)col_real(st, 12);
        f->pacer_rate = (float)col_real(st, 13);
        col_text(st, 14, f->pacer_mode, sizeof f->pacer_mode);
        f->tempo_bpm = (float)col_real(st, 15);
        col_text(st, 16, f->preset, sizeof f->preset);
        f->volume_db = (float)col_real(st, 17);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        return fail_count(s, err, errlen, "reading frames");
    }
    return n;
}

long session_store_events(session_store *s, int64_t id, session_event **out, char *err,
                          size_t errlen)
{
    sqlite3_stmt *st;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT t, kind, detail FROM events WHERE session_id = ? ORDER BY t, id",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_count(s, err, errlen, "reading events");
    sqlite3_bind_int64(st, 1, id);
    long n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            session_event *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) break;
            *out = p;
        }
        session_event *e = &(*out)[n++];
        e->wall_s = col_real(st, 0);
        col_text(st, 1, e->kind, sizeof e->kind);
        col_text(st, 2, e->detail, sizeof e->detail);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        return fail_count(s, err, errlen, "reading events");
    }
    return n;
}

bool session_store_delete(session_store *s, int64_t id, char *err, size_t errlen)
{
    session_info info;
    if (!session_store_info(s, id, &info, err, errlen)) return false;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM sessions WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "deleting a session");
    sqlite3_bind_int64(st, 1, id);
    bool ok = step_done(s, st, err, errlen, "deleting a session");
    sqlite3_finalize(st);
    if (!ok) return false;
    /* secure_delete zeroes the pages in the main file only once the WAL is
     * checkpointed; TRUNCATE also empties the WAL, which still held copies. A
     * busy checkpoint (lulld writing) completes at lulld's next checkpoint. */
    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    return true;
}

bool session_store_set_client(session_store *s, int64_t id, const char *alias, char *err,
                              size_t errlen)
{
    session_info info;
    if (!session_store_info(s, id, &info, err, errlen)) return false;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE sessions SET client = ? WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(s, err, errlen, "setting the client alias");
    bind_text_or_null(st, 1, alias);
    sqlite3_bind_int64(st, 2, id);
    bool ok = step_done(s, st, err, errlen, "setting the client alias");
    sqlite3_finalize(st);
    return ok;
}

bool session_store_error_is_storage(session_store *s)
{
    int primary = s->last_rc & 0xff;
    return primary == SQLITE_FULL || primary == SQLITE_READONLY || primary == SQLITE_IOERR ||
           primary == SQLITE_CANTOPEN || primary == SQLITE_PERM;
}
