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

const char *lfo_shape_name(enum lfo_shape s)
{
    return (unsigned)s < LFO_SHAPE_COUNT ? k_shapes[s] : "?";
}

const char *lfo_shape_names(void) { return "sine, triangle, noise1, noise2"; }

static double draw(lfo_state *s) { return 2.0 * sim_uniform(&s->rng) - 1.0; }

/* Fritsch-Butland slope at a knot between secants d0 and d1: 2 d0 d1 / (d0 + d1)
 * when they agree in sign, else 0 (a local extremum). */
static double fb_slope(double d0, double d1)
{
    return d0 * d1 > 0.0 ? 2.0 * d0 * d1 / (d0 + d1) : 0.0;
}

/* A cubic Hermite from p1 to p2 at t in [0,1) with Fritsch-Butland slopes: value
 * and slope continuous across knots, and monotone between them, so it never leaves
 * the knots' range (-1..1) and needs no clamp (a clamp would put a corner in it). */
static double smooth_segment(const double p[4], double t)
{
    double m1 = fb_slope(p[1] - p[0], p[2] - p[1]), m2 = fb_slope(p[2] - p[1], p[3] - p[2]);
    double t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * p[1] + (t3 - 2 * t2 + t) * m1 + (-2 * t3 + 3 * t2) * p[2] +
           (t3 - t2) * m2;
}

static float evaluate(const lfo_state *s, const lfo_def *d)
{
    double v;
    switch (d->shape) {
    case LFO_SINE: v = sin(2.0 * M_PI * s->phase); break;
    case LFO_TRIANGLE: v = s->phase < 0.5 ? 4.0 * s->phase - 1.0 : 3.0 - 4.0 * s->phase; break;
    case LFO_NOISE1: v = s->pts[1] + (s->pts[2] - s->pts[1]) * s->phase; break;
    default: v = smooth_segment(s->pts, s->phase); break;
    }
    return (float)(v < -1.0 ? -1.0 : v > 1.0 ? 1.0 : v);
}

void lfo_init(lfo_state *s, const lfo_def *d, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 4; i++) s->pts[i] = draw(s);
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
                s->pts[3] = draw(s);
            }
        }
    }
    s->value = evaluate(s, d);
    return s->value;
}
