#include "node_harness.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NH_MAX_PORTS 16
#define NH_MAX_PARAMS 64
#define NH_MAX_EVENTS (3 * LULL_MAX_BLOCK)
#define NH_MAX_SOUNDS 16
#define NH_MAX_QUEUE 4096

typedef struct {
    uint64_t frame;
    lull_note note;
} timed_note;

typedef struct {
    float constant;
    const float *trajectory; /* NULL: constant */
    size_t trajectory_len;
    size_t trajectory_pos; /* frames consumed so far */
} param_source;

struct node_harness {
    void *dl;
    const lull_descriptor *desc;
    void *self;
    lull_host host;
    char node_name[64];
    double sample_rate;
    uint32_t block;

    param_source sources[NH_MAX_PARAMS];
    float param_buf[NH_MAX_PARAMS][LULL_MAX_BLOCK];
    const float *param_ptrs[NH_MAX_PARAMS];
    uint8_t params_static[NH_MAX_PARAMS];

    float silence[LULL_MAX_BLOCK];
    float scratch[NH_MAX_PORTS][LULL_MAX_BLOCK];

    lull_clocks clocks;
    lull_event events[NH_MAX_EVENTS];
    const lull_sound *sounds[NH_MAX_SOUNDS];
    uint32_t sound_count;
    timed_note queued[NH_MAX_QUEUE]; /* sorted by frame */
    size_t queued_count, queued_pos;
    lull_note in_notes[LULL_MAX_NOTES];
    lull_note out_notes[LULL_MAX_NOTES];
    timed_note emitted[NH_MAX_QUEUE];
    size_t emitted_count;
    bool timing; /* accumulate the time spent inside process() */
    double process_ns;
};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "node_harness: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static void host_log(const lull_host *host, enum lull_log_level level, const char *msg)
{
    fprintf(stderr, "[%s:%d] %s\n", host->node_name, (int)level, msg);
}

static const lull_sound *host_sound(const lull_host *host, uint32_t slot)
{
    const node_harness *h = host->host_data;
    return slot < h->sound_count ? h->sounds[slot] : NULL;
}

static const lull_host_sounds k_sounds = {host_sound};

static const void *host_extension(const lull_host *host, const char *name)
{
    return strcmp(name, LULL_HOST_EXT_SOUNDS) == 0 ? &k_sounds : NULL;
}

static void clocks_start(node_harness *h, double breaths_per_min, double phase, double inhale)
{
    lull_clocks *c = &h->clocks;
    memset(c, 0, sizeof *c);
    c->sample_rate = h->sample_rate;
    c->tempo_bpm = 60.0;
    c->beat_inc = c->tempo_bpm / 60.0 / h->sample_rate;
    c->pacer_rate = breaths_per_min;
    c->pacer_phase = phase;
    c->pacer_phase_inc = breaths_per_min / 60.0 / h->sample_rate;
    c->inhale_fraction = inhale;
    c->pacer_active = 1;
}

node_harness *nh_open(const char *plugin, const char *node_id, double sample_rate, uint64_t seed)
{
    return nh_open_sounds(plugin, node_id, sample_rate, seed, NULL, 0);
}

node_harness *nh_open_sounds(const char *plugin, const char *node_id, double sample_rate,
                             uint64_t seed, const lull_sound *const *sounds, uint32_t count)
{
    const char *dir = getenv("LULL_PLUGIN_DIR");
    if (!dir || !*dir) die("LULL_PLUGIN_DIR is not set (run the test with ctest)");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", dir, plugin);

    node_harness *h = calloc(1, sizeof *h);
    if (!h) die("out of memory");
    h->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h->dl) die("dlopen %s: %s", path, dlerror());
    lull_entry_fn entry_fn = (lull_entry_fn)dlsym(h->dl, LULL_ENTRY_SYMBOL);
    if (!entry_fn) die("%s: no symbol %s", path, LULL_ENTRY_SYMBOL);
    const lull_plugin_entry *entry = entry_fn();
    if (entry->abi_major != LULL_ABI_MAJOR || entry->struct_size != sizeof(lull_plugin_entry))
        die("%s: ABI %u (struct %u) does not match %u", path, entry->abi_major, entry->struct_size,
            LULL_ABI_MAJOR);
    for (uint32_t i = 0; i < entry->descriptor_count; i++)
        if (strcmp(entry->descriptors[i]->id, node_id) == 0) h->desc = entry->descriptors[i];
    if (!h->desc) die("%s: no node \"%s\"", path, node_id);
    if (h->desc->param_count > NH_MAX_PARAMS || h->desc->input_count > NH_MAX_PORTS ||
        h->desc->output_count > NH_MAX_PORTS)
        die("%s: too many ports or parameters for the harness", node_id);

    snprintf(h->node_name, sizeof h->node_name, "test_%s", node_id);
    h->host = (lull_host){.struct_size = sizeof(lull_host),
                          .host_name = "lull",
                          .host_version = "test",
                          .node_name = h->node_name,
                          .seed = seed,
                          .log = host_log,
                          .host_data = h,
                          .get_extension = host_extension};
    if (count > NH_MAX_SOUNDS) die("%s: more than %d sounds", node_id, NH_MAX_SOUNDS);
    for (uint32_t i = 0; i < count; i++) h->sounds[i] = sounds[i];
    h->sound_count = count;
    h->sample_rate = sample_rate;
    h->block = LULL_MAX_BLOCK;
    for (uint32_t i = 0; i < h->desc->param_count; i++) {
        h->sources[i].constant = h->desc->params[i].def;
        h->param_ptrs[i] = h->param_buf[i];
    }
    clocks_start(h, 6.0, 0.0, 0.4);

    h->self = h->desc->create(h->desc, &h->host);
    if (!h->self) die("%s: create failed", node_id);
    if (!h->desc->activate(h->self, sample_rate, LULL_MAX_BLOCK))
        die("%s: activate failed", node_id);
    return h;
}

