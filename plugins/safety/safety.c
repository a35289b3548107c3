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

/* The limiter's running state. process() works on a local copy of it for each
 * block: the output buffers are floats too, so with the state behind `self` the
 * compiler would have to store and reload it around every output sample. */
typedef struct {
    window_entry *window; /* ring of W entries holding the monotonic deque */
    float *average;       /* ring of W released gains, and their running sum */
    uint32_t W;           /* window length in frames: lookahead + 1 */
    uint32_t window_head, window_len;
    uint32_t average_pos;
    /* How many of the latest average[] entries equal `envelope`, saturating at W:
     * at W the whole ring holds that value (limiter_is_steady() needs this). */
    uint32_t average_run;
    double average_sum;
    /* average_total() of a ring holding `steady_total_of` throughout: the steady
     * shortcut's sum, which depends on nothing else (NaN: none yet). */
    double steady_total;
    float steady_total_of;
    float release_coef;
    float envelope; /* released window minimum */
    uint64_t frame;
} limiter;

typedef struct {
    double sample_rate;
    uint32_t lookahead; /* L: delay in frames; the gain window spans L+1 frames */

    /* DC blocker */
    float dc_pole;
    float dc_x1[CH], dc_y1[CH];

    /* Limiter. One allocation holds its arrays and the delay lines. */
    void *memory;
    float *delay[CH];     /* L frames of audio */
    float *delay_ceiling; /* L frames: the ceiling each delayed frame was limited to */
    uint32_t delay_pos;
    limiter lim;
    float gain; /* gain applied to the last output frame */

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
    limiter *l = &s->lim;
    l->window_head = 0;
    l->window_len = 0;
    for (uint32_t i = 0; i < l->W; i++) l->average[i] = 1.0f;
    l->average_pos = 0;
    l->average_run = l->W;
    l->average_sum = (double)l->W;
    l->steady_total_of = NAN;
    l->envelope = 1.0f;
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
    s->lim.W = L + 1;
    s->lim.window = (window_entry *)mem;
    mem += (size_t)(L + 1) * sizeof(window_entry);
    for (int c = 0; c < CH; c++, mem += L * sizeof(float)) s->delay[c] = (float *)mem;
    s->delay_ceiling = (float *)mem;
    mem += L * sizeof(float);
    s->lim.average = (float *)mem;
    s->dc_pole = (float)exp(-2.0 * M_PI * DC_CUTOFF_HZ / sample_rate);
    s->lim.release_coef = (float)(1.0 - exp(-1.0 / (RELEASE_S * sample_rate)));
    s->lim.frame = 0;
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

/* Scrub and DC blocker for one channel sample; x1, y1 are that channel's state. */
static inline float scrub_and_dc(float *x1, float *y1, float pole, uint64_t *scrubbed, float x)
{
    /* Written so that NaN fails the test too. */
    if (__builtin_expect(!(fabsf(x) < INSANE), 0)) {
        /* The filter restarts from silence rather than ring with the fault. */
        ++*scrubbed;
        *x1 = 0.0f;
        *y1 = 0.0f;
        return 0.0f;
    }
    float y = x - *x1 + pole * *y1;
    if (fabsf(y) < TINY) y = 0.0f;
    *x1 = x;
    *y1 = y;
    return y;
}

/* fmaxf(a, b) for two magnitudes without the libm call: the larger one, or the
 * other one when one is NaN, exactly as fmaxf() (no -0 meets +0: both are fabsf()).
 * Two selects rather than one test, so that it compiles without a branch: which
 * channel is louder is a coin toss on noise. */
static inline float max_magnitude(float a, float b)
{
    float m = a > b ? a : b; /* b when either is NaN */
    return b != b ? a : m;
}

/* The exact sum of the average ring, recomputed once per window so that the
 * running sum's rounding cannot drift. */
static inline double average_total(const limiter *l)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < l->W; i++) sum += l->average[i];
    return sum;
}

/* Pushes the gain frame `l->frame` needs (`need`) and returns the gain to apply to
 * the frame leaving the delay line, i.e. the frame L frames older.
 *
 * Why the peak stays under the ceiling: let m[k] be the minimum of need[] over
 * frames k-L..k, and e[k] <= m[k] its released envelope (it drops at once and
 * rises slowly, so it never exceeds m). The returned gain is the mean of e over
 * frames n-L..n; every one of those windows contains frame n-L, the frame being
 * output, so every term, hence the mean, is <= need[n-L].
 *
 * The ring indices wrap by compare-and-subtract, not `% W`: an integer division
 * per access was most of this stage's cost. head < W and len <= W, so one
 * subtraction always suffices. */
