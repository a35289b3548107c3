/* A test note source with exact timing: emits a note at every absolute frame
 * f = phase + k * period (k = 0, 1, ...; frames counted from activate), `burst`
 * notes at each such frame, on note output `port`. duration_s carries k, so a
 * receiver can tell which note it got and in which order. No audio ports: a pure
 * note sender, as a pattern generator would be. */
#include <stdlib.h>

#include "lull/plugin.h"

typedef struct {
    uint64_t frame; /* frames since activate */
    uint64_t k;     /* notes emitted so far (per burst: one k) */
} source;

static void *src_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    (void)h;
    return calloc(1, sizeof(source));
}
static bool src_activate(void *self, double rate, uint32_t max_frames)
{
    (void)rate;
    (void)max_frames;
    *(source *)self = (source){0};
    return true;
}
static void src_deactivate(void *self) { (void)self; }
static void src_destroy(void *self) { free(self); }

enum { P_PERIOD, P_PHASE, P_PITCH, P_BURST, P_PORT, P_VELOCITY };

static void src_process(void *self, const lull_process *ctx)
{
    source *s = self;
    uint64_t period = (uint64_t)ctx->params[P_PERIOD][0], phase = (uint64_t)ctx->params[P_PHASE][0];
    uint32_t burst = (uint32_t)ctx->params[P_BURST][0], port = (uint32_t)ctx->params[P_PORT][0];
    lull_note_output *out = ctx->notes_out;
    for (uint32_t f = 0; f < ctx->frames; f++) {
        uint64_t t = s->frame + f;
        if (t < phase || (t - phase) % period != 0) continue;
        for (uint32_t b = 0; b < burst; b++)
            if (out->count < out->capacity)
                out->notes[out->count++] = (lull_note){.offset = f,
                                                       .port = port,
                                                       .type = LULL_NOTE_ON,
                                                       .pitch = ctx->params[P_PITCH][f],
                                                       .velocity = ctx->params[P_VELOCITY][f],
                                                       .duration_s = (float)s->k};
        s->k++;
    }
    s->frame += ctx->frames;
}

static const lull_param_info src_params[] = {
    {"period", "Period", "frames", 1.0f, 96000.0f, 4800.0f, 0.0f, LULL_PARAM_STEPPED, NULL},
    {"phase", "First note", "frames", 0.0f, 96000.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED, NULL},
    {"pitch", "Pitch", "MIDI", 0.0f, 127.0f, 60.0f, 0.0f, LULL_PARAM_STEPPED, NULL},
    {"burst", "Notes per trigger", "", 1.0f, 64.0f, 1.0f, 0.0f, LULL_PARAM_STEPPED, NULL},
    {"port", "Note output", "", 0.0f, 1.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED, NULL},
    {"velocity", "Velocity", "", 0.0f, 1.0f, 0.8f, 0.0f, 0, NULL},
};
static const lull_port_info src_note_outs[] = {{"notes"}, {"alt"}};

static const lull_descriptor src_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "note_source",
    .name = "Note source (test)",
    .version = "1.0.0",
    .description = "emits notes at exact frames",
    .param_count = sizeof src_params / sizeof src_params[0],
    .params = src_params,
    .create = src_create,
    .activate = src_activate,
    .process = src_process,
    .deactivate = src_deactivate,
    .destroy = src_destroy,
    .note_output_count = 2,
    .note_outputs = src_note_outs,
};
LULL_PLUGIN_ENTRY(&src_desc)
