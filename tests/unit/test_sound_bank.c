/* The sound bank (engine/src/sound/sound_bank.c): files written here with
 * libsndfile (WAV, FLAC, Ogg Vorbis) into a temporary directory are found, decoded,
 * converted to the bank's rate with libsamplerate and shared; a 44.1 kHz sine
 * converted to 48 kHz keeps its frequency, level and timing (measured); every
 * refusal carries its reason. */
#define _GNU_SOURCE
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_check.h"
#include "check.h"
#include "sound/sound_bank.h"

static char g_dir[256], g_dir2[256], g_outside[256];

static void path_in(char *out, size_t n, const char *dir, const char *rel)
{
    snprintf(out, n, "%s/%s", dir, rel);
}

/* Writes `frames` frames of a sine (amp, hz; right channel at 1.5 hz) plus an
 * optional click (value 1) at frame `click` (UINT64_MAX: none). */
static void write_sound(const char *dir, const char *rel, int format, int rate, int channels,
                        uint64_t frames, double amp, double hz, uint64_t click)
{
    char path[512];
    path_in(path, sizeof path, dir, rel);
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "cannot write %s: %s\n", path, sf_strerror(NULL));
        exit(2);
    }
    float buf[4096 * 8];
    for (uint64_t done = 0; done < frames;) {
        uint64_t n = frames - done < 4096 ? frames - done : 4096;
        for (uint64_t f = 0; f < n; f++)
            for (int c = 0; c < channels; c++) {
                double t = (double)(done + f) / rate;
                double v = amp * sin(2 * M_PI * hz * (c == 1 ? 1.5 : 1.0) * t);
                if (done + f == click) v = 1.0;
                buf[f * (uint64_t)channels + (uint64_t)c] = (float)v;
            }
        sf_writef_float(sf, buf, (sf_count_t)n);
        done += n;
    }
    sf_close(sf);
}

static void write_text(const char *dir, const char *rel, const char *text)
{
    char path[512];
    path_in(path, sizeof path, dir, rel);
    FILE *f = fopen(path, "wb");
    if (!f) exit(2);
    fputs(text, f);
    fclose(f);
}

/* Acquire must fail with `code` and a message containing `phrase`. */
static void expect_refusal(sound_bank *b, const char *rel, int code, const char *phrase)
{
    char err[2048] = "";
    int got = -1;
    const sound_data *s = sound_bank_acquire(b, rel, &got, err, sizeof err);
    CHECK(!s && got == code, "\"%s\": expected error %d (%s), got %d: %s", rel, code,
          sound_strerror(code), got, err);
    CHECK(strstr(err, sound_strerror(code)) && strstr(err, phrase),
          "\"%s\": message lacks \"%s\" / \"%s\": %s", rel, sound_strerror(code), phrase, err);
    /* lull validate's check refuses the same files with the same words. */
    char err2[2048] = "";
    if (code != SOUND_ERR_BANK_FULL) {
        int c2 = sound_bank_check(b, rel, err2, sizeof err2);
        CHECK(c2 == code, "check(\"%s\"): expected %d, got %d: %s", rel, code, c2, err2);
    }
    fprintf(stderr, "  refused %-28s %s\n", rel[0] ? rel : "(empty)", err);
}

