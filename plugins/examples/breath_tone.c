/* breath_tone: an example lull node for sound designers (see README.md here).
 *
 * A soft sine tone whose pitch rises a little while the breath pacer inhales and
 * sinks back while it exhales, with a faint octave that blooms at the start of each
 * inhale and fades away. It shows the four things most nodes need:
 *   - parameters: declared once in a table; the host smooths them and hands
 *     process() one value per frame;
 *   - clocks: the pacer phase arrives with every block (clocks->pacer_phase and
 *     its per-frame increment);
 *   - events: LULL_EVENT_INHALE, stamped with the frame it happens on;
 *   - allocation: the wavetable is allocated in activate(), never in process().
 *
 * Build it alone:  cc -O2 -shared -fPIC -I<lull>/engine/include breath_tone.c -o breath_tone.so -lm
 */
#include <math.h>
#include <stdlib.h>

#include "lull/plugin.h"

#ifndef M_PI /* strict ISO C (-std=c11) does not define it */
#define M_PI 3.14159265358979323846
#endif

/* ---- parameters ---------------------------------------------------------------- */

enum { P_FREQ, P_LEVEL, P_BEND, P_COUNT };

static const lull_param_info params[P_COUNT] = {
    /*  id       name     unit    min     max     default smoothing flags */
    [P_FREQ] = {"freq", "Frequency", "Hz", 40.0f, 2000.0f, 220.0f, 200.0f,
                LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_LEVEL] = {"level", "Level", "dB", -60.0f, 0.0f, -18.0f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
    /* How far the pitch rises at the top of the inhale, in cents (100 = a semitone). */
    [P_BEND] = {"bend", "Breath bend", "cents", 0.0f, 200.0f, 30.0f, 100.0f, LULL_PARAM_MODULATABLE,
                NULL},
};

static const lull_port_info outputs[] = {{"left"}, {"right"}};

/* ---- state --------------------------------------------------------------------- */

#define TABLE_SIZE 2048   /* one sine cycle, plus a guard point */
#define BLOOM_LEVEL 0.2f  /* the octave's peak, relative to the tone */
#define BLOOM_SECONDS 1.5 /* its decay time constant */

typedef struct {
    float *table; /* allocated in activate() */
    double sample_rate;
    double phase;       /* tone phase, cycles in [0, 1) */
    float bloom;        /* octave envelope, 0..1 */
    float bloom_decay;  /* per-frame factor */
    double start_phase; /* from the host's seed: same preset, same render */
} breath_tone;

static void *bt_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    breath_tone *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    /* Randomness comes only from host->seed, so renders are reproducible. */
    uint64_t x = host->seed * 0x9E3779B97F4A7C15ull + 1;
    x ^= x >> 31;
    t->start_phase = (double)(x >> 11) / 9007199254740992.0;
    return t;
}

static bool bt_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    breath_tone *t = self;
    /* The one place a node may allocate: the audio thread never waits on malloc. */
    t->table = malloc((TABLE_SIZE + 1) * sizeof(float));
    if (!t->table) return false;
    for (int i = 0; i <= TABLE_SIZE; i++) t->table[i] = (float)sin(2.0 * M_PI * i / TABLE_SIZE);
    t->sample_rate = sample_rate;
    t->phase = t->start_phase;
    t->bloom = 0.0f;
    t->bloom_decay = (float)exp(-1.0 / (BLOOM_SECONDS * sample_rate));
    return true;
}

static void bt_deactivate(void *self)
{
    breath_tone *t = self;
    free(t->table);
    t->table = NULL;
}

static void bt_destroy(void *self) { free(self); }

static void bt_reset(void *self)
{
    breath_tone *t = self;
    t->phase = t->start_phase;
    t->bloom = 0.0f;
}

/* ---- processing ---------------------------------------------------------------- */

/* Linear-interpolated table lookup; phase in cycles [0, 1). */
static inline float table_sine(const float *table, double phase)
{
    double pos = phase * TABLE_SIZE;
    int i = (int)pos;
    float frac = (float)(pos - i);
    return table[i] + frac * (table[i + 1] - table[i]);
}

/* 0 at the start of the inhale, rising smoothly to 1 at its end, falling back to 0
 * over the (longer) exhale. */
static inline double breath_contour(double phase, double inhale_fraction)
{
    if (phase < inhale_fraction) return 0.5 - 0.5 * cos(M_PI * phase / inhale_fraction);
    return 0.5 + 0.5 * cos(M_PI * (phase - inhale_fraction) / (1.0 - inhale_fraction));
}

static void bt_process(void *self, const lull_process *ctx)
{
    breath_tone *t = self;
    const lull_clocks *clk = ctx->clocks;
    const float *freq = ctx->params[P_FREQ];
    const float *level = ctx->params[P_LEVEL];
    const float *bend = ctx->params[P_BEND];
    float *left = ctx->outputs[0], *right = ctx->outputs[1];
    uint32_t next_event = 0;
    double pacer = clk->pacer_phase;

    for (uint32_t f = 0; f < ctx->frames; f++) {
        /* Events are sorted by offset; act on those that fall on this frame. */
        while (next_event < ctx->event_count && ctx->events[next_event].offset == f) {
            if (ctx->events[next_event].type == LULL_EVENT_INHALE) t->bloom = 1.0f;
            next_event++;
        }

        double cents = bend[f] * breath_contour(pacer, clk->inhale_fraction);
        double hz = freq[f] * exp2(cents / 1200.0);
        t->phase += hz / t->sample_rate;
        t->phase -= floor(t->phase);

        double octave = t->phase * 2.0;
        octave -= floor(octave);
        float s =
            table_sine(t->table, t->phase) + BLOOM_LEVEL * t->bloom * table_sine(t->table, octave);
        float gain = expf(level[f] * 0.11512925f) / (1.0f + BLOOM_LEVEL); /* dB -> linear */
        left[f] = right[f] = s * gain;

        /* An exponential decay never reaches zero by itself: without this it would
         * sink into the denormal range, which is slow on most CPUs. */
        t->bloom *= t->bloom_decay;
        if (t->bloom < 1e-6f) t->bloom = 0.0f;

        pacer += clk->pacer_phase_inc;
        if (pacer >= 1.0) pacer -= 1.0;
    }
}

/* ---- the descriptor and the exported entry -------------------------------------- */

static const lull_descriptor breath_tone_descriptor = {
    .struct_size = sizeof(lull_descriptor),
    .id = "breath_tone",
    .name = "Breath tone",
    .version = "1.0.0",
    .description = "A soft sine whose pitch rises over the pacer's inhale and falls over the "
                   "exhale, with an octave bloom at each inhale.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 2,
    .outputs = outputs,
    .param_count = P_COUNT,
    .params = params,
    .create = bt_create,
    .activate = bt_activate,
    .process = bt_process,
    .reset = bt_reset,
    .deactivate = bt_deactivate,
    .destroy = bt_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&breath_tone_descriptor)
