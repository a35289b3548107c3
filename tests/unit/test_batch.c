/* lull.batch/1: a batch must be indistinguishable from processing its instances one
 * by one. The extension's contract is bit-identity (the same operations in the same
 * order per lane), so outputs are compared with memcmp, not with a tolerance.
 *
 * Node level: for svf and noise, N = 1..9 instances with their own seeds, cutoffs,
 * Qs, modes, colours and parameter trajectories (static, ramping, mode and colour
 * switches mid-block, desynchronised design phases) run through the host's
 * node_runtime twice: one set with process() per instance, a twin set with
 * prepare + process_batch + finish. Every output block must match bit for bit.
 * Shared parameter trajectories (node_runtime_prepare_shared) likewise, against
 * nodes that smooth their own.
 * Plan level: voices64 and the shipped presets compiled with and without the
 * shortcuts (batches, shared trajectories, twin modulations) and rendered with
 * modulation running: every node's output and the plan's output must match bit
 * for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/features.h"
#include "check.h"
#include "graph/node_runtime.h"
#include "graph/plan.h"
#include "modulation/modulation.h"
#include "plugin/registry.h"
#include "preset/preset.h"
#include "sound/sound_bank.h"

#define RATE 48000.0
#define MAX_N 9
#define BLOCKS 300

/* Deterministic pseudo-random numbers for the test's own choices. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}
static float uniform(uint32_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)lcg(s) / 16777216.0f;
}

typedef struct twin {
    node_runtime one[MAX_N], batch[MAX_N];
    float input[MAX_N][LULL_MAX_BLOCK];
} twin;

static void twin_init(twin *t, const lull_descriptor *d, uint32_t n, uint32_t seed)
{
    char err[256], name[32];
    for (uint32_t k = 0; k < n; k++) {
        snprintf(name, sizeof name, "node%u_%u", seed, k); /* names give the seeds */
        bool ok = node_runtime_init(&t->one[k], d, name, NULL, RATE, err, sizeof err) &&
                  node_runtime_init(&t->batch[k], d, name, NULL, RATE, err, sizeof err);
        CHECK(ok, "init %s: %s", name, err);
        if (!ok) exit(check_finish("test_batch"));
    }
}

static void twin_fini(twin *t, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        node_runtime_fini(&t->one[k]);
        node_runtime_fini(&t->batch[k]);
    }
}

/* Set a parameter on both twins of instance k. */
static void twin_set(twin *t, uint32_t k, const char *param, float v)
{
    int p = descriptor_find_param(t->one[k].desc, param);
    param_smoother_set(&t->one[k].params[p], v);
    param_smoother_set(&t->batch[k].params[p], v);
}

/* One block: each instance alone in one set, all as a batch in the other. Returns
 * the number of (instance, block) outputs that differ. */
static int twin_block(twin *t, uint32_t n, uint32_t frames, const lull_clocks *clk)
{
    const lull_descriptor *d = t->one[0].desc;
    const lull_ext_batch *ext = d->get_extension(t->batch[0].self, LULL_EXT_BATCH);
    void *selves[MAX_N];
    const lull_process *ctxs[MAX_N];
    for (uint32_t k = 0; k < n; k++) {
        if (d->input_count) {
            t->one[k].inputs[0] = t->input[k];
            t->batch[k].inputs[0] = t->input[k];
        }
        node_runtime_process(&t->one[k], clk, NULL, 0, frames);
        CHECK(node_runtime_prepare(&t->batch[k], clk, NULL, 0, frames), "prepare %u", k);
        selves[k] = t->batch[k].self;
        ctxs[k] = &t->batch[k].ctx;
    }
    ext->process_batch(selves, ctxs, n);
    int diff = 0;
    for (uint32_t k = 0; k < n; k++) {
        node_runtime_finish(&t->batch[k]);
        diff += memcmp(t->one[k].outputs[0], t->batch[k].outputs[0], frames * sizeof(float)) != 0;
    }
    return diff;
}

