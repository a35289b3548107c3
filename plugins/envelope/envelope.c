/* envelope: a triggered attack-hold-decay-sustain-release envelope.
 *
 * Triggers: every LULL_NOTE_ON on the note input `trigger`, at its exact frame
 * (peak = velocity), plus the clock event chosen by `source` (beat, inhale or
 * exhale; peak 1). `source` = notes listens to notes only.
 *
 * Segments. Each segment moves the level from where it started (L0) to its target
 * (L1) as L0 + (L1 - L0) g(u), u running 0 -> 1 over the segment's time, read per
 * frame so a smoothed time change only changes the speed, never the level.
 * g is a blend, by `curve` c, of two shapes that both leave with zero slope (no
 * corner at a trigger, the click the startle reflex reacts to):
 *   raised cosine      g_c(u) = 0.5 - 0.5 cos(pi u)     (zero slope at both ends)
 *   smoothed exponent  g_e(u) = (1 - (1 + k u) e^(-k u)) / (1 - (1 + k) e^(-k)),
 *                      k = 6: the step response of two equal one-pole lags, so
 *                      it starts flat, is steepest at u = 1/k and then approaches
 *                      the target exponentially (end slope 9 % of the steepest).
 *   g = (1 - c) g_c + c g_e.
 * The 10-90 % rise time of an attack of length T from 0 is 0.5903 T for the
 * cosine (u = acos(0.8)/pi .. 1 - acos(0.8)/pi). The default attack, 50 ms, so
 * rises in 29.5 ms: above the 25 ms beyond which Blumenthal & Berg (1986,
 * Psychophysiology 23:635, "The startle response to acoustic stimuli near
 * startle threshold: effects of stimulus rise and fall time, duration and
 * intensity") saw the startle blink fall in probability and amplitude.
 *
 * Stages: attack (to the peak, from the current level: a retrigger never jumps),
 * hold (at the peak), decay (to sustain x peak), sustain (while a note's gate is
 * open), release (to 0). A note's gate is its duration_s from the note-on; when
 * it closes, the release starts from wherever the level is. Notes with
 * duration 0 and clock triggers have no gate: the release follows the decay.
 * Each segment ends exactly on its target and the release on exactly 0, so no
 * denormal tail is ever produced. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_SOURCE, P_ATTACK, P_HOLD, P_DECAY, P_SUSTAIN, P_RELEASE, P_CURVE, P_COUNT };
enum { SRC_NOTES, SRC_BEAT, SRC_INHALE, SRC_EXHALE, SRC_COUNT };
enum { ST_IDLE, ST_ATTACK, ST_HOLD, ST_DECAY, ST_SUSTAIN, ST_RELEASE };

#define EXP_K 6.0
/* Shortest segment the node will run, s: one frame at 1 MHz keeps 1/T finite. */
#define MIN_SEGMENT_S 1e-6
/* A segment of N frames ends at its N-th frame although N additions of 1/N may
 * fall short of 1 by rounding. */
#define SEGMENT_END (1.0 - 1e-9)

typedef struct envelope_node {
    double sample_rate;
    int stage;
    double u;         /* progress 0..1 through the current segment */
    double level;     /* envelope now, 0..1 */
    double from;      /* level at the start of the segment */
    double peak;      /* velocity of the current trigger */
    bool gated;       /* the trigger has a gate (a note with duration_s > 0) */
    double gate_left; /* frames until the gate closes */
    double exp_norm;  /* 1 / (1 - (1 + k) e^-k) */
} envelope_node;

static void *envelope_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    (void)host;
    return calloc(1, sizeof(envelope_node));
}

static void envelope_clear(envelope_node *e)
{
    e->stage = ST_IDLE;
    e->u = 0.0;
    e->level = e->from = e->peak = 0.0;
    e->gated = false;
    e->gate_left = 0.0;
}

static bool envelope_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    envelope_node *e = self;
    e->sample_rate = sample_rate;
    e->exp_norm = 1.0 / (1.0 - (1.0 + EXP_K) * exp(-EXP_K));
    envelope_clear(e);
    return true;
}

