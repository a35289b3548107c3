/* lfo: slow modulation sources in the manner of SuperCollider's SinOsc, LFTri,
 * LFNoise1 and LFNoise2, as an audio-rate control signal
 *     out = offset + depth * shape(phase),   shape in [-1, 1].
 *
 * Phase. A double accumulator in cycles, advanced per frame by
 *   free:   rate / sample_rate                (rate in Hz)
 *   beats:  rate * beat_inc                   (rate in cycles per tempo beat)
 *   pacer:  rate * pacer_phase_inc            (rate in cycles per breath)
 * so a smoothed rate change or a tempo change only bends the frequency. In the
 * synced modes the phase is also pulled toward frac(rate * position) (position =
 * the beat, or the pacer's unwrapped breath count) while `rate` holds still: the
 * error e (cycles, wrapped to +-0.5) sets a frequency correction c* =
 * clamp(e, +-0.25), which c follows through a one-pole lag of 0.25 cycle; the
 * loop e'' tau + e' + e = 0 (tau = 0.25, derivatives per cycle) is critically
 * damped, so the LFO locks within a few cycles without overshoot, and the
 * frequency (hence a sine's slope) stays continuous.
 *
 * Shapes (the random ones share one sequence of knots v_n, uniform in [-1, 1]
 * from host->seed, a new knot at every whole cycle, so `rate` is the rate of new
 * values, as SuperCollider's freq):
 *   sine      sin(2 pi phase): value and slope continuous.
 *   triangle  from 0 up to 1 at phase 1/4, down to -1 at 3/4: value continuous.
 *   noise1    v1 + (v2 - v1) t (t = frac(phase)): LFNoise1's straight segments.
 *   noise2    a cubic Hermite through the knots with Fritsch-Butland slopes
 *             m = 2 d0 d1 / (d0 + d1) when the neighbouring secants d0, d1 agree
 *             in sign, else 0. It is monotone between knots, so unlike LFNoise2's
 *             quadratic (which overshoots) it never leaves [-1, 1], and value and
 *             slope are continuous.
 * Largest step per frame, with i the phase increment: sine 2 pi i, triangle 4 i,
 * noise1 2 i, noise2 4 i (|m| <= 2|d1| bounds the cubic's slope by 2|d1| <= 4),
 * each times depth.
 * Changing `shape` crossfades from the old shape to the new one with a raised
 * cosine over 50 ms (every shape is always computable from the phase and knots).
 * Sample-and-hold is not offered: its steps click. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_SHAPE, P_RATE, P_DEPTH, P_OFFSET, P_SYNC, P_COUNT };
enum { SH_SINE, SH_TRIANGLE, SH_NOISE1, SH_NOISE2, SH_COUNT };
enum { SYNC_FREE, SYNC_BEATS, SYNC_PACER, SYNC_COUNT };

#define SHAPE_FADE_SECONDS 0.05
#define LOCK_LAG_CYCLES 0.25
#define LOCK_MAX_CORRECTION 0.25

typedef struct lfo_node {
    uint64_t seed, rng;
    double sample_rate;
    double phase;          /* cycles; the integer part counts knots */
    double knots[4];       /* v0 v1 v2 v3: the current segment runs v1 -> v2 */
    double correction;     /* frequency correction c of the synced modes */
    double pacer_cycles;   /* whole breaths seen (unwraps the pacer phase) */
    double last_pacer;     /* pacer phase at the previous frame, -1 before any */
    bool started;          /* the phase has been aligned to its clock */
    int shape, fade_from;
    uint32_t fade_pos, fade_frames; /* fading while fade_pos < fade_frames */
} lfo_node;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1] from the top 53 bits. */
static double next_knot(lfo_node *l)
{
    return (double)(splitmix64(&l->rng) >> 11) * (2.0 / 9007199254740991.0) - 1.0;
}

static void lfo_clear(lfo_node *l)
{
    l->rng = l->seed;
    for (int i = 0; i < 4; i++)
        l->knots[i] = next_knot(l);
    l->phase = 0.0;
    l->correction = 0.0;
    l->pacer_cycles = 0.0;
    l->last_pacer = -1.0;
    l->started = false;
    l->shape = -1; /* the first frame picks its shape without a fade */
    l->fade_pos = l->fade_frames;
}

static void *lfo_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    lfo_node *l = calloc(1, sizeof *l);
    if (l)
        l->seed = host->seed;
    return l;
}

static bool lfo_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    lfo_node *l = self;
    l->sample_rate = sample_rate;
    l->fade_frames = (uint32_t)lrint(SHAPE_FADE_SECONDS * sample_rate);
    lfo_clear(l);
    return true;
}

static void lfo_reset(void *self) { lfo_clear(self); }

/* NaN-safe clamp: NaN reads as lo. */
static double clamp(double x, double lo, double hi) { return x >= lo ? (x <= hi ? x : hi) : lo; }

static int clamp_step(float v, int count)
{
    long s = lrintf(v);
    return s >= 0 && s < count ? (int)s : s >= count ? count - 1 : 0;
}

/* Fritsch-Butland slope at a knot from its two neighbouring secants. */
static double knot_slope(double d0, double d1)
{
    if (d0 * d1 <= 0.0)
        return 0.0;
    return 2.0 * d0 * d1 / (d0 + d1);
}

