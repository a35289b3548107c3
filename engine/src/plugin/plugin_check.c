/* `lull plugin-check` (see plugin_check.h). */
#define _GNU_SOURCE
#include "plugin/plugin_check.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "core/alloc_guard.h"
#include "core/rt.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define CHECK_RATE 48000.0
#define MAX_PORTS 16
#define MAX_PARAMS 64
#define MAX_EVENTS 16
#define CHILD_TIMEOUT_S 120
#define REALTIME_NS_PER_FRAME (1e9 / CHECK_RATE)
#define SLOWDOWN_WARN 8.0
#define HOT_SINE_AMPLITUDE 10.0 /* +20 dBFS */
#define SEED 0x6c756c6cull      /* "lull" */

/* State the child shares with the parent: which check is running (so a crash or
 * hang can be named) and how many checks failed. */
typedef struct {
    char current[64];
    int failures;
    int warnings;
} shared_state;

typedef struct {
    FILE *out;
    shared_state *shared;
    const lull_descriptor *d;
} checker;

static void report(checker *c, const char *status, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(checker *c, const char *status, const char *check, const char *fmt, ...)
{
    fprintf(c->out, "  %-4s  %-14s ", status, check);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->out, fmt, ap);
    va_end(ap);
    fputc('\n', c->out);
    fflush(c->out);
    if (strcmp(status, "FAIL") == 0)
        c->shared->failures++;
    else if (strcmp(status, "WARN") == 0)
        c->shared->warnings++;
}

static void begin(checker *c, const char *check)
{
    snprintf(c->shared->current, sizeof c->shared->current, "%s", check);
}

/* ---- a small host for one instance ---------------------------------------------- */

enum signal_kind { SIG_SILENCE, SIG_NOISE, SIG_HOT_SINE, SIG_DENORMAL };
static const char *const signal_names[] = {"silence", "noise", "+20 dB sine",
                                           "denormal-range input"};

/* Sub-block sizes cycle through this list so nodes see partial blocks too, as they
 * do when the host carries a remainder. */
static const uint32_t block_pattern[] = {64, 64, 17, 64, 1, 33, 64, 63};

typedef struct {
    const lull_descriptor *d;
    void *self;
    lull_host host;
    double rate;
    bool active;
    float *in[MAX_PORTS];
    float *out[MAX_PORTS];
    float *param_buf[MAX_PARAMS];
    float value[MAX_PARAMS]; /* constant value, or sweep start */
    float sweep_to[MAX_PARAMS];
    bool sweeping[MAX_PARAMS];
    uint64_t sweep_frames;
    uint64_t frame;        /* frames since activate */
    uint64_t signal_frame; /* frames since the signal started */
    uint64_t rng;
    uint32_t block_index;
    double beat, pacer_phase;
    bool pacer_wrapped; /* the next frame starts an inhale */
    bool guard;         /* arm the allocation guard around process() */
    /* Note events (ABI 1.2): the seeded stream fed to note inputs, and the buffer
     * the node's note outputs fill (see fill_notes / check_emitted_notes). */
    lull_note notes_in[LULL_MAX_NOTES];
    lull_note notes_out_buf[LULL_MAX_NOTES];
    lull_note_output notes_out;
    uint64_t note_rng; /* 0 until the first block: then from host.seed */
    uint32_t note_block;
    const lull_sound *sound; /* bound to every sound slot (synthetic_sound) */
} instance;

/* What a run saw on the outputs. */
typedef struct {
    uint64_t nonfinite, subnormal, unwritten, frames;
    uint64_t first_bad_frame;
    uint32_t first_bad_port;
    unsigned long guard_calls;
    const char *guard_last;
    double ns;
    /* notes: fed, emitted, emitted blocks breaking the contract (the first named) */
    uint64_t notes_fed, notes_emitted, note_faults;
    char note_fault[224];
    uint64_t note_hash; /* FNV-1a of every emitted note, for determinism */
} run_result;

static void host_log(const lull_host *host, enum lull_log_level level, const char *msg)
{
    (void)host;
    (void)level;
    (void)msg; /* the report is the only output */
}

/* ---- a synthetic sound for nodes with sound slots ------------------------------- */

/* Every sound slot gets the same test sound at the instance's rate: a few seconds of
 * stereo, white noise (0.25 peak) plus a sine (0.5 peak; left 440 Hz, right 660 Hz),
 * so a sampler is checked on broadband and tonal material with a loop point that
 * is not at a zero crossing. Made once per rate, kept for the life of the checking
 * child process. */
#define TEST_SOUND_SECONDS 3.0
#define TEST_SOUND_RATES 4

typedef struct {
    double rate;
    lull_sound sound;
    float *data[2];
    const float *ptrs[2];
} test_sound;

static test_sound g_test_sounds[TEST_SOUND_RATES];

