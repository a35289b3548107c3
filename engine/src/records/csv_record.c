#include "records/csv_record.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CSV_MAX_COLUMNS = 64 };

/* Cuts line at commas; trims blanks and surrounding double quotes of each field. */
static int split_fields(char *line, char **field, int max_fields)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        while (isspace((unsigned char)*p)) p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1])) *--end = '\0';
        if (end - p >= 2 && *p == '"' && end[-1] == '"') {
            end[-1] = '\0';
            p++;
        }
        if (n == max_fields) return -1;
        field[n++] = p;
        if (!comma) return n;
        p = comma + 1;
    }
}

/* False when the cell is neither a number in float range nor empty/"nan". */
static bool parse_cell(const char *s, float *v)
{
    if (*s == '\0' || strcasecmp(s, "nan") == 0) {
        *v = NAN;
        return true;
    }
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(d) || fabs(d) > FLT_MAX)
        return false; /* (beyond float range it would become Inf silently) */
    *v = (float)d;
    return true;
}

bool csv_record_read(const char *path, double fs, bio_record **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        bio_record_error(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t line_cap = 0;
    char *field[CSV_MAX_COLUMNS];
    bio_record *rec = calloc(1, sizeof *rec);
    double *times = NULL;
    int *time_lines = NULL; /* line number of each row, for error messages */
    size_t n = 0, cap = 0;
    int ncol = 0, time_col = -1, lineno = 0;
    bool ok = false;
    if (!rec) {
        bio_record_error(err, errlen, "%s: out of memory", path);
        goto done;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(rec->name, sizeof rec->name, "%.*s", (int)strcspn(base, "."), base);

    while (getline(&line, &line_cap, f) >= 0) {
        lineno++;
        /* Spreadsheets save CSV with CRLF line ends and often a UTF-8 byte order
         * mark before the header; both read like plain CSV. */
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
            (unsigned char)line[2] == 0xBF)
            memmove(line, line + 3, strlen(line + 3) + 1);
        const char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0') continue;
        int nf = split_fields(line, field, CSV_MAX_COLUMNS);
        if (nf < 0) {
            bio_record_error(err, errlen, "%s:%d: more than %d columns", path, lineno,
                             CSV_MAX_COLUMNS);
            goto done;
        }
        if (ncol == 0) { /* header row */
            ncol = nf;
            for (int c = 0; c < nf; c++) {
                if (field[c][0] == '\0') {
                    bio_record_error(err, errlen, "%s:%d: column %d has no name", path, lineno,
                                     c + 1);
                    goto done;
                }
                if (strcasecmp(field[c], "time_s") == 0) time_col = c;
            }
            rec->nsig = (size_t)(ncol - (time_col >= 0));
            if (rec->nsig == 0) {
                bio_record_error(err, errlen, "%s:%d: no signal columns", path, lineno);
                goto done;
            }
            rec->signals = calloc(rec->nsig, sizeof *rec->signals);
            if (!rec->signals) {
                rec->nsig = 0;
                bio_record_error(err, errlen, "%s: out of memory", path);
                goto done;
            }
            for (int c = 0, s = 0; c < nf; c++) {
                if (c == time_col) continue;
                snprintf(rec->signals[s].name, sizeof rec->signals[s].name, "%s", field[c]);
                s++;
            }
            continue;
        }
        if (nf != ncol) {
            bio_record_error(err, errlen, "%s:%d: %d fields, the header has %d", path, lineno, nf,
                             ncol);
            goto done;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            for (size_t s = 0; s < rec->nsig; s++) {
                float *ns = realloc(rec->signals[s].samples, ncap * sizeof(float));
                if (!ns) goto oom;
                rec->signals[s].samples = ns;
            }
            if (time_col >= 0) {
                double *nt = realloc(times, ncap * sizeof(double));
                if (!nt) goto oom;
                times = nt;
                int *nl = realloc(time_lines, ncap * sizeof(int));
                if (!nl) goto oom;
                time_lines = nl;
            }
            cap = ncap;
        }
        for (int c = 0, s = 0; c < nf; c++) {
            float v;
            if (!parse_cell(field[c], &v)) {
                bio_record_error(err, errlen, "%s:%d: column %d: '%s' is not a number", path,
                                 lineno, c + 1, field[c]);
                goto done;
            }
            if (c == time_col) {
                if (isnan(v)) {
                    bio_record_error(err, errlen, "%s:%d: time_s is empty", path, lineno);
                    goto done;
                }
                times[n] = strtod(field[c], NULL);
                time_lines[n] = lineno;
            } else {
                rec->signals[s++].samples[n] = v;
            }
        }
        n++;
    }
    if (ncol == 0) {
        bio_record_error(err, errlen, "%s:%d: no header row", path, lineno);
        goto done;
    }
    if (time_col >= 0) {
        if (n < 2 || !(times[n - 1] > times[0])) {
            bio_record_error(err, errlen, "%s: time_s needs at least two increasing times", path);
            goto done;
        }
        double dt = (times[n - 1] - times[0]) / (double)(n - 1);
        if (!(isfinite(dt) && dt > 0 && isfinite(1.0 / dt) && 1.0 / dt <= 100000.0)) {
            bio_record_error(err, errlen,
                             "%s: time_s steps of %g s are not a usable sampling "
                             "grid (at most 100 kHz)",
                             path, dt);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            if (fabs(times[i] - (times[0] + (double)i * dt)) > 0.5 * dt) {
                bio_record_error(err, errlen, "%s:%d: time_s %.6f is off the uniform %.6g Hz grid",
                                 path, time_lines[i], times[i], 1.0 / dt);
                goto done;
            }
        }
        fs = 1.0 / dt;
    } else if (!(fs > 0)) {
        bio_record_error(err, errlen, "%s: no time_s column: the sampling rate must be given",
                         path);
        goto done;
    }
    for (size_t s = 0; s < rec->nsig; s++) {
        rec->signals[s].fs = fs;
        rec->signals[s].n = n;
        if (!rec->signals[s].samples && !(rec->signals[s].samples = malloc(sizeof(float))))
            goto oom;
    }
    ok = true;
    goto done;
oom:
    bio_record_error(err, errlen, "%s: out of memory", path);
done:
    free(line);
    free(times);
    free(time_lines);
    fclose(f);
    if (ok)
        *out = rec;
    else
        bio_record_free(rec);
    return ok;
}
