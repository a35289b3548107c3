/* grain: granular texture from a host-loaded sound (sound slot "source").
 *
 * Onsets. Grains start as a Poisson process of rate
 *     lambda = density * (tempo_bpm / ref_bpm)^tempo_follow   (grains/s)
 * drawn sample-accurately and for a rate that may change every frame: a unit
 * exponential E is drawn, lambda / sample_rate is summed per frame, and a grain
 * starts when the sum reaches E (then E is drawn again and the excess kept).
 * That is the inhomogeneous Poisson process, so the count in T seconds has mean
 * and variance lambda T.
 *
 * A grain, fixed at its onset: length L = size (ms) in frames; start at
 * (position + spread (U - 1/2)) x the sound's length, kept inside the sound so
 * the grain never reads past its end (a grain longer than the sound wraps);
 * playback ratio 2^((pitch + pitch_jitter (2U - 1)) / 12); pan
 * p = stereo (2U - 1) as equal-power gains sqrt2 cos(theta), sqrt2 sin(theta),
 * theta = (p + 1) pi / 4 (1, 1 at the centre); amplitude a (below); window a
 * Tukey window of taper `taper` (1 = Hann): raised-cosine flanks of alpha L / 2
 * frames each, flat between, zero value and slope at both ends, so a grain never
 * clicks. All U are uniform from host->seed, so a render is bit-identical.
 *
 * Reading: 4-point cubic Hermite (Catmull-Rom) interpolation. There is no
 * anti-alias filter: a grain played at ratio r > 1 folds source content above
 * sample_rate / (2 r) back below Nyquist (at +12 semitones everything above a
 * quarter of the rate). Pitch down never aliases. Catmull-Rom also leaves
 * images of the source; measured for a source tone (ratios 0.71..1.5, largest
 * spurious line re the tone): about -60 dB at 5 % of the rate (2.4 kHz at
 * 48 kHz), -50 dB at 10 %, -40 dB at 14 %, -25 dB at 24 %: clean for the dark
 * ambient material grains are for, audible on bright highs. At ratio 1 the
 * grain reads the samples themselves (start on a whole frame): no images.
 *
 * Loudness. Grains of one sound at independent random offsets are uncorrelated,
 * so their powers add: with overlap N = lambda x size (mean grains sounding at
 * once) and the window's mean square w2 = 1 - 5 alpha / 8 (3/8 for Hann), the
 * output power is N w2 a^2 times the source's. a = 1 / sqrt(max(N, 1) w2) makes
 * it equal to the source's whenever grains overlap (N >= 1), whatever the
 * density and size; sparser grains each play at the same level as at N = 1
 * (their mean power then falls as N). A grain's peak is 1 / sqrt(w2) (+4.3 dB for
 * Hann) times the source's local level. `gain_db` then scales the sum.
 * The pool holds 32 grains; an onset that finds none free is skipped, which
 * only happens near N = 32 and above (the level then stops rising with N). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum {
    P_DENSITY,
    P_SIZE,
    P_POSITION,
    P_SPREAD,
    P_PITCH,
    P_PITCH_JITTER,
    P_STEREO,
    P_GAIN_DB,
    P_TEMPO_FOLLOW,
    P_REF_BPM,
    P_TAPER,
    P_COUNT
};

#define VOICES 32
#define WINDOW_POINTS 4096 /* raised-cosine flank table; linear interpolation error < 1e-7 */
#define MAX_TEMPO_RATIO 16.0
#define MIN_SOUND_SECONDS 0.005 /* shortest source: the shortest grain (size min 5 ms) */

typedef struct grain_voice {
    bool active;
    double pos;   /* read position in source frames */
    double ratio; /* source frames per output frame */
    uint32_t age, length;
    uint32_t flank;   /* frames of each raised-cosine flank */
    double inv_flank; /* 1 / flank */
    float amp_l, amp_r;
} grain_voice;

typedef struct grain_node {
    const lull_host *host;
    uint64_t seed;
    uint64_t rng;
    double sample_rate;
    const lull_sound *sound;
    const float *left, *right; /* the sound's channels (right == left for mono) */
    uint64_t frames;
    double hazard, threshold; /* Poisson onset accumulator and its unit exponential */
    grain_voice voices[VOICES];
    float flank_table[WINDOW_POINTS + 1]; /* 0.5 - 0.5 cos(pi u), u = 0..1 */
    uint64_t dropped;                     /* onsets skipped for want of a free voice */
} grain_node;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double uniform(grain_node *g) { return (double)(splitmix64(&g->rng) >> 11) * 0x1p-53; }

