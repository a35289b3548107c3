/* svf: state-variable filter, lowpass / bandpass / highpass, 12 dB/octave.
 *
 * The topology-preserving-transform SVF (Zavalishin; Simper's "SvfLinearTrapOptimised2"
 * form): two trapezoidal integrators solved without a unit delay in the loop. Its
 * state is the integrators' charge, so changing the cutoff or Q even every sample
 * neither blows up nor clicks. Per frame the response is exactly the bilinear
 * transform, prewarped at the cutoff, of the analog prototype with s normalised to
 * the cutoff and k = 1/Q:
 *   lowpass 1/(s^2 + k s + 1), bandpass k s/(s^2 + k s + 1) (0 dB peak),
 *   highpass s^2/(s^2 + k s + 1). */
#include <math.h>
#include <stdlib.h>

#include "lull/plugin.h"

enum { P_MODE, P_CUTOFF, P_Q, P_COUNT };
enum { LOWPASS, BANDPASS, HIGHPASS, MODE_COUNT };

/* Cutoff never closer to Nyquist than this fraction of the sample rate. */
#define SVF_MAX_CUTOFF_FRACTION 0.49

/* Frames between exact coefficient designs while the cutoff or Q moves. */
#define SVF_DESIGN_FRAMES 8
/* Relative change of cutoff or Q that triggers a redesign while they move. */
#define SVF_RETUNE 1e-3f

/* The SVF as a linear state update of its two integrators, solved once per design:
 *   ic1' = a11 ic1 + a12 ic2 + b1 x,   ic2' = a21 ic1 + a22 ic2 + b2 x
 * (from v1 = a1 ic1 + a2 (x - ic2), v2 = ic2 + a2 ic1 + a3 (x - ic2), ic' = 2v - ic).
 * The frame-to-frame dependency is then two multiply-adds instead of four, and
 * the outputs come off the critical path: v1 = (ic1 + ic1')/2, v2 = (ic2 + ic2')/2. */
typedef struct svf_coefs {
    double k;
    double a11, a12, a21, a22, b1, b2;
    /* Two frames at once, s[n+2] = A^2 s[n] + A B x[n] + B x[n+1]: the dependency
     * chain then spans two frames, halving its cost per frame. */
    double q11, q12, q21, q22;   /* A^2 */
    double c1, c2;               /* A B */
} svf_coefs;

typedef struct svf_node {
    double sample_rate, max_cutoff;
    double ic1, ic2; /* integrator states */
    svf_coefs cached; /* the coefficients in use, and what they were designed for */
    float cached_cutoff, cached_q;
    float seen_cutoff, seen_q;   /* the values at the previous design frame */
    uint64_t frame;   /* frames since activate() or reset() */
} svf_node;

static svf_coefs svf_design(const svf_node *s, float cutoff, float q)
{
    double fc = cutoff;
    if (!(fc >= 1.0))
        fc = 1.0; /* also catches NaN */
    if (fc > s->max_cutoff)
        fc = s->max_cutoff;
    double qq = q >= 0.1f ? q : 0.1; /* also catches NaN */
    double g = tan(M_PI * fc / s->sample_rate);
    double k = 1.0 / qq;
    double a1 = 1.0 / (1.0 + g * (g + k)), a2 = g * a1, a3 = g * a2;
    svf_coefs c = {.k = k,
                   .a11 = 2.0 * a1 - 1.0, .a12 = -2.0 * a2, .b1 = 2.0 * a2,
                   .a21 = 2.0 * a2, .a22 = 1.0 - 2.0 * a3, .b2 = 2.0 * a3};
    c.q11 = c.a11 * c.a11 + c.a12 * c.a21;
    c.q12 = c.a11 * c.a12 + c.a12 * c.a22;
    c.q21 = c.a21 * c.a11 + c.a22 * c.a21;
    c.q22 = c.a21 * c.a12 + c.a22 * c.a22;
    c.c1 = c.a11 * c.b1 + c.a12 * c.b2;
    c.c2 = c.a21 * c.b1 + c.a22 * c.b2;
    return c;
}

/* Run n frames with fixed coefficients and mode. The state lives in registers for
 * the whole run; the mode is a constant in each specialised copy. */
static inline double svf_out(int mode, double hk, double v0, double ic1, double n1, double ic2,
                             double n2)
{
    if (mode == BANDPASS) return hk * (ic1 + n1);
    if (mode == HIGHPASS) return v0 - hk * (ic1 + n1) - 0.5 * (ic2 + n2);
    return 0.5 * (ic2 + n2);
}

/* Run n frames with fixed coefficients and mode. The state lives in registers for
 * the whole run; the mode is a constant in each specialised copy. */
static inline void svf_run(svf_node *s, const svf_coefs *c, int mode, const float *in, float *out,
                           uint32_t n)
{
    double ic1 = s->ic1, ic2 = s->ic2;
    const double hk = 0.5 * c->k;
    uint32_t i = 0;
    for (; i + 2 <= n; i += 2) {
        double x0 = in[i], x1 = in[i + 1];
        /* the next frame's state, for the outputs only */
        double m1 = c->a11 * ic1 + c->a12 * ic2 + c->b1 * x0;
        double m2 = c->a21 * ic1 + c->a22 * ic2 + c->b2 * x0;
        /* two frames ahead: the only dependency between iterations */
        double n1 = (c->q11 * ic1 + c->q12 * ic2) + (c->c1 * x0 + c->b1 * x1);
        double n2 = (c->q21 * ic1 + c->q22 * ic2) + (c->c2 * x0 + c->b2 * x1);
        out[i] = (float)svf_out(mode, hk, x0, ic1, m1, ic2, m2);
        out[i + 1] = (float)svf_out(mode, hk, x1, m1, n1, m2, n2);
        ic1 = n1;
        ic2 = n2;
    }
    if (i < n) {
        double x0 = in[i];
        double n1 = c->a11 * ic1 + c->a12 * ic2 + c->b1 * x0;
        double n2 = c->a21 * ic1 + c->a22 * ic2 + c->b2 * x0;
        out[i] = (float)svf_out(mode, hk, x0, ic1, n1, ic2, n2);
        ic1 = n1;
        ic2 = n2;
    }
    s->ic1 = ic1;
    s->ic2 = ic2;
}

