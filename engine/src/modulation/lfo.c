#include "modulation/lfo.h"

#include <math.h>
#include <string.h>

#include "sim/sim_random.h"

static const char *const k_shapes[LFO_SHAPE_COUNT] = {"sine", "triangle", "noise1", "noise2"};

int lfo_shape_parse(const char *name)
{
    for (int i = 0; i < LFO_SHAPE_COUNT; i++)
        if (name && strcmp(name, k_shapes[i]) == 0) return i;
    return -1;
}

const char *lfo_shape_name(enum lfo_shape s) { return (unsigned)s < LFO_SHAPE_COUNT ? k_shapes[s] : "?"; }

const char *lfo_shape_names(void) { return "sine, triangle, noise1, noise2"; }

/* Random points: uniform in -1..1 for noise1; in -0.8..0.8 for noise2, whose spline
 * can overshoot its points by up to a quarter of their spread (p = -a, a, a, -a
 * peaks at 1.25 a), so it stays within -1..1 without clamping (a clamp would put a
 * corner in the curve). */
static double draw(lfo_state *s, const lfo_def *d)
{
    return (d->shape == LFO_NOISE2 ? 0.8 : 1.0) * (2.0 * sim_uniform(&s->rng) - 1.0);
}

/* Catmull-Rom through p0..p3 at t in [0,1) between p1 and p2: continuous value
 * and slope. It may overshoot the points by a little; the result is clamped. */
static double catmull_rom(const double p[4], double t)
{
    double a = -0.5 * p[0] + 1.5 * p[1] - 1.5 * p[2] + 0.5 * p[3];
    double b = p[0] - 2.5 * p[1] + 2.0 * p[2] - 0.5 * p[3];
    double c = -0.5 * p[0] + 0.5 * p[2];
    return ((a * t + b) * t + c) * t + p[1];
}

static float evaluate(const lfo_state *s, const lfo_def *d)
{
    double v;
    switch (d->shape) {
    case LFO_SINE: v = sin(2.0 * M_PI * s->phase); break;
    case LFO_TRIANGLE: v = s->phase < 0.5 ? 4.0 * s->phase - 1.0 : 3.0 - 4.0 * s->phase; break;
    case LFO_NOISE1: v = s->pts[1] + (s->pts[2] - s->pts[1]) * s->phase; break;
    default: v = catmull_rom(s->pts, s->phase); break;
    }
    return (float)(v < -1.0 ? -1.0 : v > 1.0 ? 1.0 : v);
}

void lfo_init(lfo_state *s, const lfo_def *d, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 4; i++) s->pts[i] = draw(s, d);
    s->phase = d->shape <= LFO_TRIANGLE ? d->phase - floor(d->phase) : 0.0;
    s->value = evaluate(s, d);
}

float lfo_advance(lfo_state *s, const lfo_def *d, double seconds)
{
    s->phase += d->rate_hz * seconds;
    if (s->phase >= 1.0) {
        double whole = floor(s->phase);
        s->phase -= whole;
        if (d->shape >= LFO_NOISE1) {
            /* at most a few points per block at 20 Hz; cap the loop for safety */
            for (int k = 0; k < (int)whole && k < 4; k++) {
                s->pts[0] = s->pts[1];
                s->pts[1] = s->pts[2];
                s->pts[2] = s->pts[3];
                s->pts[3] = draw(s, d);
            }
        }
    }
    s->value = evaluate(s, d);
    return s->value;
}
