#include "records/wfdb_record.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

/* Limits that keep a hostile header from asking for absurd memory before the
 * data files are seen (every size below is also bounded by the file's length). */
#define WFDB_MAX_SIGNALS 256
#define WFDB_MAX_SPF 1000000 /* samples per frame: EDF conversions use 100..10000 */
#define WFDB_MAX_SEGMENTS 100000
/* Samples one signal may hold (2^27 floats, 512 MB: 24 h at 1.5 kHz). A header can
 * announce any length, and a format 0 (not stored) signal has no file to check it
 * against: the fuzzer (tests/fuzz/regress/wfdb) found a 66 666 666 666-sample one. */
#define WFDB_MAX_SIGNAL_SAMPLES (1u << 27)

/* One signal line of a header, as written. */
typedef struct wfdb_signal_spec {
    char file[256];
    int format;      /* a WFDB storage format, see format_known() */
    int spf;         /* samples per frame */
    long skew;       /* frames */
    long offset;     /* bytes at the start of the file to skip */
    double gain;     /* adc units per physical unit */
    double baseline; /* adc value of physical zero */
    long adczero;    /* default initial value (format 8) */
    int has_initval, has_checksum;
    long initval;  /* the first sample's ADC value, as the header states it */
    long checksum; /* 16-bit sum of all ADC values, as the header states it */
    int lineno;
    char units[16];
    char name[32];
} wfdb_signal_spec;

/* One segment line of a multi-segment header. */
typedef struct wfdb_segment {
    char name[64]; /* "~" for a null segment (a gap) */
    long frames;
} wfdb_segment;

/* A parsed header: a single-segment record (specs) or a multi-segment one (segs). */
typedef struct wfdb_header {
    char name[64];
    long nsig;
    double frame_fs;
    long nframes; /* 0 = not given */
    wfdb_signal_spec *specs;
    long nseg; /* 0 for a single-segment record */
    wfdb_segment *segs;
} wfdb_header;

static void copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap) len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Splits line into whitespace-separated tokens in place; returns the count. The
 * last token takes the rest of the line (a signal description may have spaces). */
static int tokenize(char *line, char **tok, int max_tok)
{
    int n = 0;
    char *p = line;
    while (n < max_tok) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        tok[n++] = p;
        if (n == max_tok) break;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (!*p) break;
        *p++ = '\0';
    }
    return n;
}

static bool parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

/* The storage formats of signal(5), WFDB 10.7: 0 (not stored), 8 (8-bit first
 * differences), 16/61 (16-bit little/big endian), 80/160 (8/16-bit offset binary),
 * 212 (2 x 12 bits in 3 bytes), 310/311 (3 x 10 bits in 4 bytes, two layouts),
 * 24/32 (24/32-bit little endian), 508/516/524 (FLAC, 8/16/24 bits). */
static int format_known(int f)
{
    switch (f) {
    case 0:
    case 8:
    case 16:
    case 24:
    case 32:
    case 61:
    case 80:
    case 160:
    case 212:
    case 310:
    case 311:
    case 508:
    case 516:
    case 524: return 1;
    default: return 0;
    }
}

static int format_is_flac(int f) { return f == 508 || f == 516 || f == 524; }

/* The ADC value WFDB reserves for "no sample here" in each format (signal(5):
 * the most negative value the format can hold); format 8 has none. */
static int32_t format_invalid(int f)
{
    switch (f) {
    case 80:
    case 508: return -128;
    case 212: return -2048;
    case 310:
    case 311: return -512;
    case 24:
    case 524: return -8388608;
    case 32: return INT32_MIN;
    case 8: return 0;       /* unused: see sample_invalid */
    default: return -32768; /* 16, 61, 160, 516 */
    }
}

static int sample_invalid(int f, int32_t v) { return f != 8 && f != 0 && v == format_invalid(f); }

/* "212x4:2+512" -> format, samples per frame, skew, byte offset. */
static bool parse_format(const char *s, wfdb_signal_spec *sp)
{
    char *end;
    errno = 0;
    long fmt = strtol(s, &end, 10);
    if (end == s || errno || fmt < 0 || fmt > 100000) return false;
    sp->format = (int)fmt;
    sp->spf = 1;
    sp->skew = 0;
    sp->offset = 0;
    while (*end) {
        char c = *end++;
        const char *start = end;
        errno = 0;
        long v = strtol(start, &end, 10);
        if (end == start || v < 0 || errno) return false;
        if (c == 'x') {
            if (v < 1 || v > WFDB_MAX_SPF) return false;
            sp->spf = (int)v;
        } else if (c == ':') {
            sp->skew = v;
        } else if (c == '+') {
            sp->offset = v;
        } else {
            return false;
        }
    }
    return true;
}

/* "200", "12.84(-1605)/mmHg", "2963.77/mV": gain, optional baseline, optional units. */
static bool parse_gain(const char *s, double *gain, int *has_baseline, double *baseline,
                       char *units, size_t units_cap)
{
    char *end;
    *gain = strtod(s, &end);
    if (end == s || !isfinite(*gain)) return false;
    *has_baseline = 0;
    if (*end == '(') {
        const char *start = end + 1;
        *baseline = strtod(start, &end);
        if (end == start || *end != ')' || !isfinite(*baseline)) return false;
        *has_baseline = 1;
        end++;
    }
    if (*end == '/') {
        end++;
        copy_str(units, units_cap, end, strlen(end));
    } else if (*end) {
        return false;
    }
    return true;
}

