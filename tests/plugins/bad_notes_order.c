/* A note generator that emits a block's notes newest first (offsets decreasing):
 * receivers are promised notes sorted by offset, so plugin-check must refuse it. */
#include "tiny_node.h"

static const lull_port_info notes_out[] = {{"notes"}};

static void bad_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = 0.5f * ctx->inputs[0][f];
    lull_note_output *o = ctx->notes_out;
    for (uint32_t f = ctx->frames; f-- > 0 && o->count < o->capacity && o->count < 2;)
        o->notes[o->count++] = (lull_note){.offset = f,
                                           .port = 0,
                                           .type = LULL_NOTE_ON,
                                           .pitch = 60.0f,
                                           .velocity = 0.5f,
                                           .duration_s = 0.0f};
}

static const lull_descriptor desc = {sizeof(lull_descriptor),
                                     "bad_notes_order",
                                     "bad_notes_order",
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
