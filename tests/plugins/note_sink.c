/* A test note sink: writes an impulse of height (port + 1) at each received note's
 * offset on its audio output "out", and appends every note with its absolute frame
 * (counted from activate) to a log the test reads through the exported
 * note_sink_log() (dlsym). Two note inputs, "a" and "b", and an audio input
 * "in" added to the output, so it can sit anywhere in a graph. */
#include <stdlib.h>

#include "lull/plugin.h"

typedef struct {
    uint64_t seed;  /* tells instances apart in the log (the host derives it from the name) */
    uint64_t frame; /* absolute frame of the log entry */
    lull_note note;
} note_sink_entry;

#define NOTE_SINK_LOG_MAX 65536
typedef struct {
    uint32_t count; /* entries beyond the maximum are counted, not stored */
    note_sink_entry entries[NOTE_SINK_LOG_MAX];
} note_sink_log_t;

static note_sink_log_t g_log;

LULL_EXPORT note_sink_log_t *note_sink_log(void);
LULL_EXPORT note_sink_log_t *note_sink_log(void) { return &g_log; }

typedef struct {
    uint64_t seed, frame;
} sink;

static void *sink_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    sink *s = calloc(1, sizeof(sink));
    if (s) s->seed = h->seed;
    return s;
}
static bool sink_activate(void *self, double rate, uint32_t max_frames)
{
    (void)rate;
    (void)max_frames;
    ((sink *)self)->frame = 0;
    return true;
}
static void sink_deactivate(void *self) { (void)self; }
static void sink_destroy(void *self) { free(self); }

static void sink_process(void *self, const lull_process *ctx)
{
    sink *s = self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = ctx->inputs[0][f];
    for (uint32_t i = 0; i < ctx->note_count; i++) {
        const lull_note *n = &ctx->notes[i];
        if (n->type != LULL_NOTE_ON || n->offset >= ctx->frames) continue;
        ctx->outputs[0][n->offset] += (float)(n->port + 1);
        if (g_log.count < NOTE_SINK_LOG_MAX)
            g_log.entries[g_log.count] = (note_sink_entry){s->seed, s->frame + n->offset, *n};
        g_log.count++;
    }
    s->frame += ctx->frames;
}

static const lull_port_info sink_in[] = {{"in"}};
static const lull_port_info sink_out[] = {{"out"}};
static const lull_port_info sink_note_in[] = {{"a"}, {"b"}};

static const lull_descriptor sink_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "note_sink",
    .name = "Note sink (test)",
    .version = "1.0.0",
    .description = "an impulse per received note",
    .input_count = 1,
    .inputs = sink_in,
    .output_count = 1,
    .outputs = sink_out,
    .create = sink_create,
    .activate = sink_activate,
    .process = sink_process,
    .deactivate = sink_deactivate,
    .destroy = sink_destroy,
    .note_input_count = 2,
    .note_inputs = sink_note_in,
};
LULL_PLUGIN_ENTRY(&sink_desc)