/* Block lengths that vary (the host always passes <= LULL_MAX_BLOCK). */
static uint32_t block_len(uint32_t b) { return b % 5 == 3 ? 1 + b % 37 : b % 7 == 0 ? 64 : 32; }

static void test_svf(const lull_descriptor *d, uint32_t n, uint32_t seed)
{
    twin t;
    memset(&t, 0, sizeof t);
    twin_init(&t, d, n, seed);
    uint32_t r = seed * 7919u + n;
    lull_clocks clk = {.sample_rate = RATE};
    /* instances whose design phases differ: run some alone for a few frames first */
    for (uint32_t k = 0; k < n; k++) {
        twin_set(&t, k, "mode", (float)(lcg(&r) % 3));
        twin_set(&t, k, "cutoff", uniform(&r, 40.0f, 12000.0f));
        twin_set(&t, k, "q", uniform(&r, 0.5f, 12.0f));
        if (seed % 3 == 1 && k % 2) {
            for (uint32_t i = 0; i < 5; i++) t.input[k][i] = uniform(&r, -1.0f, 1.0f);
            t.one[k].inputs[0] = t.batch[k].inputs[0] = t.input[k];
            node_runtime_process(&t.one[k], &clk, NULL, 0, 5);
            node_runtime_process(&t.batch[k], &clk, NULL, 0, 5);
        }
    }
    int diff = 0;
    for (uint32_t b = 0; b < BLOCKS; b++) {
        uint32_t frames = block_len(b + seed);
        for (uint32_t k = 0; k < n; k++) {
            for (uint32_t i = 0; i < frames; i++)
                t.input[k][i] = b % 50 == 7 && k == 0 ? 0.0f : uniform(&r, -1.0f, 1.0f);
            uint32_t what = lcg(&r) % 16;
            if (what == 0) twin_set(&t, k, "cutoff", uniform(&r, 20.0f, 20000.0f)); /* ramps */
            if (what == 1) twin_set(&t, k, "q", uniform(&r, 0.5f, 20.0f));
            if (what == 2) twin_set(&t, k, "mode", (float)(lcg(&r) % 3));
        }
        /* a mode switch mid-block: the stepped parameter jumps inside the buffer */
        if (b % 11 == 5 && frames > 2) {
            node_runtime *a = &t.one[n - 1], *c = &t.batch[n - 1];
            int pm = descriptor_find_param(a->desc, "mode");
            float m = (float)((lrintf(param_smoother_value(&a->params[pm])) + 1) % 3);
            param_smoother_jump(&a->params[pm], m);
            param_smoother_jump(&c->params[pm], m);
        }
        diff += twin_block(&t, n, frames, &clk);
        clk.frame += frames;
    }
    CHECK(diff == 0, "svf, %u instances (seed %u): %d blocks differ from process()", n, seed, diff);
    twin_fini(&t, n);
}

/* Shared parameter trajectories (node_runtime_prepare_shared): instances whose
 * cutoff moves the same way take the first one's buffer instead of smoothing their
 * own. Phases: all move together (shared), some part ways (shared by those that
 * agree), all come to rest (each must then read its own buffer again, refilled:
 * a node that shared in the block its ramp ended has a stale one). The shared set
 * runs as a batch; every output must match the set that runs alone. */
