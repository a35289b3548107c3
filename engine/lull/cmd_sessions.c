/* lull sessions list|show|export|delete|client [--db FILE] ...: the session
 * history in the session store (docs/sessions.md).
 *   list [--client ALIAS]          one line per session; with --client, that
 *                                  client's trend (first vs last breath rate, heart
 *                                  rate change, resonance and coherence time)
 *   show (--last | --session ID)   the session's summary and events
 *   export (--last | --session ID) --csv [-o FILE]
 *                                  the frames with wall-clock times (stdout by default)
 *   delete --session ID            removes the session, its frames and events
 *   client --session ID ALIAS      sets the client alias ("" clears it) */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "session/session_paths.h"
#include "session/session_report.h"
#include "session/session_store.h"
#include "session/session_summary.h"

/* One usage line per subcommand: `lull sessions VERB --help` prints its own. */
static const struct {
    const char *verb, *line;
} k_verbs[] = {
    {"list", "lull sessions list [--client ALIAS] [--db FILE]"},
    {"show", "lull sessions show (--last | --session ID) [--db FILE]"},
    {"export", "lull sessions export (--last | --session ID) --csv [-o FILE] [--db FILE]"},
    {"delete", "lull sessions delete --session ID [--db FILE]"},
    {"client", "lull sessions client --session ID (ALIAS | --clear) [--db FILE]"},
};
#define VERB_COUNT (sizeof k_verbs / sizeof k_verbs[0])

