/* swell: an amplitude swell locked to the breath pacer. The envelope rises over
 * the inhale as 0.5 - 0.5 cos(pi p / f) and falls over the (longer) exhale as
 * 0.5 + 0.5 cos(pi (p - f) / (1 - f)), p being the pacer phase delayed by `lag`
 * cycles and f the inhale fraction. Both halves meet with zero slope at p = 0 and
 * p = f, so the envelope and its derivative are continuous: no click, ever. */
#include <math.h>
#include <stdlib.h>

#include "lull/plugin.h"

enum { P_DEPTH, P_LAG, P_COUNT };

typedef struct swell_node {
    int unused; /* all state lives in the host's pacer clock */
} swell_node;

static void *swell_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(swell_node));
}

static bool swell_activate(void *self, double sample_rate, uint32_t max_frames) { return true; }

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Envelope 0..1 at pacer phase p in [0,1) for inhale fraction f in (0,1). */
static double swell_envelope(double p, double f)
{
    if (p < f) return 0.5 - 0.5 * cos(M_PI * p / f);
    return 0.5 + 0.5 * cos(M_PI * (p - f) / (1.0 - f));
}

static void swell_process(void *self, const lull_process *ctx)
{
    const lull_clocks *c = ctx->clocks;
    const float *in = ctx->inputs[0];
    float *out = ctx->outputs[0];
    float *env_out = ctx->outputs[1];
    const float *depth = ctx->params[P_DEPTH];
    const float *lag = ctx->params[P_LAG];
    double f = clamp(c->inhale_fraction, 0.05, 0.95);
    double phase0 = c->pacer_phase, inc = c->pacer_phase_inc;
    for (uint32_t i = 0; i < ctx->frames; i++) {
        double p = phase0 + inc * (double)i - clamp(lag[i], 0.0, 0.5);
        p -= floor(p);                       /* wrap into [0,1) */
        if (!(p >= 0.0 && p < 1.0)) p = 0.0; /* p == 1.0 from rounding or a non-finite clock */
        float env = (float)swell_envelope(p, f);
        float d = (float)clamp(depth[i], 0.0, 1.0);
        env_out[i] = env;
        out[i] = in[i] * (1.0f - d + d * env);
    }
}

static void swell_deactivate(void *self) {}
static void swell_destroy(void *self) { free(self); }

static const lull_port_info swell_inputs[] = {{"in"}};
static const lull_port_info swell_outputs[] = {{"out"}, {"env"}};
static const lull_param_info swell_params[P_COUNT] = {
    [P_DEPTH] = {"depth", "Depth", "", 0.0f, 1.0f, 0.7f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
    [P_LAG] = {"lag", "Lag", "cycles", 0.0f, 0.5f, 0.0f, 50.0f, 0, NULL},
};

static const lull_descriptor swell_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "swell",
    .name = "Breath swell",
    .version = "1.0.0",
    .description = "Swells its input with the breath pacer: rises over the inhale, falls "
                   "over the exhale; also outputs the 0..1 envelope.",
    .input_count = 1,
    .inputs = swell_inputs,
    .output_count = 2,
    .outputs = swell_outputs,
    .param_count = P_COUNT,
    .params = swell_params,
    .create = swell_create,
    .activate = swell_activate,
    .process = swell_process,
    .reset = NULL,
    .deactivate = swell_deactivate,
    .destroy = swell_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&swell_desc)
