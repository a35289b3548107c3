#include "graph/node_runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "graph/block_ops.h"

static void host_log(const lull_host *host, enum lull_log_level level, const char *msg)
{
    log_msg((int)level, "node %s: %s", host->node_name ? host->node_name : "?", msg);
}

uint64_t node_seed(const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return h;
}

/* "lull.sounds/1": host_data is the node_runtime, which never moves while the
 * node exists (it lives inside its plan's step array). */
static const lull_sound *host_sound(const lull_host *host, uint32_t slot)
{
    const node_runtime *n = host ? host->host_data : NULL;
    return n && slot < n->sound_count ? n->sounds[slot] : NULL;
}

static const lull_host_sounds k_host_sounds = {host_sound};

static const void *host_get_extension(const lull_host *host, const char *name)
{
    if (name && strcmp(name, LULL_HOST_EXT_SOUNDS) == 0) return &k_host_sounds;
    return NULL;
}

bool node_runtime_init(node_runtime *n, const lull_descriptor *desc, const char *name,
                       const float *values, double sample_rate, char *err, size_t errlen)
{
    return node_runtime_init_sounds(n, desc, name, values, NULL, 0, sample_rate, err, errlen);
}

bool node_runtime_init_sounds(node_runtime *n, const lull_descriptor *desc, const char *name,
                              const float *values, const lull_sound *const *sounds,
                              uint32_t sound_count, double sample_rate, char *err, size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->desc = desc;
    snprintf(n->name, sizeof n->name, "%s", name);
    n->host = (lull_host){
        .struct_size = sizeof(lull_host),
        .host_name = "lull",
        .host_version = LULL_VERSION,
        .node_name = n->name,
        .seed = node_seed(name),
        .log = host_log,
        .host_data = n,
        .get_extension = host_get_extension,
    };
    if (sound_count) {
        n->sounds = calloc(sound_count, sizeof *n->sounds);
        if (!n->sounds) goto oom;
        for (uint32_t i = 0; i < sound_count; i++) n->sounds[i] = sounds ? sounds[i] : NULL;
        n->sound_count = sound_count;
    }
    uint32_t np = desc->param_count, no = desc->output_count, ni = desc->input_count;
    /* smoothers (8-byte aligned, a multiple of 8 long), views, buffer pointers,
     * static flags: what prepare reads for every parameter, in one allocation */
    size_t nps = np ? np : 1;
    char *hot =
        calloc(1, nps * (sizeof *n->params + sizeof *n->param_view + sizeof *n->param_bufs + 1));
    n->params = (param_smoother *)hot;
    n->param_view = hot ? (const float **)(hot + nps * sizeof *n->params) : NULL;
    n->param_bufs = hot ? (float **)(n->param_view + nps) : NULL;
    n->param_static = hot ? (uint8_t *)(n->param_bufs + nps) : NULL;
    n->inputs = calloc(ni ? ni : 1, sizeof(float *));
    n->outputs = calloc(no ? no : 1, sizeof(float *));
    if (!n->params || !n->param_bufs || !n->param_view || !n->param_static || !n->inputs ||
        !n->outputs)
        goto oom;
    for (uint32_t i = 0; i < np; i++) {
        n->param_bufs[i] = calloc(LULL_MAX_BLOCK, sizeof(float));
        if (!n->param_bufs[i]) goto oom;
        n->param_view[i] = n->param_bufs[i];
        param_smoother_init(&n->params[i], &desc->params[i], sample_rate,
                            values ? values[i] : desc->params[i].def);
        n->params[i].woken = &n->woken;
        n->params[i].index = (uint8_t)i;
    }
    for (uint32_t i = 0; i < no; i++) {
        n->outputs[i] = calloc(LULL_MAX_BLOCK, sizeof(float));
        if (!n->outputs[i]) goto oom;
    }
    n->woken = np == 64 ? ~0ull : (1ull << np) - 1; /* all looked at in the first block */
    n->moving = 0;
    n->rest_frames = 0;
    n->ctx = (lull_process){
        .struct_size = sizeof n->ctx,
        .inputs = n->inputs,
        .outputs = n->outputs,
        .params = n->param_view,
        .params_static = n->param_static,
    };
    n->self = desc->create(desc, &n->host);
    if (!n->self) {
        snprintf(err, errlen, "node \"%s\" (%s): create() failed", name, desc->id);
        node_runtime_fini(n);
        return false;
    }
    if (!desc->activate(n->self, sample_rate, LULL_MAX_BLOCK)) {
        snprintf(err, errlen, "node \"%s\" (%s): activate(%g Hz) failed", name, desc->id,
                 sample_rate);
        node_runtime_fini(n);
        return false;
    }
    n->active = true;
    return true;
oom:
    snprintf(err, errlen, "node \"%s\": out of memory", name);
    node_runtime_fini(n);
    return false;
}

