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

typedef struct svf_coefs {
    double k, a1, a2, a3;
} svf_coefs;

typedef struct svf_node {
    double sample_rate, max_cutoff;
    double ic1, ic2; /* integrator states */
    svf_coefs cached; /* the coefficients in use, and what they were designed for */
    float cached_cutoff, cached_q;
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
    svf_coefs c;
    c.k = 1.0 / qq;
    c.a1 = 1.0 / (1.0 + g * (g + c.k));
    c.a2 = g * c.a1;
    c.a3 = g * c.a2;
    return c;
}

static float svf_tick(svf_node *s, const svf_coefs *c, int mode, float x)
{
    double v0 = x;
    double v3 = v0 - s->ic2;
    double v1 = c->a1 * s->ic1 + c->a2 * v3;
    double v2 = s->ic2 + c->a2 * s->ic1 + c->a3 * v3;
    s->ic1 = 2.0 * v1 - s->ic1;
    s->ic2 = 2.0 * v2 - s->ic2;
    switch (mode) {
    case BANDPASS: return (float)(c->k * v1);
    case HIGHPASS: return (float)(v0 - c->k * v1 - v2);
    default: return (float)v2;
    }
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
    s->frame = 0;
    return true;
}

static void svf_reset(void *self)
{
    svf_node *s = self;
    s->ic1 = s->ic2 = 0.0;
    s->cached_cutoff = -1.0f;
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
     * since activation (and only when cutoff or Q changed), and held in between:
     * tan() per frame would dominate the cost, the host's ramps are smooth on this
     * scale, and tying the design to absolute frames keeps the output independent
     * of how the host splits it into blocks. */
    int fixed_mode = ctx->params_static[P_MODE] ? clamp_mode(mode[0]) : -1;
    for (uint32_t i = 0; i < ctx->frames; i++) {
        if (s->frame % SVF_DESIGN_FRAMES == 0 && (cutoff[i] != s->cached_cutoff || q[i] != s->cached_q)) {
            s->cached = svf_design(s, cutoff[i], q[i]);
            s->cached_cutoff = cutoff[i];
            s->cached_q = q[i];
        }
        s->frame++;
        out[i] = svf_tick(s, &s->cached, fixed_mode >= 0 ? fixed_mode : clamp_mode(mode[i]), in[i]);
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
