/* Allocates a scratch buffer in every process() call instead of in activate(). */
#include <string.h>

#include "tiny_node.h"

static void *(*volatile allocate)(size_t) = malloc;

static void alloc_process(void *self, const lull_process *ctx)
{
    (void)self;
    float *scratch = allocate(ctx->frames * sizeof(float));
    if (!scratch) return;
    memcpy(scratch, ctx->inputs[0], ctx->frames * sizeof(float));
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = 0.5f * scratch[f];
    free(scratch);
}
TINY_DESCRIPTOR(desc, "bad_alloc", alloc_process);
LULL_PLUGIN_ENTRY(&desc)
