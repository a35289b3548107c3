/* bench_render: whole-preset speed through the real engine.
 *
 * For every preset in the preset directories (and every preset file given as an
 * argument):
 *   - offline speed: offline_render without writing, `--seconds` of audio at 48 kHz,
 *     median of `--runs` renders, as a multiple of real time;
 *   - DSP load at host periods of 64 and 256 frames: every lull_engine_process call
 *     is timed and divided by the period's duration, as the JACK driver reports it;
 *     mean, 99th percentile and maximum over `--seconds` of audio.
 * Prints a table; asserts nothing.
 *
 * --threads T renders the speed figure on T threads (the offline driver's pool,
 * graph/plan_pool.h; default 1); the load is always one thread, the realtime path.
 *
 * Usage: bench_render [--seconds S] [--runs N] [--threads T] [PRESET.json ...] */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rt.h"
#include "drivers/offline_driver.h"
#include "engine/engine.h"

#define SAMPLE_RATE 48000.0
#define MAX_RUNS 15
#define MAX_PRESETS 64

typedef struct bench_opts {
    double seconds;
    int runs;
    uint32_t threads; /* of the speed renders */
} bench_opts;

typedef struct load_stats {
    double mean, median, p99, max; /* percent of the period */
} load_stats;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median real-time factor of `runs` offline renders; NAN on failure. */
static double render_speed(const char *preset, const bench_opts *o)
{
    double x[MAX_RUNS];
    for (int r = 0; r < o->runs; r++) {
        offline_render_opts ro;
        offline_render_defaults(&ro);
        ro.preset = preset;
        ro.seconds = o->seconds;
        ro.sample_rate = SAMPLE_RATE;
        ro.out_path = NULL;
        ro.threads = o->threads;
        offline_render_result res;
        char err[1024];
        if (!offline_render(&ro, &res, err, sizeof err)) {
            fprintf(stderr, "bench_render: %s: %s\n", preset, err);
            return NAN;
        }
        x[r] = o->seconds / res.wall_seconds;
    }
    qsort(x, (size_t)o->runs, sizeof x[0], cmp_double);
    return o->runs % 2 ? x[o->runs / 2] : 0.5 * (x[o->runs / 2 - 1] + x[o->runs / 2]);
}

/* Times every process call with a `period`-frame host buffer; false on failure. */
static bool dsp_load(const char *preset, uint32_t period, const bench_opts *o, load_stats *out)
{
    char err[1024];
    lull_engine *e = offline_engine_open(preset, SAMPLE_RATE, err, sizeof err);
    if (!e) {
        fprintf(stderr, "bench_render: %s: %s\n", preset, err);
        return false;
    }
    size_t calls = (size_t)(o->seconds * SAMPLE_RATE / period);
    double *pct = malloc(calls * sizeof *pct);
    float *l = malloc(period * sizeof *l), *r = malloc(period * sizeof *r);
    if (!pct || !l || !r) {
        fprintf(stderr, "bench_render: out of memory\n");
        free(pct), free(l), free(r);
        lull_engine_destroy(e);
        return false;
    }
    double period_ns = period / SAMPLE_RATE * 1e9, sum = 0.0;
    for (size_t i = 0; i < calls; i++) {
        uint64_t t0 = rt_now_ns();
        lull_engine_process(e, l, r, period);
        pct[i] = (double)(rt_now_ns() - t0) / period_ns * 100.0;
        sum += pct[i];
        lull_engine_service(e);
    }
    qsort(pct, calls, sizeof *pct, cmp_double);
    out->mean = sum / (double)calls;
    out->median = pct[calls / 2];
    out->p99 = pct[(size_t)floor(0.99 * (double)(calls - 1))];
    out->max = pct[calls - 1];
    free(pct), free(l), free(r);
    lull_engine_destroy(e);
    return true;
}

/* The shipped presets' names, from the engine's preset directories. */
static size_t list_presets(char (*names)[64], size_t max)
{
    lull_engine_config cfg;
    lull_engine_config_defaults(&cfg);
    cfg.sample_rate = SAMPLE_RATE;
    cfg.threaded = false;
    char err[1024];
    lull_engine *e = lull_engine_create(&cfg, err, sizeof err);
    if (!e) {
        fprintf(stderr, "bench_render: %s\n", err);
        return 0;
    }
    size_t n = lull_engine_list_presets(e, names, max);
    lull_engine_destroy(e);
    return n;
}

static int bench_one(const char *preset, const bench_opts *o)
{
    double speed = render_speed(preset, o);
    load_stats l64, l256;
    if (isnan(speed) || !dsp_load(preset, 64, o, &l64) || !dsp_load(preset, 256, o, &l256))
        return 1;
    const char *shown = strrchr(preset, '/') ? strrchr(preset, '/') + 1 : preset;
    printf("%-16s %10.1f %7.2f %7.2f %7.2f %7.1f %8.2f %7.2f %7.2f %7.1f\n", shown, speed, l64.mean,
           l64.median, l64.p99, l64.max, l256.mean, l256.median, l256.p99, l256.max);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o = {.seconds = 60.0, .runs = 3, .threads = 1};
    const char *files[MAX_PRESETS];
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            o.seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            o.runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            o.threads = (uint32_t)atoi(argv[++i]);
        } else if (argv[i][0] == '-' || nfiles == MAX_PRESETS) {
            fprintf(stderr,
                    "usage: bench_render [--seconds S] [--runs N (1..%d)] [--threads T] "
                    "[PRESET.json ...]\n",
                    MAX_RUNS);
            return 2;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (!(o.seconds >= 1.0) || o.runs < 1 || o.runs > MAX_RUNS || o.threads < 1 || o.threads > 8) {
        fprintf(stderr, "bench_render: --seconds must be >= 1, --runs 1..%d, --threads 1..8\n",
                MAX_RUNS);
        return 2;
    }
    log_set_level(LOG_WARN); /* no "preset loaded" line per render */
    static char names[MAX_PRESETS][64];
    size_t nnames = list_presets(names, MAX_PRESETS);

    printf("# %.0f s at %.0f Hz; speed: median of %d offline renders on %u thread(s) (no file "
           "written);\n"
           "# load: time of each lull_engine_process call / period duration, %% of the period\n"
           "# (mean, median, 99th percentile, maximum over every call)\n",
           o.seconds, SAMPLE_RATE, o.runs, o.threads);
    printf("%-16s %10s %7s %7s %7s %7s %8s %7s %7s %7s\n", "preset", "x realtime", "64 mean",
           "64 med", "64 p99", "64 max", "256 mean", "256 med", "256 p99", "256 max");
    int failed = 0;
    for (size_t i = 0; i < nnames; i++) failed |= bench_one(names[i], &o);
    for (size_t i = 0; i < nfiles; i++) failed |= bench_one(files[i], &o);
    return failed;
}
