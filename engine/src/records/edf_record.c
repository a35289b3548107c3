#include "records/edf_record.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <edflib.h>

/* Byte layout of the fixed header (Kemp 1992, table 1): 256 bytes, then 256 per
 * signal, each field an ASCII array of all signals' values in turn. */
enum {
    H_VERSION = 0,
    H_HEADER_BYTES = 184,
    H_RESERVED = 192,
    H_NRECORDS = 236,
    H_DURATION = 244,
    H_NSIGNALS = 252,
    H_FIXED = 256,
};

/* Copies an ASCII header field (space padded) without its padding. */
static void field_text(const unsigned char *h, size_t at, size_t width, char *out, size_t cap)
{
    size_t b = 0, e = width;
    while (b < e && h[at + b] == ' ') b++;
    while (e > b && (h[at + e - 1] == ' ' || h[at + e - 1] == '\0')) e--;
    size_t n = e - b < cap - 1 ? e - b : cap - 1;
    memcpy(out, h + at + b, n);
    out[n] = '\0';
}

static int field_long(const unsigned char *h, size_t at, size_t width, long *v)
{
    char t[32], *end;
    field_text(h, at, width, t, sizeof t);
    errno = 0;
    *v = strtol(t, &end, 10);
    return t[0] && !errno && *end == '\0' ? 0 : -1;
}

static int field_double(const unsigned char *h, size_t at, size_t width, double *v)
{
    char t[32], *end;
    field_text(h, at, width, t, sizeof t);
    *v = strtod(t, &end);
    return t[0] && *end == '\0' && isfinite(*v) ? 0 : -1;
}

bool edf_file_looks_like_edf(const char *path)
{
    unsigned char v[8];
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    size_t got = fread(v, 1, sizeof v, f);
    fclose(f);
    return got == 8 && (memcmp(v, "0       ", 8) == 0 || memcmp(v,
                                                                "\xff"
                                                                "BIOSEMI",
                                                                8) == 0);
}

/* Checks the fixed header against the file's size; names the field that is
 * wrong. EDFlib checks the same and more, but answers only "format error". */
