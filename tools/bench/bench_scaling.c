/* bench_scaling: how the engine's cost grows with the size of the graph.
 *
 * The voices64 graph (tools/bench/voices64.json: white noise -> svf low-pass whose
 * cutoff follows the breath pacer, summed to both sides) with N voices, built as a
 * plan directly (the preset validator caps presets at 256 nodes, and this measures
 * far beyond that), then run block by block as the engine runs it: the modulations,
 * then the plan, in engine-sized (LULL_ENGINE_BLOCK) blocks at 48 kHz. For each N it prints
 *   - ns per voice-sample and the real-time factor with 1 thread (the realtime
 *     path) and with --threads T through the offline driver's pool (plan_pool.h);
 *   - the time of each 64-frame period (two blocks) with 1 thread: mean and 99th
 *     percentile, as a percentage of the period (1.33 ms);
 *   - the heap bytes per voice the compiled plan holds (mallinfo2 before and after
 *     compiling: node state, parameter and output buffers, inputs).
 * Then the largest N whose p99 fits 50 % of a 64-frame period, found by doubling
 * and bisecting. The output safety stage (about 25 ns per frame, docs/performance.md)
 * is not included: it does not grow with the graph. Asserts nothing.
 *
 * Every figure is the best of --runs runs (default 3; the machine's other jobs only
 * ever add time), the runs of 1 and T threads interleaved.
 *
 * Usage: bench_scaling [--voices N,N,...] [--work VOICE_SECONDS] [--threads T] [--runs R]
 *                      [--plugins DIR] [--preset voices64.json] */
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/features.h"
#include "core/rt.h"
#include "engine/engine.h"
#include "graph/plan.h"
#include "graph/plan_pool.h"
#include "modulation/modulation.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define RATE 48000.0
#define BLOCK LULL_ENGINE_BLOCK
#define PERIOD 64u
#define MAX_VOICES 65536u

/* The N-voice graph from voices64's first voice: its two nodes, its three
 * connections and its one modulation, repeated. Names are made up; the template's
 * parameter values are shared (plan_compile copies them). */
typedef struct voices_graph {
    lull_preset p;
    char (*names)[16];
} voices_graph;

static int voices_build(voices_graph *g, const lull_preset *t, uint32_t n)
{
    memset(g, 0, sizeof *g);
    g->p = *t;
    g->p.name = "voices";
    g->p.node_count = 2 * (size_t)n;
    g->p.connection_count = 3 * (size_t)n;
    g->p.modulation_count = n;
    g->p.lfo_count = 0;
    g->p.sounds = NULL;
    g->p.sound_count = 0;
    g->p.nodes = calloc(2 * (size_t)n, sizeof *g->p.nodes);
    g->p.connections = calloc(3 * (size_t)n, sizeof *g->p.connections);
    g->p.modulations = calloc(n, sizeof *g->p.modulations);
    g->names = calloc(2 * (size_t)n, sizeof *g->names);
    if (!g->p.nodes || !g->p.connections || !g->p.modulations || !g->names) return -1;
    for (uint32_t v = 0; v < n; v++) {
        for (uint32_t k = 0; k < 2; k++) {
            preset_node *pn = &g->p.nodes[2 * v + k];
            *pn = t->nodes[k];
            snprintf(g->names[2 * v + k], sizeof g->names[0], "%s%u", k ? "lp" : "noise", v);
            pn->name = g->names[2 * v + k];
        }
        for (uint32_t c = 0; c < 3; c++) {
            preset_connection pc = t->connections[c];
            pc.from_node = 2 * v + pc.from_node;
            if (pc.to_node != PRESET_OUTPUT_NODE) pc.to_node = 2 * v + pc.to_node;
            g->p.connections[3 * v + c] = pc;
        }
        g->p.modulations[v] = t->modulations[0];
        g->p.modulations[v].node = 2 * v + t->modulations[0].node;
    }
    return 0;
}