static double shape_value(const lfo_node *l, int shape, double t)
{
    const double *v = l->knots;
    switch (shape) {
    case SH_SINE:
        return sin(2.0 * M_PI * t);
    case SH_TRIANGLE:
        return t < 0.25 ? 4.0 * t : t < 0.75 ? 2.0 - 4.0 * t : 4.0 * t - 4.0;
    case SH_NOISE1:
        return v[1] + (v[2] - v[1]) * t;
    default: { /* SH_NOISE2 */
        double d0 = v[1] - v[0], d1 = v[2] - v[1], d2 = v[3] - v[2];
        double m1 = knot_slope(d0, d1), m2 = knot_slope(d1, d2);
        double t2 = t * t, t3 = t2 * t;
        return (2.0 * t3 - 3.0 * t2 + 1.0) * v[1] + (t3 - 2.0 * t2 + t) * m1 +
               (-2.0 * t3 + 3.0 * t2) * v[2] + (t3 - t2) * m2;
    }
    }
}

/* Where the clock says the phase should be, in cycles (synced modes). */
static double clock_position(const lfo_node *l, int sync, const lull_clocks *c, uint32_t i)
{
    return sync == SYNC_BEATS ? c->beat + c->beat_inc * i : l->pacer_cycles + l->last_pacer;
}

static void lfo_process(void *self, const lull_process *ctx)
{
    lfo_node *l = self;
    const lull_clocks *c = ctx->clocks;
    float *out = ctx->outputs[0];
    const float *rate = ctx->params[P_RATE], *depth = ctx->params[P_DEPTH];
    const float *offset = ctx->params[P_OFFSET];
    bool rate_still = ctx->params_static[P_RATE] != 0;
    for (uint32_t i = 0; i < ctx->frames; i++) {
        int sync = clamp_step(ctx->params[P_SYNC][i], SYNC_COUNT);
        int shape = clamp_step(ctx->params[P_SHAPE][i], SH_COUNT);
        if (l->shape < 0) {
            l->shape = shape;
        } else if (shape != l->shape && l->fade_pos >= l->fade_frames) {
            l->fade_from = l->shape;
            l->shape = shape;
            l->fade_pos = 0;
        }
        /* Unwrap the pacer phase (it wraps at 1 every breath). */
        double pacer = c->pacer_phase + c->pacer_phase_inc * i;
        pacer -= floor(pacer);
        if (l->last_pacer >= 0.0 && pacer < l->last_pacer - 0.5)
            l->pacer_cycles += 1.0;
        l->last_pacer = pacer;

        double r = clamp(rate[i], 0.0, 1000.0);
        double inc = sync == SYNC_BEATS   ? r * clamp(c->beat_inc, 0.0, 1.0)
                     : sync == SYNC_PACER ? r * clamp(c->pacer_phase_inc, 0.0, 1.0)
                                          : r / l->sample_rate;
        if (sync == SYNC_FREE) {
            l->correction = 0.0;
            l->started = true;
        } else {
            double target = r * clock_position(l, sync, c, i);
            if (!l->started) {
                /* The very first frame: start on the clock's phase. A later switch
                 * to a synced mode is pulled in by the correction instead. */
                l->phase = target - floor(target);
                l->started = true;
            }
            double err = 0.0;
            if (rate_still) {
                err = target - l->phase;
                err -= floor(err + 0.5);
            }
            double want = clamp(err, -LOCK_MAX_CORRECTION, LOCK_MAX_CORRECTION);
            l->correction += (want - l->correction) * clamp(inc / LOCK_LAG_CYCLES, 0.0, 1.0);
            if (fabs(l->correction) < 1e-20)
                l->correction = 0.0; /* no denormal tail */
            inc *= 1.0 + l->correction;
        }
        inc = clamp(inc, 0.0, 0.5); /* at most half a cycle per frame (Nyquist) */

        double t = l->phase - floor(l->phase);
        double v = shape_value(l, l->shape, t);
        if (l->fade_pos < l->fade_frames) {
            double w = 0.5 - 0.5 * cos(M_PI * (double)l->fade_pos / (double)l->fade_frames);
            v = w * v + (1.0 - w) * shape_value(l, l->fade_from, t);
            l->fade_pos++;
        }
        out[i] = (float)(offset[i] + depth[i] * v);

        /* Advance; every whole cycle crossed brings a new knot. Whole cycles are
         * taken off the phase so it keeps its precision for ever. */
        l->phase = t + inc;
        while (l->phase >= 1.0) {
            l->phase -= 1.0;
            memmove(l->knots, l->knots + 1, 3 * sizeof l->knots[0]);
            l->knots[3] = next_knot(l);
        }
    }
}

static void lfo_deactivate(void *self) { (void)self; }
static void lfo_destroy(void *self) { free(self); }

static const char *const shape_names[] = {"sine", "triangle", "noise1", "noise2"};
static const char *const sync_names[] = {"free", "beats", "pacer"};

static const lull_port_info lfo_outputs[] = {{"out"}};
static const lull_param_info lfo_params[P_COUNT] = {
    [P_SHAPE] = {"shape", "Shape", "", 0.0f, 3.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED, shape_names},
    [P_RATE] = {"rate", "Rate", "Hz", 0.001f, 20.0f, 0.1f, 100.0f,
                LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_DEPTH] = {"depth", "Depth", "", 0.0f, 1.0f, 1.0f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
    [P_OFFSET] = {"offset", "Offset", "", -1.0f, 1.0f, 0.0f, 50.0f, LULL_PARAM_MODULATABLE,
                  NULL},
    [P_SYNC] = {"sync", "Sync", "", 0.0f, 2.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED, sync_names},
};

static const lull_descriptor lfo_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "lfo",
    .name = "LFO",
    .version = "1.0.0",
    .description = "Slow modulation source: sine, triangle or smooth random (linear or "
                   "cubic), free-running or locked to the tempo beat or the breath pacer.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 1,
    .outputs = lfo_outputs,
    .param_count = P_COUNT,
    .params = lfo_params,
    .create = lfo_create,
    .activate = lfo_activate,
    .process = lfo_process,
    .reset = lfo_reset,
    .deactivate = lfo_deactivate,
    .destroy = lfo_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&lfo_desc)
