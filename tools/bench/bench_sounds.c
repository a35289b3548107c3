/* bench_sounds: how long the sound bank takes to load a file (libsndfile decode +
 * libsamplerate SRC_SINC_BEST_QUALITY conversion) on the worker thread, which is
 * how long a preset load waits for its sound files. Writes test files into a
 * temporary directory (stereo 44.1 kHz FLAC and 48 kHz WAV of noise + sine, of
 * --seconds length), loads each into a 48 kHz bank and prints wall time and the
 * speed relative to real time. Asserts nothing.
 *
 * Usage: bench_sounds [--seconds S (default 60)] */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rt.h"
#include "sound/sound_bank.h"

static void write_file(const char *path, int rate, int format, double seconds)
{
    SF_INFO info = {.samplerate = rate, .channels = 2, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "bench_sounds: %s: %s\n", path, sf_strerror(NULL));
        exit(1);
    }
    uint32_t x = 1;
    float buf[2 * 4096];
    uint64_t frames = (uint64_t)(seconds * rate);
    for (uint64_t done = 0; done < frames;) {
        uint64_t n = frames - done < 4096 ? frames - done : 4096;
        for (uint64_t f = 0; f < n; f++)
            for (int c = 0; c < 2; c++) {
                x = x * 1664525u + 1013904223u;
                buf[2 * f + (uint64_t)c] =
                    (float)(0.1 * ((double)x / 2147483648.0 - 1.0) +
                            0.4 * sin(2 * M_PI * 440.0 * (double)(done + f) / rate));
            }
        sf_writef_float(sf, buf, (sf_count_t)n);
        done += n;
    }
    sf_close(sf);
}

int main(int argc, char **argv)
{
    double seconds = 60.0;
    if (argc == 3 && strcmp(argv[1], "--seconds") == 0) seconds = atof(argv[2]);
    if (!(seconds > 0 && seconds <= 600)) {
        fprintf(stderr, "usage: bench_sounds [--seconds S (0..600)]\n");
        return 2;
    }
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/lull-bench-sounds-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    const struct {
        const char *name;
        int rate, format;
    } files[] = {{"a.flac", 44100, SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
                 {"b.wav", 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_16},
                 {"c.wav", 48000, SF_FORMAT_WAV | SF_FORMAT_PCM_16},
                 {"d.flac", 48000, SF_FORMAT_FLAC | SF_FORMAT_PCM_16}};
    printf("# sound bank load time into a 48 kHz bank, %.0f s stereo files\n", seconds);
    printf("%-8s %8s %10s %12s\n", "file", "rate", "load s", "x realtime");
    const char *dirs[] = {dir, NULL};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        write_file(path, files[i].rate, files[i].format, seconds);
        sound_bank *b = sound_bank_create(48000.0, dirs);
        char err[1024];
        uint64_t t0 = rt_now_ns();
        const sound_data *s = sound_bank_acquire(b, files[i].name, NULL, err, sizeof err);
        double t = (double)(rt_now_ns() - t0) * 1e-9;
        if (!s) {
            fprintf(stderr, "bench_sounds: %s\n", err);
            return 1;
        }
        printf("%-8s %8d %10.3f %12.1f\n", files[i].name, files[i].rate, t, seconds / t);
        sound_bank_release(b, s);
        sound_bank_destroy(b);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
