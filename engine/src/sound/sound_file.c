/* Opening a sound file (sound_file.h): the container's header is read first, only
 * as far as the sizes and the channel count, then libsndfile decodes. */
#include "sound/sound_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Chunks walked before the data chunk; real files have a handful (fmt, fact, LIST,
 * bext, JUNK...). Bounds the walk of a corrupt file. */
#define MAX_CHUNKS 256

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[1] | p[0] << 8); }

/* Reads exactly n bytes at off; false at end of file or on error. */
static bool read_at(int fd, uint64_t off, void *buf, size_t n)
{
    ssize_t got = pread(fd, buf, n, (off_t)off);
    return got == (ssize_t)n;
}

static bool printable_id(const uint8_t *id)
{
    for (int i = 0; i < 4; i++)
        if (id[i] < 0x20 || id[i] > 0x7e) return false;
    return true;
}

static void add_patch(sound_file *f, uint64_t at, uint32_t value)
{
    uint8_t *p = f->patch[f->patch_count];
    p[0] = (uint8_t)value;
    p[1] = (uint8_t)(value >> 8);
    p[2] = (uint8_t)(value >> 16);
    p[3] = (uint8_t)(value >> 24);
    f->patch_at[f->patch_count++] = at;
}

/* RIFF/WAVE: the channel count and the data size. */
static int check_wav(sound_file *f, const uint8_t *head, char *why, size_t whylen)
{
    uint16_t block_align = 0;
    bool have_fmt = false;
    uint64_t pos = 12;
    for (int n = 0; n < MAX_CHUNKS && pos + 8 <= f->size; n++) {
        uint8_t ch[8];
        if (!read_at(f->fd, pos, ch, 8)) break;
        uint32_t len = le32(ch + 4);
        if (memcmp(ch, "fmt ", 4) == 0) {
            uint8_t fmt[16];
            if (len >= 16 && read_at(f->fd, pos + 8, fmt, sizeof fmt)) {
                have_fmt = true;
                block_align = le16(fmt + 12);
                if (le16(fmt + 2) == 0) {
                    snprintf(why, whylen, "the fmt chunk declares 0 channels");
                    return SOUND_FILE_NO_CHANNELS;
                }
            }
        } else if (memcmp(ch, "data", 4) == 0) {
            uint64_t start = pos + 8, left = f->size - start;
            uint64_t real = left;
            if (len == 0 && left >= 8) {
                /* Audio follows, or only another chunk? */
                uint8_t next[8];
                if (read_at(f->fd, start, next, 8) && printable_id(next) &&
                    (uint64_t)le32(next + 4) + 8 <= left)
                    real = 0;
            }
            if (len != 0 && len <= left) return SOUND_FILE_OK; /* the header is right */
            if (have_fmt && block_align > 0) real -= real % block_align;
            if (real > 0xFFFFFFF0u) /* past what a RIFF size can say; refused as oversized later */
                real = 0xFFFFFFF0u - 0xFFFFFFF0u % (block_align ? block_align : 1);
            if (real == 0) {
                snprintf(why, whylen,
                         "0 frames: the data chunk is empty (data size %u, %llu bytes after it)",
                         len, (unsigned long long)left);
                return SOUND_FILE_EMPTY;
            }
            f->declared_data = len;
            f->real_data = real;
            add_patch(f, pos + 4, (uint32_t)real);
            uint32_t riff = le32(head + 4);
            if (riff == 0 || riff == 0xFFFFFFFFu || riff > f->size - 8)
                add_patch(f, 4, (uint32_t)(f->size - 8 > 0xFFFFFFF0u ? 0xFFFFFFF0u : f->size - 8));
            return SOUND_FILE_OK;
        }
        uint64_t next = pos + 8 + (uint64_t)len + (len & 1u);
        if (next <= pos) break;
        pos = next;
    }
    return SOUND_FILE_OK; /* libsndfile says what is wrong with it */
}