void nh_close(node_harness *h)
{
    if (!h) return;
    h->desc->deactivate(h->self);
    h->desc->destroy(h->self);
    dlclose(h->dl);
    free(h);
}

const lull_descriptor *nh_descriptor(const node_harness *h) { return h->desc; }

uint32_t nh_param_index(const node_harness *h, const char *param_id)
{
    for (uint32_t i = 0; i < h->desc->param_count; i++)
        if (strcmp(h->desc->params[i].id, param_id) == 0) return i;
    die("node %s has no parameter \"%s\"", h->desc->id, param_id);
    return 0;
}

void nh_set_param(node_harness *h, const char *param_id, float value)
{
    param_source *s = &h->sources[nh_param_index(h, param_id)];
    *s = (param_source){.constant = value};
}

void nh_set_param_trajectory(node_harness *h, const char *param_id, const float *values,
                             size_t count)
{
    if (count == 0) die("empty trajectory for %s", param_id);
    param_source *s = &h->sources[nh_param_index(h, param_id)];
    *s = (param_source){
        .constant = values[count - 1], .trajectory = values, .trajectory_len = count};
}

void nh_set_block_size(node_harness *h, uint32_t frames)
{
    if (frames < 1 || frames > LULL_MAX_BLOCK)
        die("block size %u out of 1..%u", frames, LULL_MAX_BLOCK);
    h->block = frames;
}

void nh_set_pacer(node_harness *h, double breaths_per_min, double phase, double inhale_fraction)
{
    uint64_t frame = h->clocks.frame;
    double beat = h->clocks.beat;
    clocks_start(h, breaths_per_min, phase, inhale_fraction);
    h->clocks.frame = frame;
    h->clocks.beat = beat;
}

void nh_set_tempo(node_harness *h, double bpm)
{
    h->clocks.tempo_bpm = bpm;
    h->clocks.beat_inc = bpm / 60.0 / h->sample_rate;
}

void nh_queue_note(node_harness *h, uint64_t frame, lull_note note)
{
    if (h->queued_pos == h->queued_count) h->queued_pos = h->queued_count = 0;
    if (h->queued_count >= NH_MAX_QUEUE) die("more than %d queued notes", NH_MAX_QUEUE);
    if (frame < h->clocks.frame)
        die("note queued for frame %llu, already rendered", (unsigned long long)frame);
    size_t i = h->queued_count++;
    while (i > h->queued_pos && h->queued[i - 1].frame > frame) {
        h->queued[i] = h->queued[i - 1];
        i--;
    }
    h->queued[i] = (timed_note){frame, note};
}

size_t nh_take_notes(node_harness *h, lull_note *notes, uint64_t *frames, size_t max)
{
    size_t n = h->emitted_count < max ? h->emitted_count : max;
    for (size_t i = 0; i < n; i++) {
        notes[i] = h->emitted[i].note;
        frames[i] = h->emitted[i].frame;
    }
    memmove(h->emitted, h->emitted + n, (h->emitted_count - n) * sizeof h->emitted[0]);
    h->emitted_count -= n;
    return n;
}

void nh_reset(node_harness *h)
{
    if (h->desc->reset) h->desc->reset(h->self);
    lull_clocks *c = &h->clocks;
    clocks_start(h, c->pacer_rate, 0.0, c->inhale_fraction);
}

static void fill_params(node_harness *h, uint32_t n)
{
    for (uint32_t i = 0; i < h->desc->param_count; i++) {
        param_source *s = &h->sources[i];
        float *buf = h->param_buf[i];
        bool all_equal = true;
        for (uint32_t f = 0; f < n; f++) {
            float v = s->constant;
            if (s->trajectory && s->trajectory_pos < s->trajectory_len)
                v = s->trajectory[s->trajectory_pos++];
            buf[f] = v;
            all_equal = all_equal && v == buf[0];
        }
        h->params_static[i] = all_equal;
    }
}

