/* osc: band-limited sine, triangle and saw oscillator.
 *
 * Triangle and saw play from mip-mapped wavetables built in activate(): table j
 * holds harmonics 1..2^j (exact Fourier series), so it is alias-free for every
 * fundamental up to sr / 2^(j+1). For a fundamental f the oscillator uses the
 * brightest safe table j; over the top 0.415 octave of that table's range (where
 * its highest harmonic climbs from 3/4 of Nyquist to Nyquist) it crossfades to
 * table j-1, which takes over at the range's end, so a glide changes timbre
 * smoothly. Hence every harmonic below 3/16 of the sample rate (9 kHz at 48 kHz)
 * always plays at full amplitude, every one below sr/4 does outside those
 * crossfades, and none lies above sr/2. Fundamentals below sr/2^12 (~12 Hz at
 * 48 kHz) use the 1024-harmonic table.
 *
 * Tables are 8192 points, read with linear interpolation: the interpolation images
 * of harmonic h (amplitude a_h) fall near multiples of 8192 f with amplitude about
 * a_h (h/8192)^2, below -95 dB of the fundamental for the 1024-harmonic saw.
 * The phase is a double accumulator advanced by the per-frame frequency, so glides
 * and modulation are phase-continuous.
 *
 * The tables depend on nothing but TABLE_SIZE (not even the sample rate: the
 * choice of table is made per frame from f / sr), so every instance in the process
 * reads one shared set, 0.75 MB, built by the first activate() and freed by the
 * last deactivate() (a reference count under a mutex, both on the worker thread). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_WAVEFORM, P_FREQ, P_LEVEL, P_DETUNE, P_COUNT };
enum { SINE, TRIANGLE, SAW, WAVEFORM_COUNT };

#define TABLE_BITS 13
#define TABLE_SIZE (1u << TABLE_BITS)
#define TABLE_STRIDE (TABLE_SIZE + 1) /* one guard point for the interpolation */
#define TABLE_LEVELS 11               /* harmonics 2^0 .. 2^10 */
/* The crossfade to the next darker table spans this many octaves at the top of
 * each table's range: -log2(3/4), starting when its top harmonic reaches 3/4 of
 * Nyquist. */
#define TABLE_FADE_OCTAVES 0.4150375
#define FADE_MANTISSA (2.0 / 3.0) /* 2^(TABLE_FADE_OCTAVES - 1) */
/* Sines fade out over the last stretch below Nyquist instead of stopping dead. */
#define SINE_FADE_START 0.45

typedef struct osc_node {
    double sample_rate;
    double phase;        /* [0,1) */
    const float *tables; /* the shared set: sine, TABLE_LEVELS triangle, TABLE_LEVELS saw */
} osc_node;

#define TABLE_FLOATS ((1 + 2 * TABLE_LEVELS) * TABLE_STRIDE)

static const float *sine_table(const osc_node *o) { return o->tables; }

static const float *mip_table(const osc_node *o, int waveform, int level)
{
    size_t first = waveform == TRIANGLE ? 1 : 1 + TABLE_LEVELS;
    return o->tables + (first + (size_t)level) * TABLE_STRIDE;
}

/* Fourier amplitude of harmonic h (sine terms), normalised so the ideal waveform
 * spans -1..1: triangle (8/pi^2) (-1)^((h-1)/2) / h^2 for odd h, saw (2/pi)
 * (-1)^(h+1) / h. */
static double harmonic_amplitude(int waveform, unsigned h)
{
    if (waveform == TRIANGLE) {
        if (h % 2 == 0) return 0.0;
        return (8.0 / (M_PI * M_PI)) * ((h / 2) % 2 ? -1.0 : 1.0) / ((double)h * h);
    }
    return (2.0 / M_PI) * (h % 2 ? 1.0 : -1.0) / (double)h;
}