/* file format gain resolution adczero initval checksum blocksize description */
static bool parse_signal_line(char *line, const char *path, int lineno, wfdb_signal_spec *sp,
                              char *err, size_t errlen)
{
    char *tok[9];
    int nt = tokenize(line, tok, 9); /* tok[8]: the description, spaces and all */
    if (nt < 2) {
        bio_record_error(err, errlen, "%s:%d: signal line needs at least a file name and a format",
                         path, lineno);
        return false;
    }
    memset(sp, 0, sizeof *sp);
    sp->lineno = lineno;
    copy_str(sp->file, sizeof sp->file, tok[0], strlen(tok[0]));
    if (!parse_format(tok[1], sp)) {
        bio_record_error(err, errlen,
                         "%s:%d: bad format field '%s' (format[xSPF][:SKEW][+OFFSET],"
                         " 1..%d samples per frame)",
                         path, lineno, tok[1], WFDB_MAX_SPF);
        return false;
    }
    if (!format_known(sp->format)) {
        bio_record_error(err, errlen,
                         "%s:%d: signal format %d is not a WFDB storage format "
                         "(0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524 are)",
                         path, lineno, sp->format);
        return false;
    }
    if (sp->format != 0 && strcmp(sp->file, "~") == 0) {
        bio_record_error(err, errlen, "%s:%d: file '~' (no file) goes only with format 0", path,
                         lineno);
        return false;
    }
    if (format_is_flac(sp->format) && sp->offset != 0) {
        bio_record_error(err, errlen, "%s:%d: a byte offset does not apply to FLAC format %d", path,
                         lineno, sp->format);
        return false;
    }
    sp->gain = 0;
    int has_baseline = 0;
    strcpy(sp->units, "mV");
    if (nt > 2 &&
        !parse_gain(tok[2], &sp->gain, &has_baseline, &sp->baseline, sp->units, sizeof sp->units)) {
        bio_record_error(err, errlen, "%s:%d: bad gain field '%s'", path, lineno, tok[2]);
        return false;
    }
    if (sp->gain == 0) sp->gain = 200; /* WFDB's default for uncalibrated signals */
    long resolution = 0;
    if (nt > 3 && !parse_long(tok[3], &resolution)) {
        bio_record_error(err, errlen, "%s:%d: bad ADC resolution '%s'", path, lineno, tok[3]);
        return false;
    }
    if (nt > 4 && !parse_long(tok[4], &sp->adczero)) {
        bio_record_error(err, errlen, "%s:%d: bad ADC zero '%s'", path, lineno, tok[4]);
        return false;
    }
    if (!has_baseline) sp->baseline = (double)sp->adczero;
    sp->initval = sp->adczero; /* header(5): the initial value defaults to ADC zero */
    if (nt > 5) {
        if (!parse_long(tok[5], &sp->initval)) {
            bio_record_error(err, errlen, "%s:%d: bad initial value '%s'", path, lineno, tok[5]);
            return false;
        }
        sp->has_initval = 1;
    }
    if (nt > 6) {
        if (!parse_long(tok[6], &sp->checksum) || sp->checksum < -32768 || sp->checksum > 65535) {
            bio_record_error(err, errlen, "%s:%d: bad checksum '%s' (a 16-bit number)", path,
                             lineno, tok[6]);
            return false;
        }
        sp->has_checksum = 1;
    }
    if (nt > 8) {
        char *d = tok[8];
        size_t len = strlen(d);
        while (len > 0 && isspace((unsigned char)d[len - 1])) len--;
        copy_str(sp->name, sizeof sp->name, d, len);
    }
    return true;
}

/* Reads a whole file into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf ? buf : malloc(1);
}

/* Complete samples a byte stream of `len` bytes holds in a packed format. */
static size_t raw_count(int format, size_t len)
{
    switch (format) {
    case 8:
    case 80: return len;
    case 16:
    case 61:
    case 160: return len / 2;
    case 24: return len / 3;
    case 32: return len / 4;
    case 212: return len / 3 * 2 + (len % 3 >= 2); /* sample 0 of a pair needs 2 bytes */
    case 310: return len / 4 * 3 + (len % 4 >= 2); /* sample 0 of a triple needs 2 */
    case 311: return len / 4 * 3 + (len % 4 >= 2) + (len % 4 >= 3); /* a last partial word */
    default: return 0;
    }
}

static int32_t sign_extend(uint32_t v, int bits)
{
    uint32_t m = 1u << (bits - 1);
    return (int32_t)((v ^ m) - m);
}

/* Sample k of a packed stream (k < raw_count), as signal(5) defines each layout.
 * Format 8 gives the stored difference; the caller sums them. */
