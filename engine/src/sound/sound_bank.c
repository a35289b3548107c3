/* The sound bank (sound_bank.h): look-up in the sound directories, decoding with
 * libsndfile, conversion with libsamplerate, sharing by refcount. */
#include "sound/sound_bank.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "sound/sound_file.h"

#define SOUND_MAX_DIRS 16
/* Frames decoded per read: bounds the scratch memory whatever the file's size. */
#define READ_CHUNK 8192

static const char *const k_errors[SOUND_ERR_COUNT] = {
    [SOUND_OK] = "no error",
    [SOUND_ERR_PATH] = "not a relative path inside the sound directories",
    [SOUND_ERR_NO_DIRS] = "no sound directories are configured",
    [SOUND_ERR_MISSING] = "no such file in the sound directories",
    [SOUND_ERR_ESCAPE] = "the file lies outside the sound directories",
    [SOUND_ERR_UNREADABLE] = "cannot read the file",
    [SOUND_ERR_UNSUPPORTED] = "unsupported file format",
    [SOUND_ERR_CHANNELS] = "only mono and stereo files are supported",
    [SOUND_ERR_EMPTY] = "the file holds no audio",
    [SOUND_ERR_OVERSIZED] = "the file is oversized",
    [SOUND_ERR_BANK_FULL] = "the sound bank is full",
    [SOUND_ERR_CONVERT] = "sample rate conversion failed",
    [SOUND_ERR_NOMEM] = "out of memory",
};

const char *sound_strerror(int code)
{
    return code >= 0 && code < SOUND_ERR_COUNT ? k_errors[code] : "unknown sound error";
}

/* Writes "<fixed text>: <detail>" and returns the code. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
    char detail[768] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", sound_strerror(code), detail[0] ? ": " : "", detail);
    return code;
}

/* An entry: the public part first so a sound_data pointer is an entry pointer. */
typedef struct sound_entry {
    sound_data pub;
    struct sound_entry *next;
    char *real_path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    float *samples[2];
    uint64_t bytes;
    unsigned refs;
} sound_entry;

struct sound_bank {
    pthread_mutex_t lock; /* [any !audio] guards entries and the byte counts */
    /* [main] set at creation, read-only after */
    double rate;
    char *dirs[SOUND_MAX_DIRS];
    size_t dir_count;
    /* [worker] under lock (loads, releases); stats read them under it too */
    sound_entry *entries;
    uint64_t bytes, max_bytes, decodes;
};

sound_bank *sound_bank_create(double sample_rate, const char *const *dirs)
{
    sound_bank *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    pthread_mutex_init(&b->lock, NULL);
    b->rate = sample_rate;
    b->max_bytes = SOUND_BANK_MAX_BYTES;
    for (size_t i = 0; dirs && dirs[i] && b->dir_count < SOUND_MAX_DIRS; i++) {
        if (!(b->dirs[b->dir_count] = strdup(dirs[i]))) {
            sound_bank_destroy(b);
            return NULL;
        }
        b->dir_count++;
    }
    return b;
}

static void entry_free(sound_entry *e)
{
    free(e->samples[0]);
    free(e->samples[1]);
    free(e->real_path);
    free(e);
}

