/* Opening a sound file for the sound bank: libsndfile behind a check of the
 * container's own header, for the field cases libsndfile alone gets wrong
 * (tests/data/sound-cases/PROVENANCE.md):
 *
 *   - an empty file (0 bytes) is refused as empty, not as "format not recognised";
 *   - a WAV or AIFF header declaring 0 channels is refused as such before any
 *     reader divides by the channel count;
 *   - a streamed RIFF/WAVE (ffmpeg or a recorder writing to a pipe leaves the RIFF
 *     and data sizes at 0xFFFFFFFF, some tools at 0) or a truncated one: the data
 *     size is taken from the file size instead (everything after the data chunk's
 *     header, whole frames only), through a patched view of the header handed to
 *     libsndfile's virtual I/O. The file itself is never written.
 *
 * A data size of 0 is a genuinely empty WAV when nothing or another chunk follows
 * the data header (e.g. "LIST"); only when audio bytes follow is it a streamed
 * file. RF64 and Wave64 carry 64-bit sizes and are left to libsndfile. */
#ifndef LULL_SOUND_SOUND_FILE_H
#define LULL_SOUND_SOUND_FILE_H

#include <sndfile.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sound_file {
    SNDFILE *sf;
    int fd;               /* the file, read through virtual I/O when patched */
    uint64_t size;        /* bytes */
    uint64_t pos;         /* virtual I/O position */
    uint32_t patch_count; /* header fields replaced in the view (at most 2) */
    uint64_t patch_at[2]; /* byte offsets of 4-byte little-endian fields */
    uint8_t patch[2][4];
    uint64_t declared_data; /* the data size the WAV header declared, when patched */
    uint64_t real_data;     /* the data size used instead */
} sound_file;

/* Why sound_file_open failed. */
enum sound_file_status {
    SOUND_FILE_OK = 0,
    SOUND_FILE_EMPTY,       /* 0 bytes, or a WAV whose data chunk is empty */
    SOUND_FILE_NO_CHANNELS, /* the header declares 0 channels */
    SOUND_FILE_SYSTEM,      /* open/read failed: errno's reason in why */
    SOUND_FILE_SNDFILE      /* libsndfile refused it: sf_error(NULL) is set, reason in why */
};

/* [worker] Opens `path` for reading, filling info. On failure returns the status
 * with a short reason in why (e.g. "0 bytes", "the fmt chunk declares 0
 * channels", libsndfile's text) and leaves nothing open. */
int sound_file_open(sound_file *f, const char *path, SF_INFO *info, char *why, size_t whylen);
/* [worker] Closes what sound_file_open opened. */
void sound_file_close(sound_file *f);

#endif
