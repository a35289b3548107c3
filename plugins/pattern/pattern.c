/* pattern: a calm note sequencer driven by the host's tempo clock.
 *
 * Three loops ("lanes") of different prime lengths in steps (37, 41, 43), in the
 * spirit of Brian Eno's unequal tape loops (Music for Airports, 1978): each lane
 * holds a few notes at seeded, irregular positions; the lanes run side by side and
 * drift against each other, so which notes coincide keeps changing. The slots and
 * pitches of all lanes together repeat only every lcm(37, 41, 43) = 65231 steps:
 * 9.06 hours at 60 bpm with 2 steps per beat, 22.6 hours at 48 bpm with 1. The
 * seeded draws (density, rests, velocity) never repeat at all.
 *
 * A step starts where beat * subdivision crosses an integer (ctx->clocks: beat at the
 * block's first frame, beat_inc per frame): the note is emitted at the first frame
 * whose position (beat + f * beat_inc) * subdivision reaches the integer (within
 * STEP_EPS), computed
 * per frame from the host's clock, so it is sample-accurate also while the tempo
 * changes. What makes it calm: few notes (about 0.3 per step at density 1, fewer
 * below), no note on a fixed grid position (a lane's notes sit at random slots at
 * least 3 steps apart, velocities are drawn, not accented by beat), slow steps,
 * pitches from a consonant scale within a narrow register, and whole-cycle rests. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum {
    P_SCALE,
    P_ROOT,
    P_SUBDIVISION,
    P_DENSITY,
    P_REGISTER,
    P_SPREAD,
    P_VELOCITY_MIN,
    P_VELOCITY_MAX,
    P_REST,
    P_COUNT
};

#define LANES 3
#define MAX_LANE_LEN 43
#define MAX_HITS 5
/* Most steps started within one frame; only absurd tempi reach it (a step per frame
 * is already 48000 steps/s), it bounds the work of one process() call. */
#define MAX_STEPS_PER_FRAME 4
/* A position within STEP_EPS steps below an integer counts as on it. The host's
 * beat is a running sum over blocks, so its rounding depends on how the period was
 * cut into blocks; on a tempo where steps fall exactly on frames (60 bpm, 2 steps per
 * beat at 48 kHz) that rounding would otherwise move a note by one frame from one
 * block size to another. 1e-6 steps is 0.024 frames at 60 bpm x 2, 48 kHz. */
#define STEP_EPS 1e-6

/* Lane lengths in steps (pairwise coprime primes: the combined period is their
 * product) and the number of notes in each. At density 1 the lanes allow
 * 3/37 + 5/41 + 4/43 = 0.2961 notes per step. Lane 0 plays low in the register
 * window, lane 1 around its centre, lane 2 high. */
static const uint32_t lane_len[LANES] = {37, 41, 43};
static const uint32_t lane_hits[LANES] = {3, 5, 4};
static const double lane_centre[LANES] = {-0.6, 0.0, 0.6};
#define MIN_HIT_GAP 3 /* steps between two notes of one lane, around the loop */

/* Scales as pitch-class sets relative to the root (bit i = i semitones above it).
 * Church modes and pentatonics as in any harmony text; hirajoshi as given by
 * Slonimsky (Thesaurus of Scales and Melodic Patterns, 1947): 0 2 3 7 8; yo
 * (Japanese folk, anhemitonic): 0 2 5 7 9. No scale has a gap over 4 semitones, so
 * the register window (at least 2 × 2 semitones wide) always holds one of its notes. */
#define SCALE_COUNT 8
static const char *const scale_names[SCALE_COUNT] = {
    "major_pentatonic", "minor_pentatonic", "yo",      "dorian",
    "lydian",           "mixolydian",       "aeolian", "hirajoshi"};
static const uint8_t scale_steps[SCALE_COUNT][8] = {
    {0, 2, 4, 7, 9, 255},        {0, 3, 5, 7, 10, 255},       {0, 2, 5, 7, 9, 255},
    {0, 2, 3, 5, 7, 9, 10, 255}, {0, 2, 4, 6, 7, 9, 11, 255}, {0, 2, 4, 5, 7, 9, 10, 255},
    {0, 2, 3, 5, 7, 8, 10, 255}, {0, 2, 3, 7, 8, 255}};

typedef struct lane {
    int8_t slot_hit[MAX_LANE_LEN]; /* index into the hit arrays, or -1: no note */
    float degree[MAX_HITS];        /* -1..1: where in the register window the note sits */
    float weight[MAX_HITS];        /* 0..1: this note's share of the velocity range */
} lane;

typedef struct pattern_node {
    lane lanes[LANES];
    uint16_t scale_mask[SCALE_COUNT];
    uint64_t seed_state; /* the draw stream's state after activate()/reset() */
    uint64_t rng;
    uint64_t step; /* steps started since activate()/reset() */
    bool resting[LANES];
    bool has_last;
    double last_pos; /* beat position of the last frame processed */
} pattern_node;

