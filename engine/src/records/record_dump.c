#include "records/record_dump.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void write_name(FILE *f, const char *name)
{
    if (!strpbrk(name, ",\"\r\n")) {
        fputs(name, f);
        return;
    }
    fputc('"', f);
    for (const char *p = name; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

bool bio_record_write_signals_csv(const bio_record *rec, FILE *f)
{
    fputs("time_s", f);
    for (size_t s = 0; s < rec->nsig; s++) {
        fputc(',', f);
        write_name(f, rec->signals[s].name);
    }
    fputc('\n', f);
    size_t *next = calloc(rec->nsig ? rec->nsig : 1, sizeof *next);
    if (!next) return false;
    double fs_max = 0;
    for (size_t s = 0; s < rec->nsig; s++) fs_max = fmax(fs_max, rec->signals[s].fs);
    /* Two sample times closer than a millionth of the fastest period are one row:
     * k / fs in double is exact to far better than that over any record length. */
    double tol = fs_max > 0 ? 1e-6 / fs_max : 0;
    /* Enough decimals to tell the fastest signal's samples apart. */
    int decimals = fs_max > 0 ? (int)ceil(log10(fs_max)) + 3 : 6;
    decimals = decimals < 3 ? 3 : decimals > 9 ? 9 : decimals;
    for (;;) {
        double t = INFINITY;
        for (size_t s = 0; s < rec->nsig; s++) {
            const bio_signal *g = &rec->signals[s];
            if (next[s] < g->n) t = fmin(t, (double)next[s] / g->fs);
        }
        if (!isfinite(t)) break;
        fprintf(f, "%.*f", decimals, t);
        for (size_t s = 0; s < rec->nsig; s++) {
            const bio_signal *g = &rec->signals[s];
            fputc(',', f);
            if (next[s] < g->n && (double)next[s] / g->fs <= t + tol) {
                float v = g->samples[next[s]++];
                if (isfinite(v)) fprintf(f, "%.9g", (double)v);
            }
        }
        fputc('\n', f);
    }
    free(next);
    return !ferror(f);
}