/* Unit exponential, never infinite (1 - U > 0). */
static double exponential(grain_node *g) { return -log(1.0 - uniform(g)); }

/* NaN-safe clamp: NaN reads as lo. */
static double clamp(double x, double lo, double hi) { return x >= lo ? (x <= hi ? x : hi) : lo; }

static void grain_clear(grain_node *g)
{
    g->rng = g->seed;
    memset(g->voices, 0, sizeof g->voices);
    g->hazard = 0.0;
    g->threshold = exponential(g);
    g->dropped = 0;
}

static void *grain_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    grain_node *g = calloc(1, sizeof *g);
    if (g) {
        g->host = host;
        g->seed = host->seed;
    }
    return g;
}

static void grain_log(const grain_node *g, const char *msg)
{
    if (g->host->log) g->host->log(g->host, LULL_LOG_ERROR, msg);
}

static bool grain_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    grain_node *g = self;
    const lull_host *host = g->host;
    char msg[256];
    const lull_host_sounds *sounds = NULL;
    if (host->struct_size >= offsetof(lull_host, get_extension) + sizeof(void *) &&
        host->get_extension)
        sounds = host->get_extension(host, LULL_HOST_EXT_SOUNDS);
    if (!sounds || !sounds->get) {
        grain_log(g, "grain: the host offers no sound service (" LULL_HOST_EXT_SOUNDS
                     "); sound slot \"source\" cannot be read");
        return false;
    }
    const lull_sound *s = sounds->get(host, 0);
    if (!s) {
        grain_log(g, "grain: sound slot \"source\" is not bound to a sound (bind it in the "
                     "preset's node, e.g. \"sounds\": {\"source\": \"water\"})");
        return false;
    }
    if (s->channels < 1 || s->channels > 2 || s->frames < 1 || !s->data || !s->data[0] ||
        (s->channels == 2 && !s->data[1])) {
        snprintf(msg, sizeof msg,
                 "grain: sound slot \"source\" (%s): %u channels, %llu frames; need 1 or 2 "
                 "channels and at least one frame",
                 s->path ? s->path : "?", s->channels, (unsigned long long)s->frames);
        grain_log(g, msg);
        return false;
    }
    /* A sound shorter than the shortest grain (5 ms) is all wrap-around: every grain
     * reads the same few samples, the grains add coherently instead of as the
     * uncorrelated sum the loudness rule assumes (a 1-frame sound gave DC peaks of
     * 2.0), so such a sound is refused (tests/unit/test_sound_cases.c, tiny-files). */
    if ((double)s->frames < MIN_SOUND_SECONDS * sample_rate) {
        snprintf(msg, sizeof msg,
                 "grain: sound slot \"source\" (%s) is %llu frames long (%.2f ms); a grain "
                 "source needs at least %.0f ms, the shortest grain",
                 s->path ? s->path : "?", (unsigned long long)s->frames,
                 1e3 * (double)s->frames / sample_rate, MIN_SOUND_SECONDS * 1e3);
        grain_log(g, msg);
        return false;
    }
    if (fabs(s->sample_rate - sample_rate) > 1e-6 * sample_rate) {
        snprintf(msg, sizeof msg, "grain: sound slot \"source\" (%s) is at %g Hz, node at %g Hz",
                 s->path ? s->path : "?", s->sample_rate, sample_rate);
        grain_log(g, msg);
        return false;
    }
    g->sound = s;
    g->left = s->data[0];
    g->right = s->channels == 2 ? s->data[1] : s->data[0];
    g->frames = s->frames;
    g->sample_rate = sample_rate;
    for (int i = 0; i <= WINDOW_POINTS; i++)
        g->flank_table[i] = (float)(0.5 - 0.5 * cos(M_PI * (double)i / WINDOW_POINTS));
    grain_clear(g);
    return true;
}

static void grain_reset(void *self) { grain_clear(self); }

/* Rising flank 0 -> 1 at u in [0, 1]. */
static float flank(const grain_node *g, double u)
{
    double x = u * WINDOW_POINTS;
    int i = (int)x;
    if (i >= WINDOW_POINTS) return 1.0f;
    float f = (float)(x - i);
    return g->flank_table[i] + f * (g->flank_table[i + 1] - g->flank_table[i]);
}

static float window_at(const grain_node *g, const grain_voice *v)
{
    uint32_t k = v->age, back = v->length - v->age;
    if (k < v->flank) return flank(g, (double)k * v->inv_flank);
    if (back < v->flank) return flank(g, (double)back * v->inv_flank);
    return 1.0f;
}