static void test_formats_and_conversion(void)
{
    const char *dirs[] = {g_dir, NULL};
    sound_bank *b = sound_bank_create(48000.0, dirs);

    /* Same rate, float WAV: no conversion, sample-exact. */
    write_sound(g_dir, "same.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 4800, 0.5, 1000,
                UINT64_MAX);
    char err[2048];
    const sound_data *s = sound_bank_acquire(b, "same.wav", NULL, err, sizeof err);
    CHECK(s, "same.wav: %s", err);
    if (s) {
        CHECK(s->channels == 1 && s->frames == 4800 && s->sample_rate == 48000.0 && !s->data[1],
              "same.wav: %u ch %llu frames at %g", s->channels, (unsigned long long)s->frames,
              s->sample_rate);
        double worst = 0;
        for (uint64_t f = 0; f < s->frames; f++)
            worst = fmax(worst,
                         fabs(s->data[0][f] - (float)(0.5 * sin(2 * M_PI * 1000 * f / 48000.0))));
        CHECK(worst < 1e-6, "same-rate samples differ by %g", worst);
        sound_bank_release(b, s);
    }

    /* 44.1 kHz stereo FLAC (24-bit) -> 48 kHz: frequency, level and timing kept. */
    const uint64_t in_frames = 44100 * 2, click = 44100;
    write_sound(g_dir, "sine.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 44100, 2, in_frames, 0.5,
                1000, click);
    s = sound_bank_acquire(b, "sine.flac", NULL, err, sizeof err);
    CHECK(s, "sine.flac: %s", err);
    if (s) {
        double expect_frames = in_frames * 48000.0 / 44100.0;
        CHECK(s->channels == 2 && fabs((double)s->frames - expect_frames) <= 2,
              "sine.flac: %u ch, %llu frames (expected %.1f)", s->channels,
              (unsigned long long)s->frames, expect_frames);
        /* Measure away from the click (at 1 s) and the file's edges. */
        double hz_l = ac_zero_cross_hz(s->data[0] + 4800, (size_t)(43200 - 4800), 48000.0);
        double hz_r = ac_zero_cross_hz(s->data[1] + 4800, (size_t)(43200 - 4800), 48000.0);
        double level_db =
            20 * log10(ac_rms(s->data[0] + 4800, (size_t)(43200 - 4800)) / (0.5 / sqrt(2.0)));
        uint64_t peak_at = 0;
        for (uint64_t f = 44000; f < 52000 && f < s->frames; f++)
            if (fabsf(s->data[0][f]) > fabsf(s->data[0][peak_at])) peak_at = f;
        double click_at = click * 48000.0 / 44100.0;
        fprintf(stderr,
                "44.1k->48k FLAC: %llu frames (expected %.1f); left %.4f Hz, right %.4f Hz "
                "(1000 / 1500); level %+.4f dB; click at frame %llu (expected %.1f)\n",
                (unsigned long long)s->frames, expect_frames, hz_l, hz_r, level_db,
                (unsigned long long)peak_at, click_at);
        CHECK(fabs(hz_l - 1000.0) < 0.01 && fabs(hz_r - 1500.0) < 0.01,
              "frequency moved: %.4f / %.4f Hz", hz_l, hz_r);
        CHECK(fabs(level_db) < 0.01, "level moved by %.4f dB", level_db);
        CHECK(fabs((double)peak_at - click_at) <= 1.0, "the click moved from %.1f to %llu",
              click_at, (unsigned long long)peak_at);
        sound_bank_release(b, s);
    }

    /* Ogg Vorbis (lossy): decoded, right length, level within 0.5 dB. */
    write_sound(g_dir, "tone.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 48000, 2, 48000, 0.5, 500,
                UINT64_MAX);
    s = sound_bank_acquire(b, "tone.ogg", NULL, err, sizeof err);
    CHECK(s, "tone.ogg: %s", err);
    if (s) {
        double level_db =
            20 * log10(ac_rms(s->data[0] + 4800, (size_t)(43200 - 4800)) / (0.5 / sqrt(2.0)));
        double hz = ac_zero_cross_hz(s->data[0] + 4800, (size_t)(43200 - 4800), 48000.0);
        fprintf(stderr, "Ogg Vorbis: %llu frames, %.3f Hz (500), level %+.3f dB\n",
                (unsigned long long)s->frames, hz, level_db);
        CHECK(s->frames == 48000 && s->channels == 2, "tone.ogg: %llu frames %u ch",
              (unsigned long long)s->frames, s->channels);
        CHECK(fabs(level_db) < 0.5 && fabs(hz - 500) < 0.1, "tone.ogg: %.3f Hz, %+.3f dB", hz,
              level_db);
        sound_bank_release(b, s);
    }
    sound_bank_stats st;
    sound_bank_get_stats(b, &st);
    CHECK(st.sounds == 0 && st.bytes == 0, "released sounds still held: %zu, %llu bytes", st.sounds,
          (unsigned long long)st.bytes);
    sound_bank_destroy(b);
}