static int32_t raw_at(int format, const unsigned char *d, size_t len, size_t k)
{
    switch (format) {
    case 8: return (int8_t)d[k];
    case 80: return (int32_t)d[k] - 128;
    case 16: return (int16_t)(uint16_t)(d[2 * k] | d[2 * k + 1] << 8);
    case 61: return (int16_t)(uint16_t)(d[2 * k] << 8 | d[2 * k + 1]);
    case 160: return (int32_t)(d[2 * k] | d[2 * k + 1] << 8) - 32768;
    case 24:
        return sign_extend(
            (uint32_t)d[3 * k] | (uint32_t)d[3 * k + 1] << 8 | (uint32_t)d[3 * k + 2] << 16, 24);
    case 32:
        return (int32_t)((uint32_t)d[4 * k] | (uint32_t)d[4 * k + 1] << 8 |
                         (uint32_t)d[4 * k + 2] << 16 | (uint32_t)d[4 * k + 3] << 24);
    case 212: {
        /* Two 12-bit samples in 3 bytes: byte 1's low nibble tops sample 0, its
         * high nibble tops sample 1. */
        const unsigned char *b = d + k / 2 * 3;
        uint32_t v = k % 2 == 0 ? (uint32_t)(b[0] | (b[1] & 0x0F) << 8)
                                : (uint32_t)(b[2] | (b[1] & 0xF0) << 4);
        return sign_extend(v, 12);
    }
    case 310: {
        /* Two little-endian 16-bit words: sample 0 in bits 1..10 of word 0, sample 1
         * in bits 1..10 of word 1, sample 2 from the top 5 bits of each (word 0's
         * are its low half). */
        const unsigned char *b = d + k / 3 * 4;
        uint32_t w0 = (uint32_t)(b[0] | b[1] << 8);
        uint32_t v;
        if (k % 3 == 0) {
            v = (w0 >> 1) & 0x3FF;
        } else {
            uint32_t w1 = (uint32_t)(b[2] | b[3] << 8);
            v = k % 3 == 1 ? (w1 >> 1) & 0x3FF : (w0 >> 11) | ((w1 >> 11) << 5);
        }
        return sign_extend(v, 10);
    }
    case 311: {
        /* One little-endian 32-bit word: samples in bits 0..9, 10..19, 20..29. A file
         * may end inside the last word, after the bytes its samples need. */
        size_t at = k / 3 * 4;
        uint32_t w = 0;
        for (size_t i = 0; i < 4 && at + i < len; i++) w |= (uint32_t)d[at + i] << (8 * i);
        return sign_extend((w >> (10 * (k % 3))) & 0x3FF, 10);
    }
    default: return 0;
    }
}

/* The ADC values of each signal of one file, in the file's order (before skew). */
typedef struct file_streams {
    int32_t *v[WFDB_MAX_SIGNALS];
    size_t n[WFDB_MAX_SIGNALS];
} file_streams;

/* Demultiplexes a packed file's sample stream into one stream per signal. */
static bool demux_packed(const unsigned char *d, size_t len, const wfdb_signal_spec *specs,
                         size_t nfs, file_streams *fsx)
{
    int format = specs[0].format;
    size_t total = raw_count(format, len), frame_samples = 0;
    for (size_t s = 0; s < nfs; s++) frame_samples += (size_t)specs[s].spf;
    size_t full = total / frame_samples, rest = total % frame_samples, pos = 0;
    for (size_t s = 0; s < nfs; s++) {
        size_t spf = (size_t)specs[s].spf;
        /* Samples of this signal in the file: whole frames plus what the last partial
         * frame holds of it. */
        size_t extra = rest > pos ? (rest - pos < spf ? rest - pos : spf) : 0;
        size_t n = full * spf + extra;
        fsx->v[s] = malloc((n ? n : 1) * sizeof(int32_t));
        if (!fsx->v[s]) return false;
        fsx->n[s] = n;
        int32_t acc = (int32_t)specs[s].initval; /* format 8: running sum */
        for (size_t i = 0; i < n; i++) {
            size_t k = i / spf * frame_samples + pos + i % spf;
            int32_t r = raw_at(format, d, len, k);
            if (format == 8) {
                acc += r;
                r = acc;
            }
            fsx->v[s][i] = r;
        }
        pos += spf;
    }
    return true;
}

/* Decodes a FLAC signal file (formats 508/516/524) with libsndfile: one channel
 * per signal, each channel holding its signal's samples in order. */
static bool demux_flac(const char *path, const wfdb_signal_spec *specs, size_t nfs,
                       file_streams *fsx, char *err, size_t errlen)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) {
        bio_record_error(err, errlen, "%s: cannot read as FLAC: %s", path, sf_strerror(NULL));
        return false;
    }
    int bits = specs[0].format - 500;
    bool ok = false;
    int *buf = NULL;
    if ((info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_FLAC) {
        bio_record_error(err, errlen, "%s: format %d needs a FLAC file, this is not one", path,
                         specs[0].format);
        goto out;
    }
    if ((size_t)info.channels != nfs) {
        bio_record_error(err, errlen,
                         "%s: the header gives it %zu signals, the FLAC stream "
                         "has %d channels",
                         path, nfs, info.channels);
        goto out;
    }
    for (size_t s = 1; s < nfs; s++)
        if (specs[s].spf != specs[0].spf) {
            bio_record_error(err, errlen,
                             "%s: signals sharing a FLAC file need one number of "
                             "samples per frame (%d and %d)",
                             path, specs[0].spf, specs[s].spf);
            goto out;
        }
    size_t n = info.frames > 0 ? (size_t)info.frames : 0;
    for (size_t s = 0; s < nfs; s++) {
        fsx->v[s] = malloc((n ? n : 1) * sizeof(int32_t));
        if (!fsx->v[s]) {
            bio_record_error(err, errlen, "%s: out of memory", path);
            goto out;
        }
        fsx->n[s] = n;
    }
    enum { CHUNK = 4096 };
    buf = malloc((size_t)CHUNK * nfs * sizeof(int));
    if (!buf) {
        bio_record_error(err, errlen, "%s: out of memory", path);
        goto out;
    }
    size_t done = 0;
    while (done < n) {
        sf_count_t want = (sf_count_t)(n - done < CHUNK ? n - done : CHUNK);
        sf_count_t got = sf_readf_int(sf, buf, want);
        if (got <= 0) break;
        /* libsndfile left-justifies integers in 32 bits: shift back to the ADC value. */
        for (sf_count_t i = 0; i < got; i++)
            for (size_t s = 0; s < nfs; s++)
                fsx->v[s][done + (size_t)i] = buf[(size_t)i * nfs + s] >> (32 - bits);
        done += (size_t)got;
    }
    for (size_t s = 0; s < nfs; s++)
        fsx->n[s] = done; /* a damaged stream ends early: the length check reports it */
    ok = true;
out:
    free(buf);
    sf_close(sf);
    return ok;
}

