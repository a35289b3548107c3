/* lfo: sine frequency and phase exact, random shapes inside offset +- depth and
 * using it, largest step per frame within each shape's theoretical slope,
 * continuous slope for sine and noise2 (second difference of order inc^2, where
 * noise1's corners give order inc), tempo and pacer sync, lock after a switch to
 * a synced mode, shape crossfade, determinism per seed.
 *
 * Theory (plugins/lfo/lfo.c): with i the phase increment per frame (rate / sr in
 * free mode), the largest step per frame is depth x {2 pi i, 4 i, 2 i, 4 i} for
 * sine, triangle, noise1, noise2; the second difference of the sine is at most
 * depth (2 pi i)^2, of noise2 at most depth 44 i^2 (|h''| <= 6|d| + 4|m1| + 4|m2|
 * per cycle^2 with |m| <= 2|d| and |d| <= 2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

static float *render(uint64_t seed, float shape, float rate, float depth, float offset,
                     float sync, size_t frames, uint32_t block)
{
    node_harness *h = nh_open("lfo", "lfo", RATE, seed);
    nh_set_param(h, "shape", shape);
    nh_set_param(h, "rate", rate);
    nh_set_param(h, "depth", depth);
    nh_set_param(h, "offset", offset);
    nh_set_param(h, "sync", sync);
    nh_set_block_size(h, block);
    float *out = malloc(frames * sizeof *out);
    float *outs[] = {out};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    return out;
}

static void steps(const float *x, size_t n, double *max_d1, double *max_d2)
{
    *max_d1 = *max_d2 = 0.0;
    for (size_t i = 1; i < n; i++) {
        *max_d1 = fmax(*max_d1, fabs((double)x[i] - x[i - 1]));
        if (i + 1 < n)
            *max_d2 = fmax(*max_d2, fabs((double)x[i + 1] - 2.0 * x[i] + x[i - 1]));
    }
}

/* out[n] = offset + depth sin(2 pi rate n / sr), sample by sample, for 200 s;
 * and the frequency counted from upward zero crossings. */
static void check_sine_exact(float rate)
{
    const size_t frames = (size_t)(200.0 * RATE);
    float *x = render(1, 0.0f, rate, 0.8f, 0.1f, 0.0f, frames, 37);
    double worst = 0.0;
    size_t first = 0, last = 0, crossings = 0;
    for (size_t i = 0; i < frames; i++) {
        double want = 0.1 + 0.8 * sin(2.0 * M_PI * fmod((double)rate * (double)i / RATE, 1.0));
        worst = fmax(worst, fabs(x[i] - want));
        if (i > 0 && x[i - 1] < 0.1f && x[i] >= 0.1f) {
            if (!crossings)
                first = i;
            last = i;
            crossings++;
        }
    }
    double measured = (double)(crossings - 1) / ((double)(last - first) / RATE);
    printf("  sine %g Hz: worst deviation from offset + depth sin(2 pi f t) %.2e over 200 s; "
           "%zu cycles counted: %.7f Hz\n",
           rate, worst, crossings - 1, measured);
    CHECK(worst < 2e-6, "sine %g Hz off its formula by %g", rate, worst);
    CHECK(fabs(measured - rate) < 2.0 / ((double)(last - first) / RATE),
          "sine %g Hz measures %.7f Hz", rate, measured);
    free(x);
}

