#include "bio/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bio/csv_record.h"
#include "bio/wfdb_record.h"

static int has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

int bio_record_read(const char *path, double csv_fs, bio_record **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    if (has_suffix(path, ".csv"))
        return csv_record_read(path, csv_fs, out, err, errlen);
    if (has_suffix(path, ".hea"))
        return wfdb_record_read(path, out, err, errlen);
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
    snprintf(err, errlen, "%s: unknown record format (expected a .csv file or a WFDB "
                          "record with a .hea header)", path);
    return -1;
}

const bio_signal *bio_record_signal(const bio_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->nsig; i++)
        if (strcasecmp(rec->signals[i].name, name) == 0)
            return &rec->signals[i];
    return NULL;
}

void bio_record_free(bio_record *rec)
{
    if (!rec)
        return;
    for (size_t i = 0; i < rec->nsig; i++)
        free(rec->signals[i].samples);
    free(rec->signals);
    free(rec->ann);
    free(rec);
}

void bio_record_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
