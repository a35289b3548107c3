/* The output safety stage: always the last node of every graph (the engine links
 * this file statically so no plugin directory can take it away; it is also built
 * as plugins/safety.so so that it can be checked and rendered like any node).
 *
 * Per stereo frame, in this order (docs/safety.md explains the figures):
 *   1. Scrub: a non-finite sample (or one beyond +120 dBFS, which only a broken
 *      node emits) becomes 0, the DC blocker's state is reset so it does not ring
 *      with the fault, and the sample is counted.
 *   2. DC blocker: one-pole/one-zero high-pass at 5 Hz. Results below 1e-20
 *      (-400 dBFS) are flushed to 0 so that nothing downstream computes on
 *      denormals, even without FTZ.
 *   3. Volume (host-smoothed, 100 ms).
 *   4. Lookahead peak limiter, stereo-linked: the gain each frame needs to stay
 *      under the ceiling is minimised over a sliding window of lookahead+1 frames
 *      (monotonic deque, O(1) amortised), released exponentially (150 ms), then
 *      averaged over the same window so the attack is a straight ramp spread over
 *      the lookahead; the audio is delayed by the lookahead so that the ramp has
 *      finished when the peak arrives. This keeps the peak under the ceiling by
 *      construction (see limiter_gain()).
 *   5. Guarantee clamp at the ceiling: a last resort, counted when it cuts.
 *   6. Gate fade: a raised-cosine ramp, fade_in_s to open, fade_out_s to close.
 *      Every activation starts closed, so the very start fades in.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"
#include "safety_ext.h"

#define DC_CUTOFF_HZ 5.0
#define LOOKAHEAD_S 0.005
#define RELEASE_S 0.150
/* The limiter aims a hair under the ceiling (-0.0009 dB) so that float rounding
 * in the gain path never reaches the guarantee clamp. */
#define LIMIT_MARGIN 0.9999f
#define TINY 1e-20f
/* No working node emits +120 dBFS: such a sample is a fault like NaN, and letting
 * it into the DC blocker would leave a tail that mutes the output for seconds. */
#define INSANE 1e6f

enum { P_VOLUME, P_CEILING, P_GATE, P_FADE_IN, P_FADE_OUT, P_COUNT };
enum { CH = 2 };

static const char *const gate_names[] = {"closed", "open"};

static const lull_param_info params[P_COUNT] = {
    [P_VOLUME] = {"volume_db", "Volume", "dB", -80.0f, 12.0f, -6.0f, 100.0f, 0, NULL},
    [P_CEILING] = {"ceiling_db", "Ceiling", "dB", -40.0f, 0.0f, -6.0f, 50.0f, 0, NULL},
    [P_GATE] = {"gate", "Gate", "", 0.0f, 1.0f, 1.0f, 0.0f, LULL_PARAM_STEPPED, gate_names},
    [P_FADE_IN] = {"fade_in_s", "Fade-in time", "s", 0.01f, 30.0f, 2.0f, 0.0f,
                   LULL_PARAM_LOGARITHMIC, NULL},
    [P_FADE_OUT] = {"fade_out_s", "Fade-out time", "s", 0.01f, 30.0f, 2.0f, 0.0f,
                    LULL_PARAM_LOGARITHMIC, NULL},
};

static const lull_port_info ports[CH] = {{"left"}, {"right"}};

/* One entry of the sliding-window minimum: the gain frame `index` needed. */
typedef struct {
    uint64_t index;
    float gain;
} window_entry;

typedef struct {
    double sample_rate;
    uint32_t lookahead; /* L: delay in frames; the gain window spans L+1 frames */

    /* DC blocker */
    float dc_pole;
    float dc_x1[CH], dc_y1[CH];

    /* Limiter. One allocation holds every array below. */
    void *memory;
    float *delay[CH];     /* L frames of audio */
    float *delay_ceiling; /* L frames: the ceiling each delayed frame was limited to */
    uint32_t delay_pos;
    window_entry *window; /* ring of L+1 entries holding the monotonic deque */
    uint32_t window_head, window_len;
    float *average; /* ring of L+1 released gains, and their running sum */
    uint32_t average_pos;
    double average_sum;
    float release_coef;
    float envelope; /* released window minimum */
    float gain;     /* gain applied to the last output frame */
    uint64_t frame;

    /* Gate: fade position 0 (closed) .. 1 (open), mapped through a raised cosine. */
    double fade_pos;

    uint64_t scrubbed, clamped;
} safety;

static void *safety_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    (void)host;
    return calloc(1, sizeof(safety));
}

