/* envelope: rise time against the shape's theory, sample-accurate start, no
 * jump on a retrigger, gate and sustain, clock-event sources, env in 0..1.
 *
 * Theory (docs/nodes.md, plugins/envelope/envelope.c): an attack of T seconds
 * from 0 to the peak follows peak x g(u), u = (frames since the note + 1) / (T sr),
 * with g_c(u) = 0.5 - 0.5 cos(pi u) (curve 0) and
 * g_e(u) = (1 - (1 + 6u) e^(-6u)) / (1 - 7 e^(-6)) (curve 1). The 10-90 % rise
 * time is therefore (u90 - u10) T with g(u10) = 0.1, g(u90) = 0.9: for the cosine
 * exactly (1 - 2 acos(0.8) / pi) T = 0.5903 T. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

static double g_cos(double u) { return 0.5 - 0.5 * cos(M_PI * u); }
static double g_exp(double u)
{
    return (1.0 - (1.0 + 6.0 * u) * exp(-6.0 * u)) / (1.0 - 7.0 * exp(-6.0));
}

/* u where g(u) = y, by bisection (g is increasing). */
static double inverse(double (*g)(double), double y)
{
    double lo = 0.0, hi = 1.0;
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (g(mid) < y)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The time (s, fractional frames by linear interpolation) where x first reaches
 * y, searching from frame `from`. */
static double crossing(const float *x, size_t n, size_t from, double y)
{
    for (size_t i = from + 1; i < n; i++)
        if (x[i] >= y && x[i - 1] < y)
            return ((double)(i - 1) + (y - x[i - 1]) / (x[i] - x[i - 1])) / RATE;
    return -1.0;
}

static lull_note note_on(float velocity, float duration_s)
{
    return (lull_note){
        .type = LULL_NOTE_ON, .pitch = 60.0f, .velocity = velocity, .duration_s = duration_s};
}

static void check_rise_time(double attack, float curve)
{
    const size_t at = 1001, frames = at + (size_t)((attack + 0.1) * RATE);
    const float velocity = 0.8f;
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_param(h, "attack", (float)attack);
    nh_set_param(h, "hold", 10.0f);
    nh_set_param(h, "curve", curve);
    nh_set_block_size(h, 17);
    nh_queue_note(h, at, note_on(velocity, 0.0f));
    float *env = malloc(frames * sizeof *env);
    float *outs[] = {NULL, env};
    nh_run(h, NULL, outs, frames);
    nh_close(h);

    double (*g)(double) = curve > 0.5f ? g_exp : g_cos;
    double theory = (inverse(g, 0.9) - inverse(g, 0.1)) * attack;
    double t10 = crossing(env, frames, at, 0.1 * velocity);
    double t90 = crossing(env, frames, at, 0.9 * velocity);
    double rise = t90 - t10;
    /* Linear interpolation between frames of a curve with |g''| <= pi^2/2 (cosine)
     * or 36 (exponential) per u^2 errs by at most g''/8 per frame^2 on the level,
     * far below one frame in time for attacks of 1000 frames and more. */
    double tol = 1.0 / RATE + 1e-4 * attack;
    printf("  attack %6.3f s curve %.0f: 10-90 %% rise %.6f s, theory %.6f s (%+.2f frames)\n",
           attack, curve, rise, theory, (rise - theory) * RATE);
    CHECK(fabs(rise - theory) < tol, "attack %g curve %g: rise %.6f s, theory %.6f s", attack,
          curve, rise, theory);
    /* The attack ends exactly on the peak, attack x sr frames after the note. */
    size_t n = (size_t)llround(attack * RATE);
    CHECK(env[at + n - 1] == velocity, "attack %g: level %.7f at its last frame, peak %.7f", attack,
          env[at + n - 1], velocity);
    /* And follows its formula at every frame. */
    double worst = 0.0;
    for (size_t j = 0; j + 1 < n; j++)
        worst = fmax(worst, fabs(env[at + j] - velocity * g((double)(j + 1) / (attack * RATE))));
    CHECK(worst < 2e-6, "attack %g curve %g: off the formula by %g", attack, curve, worst);
    free(env);
}

/* The envelope is 0 up to the note's frame and moves exactly at it, whatever the
 * block size and the offset of the note within its block; out = in x env. */
static void check_start_frame(uint32_t block, size_t at)
{
    const size_t frames = at + 4800;
    float *in = malloc(frames * sizeof *in), *out = malloc(frames * sizeof *out),
          *env = malloc(frames * sizeof *env);
    for (size_t i = 0; i < frames; i++) in[i] = (float)sin(0.05 * (double)i);
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_block_size(h, block);
    nh_queue_note(h, at, note_on(1.0f, 0.0f));
    const float *ins[] = {in};
    float *outs[] = {out, env};
    nh_run(h, ins, outs, frames);
    nh_close(h);
    bool silent_before = true, product = true;
    for (size_t i = 0; i < at; i++)
        silent_before = silent_before && env[i] == 0.0f && out[i] == 0.0f;
    for (size_t i = 0; i < frames; i++) product = product && out[i] == in[i] * env[i];
    CHECK(silent_before, "block %u note at %zu: envelope moves before the note", block, at);
    CHECK(env[at] > 0.0f, "block %u note at %zu: envelope still 0 at the note's frame", block, at);
    CHECK(product, "block %u: out != in x env", block);
    free(in);
    free(out);
    free(env);
}

/* Notes arriving every 37 ms (shorter than the attack + decay) at changing
 * velocities, curve half-way: the envelope never steps by more than its steepest
 * slope allows. The steepest slope of g is pi/2 per u (cosine) and
 * 6/e / (1 - 7e^-6) = 2.25 (exponential), so no blend exceeds 2.25; a segment
 * spans at most a level change of 1 over its shortest time, here the 50 ms attack.
 * A retrigger that restarted from 0 would step by up to the full level. */
static void check_retrigger(void)
{
    const size_t frames = (size_t)(3.0 * RATE), period = (size_t)(0.037 * RATE);
    float *in = malloc(frames * sizeof *in), *out = malloc(frames * sizeof *out),
          *env = malloc(frames * sizeof *env);
    for (size_t i = 0; i < frames; i++)
        in[i] = (float)(0.5 * sin(2.0 * M_PI * 220.0 * (double)i / RATE));
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_param(h, "attack", 0.05f);
    nh_set_param(h, "decay", 0.1f);
    nh_set_param(h, "sustain", 0.3f);
    nh_set_param(h, "release", 0.2f);
    nh_set_param(h, "curve", 0.5f);
    nh_set_block_size(h, 23);
    int notes = 0;
    for (size_t f = 4800; f + period < frames / 2; f += period, notes++)
        nh_queue_note(h, f, note_on(notes % 3 == 0 ? 1.0f : notes % 3 == 1 ? 0.3f : 0.7f, 0.0f));
    const float *ins[] = {in};
    float *outs[] = {out, env};
    nh_run(h, ins, outs, frames);
    nh_close(h);
    double worst = 0.0, lo = 1.0, hi = 0.0;
    for (size_t i = 1; i < frames; i++) {
        worst = fmax(worst, fabs((double)env[i] - env[i - 1]));
        lo = fmin(lo, env[i]);
        hi = fmax(hi, env[i]);
    }
    double bound = 2.25 / (0.05 * RATE);
    ac_click c = ac_click_detect(out, frames, 480, 1e-7);
    printf("  retrigger: %d notes 37 ms apart, largest step %.2e per frame (bound %.2e), "
           "click ratio %.2f at %zu\n",
           notes, worst, bound, c.ratio, c.index);
    CHECK(worst <= bound * 1.001, "retrigger steps by %g (bound %g)", worst, bound);
    CHECK(c.ratio < 5.0, "retriggered tone clicks: ratio %.1f at frame %zu", c.ratio, c.index);
    CHECK(lo >= 0.0 && hi <= 1.0 && hi > 0.9, "env range %g..%g", lo, hi);
    CHECK(env[frames - 1] == 0.0f, "env not back to exactly 0 after the last release");
    free(in);
    free(out);
    free(env);
}

/* A gated note: attack, decay to sustain x velocity, held until the gate closes
 * (duration_s after the note), then released to exactly 0 in `release`. */
static void check_gate(void)
{
    const size_t at = 480, frames = (size_t)(1.5 * RATE);
    const float v = 0.9f, sustain = 0.4f;
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_param(h, "attack", 0.05f);
    nh_set_param(h, "decay", 0.1f);
    nh_set_param(h, "sustain", sustain);
    nh_set_param(h, "release", 0.25f);
    nh_queue_note(h, at, note_on(v, 0.5f));
    float *env = malloc(frames * sizeof *env);
    float *outs[] = {NULL, env};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    size_t gate_end = at + (size_t)(0.5 * RATE), rel = (size_t)(0.25 * RATE);
    CHECK(fabs(env[at + (size_t)(0.4 * RATE)] - sustain * v) < 1e-6, "sustain level %g, want %g",
          env[at + (size_t)(0.4 * RATE)], sustain * v);
    /* The release follows S v (1 - g((j + 1) / N)) from the gate's end on; one
     * frame early or late would put it off by S v g'(u) / N, ~5e-5 mid-release. */
    double worst = 0.0;
    for (size_t j = 0; j + 1 < rel; j++)
        worst = fmax(worst, fabs(env[gate_end + j] -
                                 sustain * v * (1.0 - g_cos((double)(j + 1) / (double)rel))));
    CHECK(worst < 2e-6, "release off its formula from the gate's end by %g", worst);
    CHECK(env[gate_end - 1] == env[gate_end - 1000], "level moves before the gate's end");
    CHECK(env[gate_end + rel - 2] > 0.0f && env[gate_end + rel - 1] == 0.0f,
          "release not ending after %zu frames", rel);
    free(env);
}

/* Onsets: frames where env leaves 0. */
static size_t onsets(const float *env, size_t n, size_t *where, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (env[i] > 0.0f && (i == 0 || env[i - 1] == 0.0f) && count < max) where[count++] = i;
    return count;
}

static void check_source(const char *source, float value, double bpm, double breaths,
                         double first_s, double period_s)
{
    const size_t frames = (size_t)(12.0 * RATE);
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_param(h, "source", value);
    nh_set_param(h, "attack", 0.025f);
    nh_set_param(h, "decay", 0.1f);
    nh_set_param(h, "sustain", 0.0f);
    nh_set_pacer(h, breaths, 0.0, 0.4); /* (restarts the tempo clock at 60 bpm) */
    nh_set_tempo(h, bpm);
    float *env = malloc(frames * sizeof *env);
    float *outs[] = {NULL, env};
    nh_set_block_size(h, 29);
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    size_t where[64];
    size_t n = onsets(env, frames, where, 64);
    size_t expect = (size_t)floor((12.0 - first_s) / period_s - 1e-9) + 1;
    CHECK(n == expect, "source %s: %zu onsets in 12 s, expected %zu", source, n, expect);
    double worst = 0.0;
    for (size_t k = 0; k < n && k < expect; k++)
        worst =
            fmax(worst, fabs((double)where[k] - (double)llround((first_s + k * period_s) * RATE)));
    /* The events land on the first frame at or past the clock's crossing: the
     * clock increments are not exact in binary, so allow one frame. */
    CHECK(worst <= 1.0, "source %s: onset %.0f frames from its event", source, worst);
    printf("  source %-6s: %zu onsets, furthest %.0f frame(s) from the clock's event\n", source, n,
           worst);
    free(env);
}

/* Clock sources ignore other clocks; notes never do. */
static void check_source_selective(void)
{
    const size_t frames = (size_t)(3.0 * RATE);
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_param(h, "source", 0.0f); /* notes only */
    nh_set_param(h, "attack", 0.025f);
    nh_set_param(h, "decay", 0.1f);
    nh_set_param(h, "sustain", 0.0f);
    nh_set_param(h, "release", 0.1f);
    nh_queue_note(h, 60000, note_on(0.5f, 0.0f));
    float *env = malloc(frames * sizeof *env);
    float *outs[] = {NULL, env};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    size_t where[8];
    size_t n = onsets(env, frames, where, 8);
    CHECK(n == 1 && where[0] == 60000, "source notes: %zu onsets (first at %zu), want 1 at 60000",
          n, n ? where[0] : 0);
    free(env);
}

static void report_cost(void)
{
    const size_t frames = (size_t)(4.0 * RATE);
    node_harness *h = nh_open("envelope", "envelope", RATE, 1);
    nh_set_param(h, "source", 1.0f);
    nh_set_tempo(h, 240.0);
    nh_set_param(h, "curve", 0.5f);
    float *in = calloc(frames, sizeof *in);
    const float *ins[] = {in};
    printf("  cost: %.1f ns/frame (beat-triggered, curve 0.5, 48 kHz)\n",
           nh_time_ns_per_frame(h, ins, frames));
    nh_close(h);
    free(in);
}

int main(void)
{
    const double attacks[] = {0.025, 0.05, 0.2, 1.5};
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        check_rise_time(attacks[i], 0.0f);
        check_rise_time(attacks[i], 1.0f);
    }
    check_start_frame(64, 4800);
    check_start_frame(17, 1001);
    check_start_frame(1, 3);
    check_retrigger();
    check_gate();
    check_source("beat", 1.0f, 90.0, 6.0, 0.0, 60.0 / 90.0);
    check_source("inhale", 2.0f, 60.0, 12.0, 0.0, 5.0);
    check_source("exhale", 3.0f, 60.0, 12.0, 2.0, 5.0);
    check_source_selective();
    report_cost();
    return check_finish("test_node_envelope");
}
