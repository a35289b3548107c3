/* A test node with one sound slot: it plays the sound bound to slot "sound" in a
 * loop from frame 0 (left = channel 0, right = channel 1, or channel 0 again for a
 * mono sound), times "gain". Used by the sound tests until a real sampler exists:
 * output frame f is exactly gain * sound[f mod frames]. It fetches the sound in
 * activate() through the host service "lull.sounds/1", as plugin.h asks, and
 * refuses to activate without one. */
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

typedef struct {
    const lull_host *host;
    const lull_sound *sound;
    uint64_t pos;
} probe;

static void *probe_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    probe *p = calloc(1, sizeof *p);
    if (p) p->host = h;
    return p;
}

static bool probe_activate(void *self, double rate, uint32_t max_frames)
{
    (void)max_frames;
    probe *p = self;
    const lull_host *h = p->host;
    size_t need = offsetof(lull_host, get_extension) + sizeof h->get_extension;
    if (h->struct_size < need || !h->get_extension) return false;
    const lull_host_sounds *svc = h->get_extension(h, LULL_HOST_EXT_SOUNDS);
    if (!svc) return false;
    p->sound = svc->get(h, 0);
    p->pos = 0;
    /* The host promises the sound at the activation rate; a probe checks it. */
    return p->sound && p->sound->frames > 0 && p->sound->sample_rate == rate;
}

static void probe_process(void *self, const lull_process *ctx)
{
    probe *p = self;
    const lull_sound *s = p->sound;
    const float *l = s->data[0], *r = s->channels > 1 ? s->data[1] : s->data[0];
    for (uint32_t f = 0; f < ctx->frames; f++) {
        float g = ctx->params[0][f];
        ctx->outputs[0][f] = g * l[p->pos];
        ctx->outputs[1][f] = g * r[p->pos];
        if (++p->pos >= s->frames) p->pos = 0;
    }
}

static void probe_reset(void *self) { ((probe *)self)->pos = 0; }
static void probe_deactivate(void *self) { ((probe *)self)->sound = NULL; }
static void probe_destroy(void *self) { free(self); }

static const lull_port_info probe_outputs[] = {{"left"}, {"right"}};
static const lull_port_info probe_slots[] = {{"sound"}};
static const lull_param_info probe_params[] = {
    {"gain", "Gain", "", 0.0f, 1.0f, 1.0f, 20.0f, LULL_PARAM_MODULATABLE, NULL}};

static const lull_descriptor probe_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "sound_probe",
    .name = "Sound probe",
    .version = "1.0.0",
    .description = "Plays its sound slot in a loop (tests only)",
    .output_count = 2,
    .outputs = probe_outputs,
    .param_count = 1,
    .params = probe_params,
    .create = probe_create,
    .activate = probe_activate,
    .process = probe_process,
    .reset = probe_reset,
    .deactivate = probe_deactivate,
    .destroy = probe_destroy,
    .sound_slot_count = 1,
    .sound_slots = probe_slots,
};

LULL_PLUGIN_ENTRY(&probe_desc)