static void envelope_reset(void *self) { envelope_clear(self); }

/* NaN-safe: a NaN parameter reads as lo. */
static double clamp(double x, double lo, double hi) { return x >= lo ? (x <= hi ? x : hi) : lo; }

/* The segment shape g(u), u in [0,1], for curve c in [0,1]. */
static double shape(const envelope_node *e, double u, double c)
{
    double gc = 0.5 - 0.5 * cos(M_PI * u);
    if (c <= 0.0) return gc;
    double ku = EXP_K * u;
    double ge = (1.0 - (1.0 + ku) * exp(-ku)) * e->exp_norm;
    return gc + c * (ge - gc);
}

static void trigger(envelope_node *e, double velocity, double duration_s)
{
    e->peak = clamp(velocity, 0.0, 1.0);
    e->from = e->level; /* start from here: no jump */
    e->u = 0.0;
    e->stage = ST_ATTACK;
    e->gated = duration_s > 0.0;
    e->gate_left = e->gated ? duration_s * e->sample_rate : 0.0;
}

/* Per-frame progress for a segment of `seconds`. */
static double step_of(const envelope_node *e, double seconds)
{
    double s = seconds > MIN_SEGMENT_S ? seconds : MIN_SEGMENT_S;
    return 1.0 / (s * e->sample_rate);
}

static void start_segment(envelope_node *e, int stage)
{
    e->stage = stage;
    e->u = 0.0;
    e->from = e->level;
}

/* Advance one frame and return the level. Params at this frame in p[]. */
static double advance(envelope_node *e, const double p[P_COUNT])
{
    double c = clamp(p[P_CURVE], 0.0, 1.0);
    double sustain = clamp(p[P_SUSTAIN], 0.0, 1.0) * e->peak;
    if (e->gated) {
        /* The gate closes duration_s x sr frames after the note's frame: the
         * release starts there, from wherever the level is. */
        if (e->gate_left <= 0.0) {
            e->gated = false;
            if (e->stage != ST_IDLE && e->stage != ST_RELEASE) start_segment(e, ST_RELEASE);
        }
        e->gate_left -= 1.0;
    }
    switch (e->stage) {
    case ST_IDLE: break;
    case ST_ATTACK:
        e->u += step_of(e, p[P_ATTACK]);
        if (e->u >= SEGMENT_END) {
            e->level = e->peak;
            start_segment(e, ST_HOLD);
        } else {
            e->level = e->from + (e->peak - e->from) * shape(e, e->u, c);
        }
        break;
    case ST_HOLD:
        e->level = e->peak;
        if (p[P_HOLD] <= 0.0)
            start_segment(e, ST_DECAY);
        else if ((e->u += step_of(e, p[P_HOLD])) >= SEGMENT_END)
            start_segment(e, ST_DECAY);
        break;
    case ST_DECAY:
        e->u += step_of(e, p[P_DECAY]);
        if (e->u >= SEGMENT_END) {
            e->level = sustain;
            start_segment(e, e->gated ? ST_SUSTAIN : ST_RELEASE);
        } else {
            e->level = e->from + (sustain - e->from) * shape(e, e->u, c);
        }
        break;
    case ST_SUSTAIN:
        e->level = sustain; /* host-smoothed, so a sustain change glides */
        break;
    case ST_RELEASE:
        e->u += step_of(e, p[P_RELEASE]);
        if (e->u >= SEGMENT_END) {
            e->level = 0.0;
            e->stage = ST_IDLE;
        } else {
            e->level = e->from * (1.0 - shape(e, e->u, c));
        }
        break;
    }
    if (!(e->level >= 0.0)) /* NaN from a non-finite parameter: start over silent */
        envelope_clear(e);
    return e->level;
}

static int clamp_source(float v)
{
    long s = lrintf(v);
    return s < 0 ? 0 : s >= SRC_COUNT ? SRC_COUNT - 1 : (int)s;
}

