/* A note generator with an off-by-one: it stamps its note at offset == frames (one
 * past the block) instead of frames - 1. Its audio is fine; only plugin-check's
 * look at the emitted notes catches it. */
#include "tiny_node.h"

static const lull_port_info notes_out[] = {{"notes"}};

static void bad_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = 0.5f * ctx->inputs[0][f];
    lull_note_output *o = ctx->notes_out;
    if (o && o->count < o->capacity)
        o->notes[o->count++] = (lull_note){.offset = ctx->frames,
                                           .port = 0,
                                           .type = LULL_NOTE_ON,
                                           .pitch = 60.0f,
                                           .velocity = 0.5f,
                                           .duration_s = 0.0f};
}

static const lull_descriptor desc = {sizeof(lull_descriptor),
                                     "bad_notes",
                                     "bad_notes",
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
                                     bad_process,
                                     NULL,
                                     tiny_deactivate,
                                     tiny_destroy,
                                     NULL,
                                     0,
                                     NULL,
                                     1,
                                     notes_out,
                                     0,
                                     NULL};
LULL_PLUGIN_ENTRY(&desc)
