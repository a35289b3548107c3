/* Exports a misspelt entry symbol, so it is not a lull plugin at all. */
#include "tiny_node.h"

static void pass_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
}
TINY_DESCRIPTOR(desc, "bad_no_entry", pass_process);

#undef LULL_ENTRY_NAME
#define LULL_ENTRY_NAME lull_entry_point
LULL_PLUGIN_ENTRY(&desc)