/* Fills the signals [first, last) that share one file (or a format-0 signal). */
static bool read_signal_file(const char *dir, const char *header_path,
                             const wfdb_signal_spec *specs, size_t first, size_t last, long nframes,
                             double frame_fs, bio_record *rec, char *err, size_t errlen)
{
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s%s", dir, specs[first].file);
    const wfdb_signal_spec *s0 = &specs[first];
    size_t nfs = last - first;
    file_streams fsx;
    memset(&fsx, 0, sizeof fsx);
    bool ok = false;
    unsigned char *data = NULL;
    if (s0->format == 0) {
        /* Not stored: every sample is missing. */
        if (nframes <= 0) {
            bio_record_error(err, errlen, "%s:%d: a format 0 signal needs the record's length",
                             header_path, s0->lineno);
            return false;
        }
    } else if (format_is_flac(s0->format)) {
        if (!demux_flac(path, specs + first, nfs, &fsx, err, errlen)) goto out;
    } else {
        size_t len = 0;
        data = slurp(path, &len);
        if (!data) {
            bio_record_error(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            return false;
        }
        size_t offset = (size_t)s0->offset;
        if (offset > len) {
            bio_record_error(err, errlen, "%s: byte offset %zu is past the end of the file", path,
                             offset);
            goto out;
        }
        /* Frames the file holds bound the header's length before any allocation, so
         * no size or index below can overflow or run past the data. */
        size_t frame_samples = 0;
        for (size_t s = first; s < last; s++) frame_samples += (size_t)specs[s].spf;
        size_t file_frames = raw_count(s0->format, len - offset) / frame_samples;
        if (nframes > 0 && (size_t)nframes > file_frames + 1) {
            bio_record_error(err, errlen,
                             "%s: file is shorter than the %ld frames the header "
                             "announces (it holds %zu)",
                             path, nframes, file_frames);
            goto out;
        }
        if (!demux_packed(data + offset, len - offset, specs + first, nfs, &fsx)) {
            bio_record_error(err, errlen, "%s: out of memory", path);
            goto out;
        }
    }
    if (nframes <= 0) { /* header gave no length: the complete frames of the file */
        size_t fr = SIZE_MAX;
        for (size_t s = 0; s < nfs; s++) {
            size_t f = fsx.n[s] / (size_t)specs[first + s].spf;
            fr = f < fr ? f : fr;
        }
        nframes = fr > (size_t)LONG_MAX ? LONG_MAX : (long)fr;
    }
    for (size_t s = 0; s < nfs; s++) {
        const wfdb_signal_spec *sp = &specs[first + s];
        if (sp->skew > nframes) {
            bio_record_error(err, errlen,
                             "%s: signal %zu: skew %ld is longer than the record "
                             "(%ld frames)",
                             path, first + s, sp->skew, nframes);
            goto out;
        }
        if (s0->format != 0 && fsx.n[s] / (size_t)sp->spf + 1 < (size_t)nframes) {
            bio_record_error(err, errlen,
                             "%s: file is shorter than the %ld frames the header "
                             "announces (signal %zu has %zu)",
                             path, nframes, first + s, fsx.n[s] / (size_t)sp->spf);
            goto out;
        }
    }
    for (size_t s = 0; s < nfs; s++) {
        const wfdb_signal_spec *sp = &specs[first + s];
        bio_signal *sig = &rec->signals[first + s];
        size_t spf = (size_t)sp->spf;
        sig->fs = frame_fs * (double)sp->spf;
        if ((size_t)nframes > WFDB_MAX_SIGNAL_SAMPLES / spf) {
            bio_record_error(err, errlen,
                             "%s: signal %zu: %ld frames of %zu samples is more "
                             "than lull reads (%u samples per signal)",
                             path, first + s, nframes, spf, WFDB_MAX_SIGNAL_SAMPLES);
            goto out;
        }
        sig->n = (size_t)nframes * spf;
        copy_str(sig->name, sizeof sig->name, sp->name, strlen(sp->name));
        copy_str(sig->units, sizeof sig->units, sp->units, strlen(sp->units));
        sig->samples = malloc((sig->n ? sig->n : 1) * sizeof(float));
        if (!sig->samples) {
            bio_record_error(err, errlen, "%s: out of memory", path);
            goto out;
        }
        size_t from = (size_t)sp->skew * spf; /* skew: sample 0 lies in frame `skew` */
        for (size_t i = 0; i < sig->n; i++) {
            size_t k = from + i;
            if (s0->format == 0 || k >= fsx.n[s]) {
                /* Skewed signals run out before the record ends: no data there. */
                if (s0->format != 0 && k < (size_t)nframes * spf) {
                    bio_record_error(err, errlen,
                                     "%s: file is shorter than the %ld frames "
                                     "the header announces",
                                     path, nframes);
                    goto out;
                }
                sig->samples[i] = NAN;
                continue;
            }
            int32_t v = fsx.v[s][k];
            sig->samples[i] = sample_invalid(sp->format, v)
                                  ? NAN
                                  : (float)(((double)v - sp->baseline) / sp->gain);
        }
        if (s0->format == 0) continue;
        /* The header's checks (header(5)) are on the samples as stored, before skew:
         * the first one's value and the 16-bit sum of the record's length of them.
         * A mismatch means a wrong decoder, a damaged file or another file's header:
         * warn, naming the signal. */
        size_t stored = fsx.n[s] < sig->n ? fsx.n[s] : sig->n;
        int64_t sum = 0;
        for (size_t k = 0; k < stored; k++) sum += fsx.v[s][k];
        int16_t sum16 = (int16_t)(uint16_t)((uint64_t)sum & 0xFFFF);
        if (sp->has_initval && stored > 0 && fsx.v[s][0] != sp->initval)
            bio_record_warn(rec,
                            "%s:%d: signal %zu (%s): first sample %ld, the header's initial "
                            "value is %ld",
                            header_path, sp->lineno, first + s, sp->name, (long)fsx.v[s][0],
                            sp->initval);
        if (sp->has_checksum && stored == sig->n &&
            sum16 != (int16_t)(uint16_t)((unsigned long)sp->checksum & 0xFFFF))
            bio_record_warn(rec, "%s:%d: signal %zu (%s): checksum %d, the header says %ld",
                            header_path, sp->lineno, first + s, sp->name, sum16, sp->checksum);
    }
    ok = true;
out:
    for (size_t s = 0; s < nfs; s++) free(fsx.v[s]);
    free(data);
    return ok;
}

static void header_free(wfdb_header *h)
{
    free(h->specs);
    free(h->segs);
    memset(h, 0, sizeof *h);
}

/* Parses a header file: the record line, then signal lines (single segment) or
 * segment lines (multi-segment). */
static bool header_parse(const char *header_path, wfdb_header *h, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->nsig = -1;
    h->frame_fs = 250.0; /* WFDB's default */
    FILE *f = fopen(header_path, "r");
    if (!f) {
        bio_record_error(err, errlen, "%s: cannot open: %s", header_path, strerror(errno));
        return false;
    }
    char line[1024];
    int lineno = 0;
    bool ok = false;
    long got = 0, want = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p == '\0' || *p == '#') continue;
        if (h->nsig < 0) { /* the record line: name[/nseg] nsig [fs [nsamples ...]] */
            char *tok[6];
            int nt = tokenize(p, tok, 6);
            char *slash = nt > 0 ? strchr(tok[0], '/') : NULL;
            if (slash) {
                *slash = '\0';
                if (!parse_long(slash + 1, &h->nseg) || h->nseg < 1 ||
                    h->nseg > WFDB_MAX_SEGMENTS) {
                    bio_record_error(err, errlen, "%s:%d: bad number of segments '%s' (1..%d)",
                                     header_path, lineno, slash + 1, WFDB_MAX_SEGMENTS);
                    goto done;
                }
            }
            if (nt < 2 || !parse_long(tok[1], &h->nsig) || h->nsig < 1 ||
                h->nsig > WFDB_MAX_SIGNALS) {
                bio_record_error(err, errlen,
                                 "%s:%d: expected a record line 'name[/segments] nsig "
                                 "[fs [nsamples]]' with 1..%d signals",
                                 header_path, lineno, WFDB_MAX_SIGNALS);
                h->nsig = -1;
                goto done;
            }
            copy_str(h->name, sizeof h->name, tok[0], strlen(tok[0]));
            if (nt > 2) {
                char *end;
                h->frame_fs = strtod(tok[2], &end); /* "360" or "360/...": counter ignored */
                if (end == tok[2] || (*end && *end != '/' && *end != '(') || !(h->frame_fs > 0) ||
                    h->frame_fs > 1e6) {
                    bio_record_error(err, errlen, "%s:%d: bad sampling frequency '%s'", header_path,
                                     lineno, tok[2]);
                    goto done;
                }
            }
            if (nt > 3 && (!parse_long(tok[3], &h->nframes) || h->nframes < 0)) {
                bio_record_error(err, errlen, "%s:%d: bad number of samples '%s'", header_path,
                                 lineno, tok[3]);
                goto done;
            }
            want = h->nseg ? h->nseg : h->nsig;
            if (h->nseg)
                h->segs = calloc((size_t)h->nseg, sizeof *h->segs);
            else
                h->specs = calloc((size_t)h->nsig, sizeof *h->specs);
            if (!h->segs && !h->specs) {
                bio_record_error(err, errlen, "%s: out of memory", header_path);
                goto done;
            }
            continue;
        }
        if (got == want) break; /* info lines after the signals are not ours */
        if (h->nseg) {
            char *tok[3];
            long frames;
            int nt = tokenize(p, tok, 3);
            if (nt < 2 || strchr(tok[0], '/') || !parse_long(tok[1], &frames) || frames < 0) {
                bio_record_error(err, errlen, "%s:%d: expected a segment line 'name nsamples'",
                                 header_path, lineno);
                goto done;
            }
            size_t nl = strcspn(tok[0], " \t\r\n");
            copy_str(h->segs[got].name, sizeof h->segs[got].name, tok[0], nl);
            h->segs[got].frames = frames;
        } else {
            if (!parse_signal_line(p, header_path, lineno, &h->specs[got], err, errlen)) goto done;
            if (h->specs[got].name[0] == '\0')
                snprintf(h->specs[got].name, sizeof h->specs[got].name, "sig%ld", got);
        }
        got++;
    }
    if (h->nsig < 0) {
        bio_record_error(err, errlen, "%s:%d: no record line", header_path, lineno);
        goto done;
    }
    if (got < want) {
        bio_record_error(err, errlen, "%s:%d: header announces %ld %s but describes %ld",
                         header_path, lineno, want, h->nseg ? "segments" : "signals", got);
        goto done;
    }
    ok = true;