static void check_shape_bounds(const char *name, float shape, double slope_per_cycle,
                               bool smooth)
{
    const float rate = 20.0f, depth = 0.5f, offset = 0.2f;
    const size_t frames = (size_t)(60.0 * RATE);
    float *x = render(7, shape, rate, depth, offset, 0.0f, frames, 64);
    double lo = 1e9, hi = -1e9, d1, d2;
    for (size_t i = 0; i < frames; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    steps(x, frames, &d1, &d2);
    double inc = rate / RATE;
    double d1_bound = depth * slope_per_cycle * inc;
    double d2_bound = depth * (shape == 0.0f ? 4.0 * M_PI * M_PI : 44.0) * inc * inc;
    printf("  %-8s range %+.4f..%+.4f (bound %+.1f..%+.1f), largest step %.3e (bound %.3e), "
           "largest 2nd difference %.3e (smooth bound %.3e)\n",
           name, lo, hi, offset - depth, offset + depth, d1, d1_bound, d2, d2_bound);
    CHECK(lo >= offset - depth - 1e-6 && hi <= offset + depth + 1e-6, "%s: range %g..%g", name,
          lo, hi);
    /* 1200 cycles or knots: the shape uses most of its range. */
    CHECK(lo < offset - 0.9 * depth && hi > offset + 0.9 * depth, "%s: only %g..%g", name, lo,
          hi);
    CHECK(d1 <= d1_bound * 1.0001 + 1e-7, "%s: step %g beyond the bound %g", name, d1, d1_bound);
    if (smooth)
        CHECK(d2 <= d2_bound * 1.0001 + 2e-7, "%s: second difference %g beyond %g (a corner)",
              name, d2, d2_bound);
    else /* the check above can fail: a shape with corners is far beyond it */
        CHECK(d2 > 10.0 * d2_bound, "%s: no corners seen (second difference %g)", name, d2);
    free(x);
}

static void check_determinism(void)
{
    const size_t frames = (size_t)(10.0 * RATE);
    float *a = render(42, 3.0f, 5.0f, 1.0f, 0.0f, 0.0f, frames, 64);
    float *b = render(42, 3.0f, 5.0f, 1.0f, 0.0f, 0.0f, frames, 13);
    float *c = render(43, 3.0f, 5.0f, 1.0f, 0.0f, 0.0f, frames, 64);
    CHECK(memcmp(a, b, frames * sizeof *a) == 0, "same seed, other block size: output differs");
    double diff = 0.0;
    for (size_t i = 0; i < frames; i++)
        diff = fmax(diff, fabs((double)a[i] - c[i]));
    CHECK(diff > 0.5, "seeds 42 and 43 give the same noise (max difference %g)", diff);
    free(a);
    free(b);
    free(c);
}

/* Beat sync: rate in cycles per beat, phase = rate x beat from the first frame,
 * through a tempo change (the harness's beat position carries on). */
static void check_beat_sync(void)
{
    const size_t part = (size_t)(8.0 * RATE);
    node_harness *h = nh_open("lfo", "lfo", RATE, 1);
    nh_set_param(h, "sync", 1.0f);
    nh_set_param(h, "rate", 0.25f);
    nh_set_tempo(h, 120.0);
    float *x = malloc(2 * part * sizeof *x);
    float *o1[] = {x}, *o2[] = {x + part};
    nh_run(h, NULL, o1, part);
    nh_set_tempo(h, 75.0);
    nh_run(h, NULL, o2, part);
    nh_close(h);
    double worst = 0.0;
    for (size_t i = 0; i < 2 * part; i++) {
        double beat = i < part ? (double)i * 2.0 / RATE
                               : 16.0 + (double)(i - part) * 1.25 / RATE;
        worst = fmax(worst, fabs(x[i] - sin(2.0 * M_PI * fmod(0.25 * beat, 1.0))));
    }
    printf("  beat sync 0.25 cycle/beat at 120 then 75 bpm: worst deviation %.2e\n", worst);
    CHECK(worst < 1e-5, "beat sync off sin(2 pi rate beat) by %g", worst);
    free(x);
}

/* Pacer sync: rate 1 = one cycle per breath, locked to the pacer's phase. */
static void check_pacer_sync(void)
{
    const size_t frames = (size_t)(25.0 * RATE);
    node_harness *h = nh_open("lfo", "lfo", RATE, 1);
    nh_set_param(h, "sync", 2.0f);
    nh_set_param(h, "rate", 1.0f);
    nh_set_param(h, "shape", 1.0f);
    nh_set_pacer(h, 6.0, 0.3, 0.4);
    float *x = malloc(frames * sizeof *x);
    float *outs[] = {x};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    double worst = 0.0;
    for (size_t i = 0; i < frames; i++) {
        double t = fmod(0.3 + (double)i * 0.1 / RATE, 1.0);
        double tri = t < 0.25 ? 4.0 * t : t < 0.75 ? 2.0 - 4.0 * t : 4.0 * t - 4.0;
        worst = fmax(worst, fabs(x[i] - tri));
    }
    printf("  pacer sync 1 cycle/breath, triangle: worst deviation %.2e\n", worst);
    CHECK(worst < 1e-5, "pacer sync off the pacer's phase by %g", worst);
    free(x);
}

/* A phase offset to pull in: beat sync at 0.5 cycle/beat while the free phase
 * was running at 0.37 Hz for 2.9 s. */
static void check_pull_in(void)
{
    const size_t frames = (size_t)(40.0 * RATE), switch_at = (size_t)(2.9 * RATE);
    float *sync = malloc(frames * sizeof *sync), *rate = malloc(frames * sizeof *rate);
    for (size_t i = 0; i < frames; i++) {
        sync[i] = i < switch_at ? 0.0f : 1.0f;
        rate[i] = i < switch_at ? 0.37f : 0.5f;
    }
    node_harness *h = nh_open("lfo", "lfo", RATE, 1);
    nh_set_param_trajectory(h, "sync", sync, frames);
    nh_set_param_trajectory(h, "rate", rate, frames);
    float *x = malloc(frames * sizeof *x);
    float *outs[] = {x};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    double d1, d2;
    steps(x, frames, &d1, &d2);
    /* The step at the rate change itself is the free sine's at 0.5 Hz x 1.25. */
    double bound = 2.0 * M_PI * 0.5 * 1.25 / RATE;
    size_t locked = 0;
    for (size_t i = frames - 1; i > switch_at; i--)
        if (fabs(x[i] - sin(2.0 * M_PI * fmod(0.5 * (double)i / RATE, 1.0))) > 1e-3) {
            locked = i + 1;
            break;
        }
    double cycles = 0.5 * (double)(locked - switch_at) / RATE;
    printf("  pull-in from a %.2f cycle phase error: locked to 1e-3 after %.1f cycles, largest "
           "step %.3e (bound %.3e), largest 2nd difference %.2e\n",
           fmod(0.37 * 2.9 - 0.5 * 2.9 + 10.0, 1.0), cycles, d1, bound, d2);
    CHECK(cycles < 8.0, "pull-in takes %.1f cycles", cycles);
    CHECK(d1 <= bound * 1.0001, "pull-in steps by %g (bound %g)", d1, bound);
    free(x);
    free(sync);
    free(rate);
}

/* sine -> triangle -> noise2 at 0.2 Hz: a 50 ms raised-cosine crossfade, so no
 * step beyond the shapes' own slope plus 2 depth x pi / (2 x 2400) per frame. */
static void check_shape_fade(void)
{
    const size_t frames = (size_t)(12.0 * RATE);
    float *shape = malloc(frames * sizeof *shape);
    for (size_t i = 0; i < frames; i++)
        shape[i] = i < (size_t)(1.3 * RATE) ? 0.0f : i < (size_t)(6.1 * RATE) ? 1.0f : 3.0f;
    node_harness *h = nh_open("lfo", "lfo", RATE, 3);
    nh_set_param(h, "rate", 0.2f);
    nh_set_param_trajectory(h, "shape", shape, frames);
    float *x = malloc(frames * sizeof *x);
    float *outs[] = {x};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    double d1, d2;
    steps(x, frames, &d1, &d2);
    double bound = 2.0 * M_PI * 0.2 / RATE + 2.0 * M_PI / (2.0 * 0.05 * RATE);
    printf("  shape changes: largest step %.3e (bound %.3e; a jump would be ~%.2f)\n", d1, bound,
           fabs(sin(2.0 * M_PI * 0.2 * 1.3) - 4.0 * fmod(0.2 * 1.3, 1.0)));
    CHECK(d1 <= bound, "shape change steps by %g (bound %g)", d1, bound);
    free(x);
    free(shape);
}

static void report_cost(void)
{
    const char *names[] = {"sine", "triangle", "noise1", "noise2"};
    for (int s = 0; s < 4; s++) {
        node_harness *h = nh_open("lfo", "lfo", RATE, 1);
        nh_set_param(h, "shape", (float)s);
        nh_set_param(h, "rate", 5.0f);
        printf("  cost %-8s: %.1f ns/frame (48 kHz)\n", names[s],
               nh_time_ns_per_frame(h, NULL, (size_t)(4.0 * RATE)));
        nh_close(h);
    }
}

int main(void)
{
    check_sine_exact(0.5f);
    check_sine_exact(7.3f);
    check_shape_bounds("sine", 0.0f, 2.0 * M_PI, true);
    check_shape_bounds("triangle", 1.0f, 4.0, false);
    check_shape_bounds("noise1", 2.0f, 2.0, false);
    check_shape_bounds("noise2", 3.0f, 4.0, true);
    check_determinism();
    check_beat_sync();
    check_pacer_sync();
    check_pull_in();
    check_shape_fade();
    report_cost();
    return check_finish("test_node_lfo");
}