/* Catmull-Rom read of channel x at position pos (wrapping in the sound). */
static float read_at(const grain_node *g, const float *x, double pos)
{
    double fl = floor(pos);
    float t = (float)(pos - fl);
    uint64_t n = g->frames;
    uint64_t i = (uint64_t)fl;
    float y0, y1, y2, y3;
    if (i >= 1 && i + 2 < n) { /* the usual case: no wrapping, no division */
        y0 = x[i - 1], y1 = x[i], y2 = x[i + 1], y3 = x[i + 2];
    } else {
        i %= n;
        y0 = x[(i + n - 1) % n], y1 = x[i], y2 = x[(i + 1) % n], y3 = x[(i + 2) % n];
    }
    float c1 = 0.5f * (y2 - y0);
    float c2 = y0 - 2.5f * y1 + 2.0f * y2 - 0.5f * y3;
    float c3 = 0.5f * (y3 - y0) + 1.5f * (y1 - y2);
    return ((c3 * t + c2) * t + c1) * t + y1;
}

static void spawn(grain_node *g, const lull_process *ctx, uint32_t i, double lambda)
{
    /* Draw every random number whether or not a voice is free, so a dropped
     * grain does not shift the sequence of the ones after it. */
    double u_pos = uniform(g), u_pitch = uniform(g), u_pan = uniform(g);
    grain_voice *v = NULL;
    for (int k = 0; k < VOICES && !v; k++)
        if (!g->voices[k].active) v = &g->voices[k];
    if (!v) {
        g->dropped++;
        return;
    }
    const float *const *p = ctx->params;
    double size_s = clamp(p[P_SIZE][i], 1.0, 10000.0) * 1e-3;
    double length = floor(size_s * g->sample_rate);
    if (length < 4.0) length = 4.0;
    double alpha = clamp(p[P_TAPER][i], 0.05, 1.0);
    double semis = clamp(p[P_PITCH][i], -48.0, 48.0) +
                   clamp(p[P_PITCH_JITTER][i], 0.0, 48.0) * (2.0 * u_pitch - 1.0);
    double ratio = exp2(semis / 12.0);
    double span = length * ratio + 3.0; /* source frames the grain reads */
    double n = (double)g->frames;
    double where =
        clamp(p[P_POSITION][i], 0.0, 1.0) + clamp(p[P_SPREAD][i], 0.0, 1.0) * (u_pos - 0.5);
    double start = where * n;
    if (span < n - 2.0)
        start = clamp(start, 1.0, n - span); /* inside the sound */
    else
        start = fmod(start - floor(start / n) * n, n); /* longer than the sound: wrap */
    /* A whole frame: at ratio 1 the grain then reads the samples themselves, not
     * an interpolation between them (which would dull noise by ~0.8 dB). */
    start = floor(start);
    double overlap = lambda * size_s;
    double w2 = 1.0 - 0.625 * alpha;
    double amp = 1.0 / sqrt((overlap > 1.0 ? overlap : 1.0) * w2);
    double theta = (clamp(p[P_STEREO][i], 0.0, 1.0) * (2.0 * u_pan - 1.0) + 1.0) * M_PI / 4.0;
    uint32_t flank_frames = (uint32_t)fmax(1.0, floor(alpha * length / 2.0));
    *v = (grain_voice){.active = true,
                       .pos = start,
                       .ratio = ratio,
                       .age = 0,
                       .length = (uint32_t)length,
                       .flank = flank_frames,
                       .inv_flank = 1.0 / flank_frames,
                       .amp_l = (float)(amp * M_SQRT2 * cos(theta)),
                       .amp_r = (float)(amp * M_SQRT2 * sin(theta))};
}

