/* bench_stretch: cost of one stretch process() call, the figure its pipelining
 * is for. Loads stretch.so with dlopen (as the host does) with a minimal host that
 * binds a synthesized 10 s stereo pad to its sound slot, and times every
 * process() call of 32 frames (and of 64) at 48 kHz over S seconds for speeds 0.5,
 * 1 and 1.5: mean, 99th percentile and maximum in µs, and as % of a 64-frame
 * period (1333 µs). Wall time: maxima on a shared machine include preemptions.
 *
 *   bench_stretch [--seconds S]      (default 60; plugins from $LULL_PLUGIN_DIR,
 *                                     else <this program's dir>/../plugins) */
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lull/plugin.h"

#define RATE 48000.0
#define SOUND_S 10.0

static lull_sound g_sound;
static const lull_sound *get_sound(const lull_host *host, uint32_t slot)
{
    return slot == 0 ? &g_sound : NULL;
}
static const lull_host_sounds g_sounds = {get_sound};
static const void *host_ext(const lull_host *host, const char *name)
{
    return strcmp(name, LULL_HOST_EXT_SOUNDS) == 0 ? &g_sounds : NULL;
}
static void host_log(const lull_host *host, enum lull_log_level level, const char *msg)
{
    fprintf(stderr, "stretch: %s\n", msg);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    double seconds = 60.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_stretch [--seconds S]\n");
            return 2;
        }
    }
    if (!(seconds >= 1.0 && seconds <= 3600.0)) {
        fprintf(stderr, "bench_stretch: --seconds must be 1..3600\n");
        return 2;
    }
    char path[PATH_MAX + 32];
    const char *dir = getenv("LULL_PLUGIN_DIR");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/stretch.so", dir);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) {
            fprintf(stderr,
                    "bench_stretch: cannot find this program's directory; set LULL_PLUGIN_DIR\n");
            return 1;
        }
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        snprintf(path, sizeof path, "%s/../plugins/stretch.so", exe);
    }
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "bench_stretch: %s\n", dlerror());
        return 1;
    }
    lull_entry_fn entry = (lull_entry_fn)dlsym(dl, LULL_ENTRY_SYMBOL);
    if (!entry) {
        fprintf(stderr, "bench_stretch: %s: no %s\n", path, LULL_ENTRY_SYMBOL);
        return 1;
    }
    const lull_descriptor *d = entry()->descriptors[0];

    /* A stereo pad: seven partials with slow motion and a little noise. */
    size_t sf = (size_t)(SOUND_S * RATE);
    float *ch[2] = {malloc(sf * sizeof(float)), malloc(sf * sizeof(float))};
    const double partials[] = {110.0, 165.3, 220.7, 277.2, 329.6, 440.9, 554.4};
    uint64_t rng = 1;
    for (size_t i = 0; i < sf; i++) {
        double ts = (double)i / RATE;
        for (int c = 0; c < 2; c++) {
            double v = 0.0;
            for (int p = 0; p < 7; p++)
                v += 0.08 * (0.6 + 0.4 * sin(2.0 * M_PI * (0.21 + 0.07 * p) * ts + p + c)) *
                     sin(2.0 * M_PI * partials[p] * ts + 1.7 * p);
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            ch[c][i] = (float)(v + 0.01 * ((double)(rng >> 11) / 4503599627370496.0 - 1.0));
        }
    }
    const float *data[2] = {ch[0], ch[1]};
    g_sound = (lull_sound){sizeof(lull_sound), 2, sf, RATE, data, "pad", "synthesized"};
    lull_host host = {.struct_size = sizeof host,
                      .host_name = "lull",
                      .host_version = "bench",
                      .node_name = "stretch",
                      .seed = 1,
                      .log = host_log,
                      .get_extension = host_ext};

    printf("stretch process() cost per call, 48 kHz, stereo source, %.0f s per case "
           "(64-frame period = 1333.3 us)\n",
           seconds);
    printf("%-6s %-6s %10s %10s %10s %10s %10s\n", "block", "speed", "mean us", "p99 us", "max us",
           "p99 %", "max %");
    const float speeds[] = {0.5f, 1.0f, 1.5f};
    const uint32_t blocks[] = {32, 64};
    for (int b = 0; b < 2; b++)
        for (int k = 0; k < 3; k++) {
            uint32_t block = blocks[b];
            void *self = d->create(d, &host);
            if (!self || !d->activate(self, RATE, LULL_MAX_BLOCK)) {
                fprintf(stderr, "bench_stretch: create/activate failed\n");
                return 1;
            }
            float pbuf[16][LULL_MAX_BLOCK];
            const float *params[16];
            uint8_t pstatic[16];
            for (uint32_t i = 0; i < d->param_count && i < 16; i++) {
                float v = d->params[i].def;
                if (strcmp(d->params[i].id, "ratio") == 0) v = speeds[k];
                for (uint32_t f = 0; f < LULL_MAX_BLOCK; f++) pbuf[i][f] = v;
                params[i] = pbuf[i];
                pstatic[i] = 1;
            }
            float out[2][LULL_MAX_BLOCK];
            float *outs[2] = {out[0], out[1]};
            lull_clocks clocks = {.sample_rate = RATE,
                                  .tempo_bpm = 60.0,
                                  .beat_inc = 1.0 / RATE,
                                  .pacer_rate = 6.0,
                                  .pacer_phase_inc = 0.1 / RATE,
                                  .inhale_fraction = 0.4,
                                  .pacer_active = 1};
            lull_process ctx = {.struct_size = sizeof ctx,
                                .frames = block,
                                .inputs = NULL,
                                .outputs = outs,
                                .params = params,
                                .params_static = pstatic,
                                .clocks = &clocks};
            size_t calls = (size_t)(seconds * RATE / block);
            double *t = malloc(calls * sizeof *t), sum = 0.0;
            for (size_t c = 0; c < calls; c++) {
                double t0 = now_ns();
                d->process(self, &ctx);
                t[c] = (now_ns() - t0) / 1000.0;
                sum += t[c];
                clocks.frame += block;
                clocks.beat += block * clocks.beat_inc;
            }
            qsort(t, calls, sizeof *t, cmp_double);
            double period_us = 64.0 / RATE * 1e6;
            double p99 = t[(size_t)(0.99 * (double)(calls - 1))], mx = t[calls - 1];
            printf("%-6u %-6.1f %10.2f %10.2f %10.2f %9.2f%% %9.2f%%\n", block, speeds[k],
                   sum / calls, p99, mx, 100.0 * p99 / period_us, 100.0 * mx / period_us);
            free(t);
            d->deactivate(self);
            d->destroy(self);
        }
    free(ch[0]);
    free(ch[1]);
    dlclose(dl);
    return 0;
}
