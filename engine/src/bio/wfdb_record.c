#include "bio/wfdb_record.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One signal line of a header, as written. */
typedef struct wfdb_signal_spec {
    char file[256];
    int format;       /* 16, 212 or 80 */
    int spf;          /* samples per frame */
    long skew;        /* frames */
    long offset;      /* bytes at the start of the file to skip */
    double gain;      /* adc units per physical unit */
    double baseline;  /* adc value of physical zero */
    char units[16];
    char name[32];
} wfdb_signal_spec;


static void copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        len = cap - 1;
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
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        tok[n++] = p;
        if (n == max_tok)
            break;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        *p++ = '\0';
    }
    return n;
}

static int parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' ? 0 : -1;
}

/* "212x4:2+512" -> format, samples per frame, skew, byte offset. */
static int parse_format(const char *s, wfdb_signal_spec *sp)
{
    char *end;
    sp->format = (int)strtol(s, &end, 10);
    if (end == s)
        return -1;
    sp->spf = 1;
    sp->skew = 0;
    sp->offset = 0;
    while (*end) {
        char c = *end++;
        const char *start = end;
        long v = strtol(start, &end, 10);
        if (end == start || v < 0)
            return -1;
        if (c == 'x')
            sp->spf = (int)v;
        else if (c == ':')
            sp->skew = v;
        else if (c == '+')
            sp->offset = v;
        else
            return -1;
    }
    return sp->spf >= 1 && sp->spf <= 64 ? 0 : -1;
}

/* "200", "12.84(-1605)/mmHg", "2963.77/mV": gain, optional baseline, optional units. */
static int parse_gain(const char *s, double *gain, int *has_baseline, double *baseline,
                      char *units, size_t units_cap)
{
    char *end;
    *gain = strtod(s, &end);
    if (end == s)
        return -1;
    *has_baseline = 0;
    if (*end == '(') {
        const char *start = end + 1;
        *baseline = strtod(start, &end);
        if (end == start || *end != ')')
            return -1;
        *has_baseline = 1;
        end++;
    }
    if (*end == '/') {
        end++;
        copy_str(units, units_cap, end, strlen(end));
    } else if (*end) {
        return -1;
    }
    return 0;
}

static int parse_signal_line(char *line, const char *path, int lineno,
                             wfdb_signal_spec *sp, char *err, size_t errlen)
{
    char *tok[9];
    int nt = tokenize(line, tok, 9); /* tok[8]: the description, spaces and all */
    if (nt < 2) {
        bio_record_error(err, errlen, "%s:%d: signal line needs at least a file name and a format",
                path, lineno);
        return -1;
    }
    memset(sp, 0, sizeof *sp);
    copy_str(sp->file, sizeof sp->file, tok[0], strlen(tok[0]));
    if (parse_format(tok[1], sp) != 0) {
        bio_record_error(err, errlen, "%s:%d: bad format field '%s'", path, lineno, tok[1]);
        return -1;
    }
    if (sp->format != 16 && sp->format != 212 && sp->format != 80) {
        bio_record_error(err, errlen, "%s:%d: signal format %d is not supported (16, 80, 212 are)",
                path, lineno, sp->format);
        return -1;
    }
    sp->gain = 0;
    int has_baseline = 0;
    strcpy(sp->units, "mV");
    if (nt > 2 && parse_gain(tok[2], &sp->gain, &has_baseline, &sp->baseline, sp->units,
                             sizeof sp->units) != 0) {
        bio_record_error(err, errlen, "%s:%d: bad gain field '%s'", path, lineno, tok[2]);
        return -1;
    }
    if (sp->gain == 0)
        sp->gain = 200; /* WFDB's default for uncalibrated signals */
    long adczero = 0;
    if (nt > 4 && parse_long(tok[4], &adczero) != 0) {
        bio_record_error(err, errlen, "%s:%d: bad ADC zero '%s'", path, lineno, tok[4]);
        return -1;
    }
    if (!has_baseline)
        sp->baseline = (double)adczero;
    if (nt > 8) {
        char *d = tok[8];
        size_t len = strlen(d);
        while (len > 0 && isspace((unsigned char)d[len - 1]))
            len--;
        copy_str(sp->name, sizeof sp->name, d, len);
    } else {
        snprintf(sp->name, sizeof sp->name, "%s", "");
    }
    return 0;
}

