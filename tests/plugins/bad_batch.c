/* A gain whose lull.batch/1 path forgets the parameter's per-frame trajectory:
 * it uses each instance's first value for the whole block. process() alone is
 * right, so only the batch-versus-one-by-one check catches it. */
#include <string.h>

#include "tiny_node.h"

static void gain_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++)
        ctx->outputs[0][f] = ctx->inputs[0][f] * ctx->params[0][f];
}

static void gain_process_batch(void *const *selves, const lull_process *const *ctxs, uint32_t count)
{
    (void)selves;
    for (uint32_t k = 0; k < count; k++) {
        const lull_process *ctx = ctxs[k];
        float g = ctx->params[0][0];
        for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f] * g;
    }
}

static const lull_ext_batch batch = {gain_process_batch};

static const void *get_extension(void *self, const char *name)
{
    (void)self;
    return strcmp(name, LULL_EXT_BATCH) == 0 ? &batch : NULL;
}

static const lull_descriptor desc = {sizeof(lull_descriptor),
                                     "bad_batch",
                                     "bad_batch",
                                     "1.0.0",
                                     "test",
                                     1,
                                     tiny_in,
                                     1,
                                     tiny_out,
                                     1,
                                     tiny_params,
                                     tiny_create,
                                     tiny_activate,
                                     gain_process,
                                     NULL,
                                     tiny_deactivate,
                                     tiny_destroy,
                                     get_extension,
                                     0,
                                     NULL,
                                     0,
                                     NULL,
                                     0,
                                     NULL};
LULL_PLUGIN_ENTRY(&desc)
