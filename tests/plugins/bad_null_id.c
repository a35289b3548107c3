/* A descriptor without an id. */
#include "tiny_node.h"

static void pass_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
}
TINY_DESCRIPTOR(desc, NULL, pass_process);
LULL_PLUGIN_ENTRY(&desc)