static const lull_sound *synthetic_sound(double rate)
{
    for (int i = 0; i < TEST_SOUND_RATES; i++)
        if (g_test_sounds[i].rate == rate) return &g_test_sounds[i].sound;
    for (int i = 0; i < TEST_SOUND_RATES; i++) {
        test_sound *t = &g_test_sounds[i];
        if (t->rate != 0) continue;
        uint64_t frames = (uint64_t)(TEST_SOUND_SECONDS * rate);
        t->data[0] = malloc(frames * sizeof(float));
        t->data[1] = malloc(frames * sizeof(float));
        if (!t->data[0] || !t->data[1]) {
            free(t->data[0]);
            free(t->data[1]);
            t->data[0] = t->data[1] = NULL;
            return NULL;
        }
        uint64_t s = SEED;
        for (uint64_t f = 0; f < frames; f++)
            for (int c = 0; c < 2; c++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                double noise = (double)(s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
                double sine = sin(2.0 * M_PI * (c ? 660.0 : 440.0) * (double)f / rate);
                t->data[c][f] = (float)(0.25 * noise + 0.5 * sine);
            }
        t->ptrs[0] = t->data[0];
        t->ptrs[1] = t->data[1];
        t->sound = (lull_sound){.struct_size = sizeof(lull_sound),
                                .channels = 2,
                                .frames = frames,
                                .sample_rate = rate,
                                .data = t->ptrs,
                                .name = "plugin_check",
                                .path = "(synthetic noise + sine)"};
        t->rate = rate;
        return &t->sound;
    }
    return NULL;
}

/* "lull.sounds/1" for the checked instance: host_data is the instance, which stays
 * where it is from open to close. */
static const lull_sound *host_sound(const lull_host *host, uint32_t slot)
{
    const instance *in = host->host_data;
    return in && slot < descriptor_sound_slot_count(in->d) ? in->sound : NULL;
}

static const lull_host_sounds k_host_sounds = {host_sound};

static const void *host_get_extension(const lull_host *host, const char *name)
{
    (void)host;
    return name && strcmp(name, LULL_HOST_EXT_SOUNDS) == 0 ? &k_host_sounds : NULL;
}

static bool instance_open_seeded(instance *in, const lull_descriptor *d, double rate, uint64_t seed)
{
    memset(in, 0, sizeof *in);
    in->d = d;
    in->rate = rate;
    in->host = (lull_host){.struct_size = sizeof(lull_host),
                           .host_name = "lull",
                           .host_version = LULL_VERSION,
                           .node_name = "plugin_check",
                           .seed = seed,
                           .log = host_log,
                           .host_data = in,
                           .get_extension = host_get_extension};
    if (descriptor_sound_slot_count(d) > 0) in->sound = synthetic_sound(rate);
    in->rng = seed;
    for (uint32_t i = 0; i < d->input_count; i++) in->in[i] = calloc(LULL_MAX_BLOCK, sizeof(float));
    for (uint32_t i = 0; i < d->output_count; i++)
        in->out[i] = calloc(LULL_MAX_BLOCK, sizeof(float));
    for (uint32_t i = 0; i < d->param_count; i++) {
        in->param_buf[i] = calloc(LULL_MAX_BLOCK, sizeof(float));
        in->value[i] = d->params[i].def;
    }
    in->self = d->create(d, &in->host);
    if (!in->self) return false;
    in->active = d->activate(in->self, rate, LULL_MAX_BLOCK);
    return in->active;
}

static bool instance_open(instance *in, const lull_descriptor *d, double rate)
{
    return instance_open_seeded(in, d, rate, SEED);
}

static void instance_close(instance *in)
{
    if (in->self) {
        if (in->active) in->d->deactivate(in->self);
        in->d->destroy(in->self);
    }
    for (uint32_t i = 0; i < MAX_PORTS; i++) {
        free(in->in[i]);
        free(in->out[i]);
    }
    for (uint32_t i = 0; i < MAX_PARAMS; i++) free(in->param_buf[i]);
    memset(in, 0, sizeof *in);
}

static double next_uniform(uint64_t *s) /* [-1, 1) */
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static void fill_inputs(instance *in, enum signal_kind kind, uint32_t frames)
{
    for (uint32_t f = 0; f < frames; f++) {
        double t = (double)(in->signal_frame + f) / in->rate;
        for (uint32_t p = 0; p < in->d->input_count; p++) {
            float v = 0.0f;
            switch (kind) {
            case SIG_SILENCE: break;
            case SIG_NOISE: v = (float)(0.5 * next_uniform(&in->rng)); break;
            case SIG_HOT_SINE:
                v = (float)(HOT_SINE_AMPLITUDE * sin(2.0 * M_PI * (440.0 + 110.0 * p) * t));
                break;
            case SIG_DENORMAL: v = (float)(1e-39 * next_uniform(&in->rng)); break;
            }
            in->in[p][f] = v;
        }
    }
}

/* Parameters as the host would give them: constant (params_static) or a linear
 * sweep from value[] to sweep_to[] over sweep_frames. */
static void fill_params(instance *in, uint32_t frames, uint8_t *is_static)
{
    for (uint32_t i = 0; i < in->d->param_count; i++) {
        if (!in->sweeping[i]) {
            for (uint32_t f = 0; f < frames; f++) in->param_buf[i][f] = in->value[i];
            is_static[i] = 1;
            continue;
        }
        for (uint32_t f = 0; f < frames; f++) {
            double u = (double)(in->signal_frame + f) / (double)in->sweep_frames;
            u = u > 1.0 ? 1.0 : u;
            in->param_buf[i][f] = (float)(in->value[i] + (in->sweep_to[i] - in->value[i]) * u);
        }
        is_static[i] = 0;
    }
}

/* Clocks at 60 bpm and a fast pacer (30 breaths/min) so that short runs see BEAT,
 * INHALE and EXHALE events, each stamped at the frame where it happens. */
static uint32_t fill_clocks(instance *in, lull_clocks *clk, lull_event *ev, uint32_t frames)
{
    const double bpm = 60.0, breaths = 30.0, inhale = 0.4;
    *clk = (lull_clocks){.sample_rate = in->rate,
                         .frame = in->frame,
                         .tempo_bpm = bpm,
                         .beat = in->beat,
                         .beat_inc = bpm / 60.0 / in->rate,
                         .pacer_rate = breaths,
                         .pacer_phase = in->pacer_phase,
                         .pacer_phase_inc = breaths / 60.0 / in->rate,
                         .inhale_fraction = inhale,
                         .pacer_active = 1};
    uint32_t n = 0;
    for (uint32_t f = 0; f < frames; f++) {
        double b = in->beat, p = in->pacer_phase;
        if (n < MAX_EVENTS && (in->frame + f == 0 || floor(b) != floor(b - clk->beat_inc)))
            ev[n++] = (lull_event){f, LULL_EVENT_BEAT, floor(b)};
        if (n < MAX_EVENTS && (in->frame + f == 0 || in->pacer_wrapped))
            ev[n++] = (lull_event){f, LULL_EVENT_INHALE, 0.0};
        else if (n < MAX_EVENTS && p >= inhale && p - clk->pacer_phase_inc < inhale)
            ev[n++] = (lull_event){f, LULL_EVENT_EXHALE, 0.0};
        in->beat = b + clk->beat_inc;
        p += clk->pacer_phase_inc;
        in->pacer_wrapped = p >= 1.0;
        in->pacer_phase = in->pacer_wrapped ? p - 1.0 : p;
    }
    return n;
}

/* ---- note events (ABI 1.2) ------------------------------------------------------- */

#define NOTE_BURST_EVERY 16u /* every 16th block is a burst of LULL_MAX_NOTES notes */

static double note_uniform(uint64_t *s) /* [0, 1) */ { return 0.5 * (next_uniform(s) + 1.0); }

/* A seeded stream of notes for a node's note inputs, `frames` long: most blocks
 * none or a few at random offsets, often one at offset 0 or frames - 1, every
 * NOTE_BURST_EVERY-th block a burst of LULL_MAX_NOTES from offset 0 to frames - 1
 * (the most a node receives). Pitches 24..108, velocities 0..1 (ends included),
 * durations 0..4 s, random ports, and now and then a type the node does not know
 * (it must ignore it). Sorted by offset, as the host delivers them. */
static uint32_t fill_notes(instance *in, uint32_t frames)
{
    const lull_descriptor *d = in->d;
    if (!d->note_input_count) return 0;
    uint64_t *s = &in->note_rng;
    if (!*s) *s = in->host.seed ^ 0x9e3779b97f4a7c15ull;
    uint32_t block = in->note_block++, count;
    double u = note_uniform(s);
    if (block % NOTE_BURST_EVERY == NOTE_BURST_EVERY - 1)
        count = LULL_MAX_NOTES;
    else
        count = u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 5;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t offset = (uint32_t)(note_uniform(s) * frames);
        if (offset >= frames) offset = frames - 1;
        double edge = note_uniform(s);
        if ((count == LULL_MAX_NOTES && i == 0) || edge < 0.15) offset = 0;
        if ((count == LULL_MAX_NOTES && i == 1) || (edge >= 0.15 && edge < 0.3))
            offset = frames - 1;
        double v = note_uniform(s);
        lull_note n = {
            .offset = offset,
            .port = (uint32_t)(note_uniform(s) * d->note_input_count) % d->note_input_count,
            .type = note_uniform(s) < 0.05 ? 99u : LULL_NOTE_ON,
            .pitch = (float)(24.0 + 84.0 * note_uniform(s)),
            .velocity = v < 0.05   ? 0.0f
                        : v > 0.95 ? 1.0f
                                   : (float)v,
            .duration_s = note_uniform(s) < 0.3 ? 0.0f : (float)(4.0 * note_uniform(s)),
        };
        /* insertion keeps the stream sorted by offset */
        uint32_t j = i;
        while (j > 0 && in->notes_in[j - 1].offset > n.offset) {
            in->notes_in[j] = in->notes_in[j - 1];
            j--;
        }
        in->notes_in[j] = n;
    }
    return count;
}

