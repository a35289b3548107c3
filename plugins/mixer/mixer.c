/* mixer: four inputs summed, each with its own linear level. */
#include <stdlib.h>

#include "lull/plugin.h"

#define MIXER_INPUTS 4

typedef struct mixer_node {
    int unused; /* stateless; an instance still needs a distinct pointer */
} mixer_node;

static void *mixer_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(mixer_node));
}

static bool mixer_activate(void *self, double sample_rate, uint32_t max_frames) { return true; }

static void mixer_process(void *self, const lull_process *ctx)
{
    float *out = ctx->outputs[0];
    uint32_t n = ctx->frames;
    for (uint32_t i = 0; i < n; i++) out[i] = 0.0f;
    for (uint32_t c = 0; c < MIXER_INPUTS; c++) {
        const float *in = ctx->inputs[c];
        const float *level = ctx->params[c];
        if (ctx->params_static[c]) {
            float g = level[0];
            if (g == 0.0f) continue;
            for (uint32_t i = 0; i < n; i++) out[i] += in[i] * g;
        } else {
            for (uint32_t i = 0; i < n; i++) out[i] += in[i] * level[i];
        }
    }
}

static void mixer_deactivate(void *self) {}
static void mixer_destroy(void *self) { free(self); }

static const lull_port_info mixer_inputs[MIXER_INPUTS] = {{"in1"}, {"in2"}, {"in3"}, {"in4"}};
static const lull_port_info mixer_outputs[] = {{"out"}};
#define LEVEL(n)                                                                                   \
    {                                                                                              \
        "level" #n, "Level " #n, "", 0.0f, 2.0f, 1.0f, 20.0f, LULL_PARAM_MODULATABLE, NULL         \
    }
static const lull_param_info mixer_params[MIXER_INPUTS] = {LEVEL(1), LEVEL(2), LEVEL(3), LEVEL(4)};

static const lull_descriptor mixer_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "mixer",
    .name = "Mixer",
    .version = "1.0.0",
    .description = "Sums four inputs, each scaled by a linear level (0..2).",
    .input_count = MIXER_INPUTS,
    .inputs = mixer_inputs,
    .output_count = 1,
    .outputs = mixer_outputs,
    .param_count = MIXER_INPUTS,
    .params = mixer_params,
    .create = mixer_create,
    .activate = mixer_activate,
    .process = mixer_process,
    .reset = NULL,
    .deactivate = mixer_deactivate,
    .destroy = mixer_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&mixer_desc)
