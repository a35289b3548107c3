/* lull report [--db FILE] (--last | --session ID) -o REPORT.html: one session
 * from the session store as a self-contained HTML page (session/session_report.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "session/session_paths.h"
#include "session/session_report.h"
#include "session/session_store.h"

static int usage(const char *msg, const char *arg)
{
    if (msg) fprintf(stderr, "lull report: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    /* No message: asked for with --help, so to stdout. */
    fprintf(msg ? stderr : stdout,
            "usage: lull report [--db FILE] (--last | --session ID) -o REPORT.html\n"
            "  --db FILE   the session store (default: lulld's, see docs/sessions.md)\n");
    return 2;
}

/* A session id: a positive integer. */
bool session_parse_id(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0) return false;
    *out = v;
    return true;
}

int cmd_report(int argc, char **argv)
{
    const char *db = NULL, *out_path = NULL;
    long long id = 0;
    int last = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--db") && v) {
            db = v;
            i++;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            out_path = v;
            i++;
        } else if (!strcmp(a, "--session") && v) {
            if (!session_parse_id(v, &id))
                return usage("--session expects a session id (1, 2, ...), got", v);
            i++;
        } else if (!strcmp(a, "--last")) {
            last = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(NULL, NULL);
            return 0;
        } else {
            return usage(v || a[0] != '-' ? "unknown argument" : "missing value for", a);
        }
    }
    if (last == (id > 0)) return usage("give one of --last or --session ID", NULL);
    if (!out_path) return usage("-o REPORT.html is required", NULL);
    char path[1024], err[1024];
    if (db)
        snprintf(path, sizeof path, "%s", db);
    else
        session_find_db_path(path, sizeof path);

    session_store *s = session_store_open(path, SESSION_OPEN_READ, err, sizeof err);
    if (!s) {
        fprintf(stderr, "lull report: %s\n", err);
        return 1;
    }
    int rc = 1;
    session_info info;
    session_frame *frames = NULL;
    session_event *events = NULL;
    long nf = -1, ne = -1;
    if (last && (id = session_store_last(s, err, sizeof err)) < 0) goto done;
    if (!session_store_info(s, id, &info, err, sizeof err)) goto done;
    if ((nf = session_store_frames(s, id, &frames, err, sizeof err)) < 0) goto done;
    if ((ne = session_store_events(s, id, &events, err, sizeof err)) < 0) goto done;
    FILE *o = fopen(out_path, "w");
    if (!o) {
        snprintf(err, sizeof err, "%s: cannot write: %s", out_path, strerror(errno));
        goto done;
    }
    bool wrote =
        session_report_write(o, &info, frames, (size_t)nf, events, (size_t)ne, err, sizeof err);
    if (fclose(o) != 0 && wrote) {
        snprintf(err, sizeof err, "%s: write error: %s", out_path, strerror(errno));
        wrote = false;
    }
    if (!wrote) {
        fprintf(stderr, "lull report: %s: ", out_path); /* err follows below */
        goto done;
    }
    fprintf(stderr, "lull report: session %lld (%ld frames, %ld events) -> %s\n", id, nf, ne,
            out_path);
    rc = 0;
done:
    if (rc) fprintf(stderr, "lull report: %s\n", err);
    free(frames);
    free(events);
    session_store_close(s);
    return rc;
}