static void test_shared_params(const lull_descriptor *d)
{
    enum { N = 6 };
    twin t;
    memset(&t, 0, sizeof t);
    twin_init(&t, d, N, 99);
    const lull_ext_batch *ext = d->get_extension(t.batch[0].self, LULL_EXT_BATCH);
    int pc = descriptor_find_param(d, "cutoff");
    uint32_t r = 4242u;
    lull_clocks clk = {.sample_rate = RATE};
    node_param_memo memo;
    memset(&memo, 0, sizeof memo);
    int diff = 0;
    uint32_t shared = 0, own_after_rest = 0;
    for (uint32_t b = 0; b < 400; b++) {
        uint32_t frames = block_len(b);
        float common = uniform(&r, 200.0f, 2000.0f);
        for (uint32_t k = 0; k < N; k++) {
            for (uint32_t i = 0; i < frames; i++) t.input[k][i] = uniform(&r, -1.0f, 1.0f);
            if (b < 100 || (b < 200 && k < 3))
                twin_set(&t, k, "cutoff", common); /* together */
            else if (b < 200)
                twin_set(&t, k, "cutoff", uniform(&r, 200.0f, 2000.0f)); /* apart */
            else if (b == 300)
                twin_set(&t, k, "cutoff", 500.0f); /* one last ramp, then rest */
        }
        void *selves[N];
        const lull_process *ctxs[N];
        memo.node = NULL;
        for (uint32_t k = 0; k < N; k++) {
            t.one[k].inputs[0] = t.batch[k].inputs[0] = t.input[k];
            node_runtime_process(&t.one[k], &clk, NULL, 0, frames);
            CHECK(node_runtime_prepare_shared(&t.batch[k], &memo, &clk, NULL, 0, frames),
                  "prepare %u", k);
            bool own = t.batch[k].param_view[pc] == t.batch[k].param_bufs[pc];
            shared += !own;
            if (b >= 390) own_after_rest += own;
            selves[k] = t.batch[k].self;
            ctxs[k] = &t.batch[k].ctx;
        }
        ext->process_batch(selves, ctxs, N);
        for (uint32_t k = 0; k < N; k++) {
            node_runtime_finish(&t.batch[k]);
            diff += memcmp(t.one[k].outputs[0], t.batch[k].outputs[0], frames * sizeof(float)) != 0;
        }
        clk.frame += frames;
    }
    CHECK(diff == 0, "shared parameters: %d node blocks differ from nodes smoothing their own",
          diff);
    /* 100 blocks x 5 followers together, 100 x 2 followers of the first three, and
     * those two again along the last ramp */
    CHECK(shared >= 700, "shared parameters: %u node blocks took a neighbour's cutoff", shared);
    CHECK(own_after_rest == 10 * N, "shared parameters: at rest %u of %u read their own",
          own_after_rest, 10 * N);
    printf("shared parameters: %u node blocks shared a trajectory; identical: %s\n", shared,
           diff == 0 ? "yes" : "no");
    twin_fini(&t, N);
}

static void test_noise(const lull_descriptor *d, uint32_t n, uint32_t seed)
{
    twin t;
    memset(&t, 0, sizeof t);
    twin_init(&t, d, n, seed);
    uint32_t r = seed * 104729u + n;
    lull_clocks clk = {.sample_rate = RATE};
    for (uint32_t k = 0; k < n; k++) {
        twin_set(&t, k, "color", (float)(seed % 2 ? k % 3 : lcg(&r) % 3));
        twin_set(&t, k, "level", uniform(&r, 0.0f, 1.0f));
    }
    int diff = 0;
    for (uint32_t b = 0; b < BLOCKS; b++) {
        uint32_t frames = block_len(b + seed);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t what = lcg(&r) % 24;
            if (what == 0) twin_set(&t, k, "color", (float)(lcg(&r) % 3));   /* fades */
            if (what < 4) twin_set(&t, k, "level", uniform(&r, 0.0f, 1.0f)); /* ramps */
        }
        diff += twin_block(&t, n, frames, &clk);
        clk.frame += frames;
    }
    CHECK(diff == 0, "noise, %u instances (seed %u): %d blocks differ from process()", n, seed,
          diff);
    twin_fini(&t, n);
}