static void envelope_process(void *self, const lull_process *ctx)
{
    envelope_node *e = self;
    const float *in = ctx->inputs[0];
    float *out = ctx->outputs[0];
    float *env = ctx->outputs[1];
    bool has_notes = ctx->struct_size >= offsetof(lull_process, notes_out) + sizeof(void *);
    uint32_t note_count = has_notes && ctx->notes ? ctx->note_count : 0;
    uint32_t next_note = 0, next_event = 0;
    double p[P_COUNT];
    for (uint32_t i = 0; i < ctx->frames; i++) {
        for (int k = 0; k < P_COUNT; k++) p[k] = ctx->params[k][i];
        int source = clamp_source(p[P_SOURCE]);
        for (; next_note < note_count && ctx->notes[next_note].offset <= i; next_note++) {
            const lull_note *n = &ctx->notes[next_note];
            if (n->type == LULL_NOTE_ON && n->offset == i)
                trigger(e, isfinite(n->velocity) ? n->velocity : 0.0,
                        isfinite(n->duration_s) ? n->duration_s : 0.0);
        }
        for (; next_event < ctx->event_count && ctx->events[next_event].offset <= i; next_event++) {
            uint32_t t = ctx->events[next_event].type;
            if (ctx->events[next_event].offset == i &&
                ((source == SRC_BEAT && t == LULL_EVENT_BEAT) ||
                 (source == SRC_INHALE && t == LULL_EVENT_INHALE) ||
                 (source == SRC_EXHALE && t == LULL_EVENT_EXHALE)))
                trigger(e, 1.0, 0.0);
        }
        float level = (float)advance(e, p);
        env[i] = level;
        out[i] = in[i] * level;
    }
}

static void envelope_deactivate(void *self) { (void)self; }
static void envelope_destroy(void *self) { free(self); }

static const char *const source_names[] = {"notes", "beat", "inhale", "exhale"};

static const lull_port_info envelope_inputs[] = {{"in"}};
static const lull_port_info envelope_outputs[] = {{"out"}, {"env"}};
static const lull_port_info envelope_note_inputs[] = {{"trigger"}};
static const lull_param_info envelope_params[P_COUNT] = {
    [P_SOURCE] = {"source", "Clock trigger", "", 0.0f, 3.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED,
                  source_names},
    [P_ATTACK] = {"attack", "Attack", "s", 0.001f, 30.0f, 0.05f, 50.0f,
                  LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_HOLD] = {"hold", "Hold", "s", 0.0f, 30.0f, 0.0f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
    [P_DECAY] = {"decay", "Decay", "s", 0.001f, 30.0f, 0.3f, 50.0f,
                 LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_SUSTAIN] = {"sustain", "Sustain", "", 0.0f, 1.0f, 0.5f, 30.0f, LULL_PARAM_MODULATABLE, NULL},
    [P_RELEASE] = {"release", "Release", "s", 0.001f, 30.0f, 1.0f, 50.0f,
                   LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_CURVE] = {"curve", "Curve", "", 0.0f, 1.0f, 0.0f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor envelope_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "envelope",
    .name = "Envelope",
    .version = "1.0.0",
    .description = "Attack-hold-decay-sustain-release envelope triggered by notes or by "
                   "beat, inhale or exhale events; smooth segments, retriggers without a "
                   "jump. Outputs in x envelope and the 0..1 envelope.",
    .input_count = 1,
    .inputs = envelope_inputs,
    .output_count = 2,
    .outputs = envelope_outputs,
    .param_count = P_COUNT,
    .params = envelope_params,
    .create = envelope_create,
    .activate = envelope_activate,
    .process = envelope_process,
    .reset = envelope_reset,
    .deactivate = envelope_deactivate,
    .destroy = envelope_destroy,
    .get_extension = NULL,
    .note_input_count = 1,
    .note_inputs = envelope_note_inputs,
};

LULL_PLUGIN_ENTRY(&envelope_desc)