static void grain_process(void *self, const lull_process *ctx)
{
    grain_node *g = self;
    float *out_l = ctx->outputs[0], *out_r = ctx->outputs[1];
    const float *const *p = ctx->params;
    double tempo = ctx->clocks->tempo_bpm;
    bool stereo_src = g->left != g->right;
    for (uint32_t i = 0; i < ctx->frames; i++) {
        /* Onsets due at this frame. */
        double ref = clamp(p[P_REF_BPM][i], 1.0, 1000.0);
        double tempo_ratio = clamp(tempo / ref, 1.0 / MAX_TEMPO_RATIO, MAX_TEMPO_RATIO);
        double follow = clamp(p[P_TEMPO_FOLLOW][i], 0.0, 1.0);
        double lambda =
            clamp(p[P_DENSITY][i], 0.0, 10000.0) * (follow > 0.0 ? pow(tempo_ratio, follow) : 1.0);
        g->hazard += lambda / g->sample_rate;
        for (int guard = 0; g->hazard >= g->threshold && guard < VOICES; guard++) {
            g->hazard -= g->threshold;
            g->threshold = exponential(g);
            spawn(g, ctx, i, lambda);
        }
        if (g->hazard > g->threshold)
            g->hazard = g->threshold; /* more than 32 onsets in a frame: drop the rest */

        float l = 0.0f, r = 0.0f;
        for (int k = 0; k < VOICES; k++) {
            grain_voice *v = &g->voices[k];
            if (!v->active) continue;
            float w = window_at(g, v);
            float xl = read_at(g, g->left, v->pos);
            float xr = stereo_src ? read_at(g, g->right, v->pos) : xl;
            l += w * v->amp_l * xl;
            r += w * v->amp_r * xr;
            v->pos += v->ratio;
            if (v->pos >= (double)g->frames) v->pos -= (double)g->frames;
            if (++v->age > v->length) v->active = false;
        }
        float gain = (float)exp2(clamp(p[P_GAIN_DB][i], -120.0, 40.0) * (1.0 / 6.020599913279624));
        out_l[i] = l * gain;
        out_r[i] = r * gain;
    }
}

static void grain_deactivate(void *self)
{
    grain_node *g = self;
    g->sound = NULL;
    g->left = g->right = NULL;
}

static void grain_destroy(void *self) { free(self); }

static const lull_port_info grain_outputs[] = {{"left"}, {"right"}};
static const lull_port_info grain_slots[] = {{"source"}};
static const lull_param_info grain_params[P_COUNT] = {
    [P_DENSITY] = {"density", "Density", "grains/s", 0.1f, 500.0f, 20.0f, 100.0f,
                   LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_SIZE] = {"size", "Grain size", "ms", 5.0f, 2000.0f, 150.0f, 100.0f,
                LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_POSITION] = {"position", "Position", "", 0.0f, 1.0f, 0.5f, 200.0f, LULL_PARAM_MODULATABLE,
                    NULL},
    [P_SPREAD] = {"spread", "Position spread", "", 0.0f, 1.0f, 0.1f, 100.0f, LULL_PARAM_MODULATABLE,
                  NULL},
    [P_PITCH] = {"pitch", "Pitch", "semitones", -24.0f, 24.0f, 0.0f, 100.0f, LULL_PARAM_MODULATABLE,
                 NULL},
    [P_PITCH_JITTER] = {"pitch_jitter", "Pitch jitter", "semitones", 0.0f, 12.0f, 0.0f, 100.0f,
                        LULL_PARAM_MODULATABLE, NULL},
    [P_STEREO] = {"stereo", "Stereo width", "", 0.0f, 1.0f, 0.5f, 100.0f, LULL_PARAM_MODULATABLE,
                  NULL},
    [P_GAIN_DB] = {"gain_db", "Gain", "dB", -60.0f, 12.0f, 0.0f, 30.0f, LULL_PARAM_MODULATABLE,
                   NULL},
    [P_TEMPO_FOLLOW] = {"tempo_follow", "Tempo follow", "", 0.0f, 1.0f, 0.0f, 100.0f,
                        LULL_PARAM_MODULATABLE, NULL},
    [P_REF_BPM] = {"ref_bpm", "Reference tempo", "bpm", 20.0f, 240.0f, 60.0f, 100.0f, 0, NULL},
    [P_TAPER] = {"taper", "Window taper", "", 0.1f, 1.0f, 1.0f, 100.0f, 0, NULL},
};

static const lull_descriptor grain_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "grain",
    .name = "Granular texture",
    .version = "1.0.0",
    .description = "Granular cloud from a sound file: Poisson grain onsets, Hann/Tukey "
                   "windows, position spread, pitch and pitch jitter, stereo spread, "
                   "loudness independent of density; seeded.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 2,
    .outputs = grain_outputs,
    .param_count = P_COUNT,
    .params = grain_params,
    .create = grain_create,
    .activate = grain_activate,
    .process = grain_process,
    .reset = grain_reset,
    .deactivate = grain_deactivate,
    .destroy = grain_destroy,
    .get_extension = NULL,
    .sound_slot_count = 1,
    .sound_slots = grain_slots,
};

LULL_PLUGIN_ENTRY(&grain_desc)
