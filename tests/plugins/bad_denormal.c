/* A one-pole low-pass whose state decays into the denormal range after the input
 * stops (no flush to zero). */
#include "tiny_node.h"

static void denormal_process(void *self, const lull_process *ctx)
{
    tiny *t = self;
    for (uint32_t f = 0; f < ctx->frames; f++) {
        t->state += 0.01f * (ctx->inputs[0][f] - t->state);
        ctx->outputs[0][f] = t->state;
    }
}
TINY_DESCRIPTOR(desc, "bad_denormal", denormal_process);
LULL_PLUGIN_ENTRY(&desc)