/* splitmix64 (Steele, Lea & Flood 2014): seeds and draws in one small generator. */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Seeded positions, at least MIN_HIT_GAP apart around the loop: rejection sampling
 * (a few tries in practice); after 1000 failed tries, an even spread (unreachable
 * for these lengths, kept so that construction always ends). */
static void lane_build(lane *l, uint32_t len, uint32_t hits, double centre, uint64_t *s)
{
    uint32_t pos[MAX_HITS];
    bool ok = false;
    for (int attempt = 0; attempt < 1000 && !ok; attempt++) {
        for (uint32_t h = 0; h < hits; h++) pos[h] = (uint32_t)(uniform(s) * len) % len;
        ok = true;
        for (uint32_t a = 0; a < hits && ok; a++)
            for (uint32_t b = a + 1; b < hits && ok; b++) {
                uint32_t d = pos[a] > pos[b] ? pos[a] - pos[b] : pos[b] - pos[a];
                if (d < MIN_HIT_GAP || len - d < MIN_HIT_GAP) ok = false;
            }
    }
    if (!ok)
        for (uint32_t h = 0; h < hits; h++) pos[h] = h * len / hits;
    memset(l->slot_hit, -1, sizeof l->slot_hit);
    for (uint32_t h = 0; h < hits; h++) {
        l->slot_hit[pos[h]] = (int8_t)h;
        double d = centre + 0.8 * (uniform(s) - 0.5);
        l->degree[h] = (float)(d < -1.0 ? -1.0 : d > 1.0 ? 1.0 : d);
        l->weight[h] = (float)uniform(s);
    }
}

static void *pattern_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    pattern_node *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    uint64_t s = host->seed ^ 0x7061747465726E31ull; /* "pattern1": its own stream */
    for (int i = 0; i < LANES; i++)
        lane_build(&p->lanes[i], lane_len[i], lane_hits[i], lane_centre[i], &s);
    p->seed_state = splitmix64(&s);
    for (int k = 0; k < SCALE_COUNT; k++)
        for (int j = 0; scale_steps[k][j] != 255; j++)
            p->scale_mask[k] |= (uint16_t)(1u << scale_steps[k][j]);
    return p;
}

static void pattern_reset(void *self)
{
    pattern_node *p = self;
    p->rng = p->seed_state;
    p->step = 0;
    p->has_last = false;
    p->last_pos = 0.0;
    for (int i = 0; i < LANES; i++) p->resting[i] = false;
}

static bool pattern_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)sample_rate;
    (void)max_frames;
    pattern_reset(self);
    return true;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x != x ? lo : x;
}

static int stepped(float v, int lo, int hi) { return (int)clampd(floor((double)v + 0.5), lo, hi); }

/* The scale note nearest to register + degree × spread within the window
 * [register - spread, register + spread] (and 0..127); ties go down. */
static float choose_pitch(uint16_t mask, int root, double reg, double spread, double degree)
{
    double lo = fmax(reg - spread, 0.0), hi = fmin(reg + spread, 127.0);
    double target = reg + degree * spread;
    int best = -1;
    double best_d = 1e9;
    for (int n = (int)ceil(lo); n <= (int)floor(hi); n++) {
        int pc = ((n - root) % 12 + 12) % 12;
        if (!(mask & (1u << pc))) continue;
        double d = fabs(n - target);
        if (d < best_d) {
            best_d = d;
            best = n;
        }
    }
    if (best < 0) /* no scale note in the window: cannot happen for spread >= 2 */
        best = (int)clampd(floor(reg + 0.5), 0.0, 127.0);
    return (float)best;
}

/* Start step p->step at frame f: every lane looks at its slot. The same draws are
 * taken whatever the parameters, so density only thins a fixed stream (a lower
 * density plays a subset of a higher one's notes) and a faster tempo plays the same
 * sequence sooner. */
static void start_step(pattern_node *p, const lull_process *ctx, lull_note_output *out, uint32_t f)
{
    const float *const *pr = ctx->params;
    int scale = stepped(pr[P_SCALE][f], 0, SCALE_COUNT - 1);
    int root = stepped(pr[P_ROOT][f], 0, 127);
    double density = clampd(pr[P_DENSITY][f], 0.0, 1.0);
    double reg = clampd(pr[P_REGISTER][f], 24.0, 96.0);
    double spread = clampd(pr[P_SPREAD][f], 2.0, 24.0);
    double vmin = clampd(pr[P_VELOCITY_MIN][f], 0.0, 1.0);
    double vmax = clampd(pr[P_VELOCITY_MAX][f], 0.0, 1.0);
    double rest = clampd(pr[P_REST][f], 0.0, 1.0);
    for (int i = 0; i < LANES; i++) {
        const lane *l = &p->lanes[i];
        uint32_t slot = (uint32_t)(p->step % lane_len[i]);
        if (slot == 0) /* a new cycle of this lane: play it or rest through it */
            p->resting[i] = uniform(&p->rng) < rest;
        int h = l->slot_hit[slot];
        if (h < 0) continue;
        double u_fire = uniform(&p->rng), u_vel = uniform(&p->rng);
        if (p->resting[i] || !(u_fire < density)) continue;
        double v = vmin + (vmax - vmin) * (0.6 * l->weight[h] + 0.4 * u_vel);
        if (out && out->count < out->capacity)
            out->notes[out->count++] = (lull_note){
                .offset = f,
                .port = 0,
                .type = LULL_NOTE_ON,
                .pitch = choose_pitch(p->scale_mask[scale], root % 12, reg, spread, l->degree[h]),
                .velocity = (float)v,
                .duration_s = 0.0f,
            };
    }
    p->step++;
}