void sound_bank_destroy(sound_bank *b)
{
    if (!b) return;
    for (sound_entry *e = b->entries, *next; e; e = next) {
        next = e->next;
        if (e->refs)
            log_warn("sound bank: %s still has %u reference(s) at shutdown", e->real_path, e->refs);
        entry_free(e);
    }
    for (size_t i = 0; i < b->dir_count; i++) free(b->dirs[i]);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

void sound_bank_set_limit(sound_bank *b, uint64_t max_bytes)
{
    pthread_mutex_lock(&b->lock);
    b->max_bytes = max_bytes;
    pthread_mutex_unlock(&b->lock);
}

double sound_bank_rate(const sound_bank *b) { return b->rate; }

void sound_bank_get_stats(sound_bank *b, sound_bank_stats *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_lock(&b->lock);
    for (const sound_entry *e = b->entries; e; e = e->next) s->sounds++;
    s->bytes = b->bytes;
    s->decodes = b->decodes;
    pthread_mutex_unlock(&b->lock);
}

/* ---------------------------------------------------------------------------------
 * Finding the file */

int sound_path_check(const char *rel, char *why, size_t whylen)
{
    size_t n = rel ? strnlen(rel, SOUND_MAX_PATH + 1) : 0;
    if (n == 0) return fail(why, whylen, SOUND_ERR_PATH, "the path is empty");
    if (n > SOUND_MAX_PATH)
        return fail(why, whylen, SOUND_ERR_PATH, "the path is longer than %u bytes",
                    SOUND_MAX_PATH);
    if (rel[0] == '/')
        return fail(why, whylen, SOUND_ERR_PATH,
                    "\"%s\" is absolute; name the file relative to a sound directory", rel);
    if (strchr(rel, '\\'))
        return fail(why, whylen, SOUND_ERR_PATH, "\"%s\" contains '\\'; separate folders with '/'",
                    rel);
    /* ".." as a whole component: "a..b.wav" is a fine name, "../x" and "a/../x" are not. */
    for (const char *c = rel; *c;) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return fail(why, whylen, SOUND_ERR_PATH, "\"%s\" contains \"..\"", rel);
        c += len;
        if (*c == '/') c++;
    }
    return SOUND_OK;
}

/* "a, b" of the directories, for messages. */
static void dir_list(const sound_bank *b, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < b->dir_count && len + 1 < n; i++) {
        int w = snprintf(out + len, n - len, "%s%s", i ? ", " : "", b->dirs[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
}

/* The first directory holding `rel` wins; its real path must lie inside that
 * directory's real path. Fills real (PATH_MAX) and st. */
static int resolve(const sound_bank *b, const char *rel, char *real, struct stat *st, char *err,
                   size_t errlen)
{
    int code = sound_path_check(rel, err, errlen);
    if (code) return code;
    if (b->dir_count == 0)
        return fail(err, errlen, SOUND_ERR_NO_DIRS,
                    "give one with --sounds DIR or $LULL_SOUND_DIR to find \"%s\"", rel);
    for (size_t i = 0; i < b->dir_count; i++) {
        char path[PATH_MAX + SOUND_MAX_PATH + 2];
        snprintf(path, sizeof path, "%s/%s", b->dirs[i], rel);
        struct stat lst;
        if (lstat(path, &lst) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            return fail(err, errlen, SOUND_ERR_UNREADABLE, "%s: %s", path, strerror(errno));
        }
        char dir_real[PATH_MAX];
        if (!realpath(b->dirs[i], dir_real))
            return fail(err, errlen, SOUND_ERR_UNREADABLE, "sound directory %s: %s", b->dirs[i],
                        strerror(errno));
        if (!realpath(path, real)) {
            /* A dangling symlink: there is a name, but nothing behind it. */
            return fail(err, errlen, SOUND_ERR_UNREADABLE, "%s: %s", path, strerror(errno));
        }
        size_t dl = strlen(dir_real);
        bool inside = strncmp(real, dir_real, dl) == 0 && (real[dl] == '/' || dl == 1);
        if (!inside)
            return fail(err, errlen, SOUND_ERR_ESCAPE, "%s resolves to %s, outside %s", path, real,
                        dir_real);
        if (stat(real, st) != 0)
            return fail(err, errlen, SOUND_ERR_UNREADABLE, "%s: %s", real, strerror(errno));
        if (!S_ISREG(st->st_mode))
            return fail(err, errlen, SOUND_ERR_UNREADABLE, "%s is not a regular file", real);
        return SOUND_OK;
    }
    char dirs[1024];
    dir_list(b, dirs, sizeof dirs);
    return fail(err, errlen, SOUND_ERR_MISSING, "\"%s\" is in none of: %s", rel, dirs);
}

/* ---------------------------------------------------------------------------------
 * Decoding and conversion */

typedef struct decoded {
    uint32_t channels;
    uint64_t frames;
    double file_rate;
    float *samples[2];
    uint64_t nonfinite; /* samples scrubbed to 0 */
    uint64_t cap, max;  /* frames the arrays hold now, and at most */
} decoded;

/* Bytes per frame of one channel for the uncompressed encodings, 0 for the others:
 * bounds the frame count by the file's size whatever the header says. */
/* Bytes per sample of an uncompressed encoding; 0 for a compressed container
 * (FLAC and Ogg report their decoded subtype, e.g. PCM_16, but hold far fewer
 * bytes than frames x channels x 2, so the file size bounds nothing there). */
static uint64_t pcm_bytes(int format)
{
    switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_FLAC:
    case SF_FORMAT_OGG:
#ifdef SF_FORMAT_MPEG
    case SF_FORMAT_MPEG:
#endif
        return 0;
    default: break;
    }
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_ULAW:
    case SF_FORMAT_ALAW: return 1;
    case SF_FORMAT_PCM_16: return 2;
    case SF_FORMAT_PCM_24: return 3;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT: return 4;
    case SF_FORMAT_DOUBLE: return 8;
    default: return 0;
    }
}

