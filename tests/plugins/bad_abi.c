/* Built for a future plugin ABI major: must be refused with a clear message. */
#include "tiny_node.h"

static void pass_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
}
TINY_DESCRIPTOR(desc, "bad_abi", pass_process);
static const lull_descriptor *const list[] = {&desc};

LULL_EXPORT const lull_plugin_entry *lull_entry(void);
LULL_EXPORT const lull_plugin_entry *lull_entry(void)
{
    static const lull_plugin_entry e = {LULL_ABI_MAJOR + 1, 0, sizeof(lull_plugin_entry), 1, list};
    return &e;
}