void node_runtime_fini(node_runtime *n)
{
    if (n->self) {
        if (n->active) n->desc->deactivate(n->self);
        n->desc->destroy(n->self);
    }
    if (n->desc) {
        for (uint32_t i = 0; n->param_bufs && i < n->desc->param_count; i++) free(n->param_bufs[i]);
        for (uint32_t i = 0; n->outputs && i < n->desc->output_count; i++) free(n->outputs[i]);
    }
    free(n->params); /* with param_view, param_bufs and param_static */
    free(n->inputs);
    free(n->outputs);
    free(n->sounds);
    memset(n, 0, sizeof *n);
}

bool node_runtime_prepare(node_runtime *n, const lull_clocks *clocks, const lull_event *events,
                          uint32_t event_count, uint32_t frames)
{
    return node_runtime_prepare_shared(n, NULL, clocks, events, event_count, frames);
}

bool node_runtime_prepare_shared(node_runtime *n, node_param_memo *memo, const lull_clocks *clocks,
                                 const lull_event *events, uint32_t event_count, uint32_t frames)
{
    const lull_descriptor *d = n->desc;
    if (n->muted) {
        for (uint32_t o = 0; o < d->output_count; o++)
            memset(n->outputs[o], 0, frames * sizeof(float));
        if (n->notes_out) n->notes_out->count = 0; /* a muted node emits no notes either */
        if (memo) memo->node = NULL;               /* its smoothers did not move */
        return false;
    }
    const node_runtime *prev = memo && memo->node && memo->node->desc == d ? memo->node : NULL;
    uint32_t np = d->param_count;
    uint64_t all = np == 64 ? ~0ull : (1ull << np) - 1;
    /* Resting parameters are skipped unless this block is longer than their
     * buffers are filled (then every parameter is looked at again). */
    uint64_t look = frames > n->rest_frames ? all : (n->woken | n->moving) & all;
    uint32_t rest = look == all ? UINT32_MAX : n->rest_frames;
    uint64_t moving = 0, valid = 0;
    n->woken = 0;
    while (look) {
        uint32_t i = (uint32_t)__builtin_ctzll(look);
        uint64_t bit = 1ull << i;
        look &= look - 1;
        param_smoother *ps = &n->params[i];
        /* a resting parameter whose buffer is already filled: nothing to do */
        if (ps->remaining == 0 && !ps->pending && ps->filled >= frames) {
            n->param_static[i] = 1;
            n->param_view[i] = n->param_bufs[i];
            if (ps->filled < rest) rest = ps->filled;
            continue;
        }
        moving |= bit; /* looked at again next block, when it may rest */
        valid |= bit;
        if (prev && (memo->valid & bit) && param_smoother_same(ps, &memo->before[i])) {
            /* The same run as the previous node's: its result, and its buffer (this
             * node's own is left unfilled, and marked so). memo->before[i] stays,
             * since it is this node's starting state too. */
            uint64_t *woken = ps->woken;
            uint8_t index = ps->index;
            *ps = prev->params[i];
            ps->woken = woken;
            ps->index = index;
            ps->filled = 0;
            n->param_view[i] = prev->param_view[i];
            n->param_static[i] = prev->param_static[i];
            continue;
        }
        if (memo) memo->before[i] = *ps;
        n->param_static[i] = param_smoother_run(ps, n->param_bufs[i], frames);
        n->param_view[i] = n->param_bufs[i];
    }
    n->moving = moving;
    n->rest_frames = rest;
    if (memo) memo->valid = valid;
    if (memo) memo->node = n;
    n->ctx.frames = frames;
    n->ctx.clocks = clocks;
    n->ctx.events = events;
    n->ctx.event_count = event_count;
    n->ctx.notes = n->notes;
    n->ctx.note_count = n->notes ? n->note_count : 0;
    n->ctx.notes_out = n->notes_out;
    return true;
}

bool node_runtime_finish(node_runtime *n)
{
    const lull_descriptor *d = n->desc;
    uint32_t frames = n->ctx.frames;
    bool bad = false;
    for (uint32_t o = 0; o < d->output_count; o++)
        bad |= block_has_nonfinite(n->outputs[o], frames);
    if (!bad) return true;
    n->muted = true;
    for (uint32_t o = 0; o < d->output_count; o++) memset(n->outputs[o], 0, frames * sizeof(float));
    return false;
}

bool node_runtime_process(node_runtime *n, const lull_clocks *clocks, const lull_event *events,
                          uint32_t event_count, uint32_t frames)
{
    if (!node_runtime_prepare(n, clocks, events, event_count, frames)) return true;
    n->desc->process(n->self, &n->ctx);
    return node_runtime_finish(n);
}
