/* pan: a mono input placed in a stereo pair with the equal-power (sine/cosine)
 * law, so the summed power L^2 + R^2 stays the input's power at every position. */
#include <math.h>
#include <stdlib.h>

#include "lull/plugin.h"

enum { P_PAN, P_COUNT };

typedef struct pan_node {
    int unused; /* stateless; an instance still needs a distinct pointer */
} pan_node;

static void *pan_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(pan_node));
}

static bool pan_activate(void *self, double sample_rate, uint32_t max_frames) { return true; }

/* pan -1..1 -> angle 0..pi/2: left = cos, right = sin (both -3 dB at the centre). */
static void pan_gains(float pan, float *left, float *right)
{
    float p = pan < -1.0f ? -1.0f : pan > 1.0f ? 1.0f : pan;
    float angle = (p + 1.0f) * (float)(M_PI / 4.0);
    *left = cosf(angle);
    *right = sinf(angle);
}

static void pan_process(void *self, const lull_process *ctx)
{
    const float *in = ctx->inputs[0];
    float *left = ctx->outputs[0];
    float *right = ctx->outputs[1];
    const float *pan = ctx->params[P_PAN];
    float gl, gr;
    if (ctx->params_static[P_PAN]) {
        pan_gains(pan[0], &gl, &gr);
        for (uint32_t i = 0; i < ctx->frames; i++) {
            left[i] = in[i] * gl;
            right[i] = in[i] * gr;
        }
    } else {
        for (uint32_t i = 0; i < ctx->frames; i++) {
            pan_gains(pan[i], &gl, &gr);
            left[i] = in[i] * gl;
            right[i] = in[i] * gr;
        }
    }
}

static void pan_deactivate(void *self) {}
static void pan_destroy(void *self) { free(self); }

static const lull_port_info pan_inputs[] = {{"in"}};
static const lull_port_info pan_outputs[] = {{"left"}, {"right"}};
static const lull_param_info pan_params[P_COUNT] = {
    [P_PAN] = {"pan", "Pan", "", -1.0f, 1.0f, 0.0f, 30.0f, LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor pan_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "pan",
    .name = "Pan",
    .version = "1.0.0",
    .description = "Places a mono input in a stereo pair with the equal-power law "
                   "(-1 left, 0 centre at -3 dB each side, 1 right).",
    .input_count = 1,
    .inputs = pan_inputs,
    .output_count = 2,
    .outputs = pan_outputs,
    .param_count = P_COUNT,
    .params = pan_params,
    .create = pan_create,
    .activate = pan_activate,
    .process = pan_process,
    .reset = NULL,
    .deactivate = pan_deactivate,
    .destroy = pan_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&pan_desc)