/* Render a preset through two plans, batched and not, with modulation running. */
static void test_plan(const plugin_registry *reg, const char *path, double seconds)
{
    char err[512];
    lull_preset *p = preset_load_file(path, reg, err, sizeof err);
    CHECK(p != NULL, "%s: %s", path, err);
    if (!p) return;
    /* the shipped presets' sound files, as the engine would find them */
    char sound_dir[4200];
    snprintf(sound_dir, sizeof sound_dir, "%s/sounds", test_env("LULL_PRESET_DIR"));
    const char *const dirs[] = {sound_dir, NULL};
    sound_bank *bank = sound_bank_create(RATE, dirs);
    lull_plan *on = plan_compile_with(p, RATE, bank, true, err, sizeof err);
    lull_plan *off = plan_compile_with(p, RATE, bank, false, err, sizeof err);
    CHECK(on && off, "%s: %s", path, err);
    uint32_t batched = 0;
    for (uint32_t g = 0; on && g < on->group_count; g++)
        if (on->groups[g].batch) batched += on->groups[g].count;
    if (on && off) {
        lull_features f;
        lull_features_init(&f);
        const uint32_t n = 32;
        lull_clocks clk = {.sample_rate = RATE,
                           .pacer_rate = 6.0,
                           .inhale_fraction = 0.4,
                           .pacer_phase_inc = 6.0 / 60.0 / RATE,
                           .pacer_active = 1,
                           .tempo_bpm = 60.0,
                           .beat_inc = 1.0 / RATE};
        long differ = 0, blocks = (long)(seconds * RATE / n);
        for (long b = 0; b < blocks; b++) {
            modulation_run(on, &f, &clk, n / RATE);
            modulation_run(off, &f, &clk, n / RATE);
            plan_run(on, &clk, NULL, 0, n);
            plan_run(off, &clk, NULL, 0, n);
            for (uint32_t s = 0; s < on->step_count; s++)
                for (uint32_t o = 0; o < on->steps[s].node.desc->output_count; o++)
                    differ += memcmp(on->steps[s].node.outputs[o], off->steps[s].node.outputs[o],
                                     n * sizeof(float)) != 0;
            differ += memcmp(on->out_buf, off->out_buf, sizeof on->out_buf) != 0;
            clk.frame += n;
            clk.pacer_phase += n * clk.pacer_phase_inc;
            if (clk.pacer_phase >= 1.0) clk.pacer_phase -= 1.0;
            clk.beat += n * clk.beat_inc;
        }
        CHECK(differ == 0, "%s: %ld node blocks differ with the shortcuts on", path, differ);
        printf("%s: %.0f s, %u of %u nodes in batches, identical: %s\n", path, seconds, batched,
               on->step_count, differ == 0 ? "yes" : "no");
    }
    plan_free(on);
    plan_free(off);
    sound_bank_destroy(bank);
    preset_free(p);
}

int main(void)
{
    char err[512];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    CHECK(reg != NULL, "registry: %s", err);
    if (!reg) return check_finish("test_batch");
    const lull_descriptor *svf = registry_find(reg, "svf"), *noise = registry_find(reg, "noise");
    CHECK(svf && noise, "svf and noise plugins found");
    if (!svf || !noise) return check_finish("test_batch");
    CHECK(svf->get_extension && svf->get_extension(NULL, LULL_EXT_BATCH),
          "svf offers lull.batch/1");
    CHECK(noise->get_extension && noise->get_extension(NULL, LULL_EXT_BATCH),
          "noise offers lull.batch/1");
    for (uint32_t n = 1; n <= MAX_N; n++)
        for (uint32_t seed = 1; seed <= 3; seed++) {
            test_svf(svf, n, seed);
            test_noise(noise, n, seed);
        }

    test_shared_params(svf);

    const char *src = test_env("LULL_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tools/bench/voices64.json", src);
    test_plan(reg, path, 5.0);
    static const char *const shipped[] = {"default", "drone", "surf"};
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.json", test_env("LULL_PRESET_DIR"), shipped[i]);
        test_plan(reg, path, 5.0);
    }
    registry_free(reg);
    return check_finish("test_batch");
}