/* Reads a whole file into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
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
        if (got == 0)
            break;
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

/* Decodes sample k of a signal file's sample stream; sets *invalid for WFDB's
 * "no data" codes. Returns 0, or -1 past the end of the data. */
static int decode_sample(const unsigned char *d, size_t len, int format, size_t k,
                         int *value, int *invalid)
{
    *invalid = 0;
    if (format == 16) {
        if (2 * k + 1 >= len)
            return -1;
        int v = (int16_t)(uint16_t)(d[2 * k] | (d[2 * k + 1] << 8));
        *invalid = v == -32768;
        *value = v;
    } else if (format == 80) {
        if (k >= len)
            return -1;
        *value = (int)d[k] - 128;
        *invalid = *value == -128;
    } else { /* 212: two 12-bit two's complement samples in three bytes */
        size_t b = (k / 2) * 3;
        int v;
        if (k % 2 == 0) {
            if (b + 1 >= len)
                return -1;
            v = d[b] | ((d[b + 1] & 0x0F) << 8);
        } else {
            if (b + 2 >= len)
                return -1;
            v = d[b + 2] | ((d[b + 1] & 0xF0) << 4);
        }
        if (v & 0x800)
            v -= 0x1000;
        *invalid = v == -2048;
        *value = v;
    }
    return 0;
}

static double bytes_per_sample(int format)
{
    return format == 16 ? 2.0 : format == 80 ? 1.0 : 1.5;
}

