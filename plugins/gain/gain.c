/* gain: one input scaled by a gain in decibels. */
#include <math.h>
#include <stdlib.h>

#include "lull/plugin.h"

enum { P_GAIN_DB, P_COUNT };

typedef struct gain_node {
    int unused; /* stateless; an instance still needs a distinct pointer */
} gain_node;

static float db_to_linear(float db) { return exp2f(db * (float)(M_LN10 / (20.0 * M_LN2))); }

static void *gain_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(gain_node));
}

static bool gain_activate(void *self, double sample_rate, uint32_t max_frames) { return true; }

static void gain_process(void *self, const lull_process *ctx)
{
    const float *in = ctx->inputs[0];
    float *out = ctx->outputs[0];
    const float *db = ctx->params[P_GAIN_DB];
    if (ctx->params_static[P_GAIN_DB]) {
        float g = db_to_linear(db[0]);
        for (uint32_t i = 0; i < ctx->frames; i++) out[i] = in[i] * g;
    } else {
        for (uint32_t i = 0; i < ctx->frames; i++) out[i] = in[i] * db_to_linear(db[i]);
    }
}

static void gain_deactivate(void *self) {}
static void gain_destroy(void *self) { free(self); }

static const lull_port_info gain_inputs[] = {{"in"}};
static const lull_port_info gain_outputs[] = {{"out"}};
static const lull_param_info gain_params[P_COUNT] = {
    [P_GAIN_DB] = {"gain_db", "Gain", "dB", -80.0f, 24.0f, 0.0f, 20.0f, LULL_PARAM_MODULATABLE,
                   NULL},
};

static const lull_descriptor gain_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "gain",
    .name = "Gain",
    .version = "1.0.0",
    .description = "Scales its input by a gain in decibels (-80..+24 dB).",
    .input_count = 1,
    .inputs = gain_inputs,
    .output_count = 1,
    .outputs = gain_outputs,
    .param_count = P_COUNT,
    .params = gain_params,
    .create = gain_create,
    .activate = gain_activate,
    .process = gain_process,
    .reset = NULL,
    .deactivate = gain_deactivate,
    .destroy = gain_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&gain_desc)