static void pattern_process(void *self, const lull_process *ctx)
{
    pattern_node *p = self;
    const lull_clocks *c = ctx->clocks;
    lull_note_output *out = ctx->struct_size >= offsetof(lull_process, notes_out) + sizeof(void *)
                                ? ctx->notes_out
                                : NULL;
    double b0 = c->beat, inc = c->beat_inc;
    if (!isfinite(b0) || !isfinite(inc) || !(inc > 0.0) || inc > 1.0) {
        p->has_last = false; /* no usable clock: no steps; start afresh when it returns */
        return;
    }
    /* Position of the frame before this block. The host's clock carries on from the
     * last block exactly, except that it wraps at 65536 beats (kept bounded for
     * precision): unwrap that. Anything else (a restart, a jump) starts afresh
     * without a burst of missed steps. */
    double prev = b0 - inc;
    if (p->has_last) {
        double gap = b0 - p->last_pos;
        if (gap >= 0.0 && gap <= 1.0)
            prev = p->last_pos;
        else if (fabs(gap + 65536.0) <= 1.0)
            prev = p->last_pos - 65536.0;
    }
    double sub = stepped(ctx->params[P_SUBDIVISION][0], 1, 4);
    double x_prev = prev * sub + STEP_EPS;
    for (uint32_t f = 0; f < ctx->frames; f++) {
        double x = (b0 + (double)f * inc) * sub + STEP_EPS;
        double crossed = floor(x) - floor(x_prev);
        for (int k = 0; k < crossed && k < MAX_STEPS_PER_FRAME; k++) start_step(p, ctx, out, f);
        x_prev = x;
    }
    p->last_pos = b0 + (double)(ctx->frames - 1) * inc;
    p->has_last = true;
}

static void pattern_deactivate(void *self) { (void)self; }
static void pattern_destroy(void *self) { free(self); }

static const lull_port_info pattern_note_outputs[] = {{"notes"}};
static const lull_param_info pattern_params[P_COUNT] = {
    [P_SCALE] = {"scale", "Scale", "", 0.0f, SCALE_COUNT - 1, 0.0f, 0.0f, LULL_PARAM_STEPPED,
                 scale_names},
    [P_ROOT] = {"root", "Root", "MIDI", 0.0f, 127.0f, 62.0f, 0.0f, LULL_PARAM_STEPPED, NULL},
    [P_SUBDIVISION] = {"subdivision", "Steps per beat", "", 1.0f, 4.0f, 2.0f, 0.0f,
                       LULL_PARAM_STEPPED, NULL},
    [P_DENSITY] = {"density", "Density", "", 0.0f, 1.0f, 0.5f, 200.0f, LULL_PARAM_MODULATABLE,
                   NULL},
    [P_REGISTER] = {"register", "Register centre", "MIDI", 24.0f, 96.0f, 62.0f, 500.0f,
                    LULL_PARAM_MODULATABLE, NULL},
    [P_SPREAD] = {"spread", "Register half-width", "semitones", 2.0f, 24.0f, 9.0f, 500.0f,
                  LULL_PARAM_MODULATABLE, NULL},
    [P_VELOCITY_MIN] = {"velocity_min", "Softest velocity", "", 0.0f, 1.0f, 0.3f, 100.0f,
                        LULL_PARAM_MODULATABLE, NULL},
    [P_VELOCITY_MAX] = {"velocity_max", "Loudest velocity", "", 0.0f, 1.0f, 0.8f, 100.0f,
                        LULL_PARAM_MODULATABLE, NULL},
    [P_REST] = {"rest", "Rest probability", "", 0.0f, 1.0f, 0.2f, 100.0f, LULL_PARAM_MODULATABLE,
                NULL},
};

static const lull_descriptor pattern_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "pattern",
    .name = "Pattern",
    .version = "1.0.0",
    .description = "Sparse tempo-locked note pattern: three seeded loops of 37, 41 and 43 "
                   "steps in a scale and register window; density, rests and velocities "
                   "drawn from the seed.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 0,
    .outputs = NULL,
    .param_count = P_COUNT,
    .params = pattern_params,
    .create = pattern_create,
    .activate = pattern_activate,
    .process = pattern_process,
    .reset = pattern_reset,
    .deactivate = pattern_deactivate,
    .destroy = pattern_destroy,
    .get_extension = NULL,
    .note_input_count = 0,
    .note_inputs = NULL,
    .note_output_count = 1,
    .note_outputs = pattern_note_outputs,
    .sound_slot_count = 0,
    .sound_slots = NULL,
};

LULL_PLUGIN_ENTRY(&pattern_desc)