static bool check_header(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        bio_record_error(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    unsigned char *h = NULL;
    bool ok = false;
    unsigned char fixed[H_FIXED];
    if (fstat(fileno(f), &st) != 0 || fread(fixed, 1, H_FIXED, f) != H_FIXED) {
        bio_record_error(err, errlen, "%s: truncated: an EDF header has at least %d bytes", path,
                         H_FIXED);
        goto out;
    }
    int bdf = memcmp(fixed,
                     "\xff"
                     "BIOSEMI",
                     8) == 0;
    if (!bdf && memcmp(fixed, "0       ", 8) != 0) {
        bio_record_error(err, errlen,
                         "%s: version field (bytes 0-7) is neither EDF's \"0\" "
                         "nor BDF's \"\\xffBIOSEMI\"",
                         path);
        goto out;
    }
    long ns, header_bytes, nrec;
    double duration;
    if (field_long(fixed, H_NSIGNALS, 4, &ns) != 0 || ns < 1 || ns > EDFLIB_MAXSIGNALS) {
        bio_record_error(err, errlen,
                         "%s: field 'number of signals' (bytes 252-255) must be "
                         "1..%d",
                         path, EDFLIB_MAXSIGNALS);
        goto out;
    }
    if (field_long(fixed, H_HEADER_BYTES, 8, &header_bytes) != 0 ||
        header_bytes != H_FIXED * (ns + 1)) {
        bio_record_error(err, errlen,
                         "%s: field 'number of bytes in header' (bytes 184-191) "
                         "must be 256 x (1 + %ld signals) = %ld",
                         path, ns, H_FIXED * (ns + 1));
        goto out;
    }
    if (field_long(fixed, H_NRECORDS, 8, &nrec) != 0 || nrec < -1) {
        bio_record_error(err, errlen,
                         "%s: field 'number of data records' (bytes 236-243) is "
                         "not a count",
                         path);
        goto out;
    }
    if (nrec == -1) {
        bio_record_error(err, errlen,
                         "%s: field 'number of data records' is -1: the "
                         "recording was not closed (finish or repair the file first)",
                         path);
        goto out;
    }
    if (field_double(fixed, H_DURATION, 8, &duration) != 0 || duration < 0) {
        bio_record_error(err, errlen,
                         "%s: field 'duration of a data record' (bytes 244-251) "
                         "is not a duration in seconds",
                         path);
        goto out;
    }
    if ((long long)st.st_size < header_bytes) {
        bio_record_error(err, errlen,
                         "%s: truncated: the header announces %ld bytes of "
                         "header, the file has %lld bytes",
                         path, header_bytes, (long long)st.st_size);
        goto out;
    }
    size_t sig_bytes = (size_t)H_FIXED * (size_t)ns;
    h = malloc(sig_bytes);
    if (!h || fread(h, 1, sig_bytes, f) != sig_bytes) {
        bio_record_error(err, errlen, "%s: cannot read the signal headers", path);
        goto out;
    }
    /* Field offsets within the signal block (each field of every signal in turn). */
    const size_t label = 0, phys_min = 104, phys_max = 112, dig_min = 120, dig_max = 128, spr = 216;
    long long record_bytes = 0;
    int nbytes = bdf ? 3 : 2;
    for (long s = 0; s < ns; s++) {
        char name[17];
        field_text(h, label * (size_t)ns + 16 * (size_t)s, 16, name, sizeof name);
        long n, dmin, dmax;
        double pmin, pmax;
        if (field_long(h, spr * (size_t)ns + 8 * (size_t)s, 8, &n) != 0 || n < 1 || n > 100000000) {
            bio_record_error(err, errlen,
                             "%s: signal %ld (%s): field 'number of samples in "
                             "each data record' must be a positive count",
                             path, s + 1, name);
            goto out;
        }
        record_bytes += (long long)n * nbytes;
        if (field_long(h, dig_min * (size_t)ns + 8 * (size_t)s, 8, &dmin) != 0 ||
            field_long(h, dig_max * (size_t)ns + 8 * (size_t)s, 8, &dmax) != 0 || dmin >= dmax) {
            bio_record_error(err, errlen,
                             "%s: signal %ld (%s): fields 'digital minimum' and "
                             "'digital maximum' must be integers, minimum < maximum",
                             path, s + 1, name);
            goto out;
        }
        if (field_double(h, phys_min * (size_t)ns + 8 * (size_t)s, 8, &pmin) != 0 ||
            field_double(h, phys_max * (size_t)ns + 8 * (size_t)s, 8, &pmax) != 0 || pmin == pmax) {
            bio_record_error(err, errlen,
                             "%s: signal %ld (%s): fields 'physical minimum' and "
                             "'physical maximum' must be numbers that differ",
                             path, s + 1, name);
            goto out;
        }
    }
    long long want = (long long)header_bytes + (long long)nrec * record_bytes;
    if ((long long)st.st_size < want) {
        bio_record_error(err, errlen,
                         "%s: truncated: the header announces %ld data records of "
                         "%lld bytes (%lld bytes in all), the file has %lld",
                         path, nrec, record_bytes, want, (long long)st.st_size);
        goto out;
    }
    if ((long long)st.st_size > want) {
        bio_record_error(err, errlen,
                         "%s: field 'number of data records' says %ld, but the "
                         "file holds %lld bytes more than that (%.2f records)",
                         path, nrec, (long long)st.st_size - want,
                         (double)((long long)st.st_size - header_bytes) / (double)record_bytes);
        goto out;
    }
    ok = true;
out:
    free(h);
    fclose(f);
    return ok;
}

static const char *edflib_error(int code)
{
    switch (code) {
    case EDFLIB_MALLOC_ERROR: return "out of memory";
    case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY: return "cannot open";
    case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS:
        return "EDFlib refuses the header: a field breaks the EDF/EDF+ specification (EDF+ "
               "headers are checked strictly: start date and time, the patient and recording "
               "fields, printable ASCII, an annotation signal)";
    case EDFLIB_MAXFILES_REACHED: return "too many EDF files open";
    case EDFLIB_FILE_READ_ERROR: return "read error";
    case EDFLIB_FILE_ALREADY_OPENED: return "already open";
    case EDFLIB_FILETYPE_ERROR: return "not an EDF, EDF+ or BDF file";
    case EDFLIB_FILE_IS_DISCONTINUOUS:
        return "a discontinuous EDF+D/BDF+D file (lull reads uniformly sampled, continuous "
               "recordings: EDF, EDF+C, BDF, BDF+C)";
    default: return "EDFlib cannot read it";
    }
}

static int by_time(const void *a, const void *b)
{
    int64_t x = ((const bio_annotation *)a)->sample, y = ((const bio_annotation *)b)->sample;
    return (x > y) - (x < y);
}

bool edf_record_read(const char *path, bio_record **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!check_header(path, err, errlen)) return false;
    /* About 200 kB (640 signal slots): on the heap. */
    struct edf_hdr_struct *hdr = calloc(1, sizeof *hdr);
    bio_record *rec = calloc(1, sizeof *rec);
    double *buf = NULL;
    int rc = -1, open = 0;
    if (!hdr || !rec) {
        bio_record_error(err, errlen, "%s: out of memory", path);
        goto out;
    }
    if (edfopen_file_readonly(path, hdr, EDFLIB_READ_ALL_ANNOTATIONS) != 0) {
        bio_record_error(err, errlen, "%s: %s", path, edflib_error(hdr->filetype));
        goto out;
    }
    open = 1;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base) bl = (size_t)(dot - base);
    snprintf(rec->name, sizeof rec->name, "%.*s", (int)bl, base);
    double record_s = (double)hdr->datarecord_duration / EDFLIB_TIME_DIMENSION;
    if (hdr->edfsignals < 1) {
        bio_record_error(err, errlen, "%s: no signals besides annotations", path);
        goto out;
    }
    if (!(record_s > 0)) {
        bio_record_error(err, errlen,
                         "%s: field 'duration of a data record' is 0: no sampling "
                         "rate for the signals",
                         path);
        goto out;
    }
    rec->signals = calloc((size_t)hdr->edfsignals, sizeof *rec->signals);
    if (!rec->signals) {
        bio_record_error(err, errlen, "%s: out of memory", path);
        goto out;
    }
    rec->nsig = (size_t)hdr->edfsignals;
    enum { CHUNK = 65536 };
    buf = malloc(CHUNK * sizeof *buf);
    if (!buf) {
        bio_record_error(err, errlen, "%s: out of memory", path);
        goto out;
    }
    for (int s = 0; s < hdr->edfsignals; s++) {
        const struct edf_param_struct *p = &hdr->signalparam[s];
        bio_signal *sig = &rec->signals[s];
        field_text((const unsigned char *)p->label, 0, strlen(p->label), sig->name,
                   sizeof sig->name);
        field_text((const unsigned char *)p->physdimension, 0, strlen(p->physdimension), sig->units,
                   sizeof sig->units);
        if (sig->name[0] == '\0') snprintf(sig->name, sizeof sig->name, "sig%d", s);
        sig->fs = p->smp_in_datarecord / record_s;
        sig->n = p->smp_in_file > 0 ? (size_t)p->smp_in_file : 0;
        sig->samples = malloc((sig->n ? sig->n : 1) * sizeof(float));
        if (!sig->samples) {
            bio_record_error(err, errlen, "%s: signal %s: out of memory", path, sig->name);
            goto out;
        }
        size_t done = 0;
        while (done < sig->n) {
            int want = (int)(sig->n - done < CHUNK ? sig->n - done : CHUNK);
            int got = edfread_physical_samples(hdr->handle, s, want, buf);
            if (got <= 0) {
                bio_record_error(err, errlen,
                                 "%s: signal %s: read error after %zu of %zu "
                                 "samples",
                                 path, sig->name, done, sig->n);
                goto out;
            }
            for (int i = 0; i < got; i++) sig->samples[done + (size_t)i] = (float)buf[i];
            done += (size_t)got;
        }
    }
    if (hdr->annotations_in_file > 0) {
        size_t n = (size_t)hdr->annotations_in_file;
        rec->ann = calloc(n, sizeof *rec->ann);
        if (!rec->ann) {
            bio_record_error(err, errlen, "%s: out of memory", path);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            struct edf_annotation_struct a;
            if (edf_get_annotation(hdr->handle, (int)i, &a) != 0) break;
            bio_annotation *b = &rec->ann[rec->nann++];
            b->sample = a.onset;
            b->code = 22; /* WFDB NOTE: a comment, not a beat */
            b->symbol = '"';
            b->duration_s =
                a.duration_l > 0 ? (float)((double)a.duration_l / EDFLIB_TIME_DIMENSION) : 0.0f;
            b->text = malloc(strlen(a.annotation) + 1);
            if (b->text) strcpy(b->text, a.annotation);
        }
        rec->ann_fs = EDFLIB_TIME_DIMENSION;
        /* EDF+ allows annotations out of order; bio_record promises sorted. */
        qsort(rec->ann, rec->nann, sizeof *rec->ann, by_time);
    }
    rc = 0;
out:
    if (open) edfclose_file(hdr->handle);
    free(buf);
    free(hdr);
    if (rc == 0)
        *out = rec;
    else
        bio_record_free(rec);
    return rc == 0;
}
