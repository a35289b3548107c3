/* Two parameters share one id. */
#include "tiny_node.h"

static void pass_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
}
static const lull_param_info twice[] = {
    {"gain", "Gain", "dB", -60.0f, 0.0f, -6.0f, 20.0f, 0, NULL},
    {"gain", "Gain again", "dB", -60.0f, 0.0f, -6.0f, 20.0f, 0, NULL}};
static const lull_descriptor desc = {sizeof(lull_descriptor),
                                     "bad_dup_param",
                                     "Dup",
                                     "1.0.0",
                                     "test",
                                     1,
                                     tiny_in,
                                     1,
                                     tiny_out,
                                     2,
                                     twice,
                                     tiny_create,
                                     tiny_activate,
                                     pass_process,
                                     NULL,
                                     tiny_deactivate,
                                     tiny_destroy,
                                     NULL,
                                     0,
                                     NULL,
                                     0,
                                     NULL,
                                     0,
                                     NULL};
LULL_PLUGIN_ENTRY(&desc)