/* The node's note output buffer, emptied for the next process(); NULL without note
 * outputs, as the host does. */
static lull_note_output *notes_out_for(instance *in)
{
    if (!in->d->note_output_count) return NULL;
    in->notes_out = (lull_note_output){in->notes_out_buf, LULL_MAX_NOTES, 0};
    return &in->notes_out;
}

/* Every note a process() call emitted must be one the host may deliver: count within
 * capacity, offset inside the block, offsets non-decreasing, a declared port, pitch
 * 0..127, velocity 0..1, duration finite and >= 0, a known type. The first fault is
 * kept in r (with the frame its block started at). */
static void check_emitted_notes(instance *in, uint32_t frames, uint64_t at, run_result *r)
{
    const lull_descriptor *d = in->d;
    if (!d->note_output_count) return;
    const lull_note_output *o = &in->notes_out;
    char fault[192] = "";
    uint32_t n = o->count < LULL_MAX_NOTES ? o->count : LULL_MAX_NOTES;
    if (o->notes != in->notes_out_buf || o->capacity != LULL_MAX_NOTES) {
        snprintf(fault, sizeof fault,
                 "process() changed notes_out->notes or ->capacity (only "
                 "count and the notes are the node's to write)");
        n = 0;
    } else if (o->count > o->capacity) {
        snprintf(fault, sizeof fault, "notes_out->count %u exceeds the capacity %u", o->count,
                 o->capacity);
    }
    for (uint32_t i = 0; i < n && !fault[0]; i++) {
        const lull_note *e = &in->notes_out_buf[i];
        if (e->offset >= frames)
            snprintf(fault, sizeof fault,
                     "note %u at offset %u in a block of %u frames (offsets "
                     "are 0..frames-1)",
                     i, e->offset, frames);
        else if (i > 0 && e->offset < in->notes_out_buf[i - 1].offset)
            snprintf(fault, sizeof fault,
                     "note %u at offset %u follows one at offset %u: emit "
                     "notes in non-decreasing offset order",
                     i, e->offset, in->notes_out_buf[i - 1].offset);
        else if (e->port >= d->note_output_count)
            snprintf(fault, sizeof fault, "note %u on port %u, but the node has %u note output%s",
                     i, e->port, d->note_output_count, d->note_output_count == 1 ? "" : "s");
        else if (!(e->pitch >= 0.0f && e->pitch <= 127.0f))
            snprintf(fault, sizeof fault, "note %u has pitch %g (MIDI note numbers 0..127)", i,
                     e->pitch);
        else if (!(e->velocity >= 0.0f && e->velocity <= 1.0f))
            snprintf(fault, sizeof fault, "note %u has velocity %g (0..1)", i, e->velocity);
        else if (!(e->duration_s >= 0.0f && isfinite(e->duration_s)))
            snprintf(fault, sizeof fault, "note %u has duration_s %g (finite, >= 0)", i,
                     e->duration_s);
        else if (e->type != LULL_NOTE_ON)
            snprintf(fault, sizeof fault, "note %u has type %u, which no ABI %u.%u host knows", i,
                     e->type, LULL_ABI_MAJOR, LULL_ABI_MINOR);
    }
    r->notes_emitted += n;
    /* lull_note is six 4-byte fields, no padding: hash its bytes */
    uint64_t h = r->note_hash ? r->note_hash : 1469598103934665603ull;
    const unsigned char *b = (const unsigned char *)in->notes_out_buf;
    h = (h ^ n) * 1099511628211ull;
    for (size_t k = 0; k < n * sizeof(lull_note); k++) h = (h ^ b[k]) * 1099511628211ull;
    r->note_hash = h;
    if (fault[0] && r->note_faults++ == 0)
        snprintf(r->note_fault, sizeof r->note_fault, "block at frame %llu: %s",
                 (unsigned long long)at, fault);
}