static void *svf_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(svf_node));
}

static bool svf_activate(void *self, double sample_rate, uint32_t max_frames)
{
    svf_node *s = self;
    s->sample_rate = sample_rate;
    s->max_cutoff = SVF_MAX_CUTOFF_FRACTION * sample_rate;
    s->ic1 = s->ic2 = 0.0;
    s->cached_cutoff = -1.0f; /* no design yet: the first frame designs */
    s->seen_cutoff = -1.0f;
    s->frame = 0;
    return true;
}

static void svf_reset(void *self)
{
    svf_node *s = self;
    s->ic1 = s->ic2 = 0.0;
    s->cached_cutoff = -1.0f;
    s->seen_cutoff = -1.0f;
    s->frame = 0;
}

static int clamp_mode(float v)
{
    long m = lrintf(v);
    return m < 0 ? 0 : m >= MODE_COUNT ? MODE_COUNT - 1 : (int)m;
}

static void svf_process(void *self, const lull_process *ctx)
{
    svf_node *s = self;
    const float *in = ctx->inputs[0];
    float *out = ctx->outputs[0];
    const float *mode = ctx->params[P_MODE];
    const float *cutoff = ctx->params[P_CUTOFF];
    const float *q = ctx->params[P_Q];
    /* Coefficients are designed at frames that are multiples of SVF_DESIGN_FRAMES
     * since activation (and only when cutoff or Q changed enough), and held between:
     * tan() per frame would dominate the cost, the host's ramps are smooth on this
     * scale, and tying the design to absolute frames keeps the output independent
     * of how the host splits it into blocks. */
    uint32_t i = 0;
    while (i < ctx->frames) {
        if (s->frame % SVF_DESIGN_FRAMES == 0) {
            float c = cutoff[i], k = q[i];
            /* While a parameter moves, redesign once it has moved by SVF_RETUNE (a
             * 0.1 % cutoff error is 1/60 of a cent); once it rests, land exactly. */
            bool moved = fabsf(c - s->cached_cutoff) > SVF_RETUNE * s->cached_cutoff ||
                         fabsf(k - s->cached_q) > SVF_RETUNE * s->cached_q;
            bool settled = c == s->seen_cutoff && k == s->seen_q &&
                           (c != s->cached_cutoff || k != s->cached_q);
            if (moved || settled) {
                s->cached = svf_design(s, c, k);
                s->cached_cutoff = c;
                s->cached_q = k;
            }
            s->seen_cutoff = c;
            s->seen_q = k;
        }
        /* Up to the next design frame, or the end of the block, or (rarely) a mode
         * change. */
        uint32_t n = SVF_DESIGN_FRAMES - (uint32_t)(s->frame % SVF_DESIGN_FRAMES);
        if (n > ctx->frames - i) n = ctx->frames - i;
        int m = clamp_mode(mode[i]);
        if (!ctx->params_static[P_MODE])
            for (uint32_t j = 1; j < n; j++)
                if (clamp_mode(mode[i + j]) != m) {
                    n = j;
                    break;
                }
        switch (m) {
        case BANDPASS: svf_run(s, &s->cached, BANDPASS, in + i, out + i, n); break;
        case HIGHPASS: svf_run(s, &s->cached, HIGHPASS, in + i, out + i, n); break;
        default: svf_run(s, &s->cached, LOWPASS, in + i, out + i, n); break;
        }
        s->frame += n;
        i += n;
    }
    /* A non-finite input would poison the states for ever: start again from rest.
     * A decaying tail is flushed long before it could reach the float denormal
     * range in the output (the host sets FTZ, but the node should not rely on it). */
    if (!isfinite(s->ic1) || !isfinite(s->ic2) || (fabs(s->ic1) < 1e-20 && fabs(s->ic2) < 1e-20))
        s->ic1 = s->ic2 = 0.0;
}

static void svf_deactivate(void *self) {}
static void svf_destroy(void *self) { free(self); }

static const char *const mode_names[] = {"lowpass", "bandpass", "highpass"};
static const lull_port_info svf_inputs[] = {{"in"}};
static const lull_port_info svf_outputs[] = {{"out"}};
static const lull_param_info svf_params[P_COUNT] = {
    [P_MODE] = {"mode", "Mode", "", 0.0f, 2.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED, mode_names},
    [P_CUTOFF] = {"cutoff", "Cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, 30.0f,
                  LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_Q] = {"q", "Q", "", 0.5f, 20.0f, 0.707f, 30.0f,
             LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor svf_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "svf",
    .name = "State-variable filter",
    .version = "1.0.0",
    .description = "12 dB/oct lowpass, bandpass (0 dB peak) or highpass; a "
                   "topology-preserving (trapezoidal) SVF, safe under audio-rate modulation.",
    .input_count = 1,
    .inputs = svf_inputs,
    .output_count = 1,
    .outputs = svf_outputs,
    .param_count = P_COUNT,
    .params = svf_params,
    .create = svf_create,
    .activate = svf_activate,
    .process = svf_process,
    .reset = svf_reset,
    .deactivate = svf_deactivate,
    .destroy = svf_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&svf_desc)
