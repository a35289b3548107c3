/* A parameter whose min is above its max. */
#include "tiny_node.h"

static void pass_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
}
static const lull_param_info inverted[] = {
    {"cutoff", "Cutoff", "Hz", 8000.0f, 20.0f, 1000.0f, 20.0f, 0, NULL}};
static const lull_descriptor desc = {sizeof(lull_descriptor),
                                     "bad_range",
                                     "Bad range",
                                     "1.0.0",
                                     "test",
                                     1,
                                     tiny_in,
                                     1,
                                     tiny_out,
                                     1,
                                     inverted,
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