/* Renders `frames` frames of `kind`. capture (optional) receives output port 0.. in
 * frame-major blocks: capture[port * frames + i]. */
static run_result run(instance *in, enum signal_kind kind, uint64_t frames, float *capture)
{
    run_result r = {0};
    r.guard_last = "";
    const lull_descriptor *d = in->d;
    in->signal_frame = 0;
    uint8_t is_static[MAX_PARAMS];
    const float *params[MAX_PARAMS];
    for (uint32_t i = 0; i < d->param_count; i++) params[i] = in->param_buf[i];
    lull_clocks clk;
    lull_event events[MAX_EVENTS];
    /* A value no node writes: what is still there after process() was not written. */
    const float unwritten = 1.2345e30f;

    for (uint64_t done = 0; done < frames;) {
        uint32_t n =
            block_pattern[in->block_index++ % (sizeof block_pattern / sizeof block_pattern[0])];
        if (n > frames - done) n = (uint32_t)(frames - done);
        fill_inputs(in, kind, n);
        fill_params(in, n, is_static);
        uint32_t ev_count = fill_clocks(in, &clk, events, n);
        uint32_t note_count = fill_notes(in, n);
        r.notes_fed += note_count;
        for (uint32_t p = 0; p < d->output_count; p++)
            for (uint32_t f = 0; f < n; f++) in->out[p][f] = unwritten;
        lull_process ctx = {.struct_size = sizeof(lull_process),
                            .frames = n,
                            .inputs = (const float *const *)in->in,
                            .outputs = in->out,
                            .params = params,
                            .params_static = is_static,
                            .clocks = &clk,
                            .events = events,
                            .event_count = ev_count,
                            .notes = in->notes_in,
                            .note_count = note_count,
                            .notes_out = notes_out_for(in)};

        uint64_t t0 = rt_now_ns();
        if (in->guard) {
            alloc_guard_arm();
            d->process(in->self, &ctx);
            unsigned long calls = alloc_guard_disarm();
            if (calls) {
                r.guard_calls += calls;
                r.guard_last = alloc_guard_last();
            }
        } else {
            d->process(in->self, &ctx);
        }
        r.ns += (double)(rt_now_ns() - t0);
        check_emitted_notes(in, n, done, &r);

        for (uint32_t p = 0; p < d->output_count; p++)
            for (uint32_t f = 0; f < n; f++) {
                float v = in->out[p][f];
                bool bad = false;
                if (v == unwritten) {
                    r.unwritten++;
                    bad = true;
                } else if (!isfinite(v)) {
                    r.nonfinite++;
                    bad = true;
                } else if (fpclassify(v) == FP_SUBNORMAL) {
                    r.subnormal++;
                }
                if (bad && r.unwritten + r.nonfinite == 1) {
                    r.first_bad_frame = done + f;
                    r.first_bad_port = p;
                }
                if (capture) capture[p * frames + done + f] = v;
            }
        done += n;
        in->frame += n;
        in->signal_frame += n;
    }
    r.frames = frames;
    return r;
}

static const char *port_name(const lull_descriptor *d, uint32_t p)
{
    return p < d->output_count && d->outputs[p].id ? d->outputs[p].id : "?";
}

/* Reports a run's output faults under `check`; returns true when clean. */
static bool judge_outputs(checker *c, const char *check, const char *what, const run_result *r)
{
    if (r->unwritten) {
        report(c, "FAIL", check,
               "%s: output \"%s\" frame %llu was not written (%llu frames "
               "unwritten); process() must write every output frame",
               what, port_name(c->d, r->first_bad_port), (unsigned long long)r->first_bad_frame,
               (unsigned long long)r->unwritten);
        return false;
    }
    if (r->nonfinite) {
        report(c, "FAIL", check, "%s: output \"%s\" is NaN/Inf from frame %llu (%llu samples)",
               what, port_name(c->d, r->first_bad_port), (unsigned long long)r->first_bad_frame,
               (unsigned long long)r->nonfinite);
        return false;
    }
    if (r->note_faults) {
        report(c, "FAIL", check, "%s: emitted notes: %s (%llu bad blocks)", what, r->note_fault,
               (unsigned long long)r->note_faults);
        return false;
    }
    return true;
}

/* ---- the checks ------------------------------------------------------------------ */

/* ", 1 note input, 2 note outputs" or "" for a node without note ports. */
static const char *note_ports_text(const lull_descriptor *d)
{
    static char buf[96];
    buf[0] = '\0';
    if (d->note_input_count || d->note_output_count)
        snprintf(buf, sizeof buf, ", %u note input%s, %u note output%s", d->note_input_count,
                 d->note_input_count == 1 ? "" : "s", d->note_output_count,
                 d->note_output_count == 1 ? "" : "s");
    return buf;
}

static void check_metadata(checker *c)
{
    begin(c, "metadata");
    const lull_descriptor *d = c->d;
    char err[512];
    if (!descriptor_validate(d, err, sizeof err)) {
        report(c, "FAIL", "metadata", "%s", err);
        return;
    }
    if (d->input_count > MAX_PORTS || d->output_count > MAX_PORTS || d->param_count > MAX_PARAMS) {
        report(c, "FAIL", "metadata", "too many ports or params to check");
        return;
    }
    if (d->output_count == 0 && d->note_output_count == 0) {
        report(c, "FAIL", "metadata",
               "the node has no outputs (audio or note), so nothing can "
               "hear it");
        return;
    }
    report(c, "PASS", "metadata",
           "%u inputs, %u outputs, %u params%s; ids, ranges, defaults, "
           "flags and value names valid",
           d->input_count, d->output_count, d->param_count, note_ports_text(d));
}