/* Frames a compressed file gets room for at first; more as they decode. */
#define FIRST_ROOM_COMPRESSED (1u << 20)

/* Opens the file, checks what its header says and how much room its samples need
 * at `rate` (*first_room frames per channel to start with, *max_frames at most: the
 * decode grows the buffers and refuses past that). The header's frame count is
 * never trusted for allocation: for uncompressed files it is capped by the file's
 * size, for compressed ones the first room is small and grows. */
static int open_checked(const char *real, const char *rel, double rate, sound_file *file,
                        SF_INFO *info, uint64_t *first_room, uint64_t *max_frames, char *err,
                        size_t errlen)
{
    char why[512] = "";
    int status = sound_file_open(file, real, info, why, sizeof why);
    if (status == SOUND_FILE_EMPTY)
        return fail(err, errlen, SOUND_ERR_EMPTY, "\"%s\": %s", rel, why);
    if (status == SOUND_FILE_NO_CHANNELS)
        return fail(err, errlen, SOUND_ERR_CHANNELS, "\"%s\" has 0 channels: %s", rel, why);
    if (status == SOUND_FILE_SYSTEM)
        return fail(err, errlen, SOUND_ERR_UNREADABLE, "\"%s\": %s", rel, why);
    if (status != SOUND_FILE_OK) {
        int e = sf_error(NULL);
        int code = e == SF_ERR_UNRECOGNISED_FORMAT || e == SF_ERR_UNSUPPORTED_ENCODING
                       ? SOUND_ERR_UNSUPPORTED
                       : SOUND_ERR_UNREADABLE;
        return fail(err, errlen, code, "\"%s\": %s", rel, why);
    }
    if (file->patch_count)
        log_warn("sound %s: the WAV header declares %llu data bytes (a streamed or truncated "
                 "file); reading the %llu bytes the file holds",
                 real, (unsigned long long)file->declared_data,
                 (unsigned long long)file->real_data);
    /* The header's frame count, capped by what the file's bytes can hold. */
    sf_count_t frames = info->frames;
    uint64_t bpf = pcm_bytes(info->format) * (uint64_t)(info->channels > 0 ? info->channels : 1);
    if (bpf && frames > 0 && (uint64_t)frames > file->size / bpf) {
        log_warn("sound %s: the header declares %lld frames, the file holds at most %llu", real,
                 (long long)frames, (unsigned long long)(file->size / bpf));
        frames = (sf_count_t)(file->size / bpf);
    }
    int code = SOUND_OK;
    double ratio = info->samplerate > 0 ? rate / info->samplerate : 0.0;
    if (info->channels < 1 || (uint32_t)info->channels > SOUND_MAX_CHANNELS)
        code = fail(err, errlen, SOUND_ERR_CHANNELS, "\"%s\" has %d channels", rel, info->channels);
    else if (frames <= 0)
        code = fail(err, errlen, SOUND_ERR_EMPTY, "\"%s\" has 0 frames", rel);
    else if (info->samplerate <= 0)
        code = fail(err, errlen, SOUND_ERR_UNSUPPORTED, "\"%s\" declares a sample rate of %d Hz",
                    rel, info->samplerate);
    else if ((double)frames / info->samplerate > SOUND_MAX_SECONDS)
        code = fail(err, errlen, SOUND_ERR_OVERSIZED, "\"%s\" lasts %.1f s; at most %.0f s", rel,
                    (double)frames / info->samplerate, SOUND_MAX_SECONDS);
    else if (ceil((double)frames * ratio) * info->channels > (double)SOUND_MAX_SAMPLES)
        code = fail(err, errlen, SOUND_ERR_OVERSIZED,
                    "\"%s\" would hold %.0f samples at %g Hz; at most %llu (64 Mi)", rel,
                    ceil((double)frames * ratio) * info->channels, rate,
                    (unsigned long long)SOUND_MAX_SAMPLES);
    else if (!src_is_valid_ratio(ratio))
        code = fail(err, errlen, SOUND_ERR_CONVERT,
                    "\"%s\" is at %d Hz: libsamplerate cannot convert it to %g Hz (ratio %g)", rel,
                    info->samplerate, rate, ratio);
    if (code) {
        sound_file_close(file);
        return code;
    }
    /* Room for the converter's output: its count may exceed frames*ratio by a frame
     * or two at the end. */
    bool same = info->samplerate == (int)rate && (double)info->samplerate == rate;
    uint64_t want = same ? (uint64_t)frames : (uint64_t)ceil((double)frames * ratio) + 16;
    uint64_t most = SOUND_MAX_SAMPLES / (uint64_t)info->channels;
    uint64_t most_time = (uint64_t)ceil(SOUND_MAX_SECONDS * rate) + 16;
    *max_frames = most < most_time ? most : most_time;
    if (!bpf && want > FIRST_ROOM_COMPRESSED) want = FIRST_ROOM_COMPRESSED;
    *first_room = want < *max_frames ? want : *max_frames;
    return SOUND_OK;
}

