/* bench_nodes: the cost of one instance of every node type in the registry, in
 * nanoseconds per frame, run the way the engine runs it (node_runtime: host
 * parameter smoothing, the plugin's process(), the non-finite-output guard) in
 * blocks of LULL_ENGINE_BLOCK frames at 48 kHz.
 *
 * Two figures per node: "static" (every parameter at its default, so the smoother
 * reports it static and the node may take its fast path) and "modulated" (one
 * parameter gets a new target every block, so the smoother ramps all the time the
 * way a preset modulation drives it). The figure is the median over several runs of
 * about `--seconds` of wall time each. Prints a table; asserts nothing.
 *
 * Usage: bench_nodes [--runs N] [--seconds S] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"
#include "engine/engine.h"
#include "graph/node_runtime.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define SAMPLE_RATE 48000.0
#define BLOCK LULL_ENGINE_BLOCK
#define MAX_RUNS 32
#define MOD_PERIOD_S 10.0 /* the modulated parameter sweeps at 0.1 Hz */

typedef struct bench_opts {
    int runs;
    double seconds;
} bench_opts;

/* Uniform noise at -12 dBFS for every input port: a realistic, non-denormal signal. */
static float g_input[BLOCK];

static void fill_input(void)
{
    uint32_t x = 0x12345678u;
    for (uint32_t i = 0; i < BLOCK; i++) {
        x = x * 1664525u + 1013904223u;
        g_input[i] = ((float)(x >> 8) / 8388608.0f - 1.0f) * 0.25f;
    }
}

/* The parameter a preset would modulate: the first MODULATABLE one, else the first
 * smoothed, non-stepped one; -1 when the node has none. */
static int pick_param(const lull_descriptor *d)
{
    for (uint32_t i = 0; i < d->param_count; i++)
        if (d->params[i].flags & LULL_PARAM_MODULATABLE) return (int)i;
    for (uint32_t i = 0; i < d->param_count; i++)
        if (!(d->params[i].flags & LULL_PARAM_STEPPED) && d->params[i].smoothing_ms > 0)
            return (int)i;
    return -1;
}

/* A target between 25 % and 75 % of the range (of its logarithm for logarithmic
 * parameters) following a slow sine of rendered time t. */
static float sweep_target(const lull_param_info *p, double t)
{
    double u = 0.5 + 0.25 * sin(2.0 * M_PI * t / MOD_PERIOD_S);
    if ((p->flags & LULL_PARAM_LOGARITHMIC) && p->min > 0)
        return (float)(p->min * pow((double)p->max / p->min, u));
    return (float)(p->min + (p->max - p->min) * u);
}

static void clocks_advance(lull_clocks *c, uint32_t frames)
{
    c->frame += frames;
    c->beat += c->beat_inc * frames;
    c->pacer_phase += c->pacer_phase_inc * frames;
    c->pacer_phase -= floor(c->pacer_phase);
}

/* Notes (ABI 1.2): a node with note inputs gets NOTES_PER_S notes a second (a
 * pentatonic walk, velocities 0.4..1, 2 s long), so its cost includes starting and
 * running voices; a node with note outputs gets a buffer, emptied every block. */
#define NOTES_PER_S 4.0
static lull_note g_notes_in[1];
static lull_note g_notes_out_buf[LULL_MAX_NOTES];
static lull_note_output g_notes_out = {g_notes_out_buf, LULL_MAX_NOTES, 0};

static void notes_attach(node_runtime *n)
{
    n->notes = n->desc->note_input_count ? g_notes_in : NULL;
    n->note_count = 0;
    n->notes_out = n->desc->note_output_count ? &g_notes_out : NULL;
}

/* [audio] The block starting at clk->frame: one note when a note time falls in it. */
static void notes_for_block(node_runtime *n, const lull_clocks *clk)
{
    g_notes_out.count = 0;
    if (!n->notes) return;
    const uint64_t every = (uint64_t)(SAMPLE_RATE / NOTES_PER_S);
    uint64_t next = (clk->frame + every - 1) / every * every;
    n->note_count = 0;
    if (next >= clk->frame + BLOCK) return;
    static const float steps[5] = {0, 2, 4, 7, 9};
    uint64_t k = next / every;
    g_notes_in[0] = (lull_note){.offset = (uint32_t)(next - clk->frame),
                                .port = 0,
                                .type = LULL_NOTE_ON,
                                .pitch = 48.0f + 12.0f * (float)(k / 5 % 3) + steps[k % 5],
                                .velocity = 0.4f + 0.6f * (float)(k % 7) / 6.0f,
                                .duration_s = 2.0f};
    n->note_count = 1;
}