static inline float limiter_gain(limiter *l, float need)
{
    const uint32_t W = l->W;
    /* Sliding-window minimum over frames frame-L..frame: drop the entry that left
     * the window, then those that can never be the minimum again. */
    if (l->window_len > 0 && l->window[l->window_head].index + W <= l->frame) {
        if (++l->window_head == W) l->window_head = 0;
        l->window_len--;
    }
    while (l->window_len > 0) {
        uint32_t back = l->window_head + l->window_len - 1;
        if (back >= W) back -= W;
        if (l->window[back].gain < need) break;
        l->window_len--;
    }
    uint32_t tail = l->window_head + l->window_len;
    if (tail >= W) tail -= W;
    l->window[tail] = (window_entry){l->frame, need};
    l->window_len++;
    float m = l->window[l->window_head].gain;

    float e = l->envelope;
    if (m < e)
        e = m;
    else
        e += (m - e) * l->release_coef;
    if (e != l->envelope)
        l->average_run = 1;
    else if (l->average_run < W)
        l->average_run++;
    l->envelope = e;

    l->average_sum += (double)e - (double)l->average[l->average_pos];
    l->average[l->average_pos] = e;
    if (++l->average_pos == W) {
        l->average_pos = 0;
        l->average_sum = average_total(l);
    }
    l->frame++;
    return (float)(l->average_sum / (double)W);
}

/* True when, for as long as every frame needs no reduction (need == 1), each
 * limiter_gain() call leaves the state as it is, apart from the positions, and
 * returns the same gain (until the average ring wraps and its sum is recomputed):
 *   - the deque is empty or holds one entry of gain 1, so its minimum m is 1;
 *   - the envelope does not move: e + (1 - e) * release_coef rounds back to e
 *     (true at e == 1, and also where the release stalls a few ulps below 1,
 *     where it stays after any reduction);
 *   - the average ring holds e throughout, so the running sum gains exactly 0.
 * limiter_steady_run() relies on it to skip the deque and the release. */
static inline bool limiter_is_steady(const limiter *l)
{
    const float e = l->envelope;
    return l->average_run >= l->W &&
           (l->window_len == 0 || (l->window_len == 1 && l->window[l->window_head].gain == 1.0f)) &&
           e + (1.0f - e) * l->release_coef == e;
}

/* Gate position after one frame, and its gain (a raised cosine of the position). */
static inline double fade_step(double pos, float gate, float fade_in_s, float fade_out_s,
                               double inv_rate)
{
    if (gate >= 0.5f) {
        if (pos < 1.0) pos = fmin(1.0, pos + inv_rate / (double)fade_in_s);
    } else if (pos > 0.0) {
        pos = fmax(0.0, pos - inv_rate / (double)fade_out_s);
    }
    return pos;
}

static inline float gate_gain(double pos)
{
    if (pos <= 0.0) return 0.0f;
    if (pos >= 1.0) return 1.0f;
    return (float)(0.5 - 0.5 * cos(M_PI * pos));
}

/* Delays one stereo frame by L, applies the limiter gain to the frame that leaves
 * the line and clamps it at the ceiling it was limited against (counted). */
static inline void delay_frame(safety *s, uint32_t *pos, const float x[CH], float ceiling,
                               float gain, float y[CH], uint64_t *clamped)
{
    uint32_t i = *pos;
    float limit = s->delay_ceiling[i];
    s->delay_ceiling[i] = ceiling;
    for (int c = 0; c < CH; c++) {
        y[c] = s->delay[c][i] * gain;
        s->delay[c][i] = x[c];
        if (__builtin_expect(fabsf(y[c]) > limit, 0)) {
            ++*clamped;
            y[c] = copysignf(limit, y[c]);
        }
    }
    if (++i == s->lookahead) i = 0;
    *pos = i;
}

/* Hands the limiter back from the steady shortcut in safety_process() after `k`
 * frames: the state limiter_gain() would have left, that is, the deque holding
 * the last frame with gain 1, the positions and the running sum advanced. */
static inline void limiter_leave_steady(limiter *l, uint32_t k, uint32_t average_pos,
                                        double average_sum)
{
    if (k == 0) return;
    l->window[l->window_head] = (window_entry){l->frame + k - 1, 1.0f};
    l->window_len = 1;
    l->frame += k;
    l->average_pos = average_pos;
    l->average_sum = average_sum;
}

