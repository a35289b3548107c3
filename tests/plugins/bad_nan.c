/* A "soft clipper" that is fine for inputs within +-1 and emits NaN beyond
 * (sqrt of a negative number): only a hot input reveals it. */
#include <math.h>

#include "tiny_node.h"

static void nan_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) {
        float x = ctx->inputs[0][f];
        ctx->outputs[0][f] = x * sqrtf(1.0f - 0.5f * x * x);
    }
}
TINY_DESCRIPTOR(desc, "bad_nan", nan_process);
LULL_PLUGIN_ENTRY(&desc)