/* AIFF / AIFF-C: the channel count. */
static int check_aiff(sound_file *f, char *why, size_t whylen)
{
    uint64_t pos = 12;
    for (int n = 0; n < MAX_CHUNKS && pos + 8 <= f->size; n++) {
        uint8_t ch[10];
        if (!read_at(f->fd, pos, ch, 8)) break;
        uint32_t len = be32(ch + 4);
        if (memcmp(ch, "COMM", 4) == 0) {
            if (len >= 2 && read_at(f->fd, pos + 8, ch + 8, 2) && be16(ch + 8) == 0) {
                snprintf(why, whylen, "the COMM chunk declares 0 channels");
                return SOUND_FILE_NO_CHANNELS;
            }
            break;
        }
        uint64_t next = pos + 8 + (uint64_t)len + (len & 1u);
        if (next <= pos) break;
        pos = next;
    }
    return SOUND_FILE_OK;
}

/* libsndfile virtual I/O over the file with the patched fields. */
static sf_count_t vio_len(void *user) { return (sf_count_t)((sound_file *)user)->size; }
static sf_count_t vio_tell(void *user) { return (sf_count_t)((sound_file *)user)->pos; }
static sf_count_t vio_seek(sf_count_t offset, int whence, void *user)
{
    sound_file *f = user;
    int64_t base = whence == SEEK_CUR ? (int64_t)f->pos : whence == SEEK_END ? (int64_t)f->size : 0;
    int64_t to = base + offset;
    if (to < 0) return -1;
    f->pos = (uint64_t)to;
    return (sf_count_t)f->pos;
}
static sf_count_t vio_read(void *ptr, sf_count_t count, void *user)
{
    sound_file *f = user;
    if (count <= 0 || f->pos >= f->size) return 0;
    ssize_t got = pread(f->fd, ptr, (size_t)count, (off_t)f->pos);
    if (got <= 0) return 0;
    for (uint32_t i = 0; i < f->patch_count; i++)
        for (uint64_t b = 0; b < 4; b++) {
            uint64_t at = f->patch_at[i] + b;
            if (at >= f->pos && at < f->pos + (uint64_t)got)
                ((uint8_t *)ptr)[at - f->pos] = f->patch[i][b];
        }
    f->pos += (uint64_t)got;
    return got;
}
static sf_count_t vio_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr, (void)count, (void)user;
    return 0;
}

int sound_file_open(sound_file *f, const char *path, SF_INFO *info, char *why, size_t whylen)
{
    memset(f, 0, sizeof *f);
    memset(info, 0, sizeof *info);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return SOUND_FILE_SYSTEM;
    }
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        sound_file_close(f);
        return SOUND_FILE_SYSTEM;
    }
    f->size = (uint64_t)st.st_size;
    int status = SOUND_FILE_OK;
    uint8_t head[12];
    if (f->size == 0) {
        snprintf(why, whylen, "the file is empty (0 bytes)");
        status = SOUND_FILE_EMPTY;
    } else if (f->size >= 12 && read_at(f->fd, 0, head, 12)) {
        if (memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WAVE", 4) == 0)
            status = check_wav(f, head, why, whylen);
        else if (memcmp(head, "FORM", 4) == 0 &&
                 (memcmp(head + 8, "AIFF", 4) == 0 || memcmp(head + 8, "AIFC", 4) == 0))
            status = check_aiff(f, why, whylen);
    }
    if (status != SOUND_FILE_OK) {
        sound_file_close(f);
        return status;
    }
    if (f->patch_count) {
        static SF_VIRTUAL_IO vio = {vio_len, vio_seek, vio_read, vio_write, vio_tell};
        f->sf = sf_open_virtual(&vio, SFM_READ, info, f);
    } else {
        /* By name, as before: libsndfile also uses the extension for a few formats. */
        close(f->fd);
        f->fd = -1;
        f->sf = sf_open(path, SFM_READ, info);
    }
    if (!f->sf) {
        snprintf(why, whylen, "%s", sf_strerror(NULL));
        sound_file_close(f);
        return SOUND_FILE_SNDFILE;
    }
    return SOUND_FILE_OK;
}

void sound_file_close(sound_file *f)
{
    if (f->sf) sf_close(f->sf);
    if (f->fd >= 0) close(f->fd);
    f->sf = NULL;
    f->fd = -1;
}