static void safety_process(void *self, const lull_process *ctx)
{
    safety *s = self;
    limiter *l = &s->lim;
    const float *const *p = ctx->params;
    const float *in[CH] = {ctx->inputs[0], ctx->inputs[1]};
    float *out[CH] = {ctx->outputs[0], ctx->outputs[1]};
    const bool volume_static = ctx->params_static[P_VOLUME];
    const bool ceiling_static = ctx->params_static[P_CEILING];
    float volume = db_to_gain(p[P_VOLUME][0]);
    float ceiling = db_to_gain(p[P_CEILING][0]);
    const double inv_rate = 1.0 / s->sample_rate;

    /* The DC blocker's state and the counters live in locals for the block: the
     * outputs are floats too, so state behind `self` would be stored and reloaded
     * around every output sample. */
    const float pole = s->dc_pole;
    float x1[CH] = {s->dc_x1[0], s->dc_x1[1]}, y1[CH] = {s->dc_y1[0], s->dc_y1[1]};
    uint64_t scrubbed = s->scrubbed, clamped = s->clamped;
    uint32_t pos = s->delay_pos;
    float gain = s->gain;
    double fade_pos = s->fade_pos;

    /* While the limiter is steady (limiter_is_steady()) and no frame needs a
     * reduction, limiter_gain() would only advance the positions and return the
     * same gain: the shortcut does just that, on its own copies of the position
     * and the running sum. The first frame over the target hands over to the
     * full path for the rest of the block. */
    bool steady = limiter_is_steady(l);
    const double W = (double)l->W;
    uint32_t steady_frames = 0, steady_pos = l->average_pos;
    double steady_sum = l->average_sum;
    float steady_gain = (float)(steady_sum / W);

    /* The gate at rest (open and fully faded in, or closed and fully faded out)
     * for the whole block: the fade gain is constant. */
    const bool fade_at_rest =
        ctx->params_static[P_GATE] && (p[P_GATE][0] >= 0.5f ? fade_pos >= 1.0 : fade_pos <= 0.0);
    float fade = gate_gain(fade_pos);

    for (uint32_t f = 0; f < ctx->frames; f++) {
        if (!volume_static) volume = db_to_gain(p[P_VOLUME][f]);
        if (!ceiling_static) ceiling = db_to_gain(p[P_CEILING][f]);

        float x[CH];
        for (int c = 0; c < CH; c++)
            x[c] = scrub_and_dc(&x1[c], &y1[c], pole, &scrubbed, in[c][f]) * volume;

        float target = ceiling * LIMIT_MARGIN;
        /* max(|l|, |r|) > target, with NaN treated as fmaxf() treats it. */
        if (steady && !(fabsf(x[0]) > target || fabsf(x[1]) > target)) {
            steady_frames++;
            if (++steady_pos == l->W) {
                /* The once-per-window exact sum, of W copies of the envelope. */
                steady_pos = 0;
                if (!(l->steady_total_of == l->envelope)) {
                    l->steady_total = average_total(l);
                    l->steady_total_of = l->envelope;
                }
                steady_sum = l->steady_total;
                steady_gain = (float)(steady_sum / W);
            }
            gain = steady_gain;
        } else {
            if (steady) {
                steady = false;
                limiter_leave_steady(l, steady_frames, steady_pos, steady_sum);
            }
            float peak = max_magnitude(fabsf(x[0]), fabsf(x[1]));
            float need = peak > target ? target / peak : 1.0f;
            gain = limiter_gain(l, need);
        }

        float y[CH];
        delay_frame(s, &pos, x, ceiling, gain, y, &clamped);

        if (!fade_at_rest) {
            fade_pos =
                fade_step(fade_pos, p[P_GATE][f], p[P_FADE_IN][f], p[P_FADE_OUT][f], inv_rate);
            fade = gate_gain(fade_pos);
        }
        for (int c = 0; c < CH; c++) {
            float o = y[c] * fade;
            out[c][f] = fabsf(o) < TINY ? 0.0f : o;
        }
    }
    if (steady) limiter_leave_steady(l, steady_frames, steady_pos, steady_sum);

    for (int c = 0; c < CH; c++) {
        s->dc_x1[c] = x1[c];
        s->dc_y1[c] = y1[c];
    }
    s->scrubbed = scrubbed;
    s->clamped = clamped;
    s->delay_pos = pos;
    s->gain = gain;
    s->fade_pos = fade_pos;
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