static void test_sharing(void)
{
    const char *dirs[] = {g_dir, g_dir2, NULL};
    sound_bank *b = sound_bank_create(48000.0, dirs);
    write_sound(g_dir, "shared.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 48000, 0.25, 100,
                UINT64_MAX);
    char err[2048];
    const sound_data *a = sound_bank_acquire(b, "shared.wav", NULL, err, sizeof err);
    const sound_data *c = sound_bank_acquire(b, "./shared.wav", NULL, err, sizeof err);
    sound_bank_stats st;
    sound_bank_get_stats(b, &st);
    CHECK(a && a == c, "the same file (two spellings) was not shared: %p %p", (const void *)a,
          (const void *)c);
    CHECK(st.decodes == 1 && st.sounds == 1 && st.bytes == 48000 * 2 * sizeof(float),
          "after two acquires: %llu decodes, %zu sounds, %llu bytes",
          (unsigned long long)st.decodes, st.sounds, (unsigned long long)st.bytes);
    sound_bank_release(b, a);
    sound_bank_get_stats(b, &st);
    CHECK(st.sounds == 1, "one reference left, but the sound was freed");
    sound_bank_release(b, c);
    sound_bank_get_stats(b, &st);
    CHECK(st.sounds == 0 && st.bytes == 0, "no reference left, but %zu sounds held", st.sounds);
    a = sound_bank_acquire(b, "shared.wav", NULL, err, sizeof err);
    sound_bank_get_stats(b, &st);
    CHECK(a && st.decodes == 2, "a freed sound must be loaded again (%llu decodes)",
          (unsigned long long)st.decodes);
    sound_bank_release(b, a);

    /* The first directory that has the file wins. */
    write_sound(g_dir2, "both.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 100, 0.0, 0, 0);
    write_sound(g_dir, "both.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 200, 0.0, 0, 0);
    a = sound_bank_acquire(b, "both.wav", NULL, err, sizeof err);
    CHECK(a && a->frames == 200,
          "both.wav: the first directory's file (200 frames) must win, got %llu",
          a ? (unsigned long long)a->frames : 0ull);
    sound_bank_release(b, a);
    write_sound(g_dir2, "second.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 50, 0.0, 0, 0);
    a = sound_bank_acquire(b, "second.wav", NULL, err, sizeof err);
    CHECK(a && a->frames == 50, "a file only in the second directory is found: %s", err);
    sound_bank_release(b, a);

    /* NaN and Inf in a float file are scrubbed to 0 so no node is fed them. */
    char path[512];
    path_in(path, sizeof path, g_dir, "nan.wav");
    SF_INFO info = {.samplerate = 48000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    float bad[4] = {0.5f, NAN, INFINITY, -0.5f};
    sf_writef_float(sf, bad, 4);
    sf_close(sf);
    a = sound_bank_acquire(b, "nan.wav", NULL, err, sizeof err);
    CHECK(a && a->data[0][0] == 0.5f && a->data[0][1] == 0.0f && a->data[0][2] == 0.0f &&
              a->data[0][3] == -0.5f,
          "NaN/Inf samples not scrubbed: %s", a ? "" : err);
    sound_bank_release(b, a);
    sound_bank_destroy(b);
}

static void test_refusals(void)
{
    const char *dirs[] = {g_dir, NULL};
    sound_bank *b = sound_bank_create(48000.0, dirs);
    fprintf(stderr, "refusals:\n");
    expect_refusal(b, "/etc/passwd", SOUND_ERR_PATH, "absolute");
    expect_refusal(b, "../outside.wav", SOUND_ERR_PATH, "\"..\"");
    expect_refusal(b, "a/../../outside.wav", SOUND_ERR_PATH, "\"..\"");
    expect_refusal(b, "a\\b.wav", SOUND_ERR_PATH, "'\\'");
    expect_refusal(b, "", SOUND_ERR_PATH, "empty");
    expect_refusal(b, "nope/missing.flac", SOUND_ERR_MISSING, g_dir);

    /* A symlink inside the directory that points outside it. */
    write_sound(g_outside, "secret.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 100, 0.1, 100,
                UINT64_MAX);
    char target[512], link[512];
    path_in(target, sizeof target, g_outside, "secret.wav");
    path_in(link, sizeof link, g_dir, "escape.wav");
    CHECK(symlink(target, link) == 0, "symlink failed");
    expect_refusal(b, "escape.wav", SOUND_ERR_ESCAPE, "outside");
    path_in(link, sizeof link, g_dir, "dangling.wav");
    CHECK(symlink("/nonexistent/lull/x.wav", link) == 0, "symlink failed");
    expect_refusal(b, "dangling.wav", SOUND_ERR_UNREADABLE, "dangling.wav");

    write_text(g_dir, "text.wav", "this is not a sound file, just some text\n");
    expect_refusal(b, "text.wav", SOUND_ERR_UNSUPPORTED, "text.wav");

    /* A FLAC file whose frames are garbled after the header: libsndfile's reason. */
    write_sound(g_dir, "corrupt.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, 48000, 0.5, 440,
                UINT64_MAX);
    char path[512];
    path_in(path, sizeof path, g_dir, "corrupt.flac");
    FILE *f = fopen(path, "r+b");
    struct stat st;
    stat(path, &st);
    fseek(f, st.st_size / 3, SEEK_SET);
    for (long i = 0; i < st.st_size / 3; i++) fputc((int)((i * 2654435761u) >> 13) & 0xff, f);
    fclose(f);
    expect_refusal(b, "corrupt.flac", SOUND_ERR_UNREADABLE, "corrupt.flac");

    write_sound(g_dir, "six.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 6, 480, 0.1, 100,
                UINT64_MAX);
    expect_refusal(b, "six.wav", SOUND_ERR_CHANNELS, "6 channels");
    write_sound(g_dir, "empty.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 0, 0, 0,
                UINT64_MAX);
    expect_refusal(b, "empty.wav", SOUND_ERR_EMPTY, "0 frames");
    /* 601 s at 1 kHz, 8-bit: a small file that is too long. */
    write_sound(g_dir, "long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1000, 1, 601000, 0.1, 50,
                UINT64_MAX);
    expect_refusal(b, "long.wav", SOUND_ERR_OVERSIZED, "lasts 601.0 s; at most 600 s");

    /* 9 minutes of stereo at 2 kHz is fine in length but 207 M samples at 192 kHz. */
    const char *d1[] = {g_dir, NULL};
    sound_bank *hi = sound_bank_create(192000.0, d1);
    write_sound(g_dir, "many.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 2000, 2, 540 * 2000, 0.1, 50,
                UINT64_MAX);
    expect_refusal(hi, "many.wav", SOUND_ERR_OVERSIZED, "at most 67108864 (64 Mi)");
    sound_bank_destroy(hi);

    /* The bank's cap: 1 s of 48 kHz stereo is 375 KiB of float. */
    write_sound(g_dir, "second.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 2, 48000, 0.1, 100,
                UINT64_MAX);
    sound_bank_set_limit(b, 256 * 1024);
    expect_refusal(b, "second.wav", SOUND_ERR_BANK_FULL, "at most 0.2 MiB");
    sound_bank_destroy(b);

    sound_bank *none = sound_bank_create(48000.0, NULL);
    expect_refusal(none, "x.wav", SOUND_ERR_NO_DIRS, "--sounds");
    sound_bank_destroy(none);

    /* Every code has its text. */
    for (int c = 0; c < SOUND_ERR_COUNT; c++)
        CHECK(sound_strerror(c) && sound_strerror(c)[0], "code %d has no text", c);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/lull-sounds-%d-XXXXXX", (int)getpid());
    snprintf(g_dir2, sizeof g_dir2, "/tmp/lull-sounds2-%d-XXXXXX", (int)getpid());
    snprintf(g_outside, sizeof g_outside, "/tmp/lull-outside-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(g_dir) || !mkdtemp(g_dir2) || !mkdtemp(g_outside)) {
        perror("mkdtemp");
        return 2;
    }
    char sub[512];
    path_in(sub, sizeof sub, g_dir, "a");
    mkdir(sub, 0755);
    test_formats_and_conversion();
    test_sharing();
    test_refusals();
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s'", g_dir, g_dir2, g_outside);
    if (system(cmd) != 0) fprintf(stderr, "could not remove the temporary directories\n");
    return check_finish("test_sound_bank");
}