static int usage(const char *msg, const char *arg)
{
    if (msg) fprintf(stderr, "lull sessions: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    /* No message: asked for with --help, so to stdout. */
    FILE *to = msg ? stderr : stdout;
    for (size_t i = 0; i < VERB_COUNT; i++)
        fprintf(to, "%s%s\n", i ? "       " : "usage: ", k_verbs[i].line);
    return 2;
}

/* `lull sessions VERB --help`: that subcommand's usage on stdout (docs/sessions.md
 * and man lull say what each does). */
static int verb_help(size_t v)
{
    printf("usage: %s\n", k_verbs[v].line);
    return 0;
}

static bool is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

typedef struct args {
    const char *db, *client, *out, *alias;
    long long id;
    int last, csv;
} args;

static void fmt(char *out, size_t cap, double v, int dec)
{
    if (isfinite(v))
        snprintf(out, cap, "%.*f", dec, v);
    else
        snprintf(out, cap, "-");
}

static bool load(session_store *s, long long id, session_info *info, session_frame **f, long *nf,
                 session_event **e, long *ne, char *err, size_t errlen)
{
    if (!session_store_info(s, id, info, err, errlen)) return false;
    if (f && (*nf = session_store_frames(s, id, f, err, errlen)) < 0) return false;
    if (e && (*ne = session_store_events(s, id, e, err, errlen)) < 0) return false;
    return true;
}

static bool do_list(session_store *s, const args *a, char *err, size_t errlen)
{
    session_info *v;
    long n = session_store_list(s, a->client, &v, err, errlen);
    if (n < 0) return false;
    if (!a->client) {
        printf("%-5s %-19s %9s %-14s %-12s %7s %6s %5s %s\n", "id", "started", "minutes", "room",
               "client", "frames", "events", "marks", "ended");
        for (long i = 0; i < n; i++) {
            char t[32], m[16];
            session_format_time(v[i].started_s, NULL, t, sizeof t);
            fmt(m, sizeof m, (v[i].ended_s - v[i].started_s) / 60.0, 1);
            printf("%-5lld %-19s %9s %-14s %-12s %7ld %6ld %5ld %s%s\n", (long long)v[i].id, t, m,
                   v[i].room[0] ? v[i].room : "-", v[i].client[0] ? v[i].client : "-", v[i].frames,
                   v[i].events, v[i].marks, v[i].ended_how[0] ? v[i].ended_how : "open",
                   v[i].frames_purged ? " (frames deleted by retention)" : "");
        }
        free(v);
        return true;
    }
    /* A client's trend: one line per session, oldest first. */
    printf("client %s: %ld session%s\n", a->client, n, n == 1 ? "" : "s");
    printf("%-5s %-16s %7s %17s %15s %15s %10s %10s\n", "id", "date", "minutes",
           "breath first>last", "heart first>last", "RMSSD first>last", "resonance", "coherent");
    for (long i = 0; i < n; i++) {
        session_frame *f = NULL;
        long nf = session_store_frames(s, v[i].id, &f, err, errlen);
        if (nf < 0) {
            free(v);
            return false;
        }
        session_summary sm;
        session_summarize(f, (size_t)nf, v[i].started_s, v[i].ended_s, &sm);
        free(f);
        char t[32], m[16], b0[16], b1[16], h0[16], h1[16], r0[16], r1[16], col[3][40];
        session_format_time(v[i].started_s, "%Y-%m-%d %H:%M", t, sizeof t);
        fmt(m, sizeof m, sm.duration_s / 60.0, 1);
        fmt(b0, sizeof b0, sm.breath_first, 1), fmt(b1, sizeof b1, sm.breath_last, 1);
        fmt(h0, sizeof h0, sm.heart_first, 0), fmt(h1, sizeof h1, sm.heart_last, 0);
        fmt(r0, sizeof r0, sm.rmssd_first, 0), fmt(r1, sizeof r1, sm.rmssd_last, 0);
        snprintf(col[0], sizeof col[0], "%s > %s", b0, b1);
        snprintf(col[1], sizeof col[1], "%s > %s", h0, h1);
        snprintf(col[2], sizeof col[2], "%s > %s", r0, r1);
        printf("%-5lld %-16s %7s %17s %15s %15s %8.1f m %8.1f m%s\n", (long long)v[i].id, t, m,
               col[0], col[1], col[2], sm.resonance_s / 60.0, sm.coherent_s / 60.0,
               v[i].frames_purged ? "  (frames deleted)" : "");
    }
    free(v);
    return true;
}

static bool do_show(session_store *s, long long id, char *err, size_t errlen)
{
    session_info info;
    session_frame *f = NULL;
    session_event *e = NULL;
    long nf = 0, ne = 0;
    if (!load(s, id, &info, &f, &nf, &e, &ne, err, errlen)) {
        free(f);
        return false;
    }
    session_summary sm;
    session_summarize(f, (size_t)nf, info.started_s, info.ended_s, &sm);
    char t0[32], t1[32], a[16], b[16];
    session_format_time(info.started_s, NULL, t0, sizeof t0);
    session_format_time(info.started_s + sm.duration_s, NULL, t1, sizeof t1);
    printf("session %lld: %s .. %s (%.1f min), room %s, client %s, ended: %s\n", id, t0, t1,
           sm.duration_s / 60.0, info.room[0] ? info.room : "-", info.client[0] ? info.client : "-",
           info.ended_how[0] ? info.ended_how : "open");
    printf("frames %ld, events %ld, marks %ld%s\n", info.frames, info.events, info.marks,
           info.frames_purged ? " (frames deleted by retention)" : "");
    fmt(a, sizeof a, sm.breath_first, 1), fmt(b, sizeof b, sm.breath_last, 1);
    printf("breath rate  first %s, last %s /min (medians, window %.1f min)\n", a, b,
           sm.window_s / 60.0);
    fmt(a, sizeof a, sm.heart_first, 1), fmt(b, sizeof b, sm.heart_last, 1);
    printf("heart rate   first %s, last %s bpm\n", a, b);
    fmt(a, sizeof a, sm.rmssd_first, 0), fmt(b, sizeof b, sm.rmssd_last, 0);
    printf("RMSSD        first %s, last %s ms\n", a, b);
    printf("resonance breathing %.1f min, high coherence %.1f min\n", sm.resonance_s / 60.0,
           sm.coherent_s / 60.0);
    for (long k = 0; k < ne; k++) {
        char t[16];
        session_format_time(e[k].wall_s, "%H:%M:%S", t, sizeof t);
        printf("  %s  %6.1f min  %-13s %s\n", t, (e[k].wall_s - info.started_s) / 60.0, e[k].kind,
               e[k].detail);
    }
    free(f);
    free(e);
    return true;
}

/* CSV field: quoted when it holds a comma, quote or newline (RFC 4180). */
static void csv_text(FILE *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, o);
        return;
    }
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"') fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static void csv_num(FILE *o, double v, int dec)
{
    fputc(',', o);
    if (isfinite(v)) fprintf(o, "%.*f", dec, v);
}

static bool do_export(session_store *s, const args *a, long long id, char *err, size_t errlen)
{
    session_info info;
    session_frame *f = NULL;
    long nf = 0;
    if (!load(s, id, &info, &f, &nf, NULL, NULL, err, errlen)) return false;
    FILE *o = a->out ? fopen(a->out, "w") : stdout;
    if (!o) {
        snprintf(err, errlen, "%s: cannot write: %s", a->out, strerror(errno));
        free(f);
        return false;
    }
    fprintf(o, "time,unix_s,minutes,breath_rate,breath_depth,ie_ratio,breath_quality,breath_state,"
               "heart_rate,rmssd,rsa,coherence,heart_quality,heart_state,arousal,pacer_rate,"
               "pacer_mode,tempo,preset,volume_db\n");
    static const char *const states[] = {"none", "ok", "stale"};
    for (long i = 0; i < nf; i++) {
        const session_frame *x = &f[i];
        char t[40];
        /* ISO 8601 local time with its UTC offset: spreadsheets sort it, people read it. */
        session_format_time(x->wall_s, "%Y-%m-%dT%H:%M:%S%z", t, sizeof t);
        fprintf(o, "%s,%.3f,%.3f", t, x->wall_s, (x->wall_s - info.started_s) / 60.0);
        csv_num(o, x->breath_rate, 2), csv_num(o, x->breath_depth, 3), csv_num(o, x->ie_ratio, 3);
        csv_num(o, x->breath_quality, 3);
        fprintf(o, ",%s", states[x->breath_state < 3 ? x->breath_state : 0]);
        csv_num(o, x->heart_rate, 2), csv_num(o, x->rmssd, 1), csv_num(o, x->rsa, 1);
        csv_num(o, x->coherence, 3), csv_num(o, x->heart_quality, 3);
        fprintf(o, ",%s", states[x->heart_state < 3 ? x->heart_state : 0]);
        csv_num(o, x->arousal, 3), csv_num(o, x->pacer_rate, 2);
        fputc(',', o);
        csv_text(o, x->pacer_mode);
        csv_num(o, x->tempo_bpm, 2);
        fputc(',', o);
        csv_text(o, x->preset);
        csv_num(o, x->volume_db, 1);
        fputc('\n', o);
    }
    free(f);
    int bad = ferror(o);
    if (a->out && fclose(o) != 0) bad = 1;
    if (bad) {
        snprintf(err, errlen, "%s: write error", a->out ? a->out : "stdout");
        return false;
    }
    if (a->out) fprintf(stderr, "lull sessions: session %lld: %ld frames -> %s\n", id, nf, a->out);
    return true;
}

