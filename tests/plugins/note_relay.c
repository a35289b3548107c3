/* A test node with both kinds of port: passes its audio input through, and
 * forwards every note it receives to its note output at the same offset, an octave
 * up (clamped to 127), so a chain source -> relay -> sink shows a note crossing two
 * hops inside one block. */
#include <stdlib.h>

#include "lull/plugin.h"

static void *relay_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    (void)h;
    return calloc(1, 1);
}
static bool relay_activate(void *self, double rate, uint32_t max_frames)
{
    (void)self;
    (void)rate;
    (void)max_frames;
    return true;
}
static void relay_deactivate(void *self) { (void)self; }
static void relay_destroy(void *self) { free(self); }

static void relay_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
    lull_note_output *out = ctx->notes_out;
    for (uint32_t i = 0; i < ctx->note_count && out->count < out->capacity; i++) {
        lull_note n = ctx->notes[i];
        if (n.type != LULL_NOTE_ON) continue; /* types it does not know: ignored, not passed on */
        n.port = 0;
        n.pitch = n.pitch + 12.0f > 127.0f ? 127.0f : n.pitch + 12.0f;
        out->notes[out->count++] = n;
    }
}

static const lull_port_info relay_in[] = {{"in"}};
static const lull_port_info relay_out[] = {{"out"}};
static const lull_port_info relay_note_in[] = {{"notes_in"}};
static const lull_port_info relay_note_out[] = {{"notes_out"}};

static const lull_descriptor relay_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "note_relay",
    .name = "Note relay (test)",
    .version = "1.0.0",
    .description = "forwards notes an octave up, passes audio",
    .input_count = 1,
    .inputs = relay_in,
    .output_count = 1,
    .outputs = relay_out,
    .create = relay_create,
    .activate = relay_activate,
    .process = relay_process,
    .deactivate = relay_deactivate,
    .destroy = relay_destroy,
    .note_input_count = 1,
    .note_inputs = relay_note_in,
    .note_output_count = 1,
    .note_outputs = relay_note_out,
};
LULL_PLUGIN_ENTRY(&relay_desc)