done:
    fclose(f);
    if (!ok) header_free(h);
    return ok;
}

static bool read_single(const char *header_path, const char *dir, wfdb_header *h, bio_record *rec,
                        char *err, size_t errlen)
{
    copy_str(rec->name, sizeof rec->name, h->name, strlen(h->name));
    rec->signals = calloc((size_t)h->nsig, sizeof *rec->signals);
    if (!rec->signals) {
        bio_record_error(err, errlen, "%s: out of memory", header_path);
        return false;
    }
    rec->nsig = (size_t)h->nsig;
    /* Signals stored in one file are consecutive lines naming the same file. The
     * stored files are read first (pass 0), so that a header announcing more
     * frames than they hold is refused before any format 0 (not stored) signal
     * is filled with that many NaN: only the files bound the header's length. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < rec->nsig;) {
            size_t e = s + 1;
            while (e < rec->nsig && h->specs[s].format != 0 &&
                   strcmp(h->specs[e].file, h->specs[s].file) == 0) {
                if (h->specs[e].format != h->specs[s].format) {
                    bio_record_error(err, errlen, "%s:%d: signals sharing %s must have one format",
                                     header_path, h->specs[e].lineno, h->specs[s].file);
                    return false;
                }
                if (h->specs[e].offset != h->specs[s].offset) {
                    bio_record_error(err, errlen,
                                     "%s:%d: signals sharing %s must have one byte "
                                     "offset",
                                     header_path, h->specs[e].lineno, h->specs[s].file);
                    return false;
                }
                e++;
            }
            if ((h->specs[s].format == 0) == (pass == 1) &&
                !read_signal_file(dir, header_path, h->specs, s, e, h->nframes, h->frame_fs, rec,
                                  err, errlen))
                return false;
            s = e;
        }
    return true;
}

/* Multi-segment record (header(5)): segments are single-segment records played
 * one after another; a first segment of length 0 is the layout header (variable
 * layout, signals matched by name), otherwise every segment has the same signals
 * (fixed layout). "~" segments are gaps: NaN. */
static bool read_multi(const char *header_path, const char *dir, wfdb_header *h, bio_record *rec,
                       char *err, size_t errlen)
{
    copy_str(rec->name, sizeof rec->name, h->name, strlen(h->name));
    char path[4096 + 128];
    long first = 0;
    wfdb_header layout;
    memset(&layout, 0, sizeof layout);
    int variable = h->segs[0].frames == 0;
    if (variable) first = 1;
    /* The signal list: the layout header's, or the first stored segment's. */
    long lay_seg = variable ? 0 : -1;
    for (long g = 0; lay_seg < 0 && g < h->nseg; g++)
        if (strcmp(h->segs[g].name, "~") != 0) lay_seg = g;
    if (lay_seg < 0) {
        bio_record_error(err, errlen, "%s: every segment is a gap ('~')", header_path);
        return false;
    }
    snprintf(path, sizeof path, "%s%s.hea", dir, h->segs[lay_seg].name);
    if (!header_parse(path, &layout, err, errlen)) return false;
    bool done = false;
    if (layout.nseg) {
        bio_record_error(err, errlen, "%s: segment %s is itself multi-segment", header_path,
                         h->segs[lay_seg].name);
        goto out;
    }
    /* Frames before each segment; the total bounds every allocation below by what the
     * master header says, which each segment's own data then has to match. */
    long total = 0;
    for (long g = first; g < h->nseg; g++) {
        if (h->segs[g].frames > LONG_MAX / 2 - total) {
            bio_record_error(err, errlen, "%s: segment lengths overflow", header_path);
            goto out;
        }
        total += h->segs[g].frames;
    }
    if (h->nframes && h->nframes != total)
        bio_record_warn(rec, "%s: the record line says %ld samples, the segments add up to %ld",
                        header_path, h->nframes, total);
    rec->nsig = (size_t)layout.nsig;
    rec->signals = calloc(rec->nsig, sizeof *rec->signals);
    if (!rec->signals) {
        rec->nsig = 0;
        bio_record_error(err, errlen, "%s: out of memory", header_path);
        goto out;
    }
    for (size_t s = 0; s < rec->nsig; s++) {
        bio_signal *sig = &rec->signals[s];
        const wfdb_signal_spec *sp = &layout.specs[s];
        copy_str(sig->name, sizeof sig->name, sp->name, strlen(sp->name));
        copy_str(sig->units, sizeof sig->units, sp->units, strlen(sp->units));
        sig->fs = h->frame_fs * sp->spf;
        /* Frames of a real segment are checked against its data file, so a lying
         * master header fails there; gaps allocate what it says. Bound gaps too. */
        if ((double)total * sp->spf > 1e9) {
            bio_record_error(err, errlen,
                             "%s: %ld frames x %d samples per frame is more than "
                             "lull reads (1e9 samples per signal)",
                             header_path, total, sp->spf);
            goto out;
        }
        sig->n = (size_t)total * (size_t)sp->spf;
        sig->samples = malloc((sig->n ? sig->n : 1) * sizeof(float));
        if (!sig->samples) {
            bio_record_error(err, errlen, "%s: out of memory", header_path);
            goto out;
        }
        for (size_t i = 0; i < sig->n; i++) sig->samples[i] = NAN;
    }
    long at = 0;
    for (long g = first; g < h->nseg; g++) {
        long frames = h->segs[g].frames;
        if (strcmp(h->segs[g].name, "~") == 0) {
            at += frames;
            continue;
        }
        snprintf(path, sizeof path, "%s%s.hea", dir, h->segs[g].name);
        wfdb_header sh;
        if (!header_parse(path, &sh, err, errlen)) goto out;
        bio_record *seg = calloc(1, sizeof *seg);
        int ok = seg != NULL;
        if (ok && sh.nseg) {
            bio_record_error(err, errlen, "%s: a segment cannot be multi-segment", path);
            ok = 0;
        }
        if (ok && sh.nframes != frames) {
            bio_record_error(err, errlen, "%s: segment has %ld samples, %s says %ld", path,
                             sh.nframes, header_path, frames);
            ok = 0;
        }
        if (ok && fabs(sh.frame_fs - h->frame_fs) > 1e-9 * h->frame_fs) {
            bio_record_error(err, errlen, "%s: segment sampled at %g Hz, the record at %g Hz", path,
                             sh.frame_fs, h->frame_fs);
            ok = 0;
        }
        if (ok && !variable && sh.nsig != layout.nsig) {
            bio_record_error(err, errlen,
                             "%s: %ld signals, the first segment has %ld (a fixed "
                             "layout needs the same signals in every segment)",
                             path, sh.nsig, layout.nsig);
            ok = 0;
        }
        if (ok && !read_single(path, dir, &sh, seg, err, errlen)) ok = 0;
        for (size_t t = 0; ok && t < seg->nsig; t++) {
            /* Fixed layout: by position; variable layout: by name (absent = NaN). */
            const bio_signal *src = &seg->signals[t];
            bio_signal *dst = NULL;
            if (!variable)
                dst = &rec->signals[t];
            else
                for (size_t s = 0; s < rec->nsig && !dst; s++)
                    if (strcmp(rec->signals[s].name, src->name) == 0) dst = &rec->signals[s];
            if (!dst) {
                bio_record_error(err, errlen, "%s:%d: signal '%s' is not in the layout header",
                                 path, sh.specs[t].lineno, src->name);
                ok = 0;
                break;
            }
            if (fabs(dst->fs - src->fs) > 1e-9 * dst->fs) {
                bio_record_error(err, errlen, "%s:%d: signal '%s' at %g Hz, %g Hz in the layout",
                                 path, sh.specs[t].lineno, src->name, src->fs, dst->fs);
                ok = 0;
                break;
            }
            size_t from = (size_t)at * (size_t)(dst->fs / h->frame_fs + 0.5);
            size_t n = src->n < dst->n - from ? src->n : dst->n - from;
            memcpy(dst->samples + from, src->samples, n * sizeof(float));
        }
        if (ok && seg->warnings)
            bio_record_warn(rec, "%.*s", (int)strlen(seg->warnings) - 1, seg->warnings);
        bio_record_free(seg);
        header_free(&sh);
        if (!ok) {
            if (!seg) bio_record_error(err, errlen, "%s: out of memory", path);
            goto out;
        }
        at += frames;
    }
    done = true;
out:
    header_free(&layout);
    return done;
}

static bool has_stored_signal(const wfdb_header *h)
{
    for (long s = 0; s < h->nsig; s++)
        if (h->specs[s].format != 0) return true;
    return false;
}

bool wfdb_record_read(const char *header_path, bio_record **out, char *err, size_t errlen)
{
    *out = NULL;
    char dir[4096];
    const char *slash = strrchr(header_path, '/');
    size_t dlen = slash ? (size_t)(slash - header_path + 1) : 0;
    copy_str(dir, sizeof dir, header_path, dlen);
    wfdb_header h;
    if (!header_parse(header_path, &h, err, errlen)) return false;
    bio_record *rec = calloc(1, sizeof *rec);
    bool ok = false;
    if (!rec)
        bio_record_error(err, errlen, "%s: out of memory", header_path);
    else if (h.nseg)
        ok = read_multi(header_path, dir, &h, rec, err, errlen);
    else if (!has_stored_signal(&h))
        /* All NaN, of a length nothing but the header states: the fuzzer
         * (tests/fuzz/regress/wfdb) found 3 such signals of 65 million frames. */
        bio_record_error(err, errlen, "%s: no signal is stored (every signal is format 0)",
                         header_path);
    else
        ok = read_single(header_path, dir, &h, rec, err, errlen);
    header_free(&h);
    if (ok)
        *out = rec;
    else
        bio_record_free(rec);
    return ok;
}

/* MIT annotation format pseudo-codes (annot(5)). */
enum { ANN_SKIP = 59, ANN_NUM = 60, ANN_SUB = 61, ANN_CHN = 62, ANN_AUX = 63 };
enum { ANN_NOTE = 22 };

bool wfdb_annotations_read(const char *ann_path, double frame_fs, bio_record *rec, char *err,
                           size_t errlen)
{
    size_t len = 0;
    unsigned char *d = slurp(ann_path, &len);
    if (!d) {
        bio_record_error(err, errlen, "%s: cannot read: %s", ann_path, strerror(errno));
        return false;
    }
    size_t cap = len / 2 + 1, n = 0;
    bio_annotation *ann = malloc(cap * sizeof *ann);
    if (!ann) {
        free(d);
        bio_record_error(err, errlen, "%s: out of memory", ann_path);
        return false;
    }
    double fs = frame_fs;
    int64_t t = 0;
    uint8_t chan = 0, num = 0;
    size_t pos = 0;
    bool ok = false;
    while (pos + 2 <= len) {
        unsigned w = d[pos] | (d[pos + 1] << 8u);
        size_t at = pos;
        pos += 2;
        if (w == 0) {
            ok = true; /* end of file marker */
            break;
        }
        unsigned type = w >> 10, data = w & 0x3FFu;
        if (type == ANN_SKIP) {
            if (pos + 4 > len) break;
            /* PDP-11 long: high 16-bit word first, each word little-endian. */
            uint32_t hi = d[pos] | (d[pos + 1] << 8u), lo = d[pos + 2] | (d[pos + 3] << 8u);
            t += (int32_t)((hi << 16) | lo);
            pos += 4;
        } else if (type == ANN_NUM || type == ANN_SUB || type == ANN_CHN) {
            if (n == 0) goto bad_modifier;
            if (type == ANN_NUM)
                num = (uint8_t)data, ann[n - 1].num = num;
            else if (type == ANN_SUB)
                ann[n - 1].sub = (int8_t)data;
            else
                chan = (uint8_t)data, ann[n - 1].chan = chan;
        } else if (type == ANN_AUX) {
            if (n == 0) goto bad_modifier;
            size_t alen = data;
            if (pos + alen > len) break;
            static const char res_tag[] = "## time resolution: ";
            bio_annotation *a = &ann[n - 1];
            if (a->code == ANN_NOTE && a->sample == 0 && alen > sizeof res_tag - 1 &&
                memcmp(d + pos, res_tag, sizeof res_tag - 1) == 0) {
                char num_txt[32];
                size_t nl = alen - (sizeof res_tag - 1);
                copy_str(num_txt, sizeof num_txt, (const char *)d + pos + sizeof res_tag - 1, nl);
                double r = strtod(num_txt, NULL);
                if (r > 0 && r < 1e7) fs = r;
            }
            if (!a->text && (a->text = malloc(alen + 1)) != NULL)
                copy_str(a->text, alen + 1, (const char *)d + pos, alen); /* e.g. "(AFIB" */
            pos += alen + (alen & 1);
        } else if (type <= 49) {
            t += data;
            if (t < 0) {
                bio_record_error(err, errlen, "%s: byte %zu: annotation before the record's start",
                                 ann_path, at);
                goto out;
            }
            bio_annotation *a = &ann[n++];
            a->sample = t;
            a->code = (uint8_t)type;
            a->symbol = wfdb_code_symbol((int)type);
            a->sub = 0;
            a->chan = chan;
            a->num = num;
            a->duration_s = 0;
            a->text = NULL;
        } else {
            bio_record_error(err, errlen, "%s: byte %zu: unknown annotation code %u", ann_path, at,
                             type);
            goto out;
        }
        continue;
    bad_modifier:
        bio_record_error(err, errlen, "%s: byte %zu: modifier before any annotation", ann_path, at);
        goto out;
    }
    if (!ok) {
        bio_record_error(err, errlen, "%s: truncated (no end-of-file marker)", ann_path);
        goto out;
    }
    for (size_t i = 0; i < rec->nann; i++) free(rec->ann[i].text);
    free(rec->ann);
    rec->ann = ann;
    rec->nann = n;
    rec->ann_fs = fs;
    ann = NULL;
out:
    if (ann)
        for (size_t i = 0; i < n; i++) free(ann[i].text);
    free(ann);
    free(d);
    return ok;
}

bool wfdb_code_is_beat(int code)
{
    switch (code) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
    case 10:
    case 11:
    case 12:
    case 13:
    case 25:
    case 30:
    case 34:
    case 35:
    case 37:
    case 38:
    case 41: return true;
    default: return false;
    }
}

char wfdb_code_symbol(int code)
{
    /* ecgcodes.h, codes 0..41 (15 and 17 are unused). */
    static const char table[] = " NLRaVFJASEj/Q~?|?sT*D\"=pB^t+u?![]en@xf()r";
    if (code < 0 || (size_t)code >= sizeof table - 1) return '?';
    return table[code];
}