int cmd_sessions(int argc, char **argv)
{
    if (argc < 2) return usage("which one: list, show, export, delete or client?", NULL);
    const char *verb = argv[1];
    if (is_help(verb)) {
        usage(NULL, NULL);
        return 0;
    }
    size_t which = 0;
    while (which < VERB_COUNT && strcmp(verb, k_verbs[which].verb)) which++;
    if (which == VERB_COUNT)
        return usage("unknown subcommand (list, show, export, delete, client)", verb);
    for (int i = 2; i < argc; i++)
        if (is_help(argv[i])) return verb_help(which);
    args a = {0};
    for (int i = 2; i < argc; i++) {
        const char *x = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(x, "--db") && v) {
            a.db = v;
            i++;
        } else if (!strcmp(x, "--client") && v && !strcmp(verb, "list")) {
            a.client = v;
            i++;
        } else if (!strcmp(x, "--session") && v) {
            if (!session_parse_id(v, &a.id)) return usage("--session expects a session id, got", v);
            i++;
        } else if (!strcmp(x, "--last") && strcmp(verb, "delete") && strcmp(verb, "client")) {
            a.last = 1;
        } else if (!strcmp(x, "--csv") && !strcmp(verb, "export")) {
            a.csv = 1;
        } else if ((!strcmp(x, "-o") || !strcmp(x, "--output")) && v && !strcmp(verb, "export")) {
            a.out = v;
            i++;
        } else if (!strcmp(verb, "client") && x[0] != '-' && !a.alias) {
            a.alias = x;
        } else if (!strcmp(verb, "client") && !strcmp(x, "--clear")) {
            a.alias = "";
        } else {
            return usage(v || x[0] != '-' ? "unknown argument" : "missing value for", x);
        }
    }
    bool needs_id = strcmp(verb, "list") != 0;
    if (needs_id && a.last == (a.id > 0))
        return usage(!strcmp(verb, "delete") || !strcmp(verb, "client")
                         ? "give --session ID"
                         : "give one of --last or --session ID",
                     NULL);
    if (!strcmp(verb, "export") && !a.csv) return usage("export writes CSV: add --csv", NULL);
    if (!strcmp(verb, "client") && !a.alias)
        return usage("client needs an ALIAS (or --clear)", NULL);

    char path[1024], err[1024];
    if (a.db)
        snprintf(path, sizeof path, "%s", a.db);
    else
        session_find_db_path(path, sizeof path);
    bool edit = !strcmp(verb, "delete") || !strcmp(verb, "client");
    session_store *s =
        session_store_open(path, edit ? SESSION_OPEN_EDIT : SESSION_OPEN_READ, err, sizeof err);
    if (!s) {
        fprintf(stderr, "lull sessions: %s\n", err);
        return 1;
    }
    bool ok = true;
    long long id = a.id;
    if (a.last && (id = session_store_last(s, err, sizeof err)) < 0) ok = false;
    if (ok) {
        if (!strcmp(verb, "list"))
            ok = do_list(s, &a, err, sizeof err);
        else if (!strcmp(verb, "show"))
            ok = do_show(s, id, err, sizeof err);
        else if (!strcmp(verb, "export"))
            ok = do_export(s, &a, id, err, sizeof err);
        else if (!strcmp(verb, "delete")) {
            ok = session_store_delete(s, id, err, sizeof err);
            if (ok) printf("deleted session %lld (frames, events and the session row)\n", id);
        } else {
            ok = session_store_set_client(s, id, a.alias, err, sizeof err);
            if (ok) printf("session %lld: client %s\n", id, a.alias[0] ? a.alias : "(none)");
        }
    }
    session_store_close(s);
    if (!ok) {
        fprintf(stderr, "lull sessions: %s\n", err);
        return 1;
    }
    return 0;
}