/* Events in this block: one at every frame that is the first at or past a beat,
 * an inhale start (phase wraps to 0) or an exhale start (phase reaches the inhale
 * fraction), judged against the frame before (the previous block's last frame for
 * offset 0; the very first frame of a run counts if it sits exactly on one). */
static uint32_t step_clocks(node_harness *h, uint32_t n)
{
    const lull_clocks *c = &h->clocks;
    uint32_t count = 0;
    for (uint32_t f = 0; f < n; f++) {
        double phase = c->pacer_phase + c->pacer_phase_inc * f;
        double beat = c->beat + c->beat_inc * f;
        bool first = c->frame == 0 && f == 0;
        double prev_phase = first ? phase - 1e-12 : phase - c->pacer_phase_inc;
        double prev_beat = first ? beat - 1e-12 : beat - c->beat_inc;
        if (floor(phase) > floor(prev_phase))
            h->events[count++] = (lull_event){f, LULL_EVENT_INHALE, 0.0};
        else if (floor(phase - c->inhale_fraction) > floor(prev_phase - c->inhale_fraction))
            h->events[count++] = (lull_event){f, LULL_EVENT_EXHALE, 0.0};
        if (floor(beat) > floor(prev_beat))
            h->events[count++] = (lull_event){f, LULL_EVENT_BEAT, floor(beat)};
    }
    return count;
}

static void advance_clocks(node_harness *h, uint32_t n)
{
    lull_clocks *c = &h->clocks;
    c->frame += n;
    c->beat += c->beat_inc * n;
    c->pacer_phase = fmod(c->pacer_phase + c->pacer_phase_inc * n, 1.0);
}

void nh_run(node_harness *h, const float *const *inputs, float *const *outputs, size_t frames)
{
    const lull_descriptor *d = h->desc;
    const float *in_ptrs[NH_MAX_PORTS];
    float *out_ptrs[NH_MAX_PORTS];
    for (size_t done = 0; done < frames;) {
        uint32_t n = (uint32_t)(frames - done < h->block ? frames - done : h->block);
        for (uint32_t p = 0; p < d->input_count; p++)
            in_ptrs[p] = inputs && inputs[p] ? inputs[p] + done : h->silence;
        for (uint32_t p = 0; p < d->output_count; p++)
            out_ptrs[p] = outputs && outputs[p] ? outputs[p] + done : h->scratch[p];
        fill_params(h, n);
        uint32_t event_count = step_clocks(h, n);
        uint32_t note_count = 0;
        while (h->queued_pos < h->queued_count &&
               h->queued[h->queued_pos].frame < h->clocks.frame + n &&
               note_count < LULL_MAX_NOTES) {
            lull_note nt = h->queued[h->queued_pos++].note;
            nt.offset = (uint32_t)(h->queued[h->queued_pos - 1].frame - h->clocks.frame);
            h->in_notes[note_count++] = nt;
        }
        lull_note_output notes_out = {h->out_notes, LULL_MAX_NOTES, 0};
        lull_process ctx = {.struct_size = sizeof(lull_process),
                            .frames = n,
                            .inputs = in_ptrs,
                            .outputs = out_ptrs,
                            .params = h->param_ptrs,
                            .params_static = h->params_static,
                            .clocks = &h->clocks,
                            .events = h->events,
                            .event_count = event_count,
                            .notes = h->in_notes,
                            .note_count = note_count,
                            .notes_out =
                                d->struct_size > offsetof(lull_descriptor, note_output_count) &&
                                        d->note_output_count
                                    ? &notes_out
                                    : NULL};
        struct timespec t0, t1;
        if (h->timing) clock_gettime(CLOCK_MONOTONIC, &t0);
        d->process(h->self, &ctx);
        if (h->timing) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            h->process_ns += (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
        }
        for (uint32_t k = 0; k < notes_out.count && k < LULL_MAX_NOTES; k++) {
            if (notes_out.notes[k].offset >= n)
                die("%s emitted a note at offset %u in a block of %u", d->id,
                    notes_out.notes[k].offset, n);
            if (h->emitted_count < NH_MAX_QUEUE)
                h->emitted[h->emitted_count++] =
                    (timed_note){h->clocks.frame + notes_out.notes[k].offset, notes_out.notes[k]};
        }
        advance_clocks(h, n);
        done += n;
    }
}

double nh_time_ns_per_frame(node_harness *h, const float *const *inputs, size_t frames)
{
    h->timing = true;
    h->process_ns = 0.0;
    nh_run(h, inputs, NULL, frames);
    h->timing = false;
    return h->process_ns / (double)frames;
}