static bool check_activate(checker *c)
{
    begin(c, "activate");
    const double rates[] = {44100.0, 48000.0};
    for (int i = 0; i < 2; i++) {
        instance in;
        bool ok = instance_open(&in, c->d, rates[i]);
        if (!in.self) {
            report(c, "FAIL", "activate", "create() returned NULL");
            instance_close(&in);
            return false;
        }
        if (!ok) {
            report(c, "FAIL", "activate", "activate(%.0f Hz, %u) returned false", rates[i],
                   LULL_MAX_BLOCK);
            instance_close(&in);
            return false;
        }
        /* Re-activation must work too: the engine does it on a rate change. */
        c->d->deactivate(in.self);
        in.active = c->d->activate(in.self, rates[i], LULL_MAX_BLOCK);
        if (!in.active) {
            report(c, "FAIL", "activate", "activate() after deactivate() failed at %.0f Hz",
                   rates[i]);
            instance_close(&in);
            return false;
        }
        instance_close(&in);
    }
    report(c, "PASS", "activate",
           "44100 and 48000 Hz, max_frames %u, and again after "
           "deactivate()",
           LULL_MAX_BLOCK);
    return true;
}

/* Silence, noise, +20 dB sine and denormal-range input at both rates: outputs
 * written and finite. Returns the ns/frame measured for noise and for denormal input
 * at 48 kHz through the two pointers. */
static void check_signals(checker *c, double *noise_ns, double *denormal_ns)
{
    const double rates[] = {44100.0, CHECK_RATE};
    bool all_ok = true;
    for (int ri = 0; ri < 2; ri++) {
        for (int k = SIG_SILENCE; k <= SIG_DENORMAL; k++) {
            char check[64];
            snprintf(check, sizeof check, "signals: %s %.0f Hz", signal_names[k], rates[ri]);
            begin(c, check);
            instance in;
            if (!instance_open(&in, c->d, rates[ri])) {
                instance_close(&in);
                report(c, "FAIL", "signals", "could not activate at %.0f Hz", rates[ri]);
                return;
            }
            run_result r = run(&in, k, (uint64_t)rates[ri], NULL);
            char what[96];
            snprintf(what, sizeof what, "%s at %.0f Hz", signal_names[k], rates[ri]);
            all_ok &= judge_outputs(c, "signals", what, &r);
            if (ri == 1 && k == SIG_NOISE) *noise_ns = r.ns / (double)r.frames;
            if (ri == 1 && k == SIG_DENORMAL) *denormal_ns = r.ns / (double)r.frames;
            instance_close(&in);
        }
    }
    if (all_ok)
        report(c, "PASS", "signals",
               "silence, noise, +20 dB sine and denormal-range input at "
               "44.1 and 48 kHz: every output frame written and finite");
}

static void check_params(checker *c)
{
    begin(c, "param extremes");
    const lull_descriptor *d = c->d;
    if (d->param_count == 0) {
        report(c, "PASS", "param extremes", "no parameters");
        return;
    }
    const uint64_t frames = (uint64_t)(0.5 * CHECK_RATE);
    bool ok = true;
    /* Each parameter alone at min and at max, then all at min, all at max, then every
     * parameter swept min -> max while the others sit at their defaults. */
    for (uint32_t i = 0; i < d->param_count + 1 && ok; i++) {
        for (int extreme = 0; extreme < 2 && ok; extreme++) {
            instance in;
            if (!instance_open(&in, d, CHECK_RATE)) {
                instance_close(&in);
                report(c, "FAIL", "param extremes", "could not activate");
                return;
            }
            char what[160];
            if (i < d->param_count) {
                in.value[i] = extreme ? d->params[i].max : d->params[i].min;
                snprintf(what, sizeof what, "+20 dB sine, param \"%s\" = %g", d->params[i].id,
                         in.value[i]);
            } else {
                for (uint32_t j = 0; j < d->param_count; j++)
                    in.value[j] = extreme ? d->params[j].max : d->params[j].min;
                snprintf(what, sizeof what, "+20 dB sine, every param at its %s",
                         extreme ? "max" : "min");
            }
            run_result r = run(&in, SIG_HOT_SINE, frames, NULL);
            ok &= judge_outputs(c, "param extremes", what, &r);
            instance_close(&in);
        }
    }
    for (uint32_t i = 0; i < d->param_count && ok; i++) {
        instance in;
        if (!instance_open(&in, d, CHECK_RATE)) {
            instance_close(&in);
            report(c, "FAIL", "param extremes", "could not activate");
            return;
        }
        const lull_param_info *p = &d->params[i];
        char what[160];
        if (p->flags & LULL_PARAM_STEPPED) {
            /* Stepped values jump: visit each in turn on one instance, as a user
             * switching a mode would (at most 64 values). */
            for (float v = p->min; v <= p->max && v < p->min + 64 && ok; v += 1.0f) {
                in.value[i] = v;
                snprintf(what, sizeof what, "param \"%s\" switched to %g", p->id, v);
                run_result r = run(&in, SIG_NOISE, frames / 8, NULL);
                ok &= judge_outputs(c, "param extremes", what, &r);
            }
        } else {
            in.value[i] = p->min;
            in.sweep_to[i] = p->max;
            in.sweeping[i] = true;
            in.sweep_frames = frames;
            snprintf(what, sizeof what, "param \"%s\" swept %g -> %g", p->id, p->min, p->max);
            run_result r = run(&in, SIG_NOISE, frames, NULL);
            ok &= judge_outputs(c, "param extremes", what, &r);
        }
        instance_close(&in);
    }
    if (ok)
        report(c, "PASS", "param extremes",
               "every param at min and max (alone and all "
               "together), swept (stepped: every value): outputs finite");
}

static void set_ftz(bool on)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned csr = _mm_getcsr();
    csr = on ? (csr | 0x8040u) : (csr & ~0x8040u); /* FTZ (bit 15) and DAZ (bit 6) */
    _mm_setcsr(csr);
#else
    (void)on;
#endif
}

