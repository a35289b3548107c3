/* swell: envelope shape against its definition, peak at the end of the inhale,
 * exhale longer than inhale, no discontinuity at any phase, depth and lag. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define BREATHS_PER_MIN 6.0
#define PERIOD_FRAMES ((size_t)(RATE * 60.0 / BREATHS_PER_MIN)) /* 10 s */
#define FRAMES (3 * PERIOD_FRAMES) /* room for a full cycle after a lag of half a cycle */

/* The definition in the node contract, p the lagged pacer phase, f the inhale
 * fraction. */
static double envelope(double p, double f)
{
    p -= floor(p);
    return p < f ? 0.5 - 0.5 * cos(M_PI * p / f) : 0.5 + 0.5 * cos(M_PI * (p - f) / (1.0 - f));
}

typedef struct render {
    float *in, *out, *env;
} render;

static render run(double inhale, float depth, float lag, const float *input, uint32_t block)
{
    render r = {malloc(FRAMES * sizeof(float)), malloc(FRAMES * sizeof(float)),
                malloc(FRAMES * sizeof(float))};
    for (size_t i = 0; i < FRAMES; i++) r.in[i] = input ? input[i] : 1.0f;
    node_harness *h = nh_open("swell", "swell", RATE, 1);
    nh_set_pacer(h, BREATHS_PER_MIN, 0.0, inhale);
    nh_set_param(h, "depth", depth);
    nh_set_param(h, "lag", lag);
    nh_set_block_size(h, block);
    const float *ins[] = {r.in};
    float *outs[] = {r.out, r.env};
    nh_run(h, ins, outs, FRAMES);
    nh_close(h);
    return r;
}

static void free_render(render *r)
{
    free(r->in);
    free(r->out);
    free(r->env);
}

static void check_shape(double inhale, float lag)
{
    const float depth = 0.7f;
    render r = run(inhale, depth, lag, NULL, LULL_MAX_BLOCK);
    double inc = BREATHS_PER_MIN / 60.0 / RATE;
    double worst_env = 0.0, worst_out = 0.0, worst_step = 0.0;
    for (size_t i = 0; i < FRAMES; i++) {
        double e = envelope((double)i * inc - lag, inhale);
        worst_env = fmax(worst_env, fabs(r.env[i] - e));
        worst_out = fmax(worst_out, fabs(r.out[i] - (1.0 - depth + depth * e)));
        if (i > 0) worst_step = fmax(worst_step, fabs((double)r.env[i] - r.env[i - 1]));
    }
    CHECK(worst_env < 1e-6, "inhale %.2f lag %.2f: env off its definition by %g", inhale, lag,
          worst_env);
    CHECK(worst_out < 1e-6, "inhale %.2f lag %.2f: out off in*(1-d+d*env) by %g", inhale, lag,
          worst_out);
    /* Continuity: no frame-to-frame step beyond the steepest slope of the curve,
     * pi/(2f) per cycle on the inhale (the exhale's pi/(2(1-f)) is gentler). */
    double max_step = M_PI / (2.0 * fmin(inhale, 1.0 - inhale)) * inc;
    CHECK(worst_step <= max_step * 1.001 + 2e-7, /* + float rounding of env */
          "inhale %.2f lag %.2f: env steps by %g (max slope %g)", inhale, lag, worst_step,
          max_step);

    /* In the second full cycle: minimum at its start (the lag later), peak at the
     * end of the inhale, rise shorter than fall. */
    size_t start = PERIOD_FRAMES + (size_t)llround(lag * PERIOD_FRAMES);
    size_t imax = start, imin = start;
    for (size_t i = start; i < start + PERIOD_FRAMES; i++) {
        if (r.env[i] > r.env[imax]) imax = i;
        if (r.env[i] < r.env[imin]) imin = i;
    }
    double peak_at = (double)(imax - start) / PERIOD_FRAMES;
    CHECK(fabs(peak_at - inhale) < 2e-4, "inhale %.2f lag %.2f: peak at phase %.5f", inhale, lag,
          peak_at);
    CHECK(r.env[imax] > 0.99999f && r.env[imin] < 1e-5f, "env range %g..%g", r.env[imin],
          r.env[imax]);
    CHECK(imin - start < 2 || start + PERIOD_FRAMES - imin < 2,
          "inhale %.2f lag %.2f: minimum at frame %zu of the cycle", inhale, lag, imin - start);
    double rise = peak_at, fall = 1.0 - peak_at;
    if (inhale < 0.5)
        CHECK(fall > rise, "inhale %.2f: exhale (%.3f) not longer than inhale (%.3f)", inhale, fall,
              rise);
    free_render(&r);
}

/* A tone through the swell has no click anywhere, at full depth, whatever the
 * block size. */
static void check_no_click(void)
{
    float *tone = malloc(FRAMES * sizeof *tone);
    for (size_t i = 0; i < FRAMES; i++)
        tone[i] = (float)(0.5 * sin(2.0 * M_PI * 220.0 * (double)i / RATE));
    render r = run(0.4, 1.0f, 0.1f, tone, 17);
    ac_click c = ac_click_detect(r.out, FRAMES, 480, 1e-7);
    CHECK(c.ratio < 3.0, "swelled tone has a click: ratio %.1f at frame %zu", c.ratio, c.index);
    /* The detector itself sees a jump of 1 % of the tone at the same place. */
    r.out[c.index] += 0.005f;
    ac_click jump = ac_click_detect(r.out, FRAMES, 480, 1e-7);
    CHECK(jump.ratio > 10.0, "click detector misses a 1 %% jump (ratio %.1f)", jump.ratio);
    free_render(&r);
    free(tone);
}

static void check_depth_zero(void)
{
    float *x = malloc(FRAMES * sizeof *x);
    for (size_t i = 0; i < FRAMES; i++) x[i] = (float)sin((double)i * 0.01);
    render r = run(0.4, 0.0f, 0.0f, x, LULL_MAX_BLOCK);
    CHECK(memcmp(r.out, x, FRAMES * sizeof *x) == 0, "depth 0 changes the signal");
    free_render(&r);
    free(x);
}

int main(void)
{
    check_shape(0.4, 0.0f);
    check_shape(0.4, 0.25f);
    check_shape(0.3, 0.0f);
    check_shape(0.5, 0.5f);
    check_shape(0.2, 0.1f);
    check_no_click();
    check_depth_zero();
    return check_finish("test_node_swell");
}
