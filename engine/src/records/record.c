#include "records/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "records/csv_record.h"
#include "records/edf_record.h"
#include "records/wfdb_record.h"

static int has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

static bool read_by_kind(const char *path, double csv_fs, bio_record **out, char *err,
                         size_t errlen)
{
    if (has_suffix(path, ".csv")) return csv_record_read(path, csv_fs, out, err, errlen);
    if (has_suffix(path, ".hea")) return wfdb_record_read(path, out, err, errlen);
    if (has_suffix(path, ".edf") || has_suffix(path, ".bdf") || has_suffix(path, ".rec") ||
        edf_file_looks_like_edf(path))
        return edf_record_read(path, out, err, errlen);
    /* A WFDB record is usually named without its extension ("data/100"). */
    char header[4096];
    int len = snprintf(header, sizeof header, "%s.hea", path);
    if (len > 0 && (size_t)len < sizeof header) {
        FILE *f = fopen(header, "r");
        if (f) {
            fclose(f);
            return wfdb_record_read(header, out, err, errlen);
        }
    }
    snprintf(err, errlen,
             "%s: unknown record format (expected a .csv file, a WFDB "
             "record with a .hea header, or an EDF/EDF+/BDF file)",
             path);
    return false;
}

bool bio_record_read(const char *path, double csv_fs, bio_record **out, char *err, size_t errlen)
{
    *out = NULL;
    bool ok = read_by_kind(path, csv_fs, out, err, errlen);
    if (ok && (*out)->warnings) {
        /* Each line already names the file and the signal. */
        const char *p = (*out)->warnings;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(stderr, "warning: %.*s\n", (int)n, p);
            p += n + (nl != NULL);
        }
    }
    return ok;
}

const bio_signal *bio_record_signal(const bio_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->nsig; i++)
        if (strcasecmp(rec->signals[i].name, name) == 0) return &rec->signals[i];
    return NULL;
}

void bio_record_free(bio_record *rec)
{
    if (!rec) return;
    for (size_t i = 0; i < rec->nsig; i++) free(rec->signals[i].samples);
    free(rec->signals);
    for (size_t i = 0; i < rec->nann; i++) free(rec->ann[i].text);
    free(rec->ann);
    free(rec->warnings);
    free(rec);
}

bool bio_record_warn(bio_record *rec, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = rec->warnings ? strlen(rec->warnings) : 0, add = strlen(line);
    char *w = realloc(rec->warnings, old + add + 2);
    if (!w) return false;
    memcpy(w + old, line, add);
    w[old + add] = '\n';
    w[old + add + 1] = '\0';
    rec->warnings = w;
    return true;
}

void bio_record_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