/* Appends n interleaved frames to the channel arrays, scrubbing NaN/Inf and growing
 * the arrays (doubling, up to d->max) when the file holds more than its header said.
 * Returns SOUND_OK, SOUND_ERR_OVERSIZED or SOUND_ERR_NOMEM. */
static int append(decoded *d, const float *in, uint64_t n)
{
    if (d->frames + n > d->cap) {
        if (d->frames + n > d->max) return SOUND_ERR_OVERSIZED;
        uint64_t cap = d->cap * 2 > d->frames + n ? d->cap * 2 : d->frames + n;
        if (cap > d->max) cap = d->max;
        for (uint32_t c = 0; c < d->channels; c++) {
            float *grown = realloc(d->samples[c], cap * sizeof(float));
            if (!grown) return SOUND_ERR_NOMEM;
            d->samples[c] = grown;
        }
        d->cap = cap;
    }
    for (uint64_t f = 0; f < n; f++, d->frames++)
        for (uint32_t c = 0; c < d->channels; c++) {
            float x = in[f * d->channels + c];
            if (!isfinite(x)) {
                x = 0.0f;
                d->nonfinite++;
            }
            d->samples[c][d->frames] = x;
        }
    return SOUND_OK;
}

/* Reads the whole file; with `keep`, converts to `rate` into d->samples (first
 * `room` frames per channel, growing up to `max`). */