static bool build_tables(float *tables)
{
    double *sines = malloc(TABLE_SIZE * sizeof *sines);
    double *acc = calloc(TABLE_SIZE, sizeof *acc);
    if (!sines || !acc) {
        free(sines);
        free(acc);
        return false;
    }
    for (unsigned n = 0; n < TABLE_SIZE; n++) sines[n] = sin(2.0 * M_PI * (double)n / TABLE_SIZE);
    float *sine = tables;
    for (unsigned n = 0; n <= TABLE_SIZE; n++) sine[n] = (float)sines[n & (TABLE_SIZE - 1)];
    for (int waveform = TRIANGLE; waveform <= SAW; waveform++) {
        memset(acc, 0, TABLE_SIZE * sizeof *acc);
        unsigned have = 0;
        for (int level = 0; level < TABLE_LEVELS; level++) {
            unsigned harmonics = 1u << level;
            /* sin(2 pi h n / N) is exactly sines[(h n) mod N]: no drift, no error. */
            for (unsigned h = have + 1; h <= harmonics; h++) {
                double a = harmonic_amplitude(waveform, h);
                if (a == 0.0) continue;
                for (unsigned n = 0; n < TABLE_SIZE; n++)
                    acc[n] += a * sines[(h * n) & (TABLE_SIZE - 1)];
            }
            have = harmonics;
            float *t = tables + ((waveform == TRIANGLE ? 1 : 1 + TABLE_LEVELS) + (size_t)level) *
                                    TABLE_STRIDE;
            for (unsigned n = 0; n <= TABLE_SIZE; n++) t[n] = (float)acc[n & (TABLE_SIZE - 1)];
        }
    }
    free(sines);
    free(acc);
    return true;
}

static void *osc_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(osc_node));
}

/* The process-wide table set and the number of active instances reading it. */
static pthread_mutex_t g_tables_lock = PTHREAD_MUTEX_INITIALIZER;
static float *g_tables;
static unsigned g_tables_users;

/* [worker] A reference to the shared tables, built on first use; NULL when out of
 * memory. */
static const float *tables_acquire(void)
{
    pthread_mutex_lock(&g_tables_lock);
    if (!g_tables) {
        float *t = malloc(TABLE_FLOATS * sizeof *t);
        if (t && !build_tables(t)) {
            free(t);
            t = NULL;
        }
        g_tables = t;
    }
    const float *t = g_tables;
    if (t) g_tables_users++;
    pthread_mutex_unlock(&g_tables_lock);
    return t;
}

/* [worker] Drop a reference; the last one frees the tables. */
static void tables_release(void)
{
    pthread_mutex_lock(&g_tables_lock);
    if (g_tables_users && --g_tables_users == 0) {
        free(g_tables);
        g_tables = NULL;
    }
    pthread_mutex_unlock(&g_tables_lock);
}

static bool osc_activate(void *self, double sample_rate, uint32_t max_frames)
{
    osc_node *o = self;
    o->sample_rate = sample_rate;
    o->phase = 0.0;
    if (!o->tables) o->tables = tables_acquire(); /* activate twice: one reference */
    return o->tables != NULL;
}

static void osc_reset(void *self)
{
    osc_node *o = self;
    o->phase = 0.0;
}

/* Which tables to read for a fundamental and how: y = (1-w) table[hi] + w table[hi-1]
 * (table -1 being silence), or gain * sine. */
typedef struct osc_voice {
    double inc; /* phase increment per frame, 0 when silent */
    int level;  /* brightest alias-free table */
    float w;    /* weight of the next darker table */
    float sine_gain;
} osc_voice;

static double detune_ratio(float cents) { return exp2((double)cents / 1200.0); }

static osc_voice voice_for(const osc_node *o, double f)
{
    osc_voice v = {0.0, 0, 0.0f, 0.0f};
    double nyquist = 0.5 * o->sample_rate;
    if (!(f > 0.0) || f >= nyquist) return v; /* silent (also for NaN) */
    v.inc = f / o->sample_rate;
    v.sine_gain = f <= SINE_FADE_START * o->sample_rate
                      ? 1.0f
                      : (float)((nyquist - f) / ((0.5 - SINE_FADE_START) * o->sample_rate));
    /* f in (sr/2^(j+2), sr/2^(j+1)] <=> L = log2(sr/f) in [j+1, j+2); frac(L) is how
     * many octaves f lies below the top of table j's range. The table index comes
     * exactly from the binary exponent (sr/f = m 2^e, m in [0.5,1): floor(L) = e-1),
     * the logarithm is only needed inside the crossfade, where frac(L) =
     * 1 + log2(m) < TABLE_FADE_OCTAVES. */
    int e;
    double m = frexp(o->sample_rate / f, &e);
    int level = e - 2;
    if (level >= TABLE_LEVELS) {
        v.level = TABLE_LEVELS - 1;
        v.w = 0.0f;
        return v;
    }
    v.level = level;
    if (m < FADE_MANTISSA) {
        double frac = 1.0 + log2(m);
        v.w = (float)(1.0 - frac / TABLE_FADE_OCTAVES);
    }
    return v;
}

