/* A node exactly as a plugin built against plugin.h 1.1 presents itself: entry
 * abi_minor 1 and a descriptor whose struct_size ends at get_extension
 * (LULL_DESCRIPTOR_SIZE_1_1). The 1.2 fields after it hold garbage here, standing
 * for whatever follows a 1.1 descriptor in the plugin's memory: a host that read
 * past struct_size would refuse it (counts > 16) or crash on the pointers. */
#include <stdlib.h>

#include "lull/plugin.h"

static void *old_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    (void)h;
    return calloc(1, 1);
}
static bool old_activate(void *self, double rate, uint32_t max_frames)
{
    (void)self;
    (void)rate;
    (void)max_frames;
    return true;
}
static void old_deactivate(void *self) { (void)self; }
static void old_destroy(void *self) { free(self); }

/* Half the input: a plain ABI 1.1 audio node. */
static void old_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = 0.5f * ctx->inputs[0][f];
}

static const lull_port_info old_in[] = {{"in"}};
static const lull_port_info old_out[] = {{"out"}};

static const lull_descriptor old_desc = {
    .struct_size = (uint32_t)LULL_DESCRIPTOR_SIZE_1_1,
    .id = "note_abi11",
    .name = "ABI 1.1 node (test)",
    .version = "1.0.0",
    .description = "half the input",
    .input_count = 1,
    .inputs = old_in,
    .output_count = 1,
    .outputs = old_out,
    .create = old_create,
    .activate = old_activate,
    .process = old_process,
    .deactivate = old_deactivate,
    .destroy = old_destroy,
    /* beyond struct_size: never to be read */
    .note_input_count = 0xdeadbeefu,
    .note_inputs = (const lull_port_info *)8,
    .note_output_count = 0xdeadbeefu,
    .note_outputs = (const lull_port_info *)8,
    .sound_slot_count = 0xdeadbeefu,
    .sound_slots = (const lull_port_info *)8,
};

static const lull_descriptor *const old_descs[] = {&old_desc};

LULL_EXPORT const lull_plugin_entry *lull_entry(void);
LULL_EXPORT const lull_plugin_entry *lull_entry(void)
{
    static const lull_plugin_entry e = {LULL_ABI_MAJOR, 1u, (uint32_t)sizeof(lull_plugin_entry), 1,
                                        old_descs};
    return &e;
}