static int decode(SNDFILE *sf, const SF_INFO *info, const char *rel, double rate, bool keep,
                  uint64_t room, uint64_t max, decoded *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->channels = (uint32_t)info->channels;
    d->file_rate = info->samplerate;
    d->cap = keep ? (room > 0 ? room : 1) : 0;
    d->max = max;
    uint32_t ch = d->channels;
    bool convert = keep && (double)info->samplerate != rate;
    double ratio = rate / info->samplerate;
    size_t out_chunk = convert ? (size_t)ceil(READ_CHUNK * ratio) + 64 : 0;
    float *in = malloc((size_t)READ_CHUNK * ch * sizeof(float));
    float *out = convert ? malloc(out_chunk * ch * sizeof(float)) : NULL;
    SRC_STATE *src = NULL;
    int code = SOUND_OK, serr = 0;
    /* The file's own frames at most, whatever its header says. */
    const uint64_t max_read = (uint64_t)(SOUND_MAX_SECONDS * info->samplerate);
    if (!in || (convert && !out)) code = fail(err, errlen, SOUND_ERR_NOMEM, "\"%s\"", rel);
    for (uint32_t c = 0; keep && !code && c < ch; c++)
        if (!(d->samples[c] = malloc(d->cap * sizeof(float))))
            code = fail(err, errlen, SOUND_ERR_NOMEM, "\"%s\" needs %llu MiB", rel,
                        (unsigned long long)(d->cap * ch * sizeof(float) >> 20));
    if (!code && convert && !(src = src_new(SRC_SINC_BEST_QUALITY, (int)ch, &serr)))
        code = fail(err, errlen, SOUND_ERR_CONVERT, "\"%s\": %s", rel, src_strerror(serr));

    uint64_t read_total = 0;
    bool eof = false;
    sf_count_t in_left = 0;
    const float *in_ptr = in;
    int grow = SOUND_OK;
    while (!code) {
        if (in_left == 0 && !eof) {
            sf_count_t n = sf_readf_float(sf, in, READ_CHUNK);
            if (n < READ_CHUNK && sf_error(sf) != SF_ERR_NO_ERROR) {
                code = fail(err, errlen, SOUND_ERR_UNREADABLE, "\"%s\" after %llu frames: %s", rel,
                            (unsigned long long)(read_total + (uint64_t)(n > 0 ? n : 0)),
                            sf_strerror(sf));
                break;
            }
            if (n <= 0) n = 0;
            read_total += (uint64_t)n;
            if (read_total > max_read) {
                code = fail(err, errlen, SOUND_ERR_OVERSIZED,
                            "\"%s\" lasts more than %.0f s (its header said less)", rel,
                            SOUND_MAX_SECONDS);
                break;
            }
            eof = n < READ_CHUNK;
            in_left = n;
            in_ptr = in;
            if (!convert) {
                if (keep && (grow = append(d, in, (uint64_t)n)) != SOUND_OK) break;
                in_left = 0;
                if (eof) break;
                continue;
            }
        }
        SRC_DATA sd = {.data_in = in_ptr,
                       .data_out = out,
                       .input_frames = (long)in_left,
                       .output_frames = (long)out_chunk,
                       .end_of_input = eof,
                       .src_ratio = ratio};
        if ((serr = src_process(src, &sd)) != 0) {
            code = fail(err, errlen, SOUND_ERR_CONVERT, "\"%s\": %s", rel, src_strerror(serr));
            break;
        }
        if ((grow = append(d, out, (uint64_t)sd.output_frames_gen)) != SOUND_OK) break;
        in_ptr += sd.input_frames_used * ch;
        in_left -= sd.input_frames_used;
        if (eof && in_left == 0 && sd.output_frames_gen == 0) break;
    }
    if (!code && grow == SOUND_ERR_OVERSIZED)
        code = fail(err, errlen, SOUND_ERR_OVERSIZED,
                    "\"%s\" holds more than %llu frames at %g Hz (its header said less)", rel,
                    (unsigned long long)d->max, rate);
    else if (!code && grow != SOUND_OK)
        code = fail(err, errlen, SOUND_ERR_NOMEM, "\"%s\" after %llu frames", rel,
                    (unsigned long long)d->frames);
    if (!keep) d->frames = read_total;
    /* The converter's flush may add a frame: a file of n frames at fs lasts n/fs
     * seconds, so it holds round(n x ratio) frames at the engine rate. */
    if (keep && !code && d->frames > (uint64_t)llround((double)read_total * ratio))
        d->frames = (uint64_t)llround((double)read_total * ratio);
    if (!code && read_total == 0)
        code = fail(err, errlen, SOUND_ERR_EMPTY, "\"%s\" has no readable frames", rel);
    if (!code && keep && d->frames == 0)
        code =
            fail(err, errlen, SOUND_ERR_EMPTY, "\"%s\" converts to 0 frames at %g Hz", rel, rate);
    if (src) src_delete(src);
    free(in);
    free(out);
    if (code) {
        free(d->samples[0]);
        free(d->samples[1]);
        d->samples[0] = d->samples[1] = NULL;
    }
    return code;
}

/* ---------------------------------------------------------------------------------
 * The bank */

static bool same_file(const sound_entry *e, const char *real, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           strcmp(e->real_path, real) == 0;
}

