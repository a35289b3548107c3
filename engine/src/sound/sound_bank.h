/* The sound bank: sound files loaded by the host for the nodes' sound slots
 * (plugin.h, "lull.sounds/1"), one bank per engine and so per sample rate.
 *
 * A file is named by a relative path (as a preset writes it) and looked up in the
 * configured sound directories, first directory first; its real path (symlinks
 * resolved) must stay inside that directory. It is decoded with libsndfile (WAV,
 * FLAC, Ogg Vorbis, AIFF, ... whatever libsndfile opens), converted once to the
 * bank's rate with libsamplerate (SRC_SINC_BEST_QUALITY, one converter run over the
 * whole file) and kept deinterleaved as float. The same file (same real path, inode,
 * size and modification time) is loaded once and shared, refcounted, by every plan
 * that uses it; the last release frees it. Plans are freed on the worker, so
 * samples are never freed on the audio thread.
 *
 * Every function takes the bank's lock: call them from the worker (or the offline
 * driver's thread, or a command-line tool), never from the audio thread. */
#ifndef LULL_SOUND_SOUND_BANK_H
#define LULL_SOUND_SOUND_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits, each with its refusal (sound_strerror). */
#define SOUND_MAX_CHANNELS 2u   /* mono or stereo */
#define SOUND_MAX_SECONDS 600.0 /* 10 minutes, at the file's own rate */
#define SOUND_MAX_SAMPLES                                                                          \
    (64ull << 20)                         /* 64 Mi samples (all channels) after
                                                     conversion: 256 MiB of float */
#define SOUND_BANK_MAX_BYTES (1ull << 30) /* 1 GiB of samples per bank */
#define SOUND_MAX_PATH 1024u              /* a relative path, bytes */

/* Why a sound was refused; the text of each is sound_strerror(code). */
enum sound_error {
    SOUND_OK = 0,
    SOUND_ERR_PATH,        /* not a plain relative path (leading '/', "..", '\\', empty) */
    SOUND_ERR_NO_DIRS,     /* no sound directory configured */
    SOUND_ERR_MISSING,     /* in none of the sound directories */
    SOUND_ERR_ESCAPE,      /* real path outside the sound directory (symlink) */
    SOUND_ERR_UNREADABLE,  /* open/read/decode failed (libsndfile's reason) */
    SOUND_ERR_UNSUPPORTED, /* a format or encoding libsndfile does not read */
    SOUND_ERR_CHANNELS,    /* more than SOUND_MAX_CHANNELS */
    SOUND_ERR_EMPTY,       /* 0 frames */
    SOUND_ERR_OVERSIZED,   /* longer than SOUND_MAX_SECONDS or SOUND_MAX_SAMPLES */
    SOUND_ERR_BANK_FULL,   /* the bank would exceed its byte limit */
    SOUND_ERR_CONVERT,     /* libsamplerate failed or cannot do the ratio */
    SOUND_ERR_NOMEM,
    SOUND_ERR_COUNT
};

/* [any] The fixed text of an error code, e.g. "the file is oversized". */
const char *sound_strerror(int code);

/* One loaded file at the bank's rate. Read-only for everyone but the bank. */
typedef struct sound_data {
    uint32_t channels;     /* 1 or 2 */
    uint64_t frames;       /* per channel, >= 1 */
    double sample_rate;    /* the bank's rate, Hz */
    double file_rate;      /* the file's own rate, Hz */
    const float *data[2];  /* data[channel][frame]; data[1] NULL for mono */
    const char *real_path; /* where it was found */
} sound_data;

typedef struct sound_bank sound_bank;

/* [main] A bank converting to `sample_rate` (Hz) that looks files up in `dirs`
 * (NULL-terminated, copied; may be empty). NULL when out of memory. */
sound_bank *sound_bank_create(double sample_rate, const char *const *dirs);
/* [main] Frees the bank and everything in it; every acquired sound must have been
 * released (a leak is logged and freed anyway). */
void sound_bank_destroy(sound_bank *b);

/* [worker] Caps the bytes of samples the bank holds (default SOUND_BANK_MAX_BYTES). */
void sound_bank_set_limit(sound_bank *b, uint64_t max_bytes);

/* [any] Checks that `rel` is a plain relative path: not empty, at most
 * SOUND_MAX_PATH bytes, no leading '/', no ".." component, no '\\'. Returns
 * SOUND_OK or SOUND_ERR_PATH with the reason in why. */
int sound_path_check(const char *rel, char *why, size_t whylen);

/* [worker] The loaded sound for `rel`, loading it on first use; its reference must
 * be returned with sound_bank_release. On failure returns NULL, *code (may be NULL)
 * gets the enum sound_error and err "<sound_strerror>: <detail>", e.g.
 * "only mono and stereo files are supported: it has 6 channels". */
const sound_data *sound_bank_acquire(sound_bank *b, const char *rel, int *code, char *err,
                                     size_t errlen);
/* [worker] Returns a reference; the last one frees the samples. NULL is ignored. */
void sound_bank_release(sound_bank *b, const sound_data *s);

/* [worker] Everything sound_bank_acquire checks (path, directories, format,
 * channels, length, full decode) without converting or keeping the samples: what
 * `lull validate` runs. Returns SOUND_OK or the error with err as above. */
int sound_bank_check(sound_bank *b, const char *rel, char *err, size_t errlen);

/* Figures for status and tests. */
typedef struct sound_bank_stats {
    size_t sounds;    /* files held */
    uint64_t bytes;   /* bytes of samples held */
    uint64_t decodes; /* files decoded since creation (loads, not shares) */
} sound_bank_stats;
/* [any !audio] Takes the bank's lock. */
void sound_bank_get_stats(sound_bank *b, sound_bank_stats *s);

/* [any] The bank's rate, Hz. */
double sound_bank_rate(const sound_bank *b);

#endif
