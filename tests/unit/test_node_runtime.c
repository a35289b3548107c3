/* The host's node runtime between blocks: what node_runtime_prepare hands process()
 * for each parameter (param_view, param_static).
 *
 * - A ramp: a new target glides there over the parameter's smoothing time
 *   (logarithmic for the svf's cutoff: equal ratios per frame) and lands exactly.
 * - Resting parameters are skipped (node_runtime.h: woken, moving, rest_frames):
 *   once every parameter rests, a change made behind the smoothers' back is not
 *   seen (the proof that they are skipped), while one made through
 *   param_smoother_set or _jump is seen in the very next block.
 * - A block longer than any before it looks at every parameter again, so the
 *   frames beyond what a resting buffer held are filled, not stale. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "graph/node_runtime.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define RATE 48000.0

static bool prepare(node_runtime *n, uint32_t frames)
{
    lull_clocks clk = {.sample_rate = RATE};
    return node_runtime_prepare(n, &clk, NULL, 0, frames);
}

/* True when view[0..frames) all hold v. */
static bool all_equal(const float *view, uint32_t frames, float v)
{
    for (uint32_t i = 0; i < frames; i++)
        if (view[i] != v) return false;
    return true;
}

static void test_ramp_and_rest(const lull_descriptor *svf)
{
    char err[256];
    node_runtime n;
    bool ok = node_runtime_init(&n, svf, "lp", NULL, RATE, err, sizeof err);
    CHECK(ok, "init: %s", err);
    if (!ok) return;
    int pc = descriptor_find_param(svf, "cutoff"), pq = descriptor_find_param(svf, "q");
    float def = svf->params[pc].def;
    for (int b = 0; b < 3; b++) prepare(&n, 64);
    CHECK(n.moving == 0 && n.woken == 0, "at rest: moving %llx, woken %llx",
          (unsigned long long)n.moving, (unsigned long long)n.woken);
    CHECK(n.param_static[pc] && all_equal(n.param_view[pc], 64, def), "cutoff rests at %g", def);

    /* Behind the smoothers' back: skipped, so the buffer keeps the resting value. */
    n.params[pc].remaining = 7;
    n.params[pc].step = 2.0;
    prepare(&n, 64);
    CHECK(all_equal(n.param_view[pc], 64, def),
          "a resting parameter is not looked at (it changed without set or jump)");
    n.params[pc].remaining = 0;
    n.params[pc].step = 1.0;

    /* Through the setter: seen in the next block, a rising geometric ramp. */
    param_smoother_set(&n.params[pc], 2.0f * def);
    CHECK(n.woken != 0, "set raises the node's woken mask");
    prepare(&n, 64);
    const float *v = n.param_view[pc];
    CHECK(!n.param_static[pc] && v[0] > def && v[63] > v[0],
          "cutoff ramps after set: %g .. %g (from %g)", v[0], v[63], def);
    double r0 = (double)v[1] / v[0], r1 = (double)v[63] / v[62];
    CHECK(fabs(r0 / r1 - 1.0) < 1e-5, "logarithmic ramp: frame ratios %.8f and %.8f", r0, r1);
    uint32_t blocks = 1;
    while (!all_equal(n.param_view[pc], 64, 2.0f * def) && blocks < 100) {
        prepare(&n, 64);
        blocks++;
    }
    double ms = 1e3 * 64.0 * blocks / RATE;
    CHECK(all_equal(n.param_view[pc], 64, 2.0f * def) && ms <= svf->params[pc].smoothing_ms + 2.7,
          "lands exactly on the target after %.1f ms (smoothing %g ms)", ms,
          svf->params[pc].smoothing_ms);
    prepare(&n, 64);
    CHECK(n.moving == 0, "rests again after landing");

    /* A jump: every frame of the next block at the new value. */
    param_smoother_jump(&n.params[pq], 5.0f);
    prepare(&n, 64);
    CHECK(n.param_static[pq] && all_equal(n.param_view[pq], 64, 5.0f), "q jumps to 5");

    /* Short blocks, then a long one: the frames past 16 must be filled too. */
    param_smoother_jump(&n.params[pq], 3.0f);
    for (int b = 0; b < 4; b++) prepare(&n, 16);
    CHECK(n.rest_frames == 16, "resting buffers hold 16 frames (%u)", n.rest_frames);
    prepare(&n, 64);
    CHECK(all_equal(n.param_view[pq], 64, 3.0f) && all_equal(n.param_view[pc], 64, 2.0f * def),
          "a longer block sees every frame of the resting values");
    printf("ramp: %u blocks to land; rest, skip, wake, jump, growth: checked\n", blocks);
    node_runtime_fini(&n);
}

int main(void)
{
    char err[512];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    CHECK(reg != NULL, "registry: %s", err);
    if (!reg) return check_finish("test_node_runtime");
    const lull_descriptor *svf = registry_find(reg, "svf");
    CHECK(svf != NULL, "svf plugin found");
    if (svf) test_ramp_and_rest(svf);
    registry_free(reg);
    return check_finish("test_node_runtime");
}