/* Fills the signals [first, last) that share one file. */
static int read_signal_file(const char *dir, const wfdb_signal_spec *specs, size_t first,
                            size_t last, long nframes, double frame_fs, bio_record *rec,
                            char *err, size_t errlen)
{
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s%s", dir, specs[first].file);
    size_t len = 0;
    unsigned char *data = slurp(path, &len);
    if (!data) {
        bio_record_error(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    const wfdb_signal_spec *s0 = &specs[first];
    size_t offset = (size_t)s0->offset;
    if (offset > len) {
        bio_record_error(err, errlen, "%s: byte offset %zu is past the end of the file", path, offset);
        free(data);
        return -1;
    }
    const unsigned char *d = data + offset;
    len -= offset;
    size_t frame_samples = 0;
    for (size_t s = first; s < last; s++)
        frame_samples += (size_t)specs[s].spf;
    /* Whole frames the file holds: bounds both the header's length and the skews, so
     * no size or sample index below can overflow or run past the data. */
    double file_frames = (double)len / bytes_per_sample(s0->format) / (double)frame_samples;
    if (nframes <= 0) /* header gave no length: use all complete frames */
        nframes = (long)file_frames;
    if ((double)nframes > file_frames + 1.0) {
        bio_record_error(err, errlen, "%s: file is shorter than the %ld frames the header "
                         "announces (it holds %.0f)", path, nframes, floor(file_frames));
        free(data);
        return -1;
    }
    for (size_t s = first; s < last; s++)
        if (specs[s].skew > nframes) {
            bio_record_error(err, errlen, "%s: signal %zu: skew %ld is longer than the record (%ld frames)",
                             path, s, specs[s].skew, nframes);
            free(data);
            return -1;
        }
    for (size_t s = first; s < last; s++) {
        bio_signal *sig = &rec->signals[s];
        sig->fs = frame_fs * specs[s].spf;
        sig->n = (size_t)nframes * (size_t)specs[s].spf;
        copy_str(sig->name, sizeof sig->name, specs[s].name, strlen(specs[s].name));
        copy_str(sig->units, sizeof sig->units, specs[s].units, strlen(specs[s].units));
        sig->samples = malloc((sig->n ? sig->n : 1) * sizeof(float));
        if (!sig->samples) {
            bio_record_error(err, errlen, "%s: out of memory", path);
            free(data);
            return -1;
        }
    }
    int truncated = 0;
    for (size_t s = first; s < last; s++) {
        size_t pos_in_frame = 0;
        for (size_t t = first; t < s; t++)
            pos_in_frame += (size_t)specs[t].spf;
        const wfdb_signal_spec *sp = &specs[s];
        bio_signal *sig = &rec->signals[s];
        for (long f = 0; f < nframes; f++) {
            long src_frame = f + sp->skew;
            for (int j = 0; j < sp->spf; j++) {
                float *out = &sig->samples[(size_t)f * (size_t)sp->spf + (size_t)j];
                int value, invalid;
                size_t k = (size_t)src_frame * frame_samples + pos_in_frame + (size_t)j;
                if (decode_sample(d, len, sp->format, k, &value, &invalid) != 0) {
                    /* Skewed signals run out before the record ends: no data there. */
                    if (src_frame < nframes)
                        truncated = 1;
                    *out = NAN;
                } else {
                    *out = invalid ? NAN : (float)(((double)value - sp->baseline) / sp->gain);
                }
            }
        }
    }
    free(data);
    if (truncated) {
        bio_record_error(err, errlen, "%s: file is shorter than the %ld frames the header announces",
                path, nframes);
        return -1;
    }
    return 0;
}

int wfdb_record_read(const char *header_path, bio_record **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(header_path, "r");
    if (!f) {
        bio_record_error(err, errlen, "%s: cannot open: %s", header_path, strerror(errno));
        return -1;
    }
    char dir[4096];
    const char *slash = strrchr(header_path, '/');
    size_t dlen = slash ? (size_t)(slash - header_path + 1) : 0;
    copy_str(dir, sizeof dir, header_path, dlen);

    bio_record *rec = calloc(1, sizeof *rec);
    wfdb_signal_spec *specs = NULL;
    long nsig = -1, nframes = 0, got_sig = 0;
    double frame_fs = 250.0; /* WFDB's default */
    char line[1024];
    int lineno = 0, rc = -1;
    if (!rec) {
        bio_record_error(err, errlen, "%s: out of memory", header_path);
        goto done;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (*p && isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        if (nsig < 0) { /* the record line */
            char *tok[6]; /* name nsig fs nsamples base_time base_date */
            int nt = tokenize(p, tok, 6);
            if (nt < 2 || strchr(tok[0], '/') || parse_long(tok[1], &nsig) != 0 || nsig < 1 ||
                nsig > 256) {
                bio_record_error(err, errlen, "%s:%d: expected a record line 'name nsig [fs [nsamples]]'"
                                     " of a single-segment record with 1..256 signals",
                        header_path, lineno);
                nsig = -1;
                goto done;
            }
            copy_str(rec->name, sizeof rec->name, tok[0], strlen(tok[0]));
            if (nt > 2) {
                char *end;
                frame_fs = strtod(tok[2], &end); /* "360" or "360/...": counter ignored */
                if (end == tok[2] || (*end && *end != '/') || !(frame_fs > 0) ||
                    frame_fs > 1e6) {
                    bio_record_error(err, errlen, "%s:%d: bad sampling frequency '%s'", header_path,
                            lineno, tok[2]);
                    goto done;
                }
            }
            if (nt > 3 && (parse_long(tok[3], &nframes) != 0 || nframes < 0)) {
                bio_record_error(err, errlen, "%s:%d: bad number of samples '%s'", header_path, lineno,
                        tok[3]);
                goto done;
            }
            specs = calloc((size_t)nsig, sizeof *specs);
            rec->signals = calloc((size_t)nsig, sizeof *rec->signals);
            if (!specs || !rec->signals) {
                bio_record_error(err, errlen, "%s: out of memory", header_path);
                goto done;
            }
            continue;
        }
        if (got_sig == nsig)
            break; /* info lines after the signals are not ours */
        if (parse_signal_line(p, header_path, lineno, &specs[got_sig], err, errlen) != 0)
            goto done;
        if (specs[got_sig].name[0] == '\0')
            snprintf(specs[got_sig].name, sizeof specs[got_sig].name, "sig%ld", got_sig);
        got_sig++;
    }
    if (nsig < 0) {
        bio_record_error(err, errlen, "%s:%d: no record line", header_path, lineno);
        goto done;
    }
    if (got_sig < nsig) {
        bio_record_error(err, errlen, "%s:%d: header announces %ld signals but describes %ld",
                header_path, lineno, nsig, got_sig);
        goto done;
    }
    rec->nsig = (size_t)nsig;
    /* Signals stored in one file are consecutive lines naming the same file. */
    for (size_t s = 0; s < rec->nsig;) {
        size_t e = s + 1;
        while (e < rec->nsig && strcmp(specs[e].file, specs[s].file) == 0) {
            if (specs[e].format != specs[s].format) {
                bio_record_error(err, errlen, "%s: signals sharing %s must have one format",
                        header_path, specs[s].file);
                goto done;
            }
            e++;
        }
        if (read_signal_file(dir, specs, s, e, nframes, frame_fs, rec, err, errlen) != 0)
            goto done;
        s = e;
    }
    rc = 0;
done:
    fclose(f);
    free(specs);
    if (rc == 0) {
        *out = rec;
    } else if (rec) {
        rec->nsig = (size_t)(got_sig > 0 ? got_sig : 0);
        bio_record_free(rec);
    }
    return rc;
}

/* MIT annotation format pseudo-codes (annot(5)). */
enum { ANN_SKIP = 59, ANN_NUM = 60, ANN_SUB = 61, ANN_CHN = 62, ANN_AUX = 63 };
enum { ANN_NOTE = 22 };

int wfdb_annotations_read(const char *ann_path, double frame_fs, bio_record *rec,
                          char *err, size_t errlen)
{
    size_t len = 0;
    unsigned char *d = slurp(ann_path, &len);
    if (!d) {
        bio_record_error(err, errlen, "%s: cannot read: %s", ann_path, strerror(errno));
        return -1;
    }
    size_t cap = len / 2 + 1, n = 0;
    bio_annotation *ann = malloc(cap * sizeof *ann);
    if (!ann) {
        free(d);
        bio_record_error(err, errlen, "%s: out of memory", ann_path);
        return -1;
    }
    double fs = frame_fs;
    int64_t t = 0;
    uint8_t chan = 0, num = 0;
    size_t pos = 0;
    int rc = -1;
    while (pos + 2 <= len) {
        unsigned w = d[pos] | (d[pos + 1] << 8u);
        size_t at = pos;
        pos += 2;
        if (w == 0) {
            rc = 0; /* end of file marker */
            break;
        }
        unsigned type = w >> 10, data = w & 0x3FFu;
        if (type == ANN_SKIP) {
            if (pos + 4 > len)
                break;
            /* PDP-11 long: high 16-bit word first, each word little-endian. */
            uint32_t hi = d[pos] | (d[pos + 1] << 8u), lo = d[pos + 2] | (d[pos + 3] << 8u);
            t += (int32_t)((hi << 16) | lo);
            pos += 4;
        } else if (type == ANN_NUM || type == ANN_SUB || type == ANN_CHN) {
            if (n == 0)
                goto bad_modifier;
            if (type == ANN_NUM)
                num = (uint8_t)data, ann[n - 1].num = num;
            else if (type == ANN_SUB)
                ann[n - 1].sub = (int8_t)data;
            else
                chan = (uint8_t)data, ann[n - 1].chan = chan;
        } else if (type == ANN_AUX) {
            if (n == 0)
                goto bad_modifier;
            size_t alen = data;
            if (pos + alen > len)
                break;
            static const char res_tag[] = "## time resolution: ";
            bio_annotation *a = &ann[n - 1];
            if (a->code == ANN_NOTE && a->sample == 0 && alen > sizeof res_tag - 1 &&
                memcmp(d + pos, res_tag, sizeof res_tag - 1) == 0) {
                char num_txt[32];
                size_t nl = alen - (sizeof res_tag - 1);
                copy_str(num_txt, sizeof num_txt, (const char *)d + pos + sizeof res_tag - 1, nl);
                double r = strtod(num_txt, NULL);
                if (r > 0 && r < 1e7)
                    fs = r;
            }
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
        } else {
            bio_record_error(err, errlen, "%s: byte %zu: unknown annotation code %u", ann_path, at, type);
            goto out;
        }
        continue;
    bad_modifier:
        bio_record_error(err, errlen, "%s: byte %zu: modifier before any annotation", ann_path, at);
        goto out;
    }
    if (rc != 0) {
        bio_record_error(err, errlen, "%s: truncated (no end-of-file marker)", ann_path);
        goto out;
    }
    free(rec->ann);
    rec->ann = ann;
    rec->nann = n;
    rec->ann_fs = fs;
    ann = NULL;
out:
    free(ann);
    free(d);
    return rc;
}

bool wfdb_code_is_beat(int code)
{
    switch (code) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10:
    case 11: case 12: case 13: case 25: case 30: case 34: case 35: case 37: case 38:
    case 41:
        return true;
    default:
        return false;
    }
}

char wfdb_code_symbol(int code)
{
    /* ecgcodes.h, codes 0..41 (15 and 17 are unused). */
    static const char table[] = " NLRaVFJASEj/Q~?|?sT*D\"=pB^t+u?![]en@xf()r";
    if (code < 0 || (size_t)code >= sizeof table - 1)
        return '?';
    return table[code];
}