/* Runs `blocks` blocks; returns the wall time in seconds. */
static double run_blocks(node_runtime *n, lull_clocks *clk, int mod_param, uint64_t blocks)
{
    uint64_t t0 = rt_now_ns();
    for (uint64_t b = 0; b < blocks; b++) {
        if (mod_param >= 0) {
            double t = (double)clk->frame / SAMPLE_RATE;
            param_smoother_set(&n->params[mod_param], sweep_target(&n->desc->params[mod_param], t));
        }
        notes_for_block(n, clk);
        node_runtime_process(n, clk, NULL, 0, BLOCK);
        clocks_advance(clk, BLOCK);
    }
    return (double)(rt_now_ns() - t0) * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nodes with sound slots get this sound in every slot, as a preset would bind a
 * file: 10 s of stereo noise (0.25 peak) plus a sine (0.5 peak; 440 / 660 Hz) at the
 * bench rate, long enough that a sampler's reads miss the cache like a real file's. */
#define SOUND_SECONDS 10.0
#define MAX_SLOTS 16
static float *g_sound_data[2];
static const float *g_sound_ptrs[2];
static lull_sound g_sound;

static const lull_sound *bench_sound(void)
{
    if (g_sound.frames) return &g_sound;
    uint64_t frames = (uint64_t)(SOUND_SECONDS * SAMPLE_RATE);
    for (int c = 0; c < 2; c++)
        if (!(g_sound_data[c] = malloc(frames * sizeof(float)))) return NULL;
    uint32_t x = 0x9e3779b9u;
    for (uint64_t f = 0; f < frames; f++)
        for (int c = 0; c < 2; c++) {
            x = x * 1664525u + 1013904223u;
            double noise = (double)x / 2147483648.0 - 1.0;
            double sine = sin(2.0 * M_PI * (c ? 660.0 : 440.0) * (double)f / SAMPLE_RATE);
            g_sound_data[c][f] = (float)(0.25 * noise + 0.5 * sine);
        }
    g_sound_ptrs[0] = g_sound_data[0];
    g_sound_ptrs[1] = g_sound_data[1];
    g_sound = (lull_sound){.struct_size = sizeof(lull_sound),
                           .channels = 2,
                           .frames = frames,
                           .sample_rate = SAMPLE_RATE,
                           .data = g_sound_ptrs,
                           .name = "bench",
                           .path = "(synthetic noise + sine)"};
    return &g_sound;
}

/* Median ns per frame of one node type, static (mod_param < 0) or modulated.
 * Returns NAN when the node cannot be instantiated. */
static double measure(const lull_descriptor *d, int mod_param, const bench_opts *o)
{
    node_runtime n;
    char err[256];
    const lull_sound *slots[MAX_SLOTS];
    uint32_t nslots = descriptor_sound_slot_count(d);
    if (nslots > MAX_SLOTS) nslots = MAX_SLOTS;
    for (uint32_t i = 0; i < nslots; i++) slots[i] = bench_sound();
    if (!node_runtime_init_sounds(&n, d, d->id, NULL, slots, nslots, SAMPLE_RATE, err,
                                  sizeof err)) {
        fprintf(stderr, "bench_nodes: %s\n", err);
        return NAN;
    }
    for (uint32_t i = 0; i < d->input_count; i++) n.inputs[i] = g_input;
    notes_attach(&n);
    lull_clocks clk = {.sample_rate = SAMPLE_RATE,
                       .tempo_bpm = 60.0,
                       .beat_inc = 60.0 / 60.0 / SAMPLE_RATE,
                       .pacer_rate = 6.0,
                       .pacer_phase_inc = 6.0 / 60.0 / SAMPLE_RATE,
                       .inhale_fraction = 0.4,
                       .pacer_active = 1};

    /* Calibrate: warm up for ~0.1 s, then size the runs to about o->seconds each. */
    uint64_t blocks = 256;
    double t;
    while ((t = run_blocks(&n, &clk, mod_param, blocks)) < 0.1) blocks *= 2;
    uint64_t per_run = (uint64_t)((double)blocks * o->seconds / t);
    if (per_run < 1) per_run = 1;

    double ns[MAX_RUNS];
    for (int r = 0; r < o->runs; r++)
        ns[r] = run_blocks(&n, &clk, mod_param, per_run) * 1e9 / ((double)per_run * BLOCK);
    node_runtime_fini(&n);
    qsort(ns, (size_t)o->runs, sizeof ns[0], cmp_double);
    return o->runs % 2 ? ns[o->runs / 2] : 0.5 * (ns[o->runs / 2 - 1] + ns[o->runs / 2]);
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            o->runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            o->seconds = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_nodes [--runs N (1..%d)] [--seconds S]\n", MAX_RUNS);
            return -1;
        }
    }
    if (o->runs < 1 || o->runs > MAX_RUNS || !(o->seconds > 0)) {
        fprintf(stderr, "bench_nodes: --runs must be 1..%d and --seconds > 0\n", MAX_RUNS);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o = {.runs = 5, .seconds = 2.0};
    if (parse_args(argc, argv, &o) != 0) return 2;
    char err[512];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    if (!reg) {
        fprintf(stderr, "bench_nodes: %s\n", err);
        return 1;
    }
    rt_enable_ftz();
    fill_input();
    printf("# node cost through node_runtime, %u-frame blocks at %.0f Hz, median of %d runs "
           "of ~%.1f s\n",
           BLOCK, SAMPLE_RATE, o.runs, o.seconds);
    printf("# ns/frame: wall time per frame of one instance (all its outputs);\n"
           "# per core: instances that fit in real time on one core at %.0f Hz\n",
           SAMPLE_RATE);
    printf("%-10s %4s %4s %11s %9s  %-12s %11s %9s\n", "node", "in", "out", "static", "per core",
           "modulated", "ns/frame", "per core");
    int failed = 0;
    for (size_t i = 0; i < registry_count(reg); i++) {
        const lull_descriptor *d = registry_get(reg, i);
        double st = measure(d, -1, &o);
        int p = pick_param(d);
        double mod = p >= 0 ? measure(d, p, &o) : NAN;
        if (isnan(st)) failed = 1;
        double per_sample_ns = 1e9 / SAMPLE_RATE;
        printf("%-10s %4u %4u %11.2f %9.0f  %-12s ", d->id, d->input_count, d->output_count, st,
               per_sample_ns / st, p >= 0 ? d->params[p].id : "-");
        if (isnan(mod))
            printf("%11s %9s\n", "-", "-");
        else
            printf("%11.2f %9.0f\n", mod, per_sample_ns / mod);
        fflush(stdout);
    }
    registry_free(reg);
    return failed;
}