static void check_denormals(checker *c, double noise_ns, double denormal_ns)
{
    begin(c, "denormals");
    set_ftz(false);
    instance in;
    if (!instance_open(&in, c->d, CHECK_RATE)) {
        instance_close(&in);
        report(c, "FAIL", "denormals", "could not activate");
        return;
    }
    /* A burst of noise, then 4 s of silence: tails of filters, delays and envelopes
     * decay through the denormal range here if nothing flushes them. */
    run(&in, SIG_NOISE, (uint64_t)(0.5 * CHECK_RATE), NULL);
    run_result early = run(&in, SIG_SILENCE, (uint64_t)(3.0 * CHECK_RATE), NULL);
    run_result late = run(&in, SIG_SILENCE, (uint64_t)(1.0 * CHECK_RATE), NULL);
    instance_close(&in);
    uint64_t subnormal = early.subnormal + late.subnormal;
    if (subnormal)
        report(c, "FAIL", "denormals",
               "%llu denormal output samples in the 4 s of silence after "
               "noise (FTZ off): flush decaying state below ~1e-20 to zero",
               (unsigned long long)subnormal);
    else
        report(c, "PASS", "denormals", "no denormal output in 4 s of decay after noise (FTZ off)");

    double tail_ns = late.ns / (double)late.frames;
    if (noise_ns > 0 && tail_ns > SLOWDOWN_WARN * noise_ns && tail_ns > 200.0)
        report(c, "WARN", "denormal tail",
               "silence after noise costs %.0f ns/frame vs %.0f for "
               "noise: internal state is probably denormal (harmless with FTZ, slow without)",
               tail_ns, noise_ns);
    if (noise_ns > 0 && denormal_ns > SLOWDOWN_WARN * noise_ns && denormal_ns > 200.0)
        report(c, "WARN", "denormal input",
               "denormal-range input costs %.0f ns/frame vs %.0f "
               "for noise (FTZ off)",
               denormal_ns, noise_ns);
}

static void check_realtime(checker *c)
{
    begin(c, "alloc/locks");
    if (!alloc_guard_available()) {
        report(c, "SKIP", "alloc/locks",
               "not checked: this build has sanitizers, which own "
               "malloc (use a non-sanitizer build of lull)");
        return;
    }
    const lull_descriptor *d = c->d;
    unsigned long calls = 0;
    const char *last = "";
    const char *during = "";
    for (uint32_t i = 0; i <= d->param_count; i++) {
        for (int extreme = 0; extreme < 2; extreme++) {
            if (i == d->param_count && extreme) break;
            instance in;
            if (!instance_open(&in, d, CHECK_RATE)) {
                instance_close(&in);
                report(c, "FAIL", "alloc/locks", "could not activate");
                return;
            }
            if (i < d->param_count) in.value[i] = extreme ? d->params[i].max : d->params[i].min;
            in.guard = true;
            run_result r = run(&in, SIG_NOISE, (uint64_t)(0.25 * CHECK_RATE), NULL);
            if (d->reset && r.guard_calls == 0) {
                alloc_guard_arm();
                d->reset(in.self);
                unsigned long n = alloc_guard_disarm();
                if (n) {
                    r.guard_calls = n;
                    r.guard_last = alloc_guard_last();
                    during = "reset()";
                }
            }
            instance_close(&in);
            if (r.guard_calls) {
                calls = r.guard_calls;
                last = r.guard_last;
                if (!*during) during = "process()";
                break;
            }
        }
        if (calls) break;
    }
    if (calls)
        report(c, "FAIL", "alloc/locks",
               "%s called %s (%lu allocator/mutex calls): the audio "
               "thread must not allocate, free or lock; allocate in activate()",
               during, last, calls);
    else
        report(c, "PASS", "alloc/locks",
               "no malloc/calloc/realloc/free/memalign or mutex lock "
               "in process() or reset(), at defaults and every param extreme");
}

static void check_determinism(checker *c)
{
    begin(c, "determinism");
    const uint64_t frames = (uint64_t)(1.0 * CHECK_RATE);
    const lull_descriptor *d = c->d;
    /* + 1: a node with note outputs only has no audio to capture */
    float *a = calloc(frames * d->output_count + 1, sizeof(float));
    float *b = calloc(frames * d->output_count + 1, sizeof(float));
    instance ia = {0}, ib = {0};
    bool ok = a && b && instance_open(&ia, d, CHECK_RATE);
    ok = ok && instance_open(&ib, d, CHECK_RATE);
    if (!ok) {
        report(c, "FAIL", "determinism", "could not activate two instances");
    } else {
        run_result ra = run(&ia, SIG_NOISE, frames, a);
        run_result rb = run(&ib, SIG_NOISE, frames, b);
        uint64_t first = UINT64_MAX;
        uint32_t port = 0;
        for (uint32_t p = 0; p < d->output_count && first == UINT64_MAX; p++)
            for (uint64_t i = 0; i < frames; i++)
                if (memcmp(&a[p * frames + i], &b[p * frames + i], sizeof(float)) != 0) {
                    first = i;
                    port = p;
                    break;
                }
        if (first != UINT64_MAX)
            report(c, "FAIL", "determinism",
                   "two instances with the same seed differ on output "
                   "\"%s\" from frame %llu: draw randomness only from host->seed",
                   port_name(d, port), (unsigned long long)first);
        else if (ra.notes_emitted != rb.notes_emitted || ra.note_hash != rb.note_hash)
            report(c, "FAIL", "determinism",
                   "two instances with the same seed and input emit "
                   "different notes (%llu vs %llu notes): draw randomness only from host->seed",
                   (unsigned long long)ra.notes_emitted, (unsigned long long)rb.notes_emitted);
        else
            report(c, "PASS", "determinism",
                   "two instances with the same seed and input: "
                   "bit-identical output (1 s)");
    }
    instance_close(&ia);
    instance_close(&ib);
    free(a);
    free(b);
}

/* lull.batch/1: several instances processed in one call must give exactly what
 * one process() call each gives (the host relies on it to batch freely). Pairs of
 * instances with the same seeds, inputs and parameters (some sweeping) run side by
 * side, one set through process(), the other through process_batch(). */
