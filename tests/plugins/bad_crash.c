/* Reads through a pointer it never set once the parameter reaches its maximum. */
#include "tiny_node.h"

static float *volatile table;

static void crash_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++)
        ctx->outputs[0][f] = ctx->params[0][f] >= 1.0f ? table[f] : ctx->inputs[0][f];
}
TINY_DESCRIPTOR(desc, "bad_crash", crash_process);
LULL_PLUGIN_ENTRY(&desc)