static void safety_reset(void *self)
{
    safety *s = self;
    uint32_t L = s->lookahead;
    memset(s->dc_x1, 0, sizeof s->dc_x1);
    memset(s->dc_y1, 0, sizeof s->dc_y1);
    for (int c = 0; c < CH; c++) memset(s->delay[c], 0, L * sizeof(float));
    for (uint32_t i = 0; i < L; i++) s->delay_ceiling[i] = 1.0f;
    s->delay_pos = 0;
    s->window_head = 0;
    s->window_len = 0;
    for (uint32_t i = 0; i <= L; i++) s->average[i] = 1.0f;
    s->average_pos = 0;
    s->average_sum = (double)(L + 1);
    s->envelope = 1.0f;
    s->gain = 1.0f;
    s->fade_pos = 0.0; /* from silence: the next blocks fade in (if the gate is open) */
}

static bool safety_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    safety *s = self;
    if (!(sample_rate >= 1000.0 && sample_rate <= 768000.0)) return false;
    uint32_t L = (uint32_t)lround(LOOKAHEAD_S * sample_rate);
    size_t bytes = (size_t)(CH + 1) * L * sizeof(float)      /* delay lines + ceilings */
                   + (size_t)(L + 1) * sizeof(float)         /* gain average */
                   + (size_t)(L + 1) * sizeof(window_entry); /* deque */
    char *mem = malloc(bytes);
    if (!mem) return false;
    s->memory = mem;
    s->sample_rate = sample_rate;
    s->lookahead = L;
    s->window = (window_entry *)mem;
    mem += (size_t)(L + 1) * sizeof(window_entry);
    for (int c = 0; c < CH; c++, mem += L * sizeof(float)) s->delay[c] = (float *)mem;
    s->delay_ceiling = (float *)mem;
    mem += L * sizeof(float);
    s->average = (float *)mem;
    s->dc_pole = (float)exp(-2.0 * M_PI * DC_CUTOFF_HZ / sample_rate);
    s->release_coef = (float)(1.0 - exp(-1.0 / (RELEASE_S * sample_rate)));
    s->frame = 0;
    s->fade_pos = 0.0;
    s->scrubbed = 0;
    s->clamped = 0;
    safety_reset(s);
    return true;
}

static void safety_deactivate(void *self)
{
    safety *s = self;
    free(s->memory);
    s->memory = NULL;
}

static void safety_destroy(void *self) { free(self); }

static inline float db_to_gain(float db) { return expf(db * 0.11512925464970229f); }

/* Scrub and DC blocker for one channel sample. */
static inline float scrub_and_dc(safety *s, int c, float x)
{
    /* Written so that NaN fails the test too. */
    if (__builtin_expect(!(fabsf(x) < INSANE), 0)) {
        /* The filter restarts from silence rather than ring with the fault. */
        s->scrubbed++;
        s->dc_x1[c] = 0.0f;
        s->dc_y1[c] = 0.0f;
        return 0.0f;
    }
    float y = x - s->dc_x1[c] + s->dc_pole * s->dc_y1[c];
    if (fabsf(y) < TINY) y = 0.0f;
    s->dc_x1[c] = x;
    s->dc_y1[c] = y;
    return y;
}

/* Pushes the gain frame `s->frame` needs (`need`) and returns the gain to apply to
 * the frame leaving the delay line, i.e. the frame L frames older.
 *
 * Why the peak stays under the ceiling: let m[k] be the minimum of need[] over
 * frames k-L..k, and e[k] <= m[k] its released envelope (it drops at once and
 * rises slowly, so it never exceeds m). The returned gain is the mean of e over
 * frames n-L..n; every one of those windows contains frame n-L, the frame being
 * output, so every term, hence the mean, is <= need[n-L]. */
static inline float limiter_gain(safety *s, float need)
{
    const uint32_t W = s->lookahead + 1;
    /* Sliding-window minimum over frames frame-L..frame: drop the entry that left
     * the window, then those that can never be the minimum again. */
    if (s->window_len > 0 && s->window[s->window_head].index + W <= s->frame) {
        s->window_head = (s->window_head + 1) % W;
        s->window_len--;
    }
    while (s->window_len > 0) {
        uint32_t back = (s->window_head + s->window_len - 1) % W;
        if (s->window[back].gain < need) break;
        s->window_len--;
    }
    s->window[(s->window_head + s->window_len) % W] = (window_entry){s->frame, need};
    s->window_len++;
    float m = s->window[s->window_head].gain;

    if (m < s->envelope)
        s->envelope = m;
    else
        s->envelope += (m - s->envelope) * s->release_coef;

    s->average_sum += (double)s->envelope - (double)s->average[s->average_pos];
    s->average[s->average_pos] = s->envelope;
    if (++s->average_pos == W) {
        /* Once per window, recompute the sum exactly so rounding cannot drift. */
        s->average_pos = 0;
        double sum = 0.0;
        for (uint32_t i = 0; i < W; i++) sum += s->average[i];
        s->average_sum = sum;
    }
    s->frame++;
    return (float)(s->average_sum / (double)W);
}