static void check_batch(checker *c)
{
    const lull_descriptor *d = c->d;
    if (!d->get_extension) return;
    enum { N = 5 };
    instance seq[N], bat[N];
    memset(seq, 0, sizeof seq);
    memset(bat, 0, sizeof bat);
    bool ok = true;
    for (int k = 0; k < N && ok; k++)
        ok = instance_open_seeded(&seq[k], d, CHECK_RATE, SEED + (uint64_t)k) &&
             instance_open_seeded(&bat[k], d, CHECK_RATE, SEED + (uint64_t)k);
    const lull_ext_batch *ext = ok ? d->get_extension(bat[0].self, LULL_EXT_BATCH) : NULL;
    if (ext && ext->process_batch) {
        begin(c, "batch");
        const uint64_t frames = (uint64_t)(0.5 * CHECK_RATE);
        for (int k = 0; k < N; k++)
            for (uint32_t i = 0; i < d->param_count; i++) {
                const lull_param_info *p = &d->params[i];
                if ((p->flags & LULL_PARAM_STEPPED) || k % 2 == 0) continue;
                /* odd instances sweep every continuous param across its range */
                seq[k].sweeping[i] = bat[k].sweeping[i] = true;
                seq[k].value[i] = bat[k].value[i] = p->min;
                seq[k].sweep_to[i] = bat[k].sweep_to[i] = p->max;
                seq[k].sweep_frames = bat[k].sweep_frames = frames;
            }
        uint64_t first = UINT64_MAX;
        for (uint64_t done = 0; done < frames && first == UINT64_MAX;) {
            uint32_t n =
                block_pattern[(done / 7) % (sizeof block_pattern / sizeof block_pattern[0])];
            if (n > frames - done) n = (uint32_t)(frames - done);
            uint8_t is_static[2][N][MAX_PARAMS];
            const float *params[2][N][MAX_PARAMS];
            lull_clocks clk[2][N];
            lull_event ev[2][N][MAX_EVENTS];
            lull_process ctx[2][N];
            const lull_process *ctx_ptr[N];
            void *selves[N];
            for (int set = 0; set < 2; set++)
                for (int k = 0; k < N; k++) {
                    instance *in = set ? &bat[k] : &seq[k];
                    fill_inputs(in, SIG_NOISE, n);
                    fill_params(in, n, is_static[set][k]);
                    for (uint32_t i = 0; i < d->param_count; i++)
                        params[set][k][i] = in->param_buf[i];
                    uint32_t ne = fill_clocks(in, &clk[set][k], ev[set][k], n);
                    uint32_t nn = fill_notes(in, n);
                    ctx[set][k] = (lull_process){.struct_size = sizeof(lull_process),
                                                 .frames = n,
                                                 .inputs = (const float *const *)in->in,
                                                 .outputs = in->out,
                                                 .params = params[set][k],
                                                 .params_static = is_static[set][k],
                                                 .clocks = &clk[set][k],
                                                 .events = ev[set][k],
                                                 .event_count = ne,
                                                 .notes = in->notes_in,
                                                 .note_count = nn,
                                                 .notes_out = notes_out_for(in)};
                    in->frame += n;
                    in->signal_frame += n;
                }
            for (int k = 0; k < N; k++) {
                d->process(seq[k].self, &ctx[0][k]);
                ctx_ptr[k] = &ctx[1][k];
                selves[k] = bat[k].self;
            }
            ext->process_batch(selves, ctx_ptr, N);
            for (int k = 0; k < N && first == UINT64_MAX; k++)
                for (uint32_t p = 0; p < d->output_count; p++)
                    if (memcmp(seq[k].out[p], bat[k].out[p], n * sizeof(float)) != 0) first = done;
            for (int k = 0; k < N && first == UINT64_MAX && d->note_output_count; k++)
                if (seq[k].notes_out.count != bat[k].notes_out.count ||
                    memcmp(seq[k].notes_out_buf, bat[k].notes_out_buf,
                           (seq[k].notes_out.count < LULL_MAX_NOTES ? seq[k].notes_out.count
                                                                    : LULL_MAX_NOTES) *
                               sizeof(lull_note)) != 0)
                    first = done;
            done += n;
        }
        if (first != UINT64_MAX)
            report(c, "FAIL", "batch",
                   "process_batch() of %d instances differs from process() "
                   "one by one in the block at frame %llu: lull.batch/1 must be bit-identical",
                   N, (unsigned long long)first);
        else
            report(c, "PASS", "batch",
                   "process_batch() of %d instances (some sweeping every "
                   "param) bit-identical to process() one by one (0.5 s)",
                   N);
    }
    for (int k = 0; k < N; k++) {
        instance_close(&seq[k]);
        instance_close(&bat[k]);
    }
}

/* Note ports (ABI 1.2): the other checks already feed the seeded note stream to
 * note inputs and judge every emitted note; this one says what was covered, and
 * runs 2 s of it on one instance to judge emission over a longer stretch. */
static void check_notes(checker *c)
{
    const lull_descriptor *d = c->d;
    if (!d->note_input_count && !d->note_output_count) return;
    begin(c, "notes");
    instance in;
    if (!instance_open(&in, d, CHECK_RATE)) {
        instance_close(&in);
        report(c, "FAIL", "notes", "could not activate");
        return;
    }
    run_result r = run(&in, SIG_NOISE, (uint64_t)(2.0 * CHECK_RATE), NULL);
    instance_close(&in);
    if (!judge_outputs(c, "notes", "2 s of noise and notes", &r)) return;
    char fed[192] = "", emitted[192] = "";
    if (d->note_input_count)
        snprintf(fed, sizeof fed,
                 "%u note input%s fed %llu notes in 2 s (bursts of %u, offsets 0 "
                 "and frames-1, unknown types), as in every check; ",
                 d->note_input_count, d->note_input_count == 1 ? "" : "s",
                 (unsigned long long)r.notes_fed, LULL_MAX_NOTES);
    if (d->note_output_count)
        snprintf(emitted, sizeof emitted,
                 "%u note output%s emitted %llu notes: count, offsets, "
                 "order, ports, pitch, velocity, duration and type valid, as in every check",
                 d->note_output_count, d->note_output_count == 1 ? "" : "s",
                 (unsigned long long)r.notes_emitted);
    else
        snprintf(emitted, sizeof emitted, "outputs finite");
    report(c, "PASS", "notes", "%s%s", fed, emitted);
}