static void voices_free(voices_graph *g)
{
    free(g->p.nodes);
    free(g->p.connections);
    free(g->p.modulations);
    free(g->names);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct run_result {
    double ns_per_voice_sample, x_realtime;
    double period_mean_pct, period_median_pct, period_p99_pct; /* 1 thread only */
    double bytes_per_voice;
    uint32_t stages, tasks; /* how plan_pool splits a block (plan.h, plan_stage) */
} run_result;

/* Render `frames` of the N-voice plan; pool NULL: one thread. */
static int run(const lull_preset *t, uint32_t n, uint64_t frames, plan_pool *pool, run_result *out)
{
    voices_graph g;
    char err[1024];
    if (voices_build(&g, t, n)) {
        fprintf(stderr, "bench_scaling: out of memory for %u voices\n", n);
        voices_free(&g);
        return -1;
    }
    struct mallinfo2 before = mallinfo2();
    lull_plan *plan = plan_compile(&g.p, RATE, NULL, err, sizeof err);
    struct mallinfo2 after = mallinfo2();
    if (!plan) {
        fprintf(stderr, "bench_scaling: %u voices: %s\n", n, err);
        voices_free(&g);
        return -1;
    }
    out->bytes_per_voice = ((double)after.uordblks + (double)after.hblkhd -
                            (double)before.uordblks - (double)before.hblkhd) /
                           n;
    out->stages = plan->stage_count;
    out->tasks = plan->task_count;
    lull_features f;
    lull_features_init(&f);
    lull_clocks clk = {.sample_rate = RATE,
                       .tempo_bpm = 60,
                       .beat_inc = 1.0 / RATE,
                       .pacer_rate = t->pacer.rate,
                       .pacer_phase_inc = t->pacer.rate / 60.0 / RATE,
                       .inhale_fraction = t->pacer.inhale_fraction};
    uint64_t periods = frames / PERIOD;
    double *pt = pool ? NULL : malloc(periods * sizeof *pt);
    rt_enable_ftz();
    uint64_t t0 = rt_now_ns();
    for (uint64_t p = 0; p < periods; p++) {
        uint64_t p0 = pt ? rt_now_ns() : 0;
        for (uint32_t b = 0; b < PERIOD / BLOCK; b++) {
            modulation_run(plan, &f, &clk, BLOCK / RATE);
            plan_pool_run(pool, plan, &clk, NULL, 0, BLOCK);
            clk.frame += BLOCK;
            clk.beat += BLOCK * clk.beat_inc;
            clk.pacer_phase = fmod(clk.pacer_phase + BLOCK * clk.pacer_phase_inc, 1.0);
        }
        if (pt) pt[p] = (double)(rt_now_ns() - p0);
    }
    double wall = (double)(rt_now_ns() - t0);
    out->ns_per_voice_sample = wall / ((double)periods * PERIOD * n);
    out->x_realtime = (double)periods * PERIOD / RATE / (wall * 1e-9);
    out->period_mean_pct = out->period_median_pct = out->period_p99_pct = NAN;
    if (pt) {
        double period_ns = PERIOD / RATE * 1e9, sum = 0;
        for (uint64_t p = 0; p < periods; p++) sum += pt[p];
        qsort(pt, periods, sizeof *pt, cmp_double);
        out->period_mean_pct = 100.0 * sum / (double)periods / period_ns;
        out->period_median_pct = 100.0 * pt[(periods - 1) / 2] / period_ns;
        out->period_p99_pct = 100.0 * pt[(size_t)(0.99 * (double)(periods - 1))] / period_ns;
        free(pt);
    }
    plan_free(plan);
    voices_free(&g);
    return 0;
}

/* Keep the best of each figure of x in *best (first: take x as it is). */
static void keep_best(run_result *best, const run_result *x, bool first)
{
    if (first) {
        *best = *x;
        return;
    }
    if (x->ns_per_voice_sample < best->ns_per_voice_sample) {
        best->ns_per_voice_sample = x->ns_per_voice_sample;
        best->x_realtime = x->x_realtime;
    }
    if (x->period_mean_pct < best->period_mean_pct) best->period_mean_pct = x->period_mean_pct;
    if (x->period_median_pct < best->period_median_pct)
        best->period_median_pct = x->period_median_pct;
    if (x->period_p99_pct < best->period_p99_pct) best->period_p99_pct = x->period_p99_pct;
}

/* The best of `runs` runs of n voices on one thread. */
static int best_of(const lull_preset *t, uint32_t n, uint64_t frames, int runs, run_result *best)
{
    for (int r = 0; r < runs; r++) {
        run_result x;
        if (run(t, n, frames, NULL, &x)) return -1;
        keep_best(best, &x, r == 0);
    }
    return 0;
}

/* Audio frames for n voices: `work` voice-seconds, at least 2 s and 100 periods. */
static uint64_t frames_for(uint32_t n, double work)
{
    double s = work / n;
    if (s < 2.0) s = 2.0;
    return (uint64_t)(s * RATE) / PERIOD * PERIOD;
}

int main(int argc, char **argv)
{
    const char *plugins = getenv("LULL_PLUGIN_DIR");
    if (!plugins) plugins = BENCH_PLUGIN_DIR;
    const char *preset_path = BENCH_SOURCE_DIR "/tools/bench/voices64.json";
    uint32_t voices[32] = {16, 64, 256, 1024}, nv = 4, threads = 2;
    int runs = 3;
    double work = 640.0; /* voice-seconds per measurement: 64 voices x 10 s */
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--voices") && v) {
            nv = 0;
            for (char *s = argv[++i]; *s && nv < 32;) {
                char *end;
                unsigned long x = strtoul(s, &end, 10);
                if (end == s || x < 1 || x > MAX_VOICES) {
                    fprintf(stderr, "bench_scaling: --voices: bad count at \"%s\"\n", s);
                    return 2;
                }
                voices[nv++] = (uint32_t)x;
                s = *end == ',' ? end + 1 : end;
            }
        } else if (!strcmp(argv[i], "--work") && v) {
            work = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--runs") && v) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--threads") && v) {
            threads = (uint32_t)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--plugins") && v) {
            plugins = argv[++i];
        } else if (!strcmp(argv[i], "--preset") && v) {
            preset_path = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_scaling [--voices N,N,...] [--work VOICE_SECONDS] "
                            "[--threads T] [--runs R] [--plugins DIR] [--preset voices64.json]\n");
            return 2;
        }
    }
    if (!(work > 0) || threads < 2 || threads > PLAN_THREADS_MAX || runs < 1 || runs > 100) {
        fprintf(stderr, "bench_scaling: --work must be > 0, --threads 2 to %u, --runs 1 to 100\n",
                PLAN_THREADS_MAX);
        return 2;
    }
    char err[1024];
    plugin_registry *reg = registry_new();
    if (!reg || registry_load_dir(reg, plugins, err, sizeof err) < 0) {
        fprintf(stderr, "bench_scaling: %s: %s\n", plugins, reg ? err : "out of memory");
        return 1;
    }
    lull_preset *t = preset_load_file(preset_path, reg, err, sizeof err);
    if (!t || t->node_count < 2 || t->connection_count < 3 || t->modulation_count < 1 ||
        t->connections[0].to_node != 1 || t->modulations[0].node != 1) {
        fprintf(stderr, "bench_scaling: %s: %s\n", preset_path,
                t ? "not a voices graph (noise -> svf, connections and the cutoff modulation "
                    "of voice 0 first)"
                  : err);
        return 1;
    }
    plan_pool *pool = plan_pool_create(threads, err, sizeof err);
    if (!pool) {
        fprintf(stderr, "bench_scaling: %s\n", err);
        return 1;
    }

    printf("# %s: N x (noise -> svf, cutoff on the breath pacer), %u-frame blocks at 48 kHz\n",
           preset_path, BLOCK);
    printf("# 1t: one thread, Tt: %u threads (plan_pool); mean, median, p99: one thread's\n"
           "# 64-frame periods in %% of 1.333 ms; best of %d runs\n",
           threads, runs);
    printf("%7s %10s %9s %10s %9s %8s %8s %8s %8s %10s %13s\n", "voices", "1t ns/vs", "1t x rt",
           "Tt ns/vs", "Tt x rt", "speedup", "mean %", "median %", "p99 %", "bytes/vc",
           "stages/tasks");
    for (uint32_t k = 0; k < nv; k++) {
        run_result one, many, x;
        uint64_t frames = frames_for(voices[k], work);
        for (int r = 0; r < runs; r++) {
            if (run(t, voices[k], frames, NULL, &x)) return 1;
            keep_best(&one, &x, r == 0);
            if (run(t, voices[k], frames, pool, &x)) return 1;
            keep_best(&many, &x, r == 0);
        }
        printf("%7u %10.2f %9.1f %10.2f %9.1f %8.2f %8.2f %8.2f %8.2f %10.0f %9u/%u\n", voices[k],
               one.ns_per_voice_sample, one.x_realtime, many.ns_per_voice_sample, many.x_realtime,
               one.ns_per_voice_sample / many.ns_per_voice_sample, one.period_mean_pct,
               one.period_median_pct, one.period_p99_pct, one.bytes_per_voice, one.stages,
               one.tasks);
        fflush(stdout);
    }

    /* The largest graph whose 99th-percentile period fits half a 64-frame period, one
     * thread (the realtime path): double until it does not fit, then bisect. */
    uint32_t lo = 0, hi = 0;
    for (uint32_t n = 64; n <= MAX_VOICES; n *= 2) {
        run_result r;
        if (best_of(t, n, frames_for(n, work), runs, &r)) return 1;
        printf("# search: %u voices: p99 %.2f %%, mean %.2f %%\n", n, r.period_p99_pct,
               r.period_mean_pct);
        if (r.period_p99_pct > 50.0) {
            hi = n;
            break;
        }
        lo = n;
    }
    while (hi && hi - lo > hi / 16) {
        uint32_t mid = lo + (hi - lo) / 2;
        run_result r;
        if (best_of(t, mid, frames_for(mid, work), runs, &r)) return 1;
        printf("# search: %u voices: p99 %.2f %%, mean %.2f %%\n", mid, r.period_p99_pct,
               r.period_mean_pct);
        if (r.period_p99_pct > 50.0)
            hi = mid;
        else
            lo = mid;
    }
    printf("largest graph within 50 %% of a 64-frame period (p99, 1 thread): %u voices "
           "(%u nodes)%s\n",
           lo, 2 * lo, hi ? "" : " (the search limit)");
    plan_pool_destroy(pool);
    preset_free(t);
    registry_free(reg);
    return 0;
}
