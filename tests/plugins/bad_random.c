/* Noise from the C library's global rand(), not from host->seed: two instances
 * draw from one shared sequence and never render alike. */
#include "tiny_node.h"

static void random_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++)
        ctx->outputs[0][f] = 0.1f * ((float)rand() / (float)RAND_MAX - 0.5f);
}
TINY_DESCRIPTOR(desc, "bad_random", random_process);
LULL_PLUGIN_ENTRY(&desc)