static int load_entry(sound_bank *b, const char *rel, const char *real, const struct stat *st,
                      sound_entry **out, char *err, size_t errlen)
{
    sound_file file;
    SF_INFO info;
    uint64_t room = 0, most = 0;
    int code = open_checked(real, rel, b->rate, &file, &info, &room, &most, err, errlen);
    if (code) return code;
    uint64_t need = room * (uint64_t)info.channels * sizeof(float);
    if (b->bytes + need > b->max_bytes) {
        sound_file_close(&file);
        return fail(err, errlen, SOUND_ERR_BANK_FULL,
                    "\"%s\" needs %.1f MiB and the bank already holds %.1f MiB of at most %.1f MiB",
                    rel, need / 1048576.0, b->bytes / 1048576.0, b->max_bytes / 1048576.0);
    }
    decoded d;
    code = decode(file.sf, &info, rel, b->rate, true, room, most, &d, err, errlen);
    sound_file_close(&file);
    b->decodes++;
    if (code) return code;
    need = d.frames * d.channels * sizeof(float);
    if (b->bytes + need > b->max_bytes) { /* more than its header said */
        free(d.samples[0]);
        free(d.samples[1]);
        return fail(err, errlen, SOUND_ERR_BANK_FULL,
                    "\"%s\" needs %.1f MiB and the bank already holds %.1f MiB of at most %.1f MiB",
                    rel, need / 1048576.0, b->bytes / 1048576.0, b->max_bytes / 1048576.0);
    }
    if (d.nonfinite)
        log_warn("sound %s: %llu NaN/Inf samples replaced by 0", real,
                 (unsigned long long)d.nonfinite);
    sound_entry *e = calloc(1, sizeof *e);
    if (!e || !(e->real_path = strdup(real))) {
        free(e);
        free(d.samples[0]);
        free(d.samples[1]);
        return fail(err, errlen, SOUND_ERR_NOMEM, "\"%s\"", rel);
    }
    for (uint32_t c = 0; c < d.channels; c++) {
        /* Give back the converter's slack. */
        float *shrunk = realloc(d.samples[c], d.frames * sizeof(float));
        e->samples[c] = shrunk ? shrunk : d.samples[c];
        e->pub.data[c] = e->samples[c];
    }
    e->pub.channels = d.channels;
    e->pub.frames = d.frames;
    e->pub.sample_rate = b->rate;
    e->pub.file_rate = d.file_rate;
    e->pub.real_path = e->real_path;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtime = st->st_mtim;
    e->bytes = d.frames * d.channels * sizeof(float);
    e->refs = 0;
    e->next = b->entries;
    b->entries = e;
    b->bytes += e->bytes;
    log_info("sound %s: %u ch, %llu frames at %g Hz (from %g Hz)", real, d.channels,
             (unsigned long long)d.frames, b->rate, d.file_rate);
    *out = e;
    return SOUND_OK;
}

const sound_data *sound_bank_acquire(sound_bank *b, const char *rel, int *code, char *err,
                                     size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    sound_entry *e = NULL;
    pthread_mutex_lock(&b->lock);
    int c = resolve(b, rel, real, &st, err, errlen);
    if (!c) {
        for (e = b->entries; e && !same_file(e, real, &st); e = e->next) {
        }
        if (!e) c = load_entry(b, rel, real, &st, &e, err, errlen);
    }
    if (!c) e->refs++;
    pthread_mutex_unlock(&b->lock);
    if (code) *code = c;
    return c ? NULL : &e->pub;
}

void sound_bank_release(sound_bank *b, const sound_data *s)
{
    if (!b || !s) return;
    pthread_mutex_lock(&b->lock);
    for (sound_entry **p = &b->entries; *p; p = &(*p)->next) {
        sound_entry *e = *p;
        if (&e->pub != s) continue;
        if (e->refs > 0 && --e->refs == 0) {
            *p = e->next;
            b->bytes -= e->bytes;
            entry_free(e);
        }
        break;
    }
    pthread_mutex_unlock(&b->lock);
}

int sound_bank_check(sound_bank *b, const char *rel, char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    pthread_mutex_lock(&b->lock);
    int code = resolve(b, rel, real, &st, err, errlen);
    pthread_mutex_unlock(&b->lock);
    if (code) return code;
    sound_file file;
    SF_INFO info;
    uint64_t room = 0, most = 0;
    code = open_checked(real, rel, b->rate, &file, &info, &room, &most, err, errlen);
    if (code) return code;
    decoded d;
    code = decode(file.sf, &info, rel, b->rate, false, room, most, &d, err, errlen);
    sound_file_close(&file);
    return code;
}