static inline float gate_gain(double pos)
{
    if (pos <= 0.0) return 0.0f;
    if (pos >= 1.0) return 1.0f;
    return (float)(0.5 - 0.5 * cos(M_PI * pos));
}

static void safety_process(void *self, const lull_process *ctx)
{
    safety *s = self;
    const uint32_t L = s->lookahead;
    const float *const *p = ctx->params;
    const bool volume_static = ctx->params_static[P_VOLUME];
    const bool ceiling_static = ctx->params_static[P_CEILING];
    float volume = db_to_gain(p[P_VOLUME][0]);
    float ceiling = db_to_gain(p[P_CEILING][0]);
    const double inv_rate = 1.0 / s->sample_rate;

    for (uint32_t f = 0; f < ctx->frames; f++) {
        if (!volume_static) volume = db_to_gain(p[P_VOLUME][f]);
        if (!ceiling_static) ceiling = db_to_gain(p[P_CEILING][f]);

        float x[CH];
        for (int c = 0; c < CH; c++) x[c] = scrub_and_dc(s, c, ctx->inputs[c][f]) * volume;

        float peak = fmaxf(fabsf(x[0]), fabsf(x[1]));
        float target = ceiling * LIMIT_MARGIN;
        float need = peak > target ? target / peak : 1.0f;
        float gain = limiter_gain(s, need);
        s->gain = gain;

        float limit = s->delay_ceiling[s->delay_pos];
        s->delay_ceiling[s->delay_pos] = ceiling;
        float y[CH];
        for (int c = 0; c < CH; c++) {
            y[c] = s->delay[c][s->delay_pos] * gain;
            s->delay[c][s->delay_pos] = x[c];
            if (__builtin_expect(fabsf(y[c]) > limit, 0)) {
                s->clamped++;
                y[c] = copysignf(limit, y[c]);
            }
        }
        if (++s->delay_pos == L) s->delay_pos = 0;

        if (p[P_GATE][f] >= 0.5f) {
            if (s->fade_pos < 1.0)
                s->fade_pos = fmin(1.0, s->fade_pos + inv_rate / (double)p[P_FADE_IN][f]);
        } else if (s->fade_pos > 0.0) {
            s->fade_pos = fmax(0.0, s->fade_pos - inv_rate / (double)p[P_FADE_OUT][f]);
        }
        float fade = gate_gain(s->fade_pos);
        for (int c = 0; c < CH; c++) {
            float out = y[c] * fade;
            ctx->outputs[c][f] = fabsf(out) < TINY ? 0.0f : out;
        }
    }
}

/* ---- extensions ---------------------------------------------------------------- */

static uint32_t safety_latency(void *self) { return ((safety *)self)->lookahead; }
static const lull_ext_latency latency_ext = {safety_latency};

static uint64_t safety_scrubbed(void *self) { return ((safety *)self)->scrubbed; }
static uint64_t safety_clamped(void *self) { return ((safety *)self)->clamped; }
static float safety_reduction_db(void *self)
{
    float g = ((safety *)self)->gain;
    return g >= 1.0f ? 0.0f : -20.0f * log10f(g);
}
static int safety_faded_out(void *self) { return ((safety *)self)->fade_pos <= 0.0; }
static const lull_safety_ext safety_ext = {safety_scrubbed, safety_clamped, safety_reduction_db,
                                           safety_faded_out};

static const void *safety_get_extension(void *self, const char *name)
{
    (void)self;
    if (strcmp(name, LULL_EXT_LATENCY) == 0) return &latency_ext;
    if (strcmp(name, LULL_SAFETY_EXT) == 0) return &safety_ext;
    return NULL;
}

static const lull_descriptor safety_descriptor = {
    .struct_size = sizeof(lull_descriptor),
    .id = "safety",
    .name = "Output safety",
    .version = "1.0.0",
    .description = "DC blocker, NaN/Inf scrub, volume, lookahead limiter under a ceiling, "
                   "guarantee clamp and gate fade. Always the last node.",
    .input_count = CH,
    .inputs = ports,
    .output_count = CH,
    .outputs = ports,
    .param_count = P_COUNT,
    .params = params,
    .create = safety_create,
    .activate = safety_activate,
    .process = safety_process,
    .reset = safety_reset,
    .deactivate = safety_deactivate,
    .destroy = safety_destroy,
    .get_extension = safety_get_extension,
};

LULL_PLUGIN_ENTRY(&safety_descriptor)