static float read_table(const float *t, double phase)
{
    double pos = phase * TABLE_SIZE;
    uint32_t i = (uint32_t)pos;
    float frac = (float)(pos - (double)i);
    return t[i] + frac * (t[i + 1] - t[i]);
}

static float render(const osc_node *o, int waveform, const osc_voice *v, double phase)
{
    if (v->inc == 0.0) return 0.0f;
    if (waveform == SINE) return v->sine_gain * read_table(sine_table(o), phase);
    float bright = read_table(mip_table(o, waveform, v->level), phase);
    float dark = v->level > 0 ? read_table(mip_table(o, waveform, v->level - 1), phase) : 0.0f;
    return bright + v->w * (dark - bright);
}

static int clamp_waveform(float x)
{
    long w = lrintf(x);
    return w < 0 ? 0 : w >= WAVEFORM_COUNT ? WAVEFORM_COUNT - 1 : (int)w;
}

static void osc_process(void *self, const lull_process *ctx)
{
    osc_node *o = self;
    float *out = ctx->outputs[0];
    const float *waveform = ctx->params[P_WAVEFORM];
    const float *freq = ctx->params[P_FREQ];
    const float *level = ctx->params[P_LEVEL];
    const float *detune = ctx->params[P_DETUNE];
    bool freq_static = ctx->params_static[P_FREQ];
    bool detune_static = ctx->params_static[P_DETUNE];
    double ratio = detune_ratio(detune[0]);
    osc_voice v = voice_for(o, freq[0] * ratio);
    double phase = o->phase;
    for (uint32_t i = 0; i < ctx->frames; i++) {
        if (i > 0 && !(freq_static && detune_static)) {
            if (!detune_static) ratio = detune_ratio(detune[i]);
            v = voice_for(o, freq[i] * ratio);
        }
        out[i] = level[i] * render(o, clamp_waveform(waveform[i]), &v, phase);
        phase += v.inc;
        if (phase >= 1.0) phase -= floor(phase);
    }
    o->phase = phase;
}

static void osc_deactivate(void *self)
{
    osc_node *o = self;
    if (o->tables) tables_release();
    o->tables = NULL;
}

static void osc_destroy(void *self)
{
    osc_deactivate(self); /* a host that skipped deactivate() must not leak a reference */
    free(self);
}

static const char *const waveform_names[] = {"sine", "triangle", "saw"};
static const lull_port_info osc_outputs[] = {{"out"}};
static const lull_param_info osc_params[P_COUNT] = {
    [P_WAVEFORM] = {"waveform", "Waveform", "", 0.0f, 2.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED,
                    waveform_names},
    [P_FREQ] = {"freq", "Frequency", "Hz", 10.0f, 20000.0f, 220.0f, 20.0f,
                LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_LEVEL] = {"level", "Level", "", 0.0f, 1.0f, 0.25f, 20.0f, LULL_PARAM_MODULATABLE, NULL},
    [P_DETUNE] = {"detune", "Detune", "cents", -1200.0f, 1200.0f, 0.0f, 50.0f,
                  LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor osc_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "osc",
    .name = "Oscillator",
    .version = "1.0.0",
    .description = "Band-limited sine, triangle or saw (mip-mapped wavetables, no alias "
                   "above -80 dB); phase-continuous under frequency modulation.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 1,
    .outputs = osc_outputs,
    .param_count = P_COUNT,
    .params = osc_params,
    .create = osc_create,
    .activate = osc_activate,
    .process = osc_process,
    .reset = osc_reset,
    .deactivate = osc_deactivate,
    .destroy = osc_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&osc_desc)