static int compare_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void check_cost(checker *c)
{
    begin(c, "cost");
    enum { RUNS = 5 };
    double ns[RUNS];
    instance in;
    if (!instance_open(&in, c->d, CHECK_RATE)) {
        instance_close(&in);
        report(c, "FAIL", "cost", "could not activate");
        return;
    }
    set_ftz(true);                                           /* as on the audio thread */
    run(&in, SIG_NOISE, (uint64_t)(0.1 * CHECK_RATE), NULL); /* warm caches */
    for (int i = 0; i < RUNS; i++) {
        run_result r = run(&in, SIG_NOISE, (uint64_t)(0.5 * CHECK_RATE), NULL);
        ns[i] = r.ns / (double)r.frames;
    }
    set_ftz(false);
    instance_close(&in);
    qsort(ns, RUNS, sizeof ns[0], compare_double);
    double median = ns[RUNS / 2];
    double percent = 100.0 * median / REALTIME_NS_PER_FRAME;
    if (median > REALTIME_NS_PER_FRAME)
        report(c, "FAIL", "cost",
               "%.0f ns per frame (median of %d runs): slower than real time "
               "at 48 kHz (%.0f ns)",
               median, RUNS, REALTIME_NS_PER_FRAME);
    else
        report(c, "PASS", "cost",
               "%.1f ns per frame (median of %d runs, 48 kHz, FTZ on) = "
               "%.2f %% of one core in real time",
               median, RUNS, percent);
}

/* Runs in the child: every check of one node. */
static void check_node(checker *c)
{
    set_ftz(false);
    check_metadata(c);
    if (c->shared->failures) return; /* never run a node whose metadata is broken */
    if (!check_activate(c)) return;
    double noise_ns = 0, denormal_ns = 0;
    check_signals(c, &noise_ns, &denormal_ns);
    check_params(c);
    check_denormals(c, noise_ns, denormal_ns);
    check_realtime(c);
    check_determinism(c);
    check_notes(c);
    check_batch(c);
    check_cost(c);
}

/* ---- the parent: load, fork per node, collect ------------------------------------ */

/* Copies the child's report to `report` until it closes the pipe or the timeout
 * passes; returns false on timeout. */
static bool relay(int fd, FILE *rep, int timeout_s)
{
    uint64_t deadline = rt_now_ns() + (uint64_t)timeout_s * 1000000000ull;
    char buf[4096];
    for (;;) {
        uint64_t now = rt_now_ns();
        if (now >= deadline) return false;
        struct pollfd pfd = {fd, POLLIN, 0};
        int left_ms = (int)((deadline - now) / 1000000ull) + 1;
        int pr = poll(&pfd, 1, left_ms);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) return false;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;
        fwrite(buf, 1, (size_t)n, rep);
        fflush(rep);
    }
}

/* Checks one node in a child process; returns its failure count. */
static int check_node_isolated(const lull_descriptor *d, FILE *rep, int *warnings)
{
    shared_state *shared =
        mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int fds[2];
    if (shared == MAP_FAILED || pipe(fds) != 0) {
        fprintf(rep, "  FAIL  setup          cannot create a child process: %s\n", strerror(errno));
        if (shared != MAP_FAILED) munmap(shared, sizeof *shared);
        return 1;
    }
    memset(shared, 0, sizeof *shared);
    fflush(rep);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(rep, "  FAIL  setup          fork failed: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        munmap(shared, sizeof *shared);
        return 1;
    }
    if (pid == 0) {
        close(fds[0]);
        FILE *out = fdopen(fds[1], "w");
        if (!out) _exit(3);
        checker c = {out, shared, d};
        check_node(&c);
        fclose(out);
        _exit(0);
    }
    close(fds[1]);
    bool finished = relay(fds[0], rep, CHILD_TIMEOUT_S);
    close(fds[0]);
    if (!finished) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int failures = shared->failures;
    *warnings += shared->warnings;
    if (!finished) {
        fprintf(rep, "  FAIL  %-14s did not finish within %d s (hung?)\n", shared->current,
                CHILD_TIMEOUT_S);
        failures++;
    } else if (WIFSIGNALED(status)) {
        fprintf(rep, "  FAIL  %-14s the node crashed with signal %d (%s)\n", shared->current,
                WTERMSIG(status), strsignal(WTERMSIG(status)));
        failures++;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(rep, "  FAIL  %-14s the check process exited with status %d\n", shared->current,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        failures++;
    }
    munmap(shared, sizeof *shared);
    return failures;
}

int plugin_check_run(const char *path, FILE *rep)
{
    fprintf(rep, "lull plugin-check %s\n", path);
    plugin_registry *reg = registry_new();
    if (!reg) {
        fprintf(rep, "FAIL  load           out of memory\nRESULT: FAIL\n");
        return 1;
    }
    char err[1024];
    if (!registry_load_file(reg, path, err, sizeof err)) {
        fprintf(rep, "FAIL  load           %s\nRESULT: FAIL (the plugin is refused)\n", err);
        registry_free(reg);
        return 1;
    }
    size_t count = registry_count(reg);
    fprintf(rep, "PASS  load           plugin ABI %u accepted, %zu node%s\n", LULL_ABI_MAJOR, count,
            count == 1 ? "" : "s");
    int failures = 0, warnings = 0;
    for (size_t i = 0; i < count; i++) {
        const lull_descriptor *d = registry_get(reg, i);
        fprintf(rep, "node \"%s\" (%s %s)\n", d->id, d->name, d->version);
        failures += check_node_isolated(d, rep, &warnings);
    }
    registry_free(reg);
    if (failures)
        fprintf(rep, "RESULT: FAIL (%d check%s failed, %d warning%s)\n", failures,
                failures == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    else
        fprintf(rep, "RESULT: PASS (%d warning%s)\n", warnings, warnings == 1 ? "" : "s");
    fflush(rep);
    return failures ? 1 : 0;
}
