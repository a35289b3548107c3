/* plan_prefault (graph/plan_prefault.h): the worker writes every page of a new
 * plan's buffers before the audio thread sees it. It must cover the buffers
 * (bytes counted against what the plan holds) and change nothing a render hears:
 * two plans of the same preset, one pre-faulted, render bit-identical blocks.
 * The minor faults this thread takes in each plan's first blocks are printed
 * (getrusage here is a test's, never the audio thread's): informative only, since
 * freshly compiled plans may reuse already-touched heap memory. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "graph/plan.h"
#include "graph/plan_prefault.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define RATE 48000.0
#define BLOCKS 400

static long thread_minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

static lull_plan *compile(const plugin_registry *reg, const char *path)
{
    char err[1024] = "";
    lull_preset *p = preset_load_file(path, reg, err, sizeof err);
    CHECK(p != NULL, "%s refused: %s", path, err);
    if (!p) return NULL;
    lull_plan *plan = plan_compile(p, RATE, NULL, err, sizeof err);
    CHECK(plan != NULL, "%s: plan_compile failed: %s", path, err);
    preset_free(p);
    return plan;
}

/* Renders BLOCKS blocks of 32 frames; the left output into out. Returns the minor
 * faults taken meanwhile. */
static long render(lull_plan *plan, float *out)
{
    lull_clocks clk = {.sample_rate = RATE,
                       .tempo_bpm = 60,
                       .beat_inc = 1.0 / RATE,
                       .pacer_rate = 6,
                       .pacer_phase_inc = 0.1 / RATE,
                       .inhale_fraction = 0.4};
    long f0 = thread_minflt();
    for (int b = 0; b < BLOCKS; b++) {
        clk.frame = (uint64_t)b * 32;
        plan_run(plan, &clk, NULL, 0, 32);
        memcpy(out + b * 32, plan->out_buf[0], 32 * sizeof(float));
    }
    return thread_minflt() - f0;
}

int main(void)
{
    const char *dirs[] = {test_env("LULL_PLUGIN_DIR"), NULL};
    char err[1024];
    plugin_registry *reg = registry_load_dirs(dirs, err, sizeof err);
    CHECK(reg != NULL, "plugins: %s", err);
    if (!reg) return check_finish("test_plan_prefault");

    /* Presets without sound files (no bank needed), with fan-in,
     * modulations and several nodes. */
    const char *names[] = {"surf", "warm_pad", "holding"};
    static float a[BLOCKS * 32], b[BLOCKS * 32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.json", test_env("LULL_PRESET_DIR"), names[i]);
        lull_plan *plain = compile(reg, path);
        lull_plan *touched = compile(reg, path);
        if (!plain || !touched) break;
        size_t bytes = plan_prefault(touched);
        /* At least the plan itself and one output buffer per step. */
        size_t floor = sizeof(lull_plan) + touched->step_count * LULL_MAX_BLOCK * sizeof(float);
        CHECK(bytes >= floor, "%s: plan_prefault covered %zu bytes, expected >= %zu", names[i],
              bytes, floor);
        long f_touched = render(touched, b);
        long f_plain = render(plain, a);
        CHECK(memcmp(a, b, sizeof a) == 0, "%s: the pre-faulted plan renders differently",
              names[i]);
        double energy = 0;
        for (size_t k = 0; k < BLOCKS * 32; k++) energy += (double)a[k] * a[k];
        CHECK(energy > 0, "%s: the render is silent: nothing compared", names[i]);
        printf("%s: %u steps, %zu bytes pre-faulted; minor faults in the first %d blocks: "
               "%ld pre-faulted, %ld plain\n",
               names[i], touched->step_count, bytes, BLOCKS, f_touched, f_plain);
        plan_free(plain);
        plan_free(touched);
    }
    registry_free(reg);
    return check_finish("test_plan_prefault");
}
