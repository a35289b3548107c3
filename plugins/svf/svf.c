/* svf: state-variable filter, lowpass / bandpass / highpass, 12 dB/octave.
 *
 * The topology-preserving-transform SVF (Zavalishin; Simper's "SvfLinearTrapOptimised2"
 * form): two trapezoidal integrators solved without a unit delay in the loop. Its
 * state is the integrators' charge, so changing the cutoff or Q even every sample
 * neither blows up nor clicks. Per frame the response is exactly the bilinear
 * transform, prewarped at the cutoff, of the analog prototype with s normalised to
 * the cutoff and k = 1/Q:
 *   lowpass 1/(s^2 + k s + 1), bandpass k s/(s^2 + k s + 1) (0 dB peak),
 *   highpass s^2/(s^2 + k s + 1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_MODE, P_CUTOFF, P_Q, P_COUNT };
enum { LOWPASS, BANDPASS, HIGHPASS, MODE_COUNT };

/* Cutoff never closer to Nyquist than this fraction of the sample rate. */
#define SVF_MAX_CUTOFF_FRACTION 0.49

/* Frames between exact coefficient designs while the cutoff or Q moves. */
#define SVF_DESIGN_FRAMES 8
/* Relative change of cutoff or Q that triggers a redesign while they move. */
#define SVF_RETUNE 1e-3f

/* The SVF as a linear state update of its two integrators, solved once per design:
 *   ic1' = a11 ic1 + a12 ic2 + b1 x,   ic2' = a21 ic1 + a22 ic2 + b2 x
 * (from v1 = a1 ic1 + a2 (x - ic2), v2 = ic2 + a2 ic1 + a3 (x - ic2), ic' = 2v - ic).
 * The frame-to-frame dependency is then two multiply-adds instead of four, and
 * the outputs come off the critical path: v1 = (ic1 + ic1')/2, v2 = (ic2 + ic2')/2. */
typedef struct svf_coefs {
    double k;
    double a11, a12, a21, a22, b1, b2;
    /* Two frames at once, s[n+2] = A^2 s[n] + A B x[n] + B x[n+1]: the dependency
     * chain then spans two frames, halving its cost per frame. */
    double q11, q12, q21, q22;   /* A^2 */
    double c1, c2;               /* A B */
} svf_coefs;

typedef struct svf_node {
    double sample_rate, max_cutoff;
    double ic1, ic2; /* integrator states */
    svf_coefs cached; /* the coefficients in use, and what they were designed for */
    float cached_cutoff, cached_q;
    float seen_cutoff, seen_q;   /* the values at the previous design frame */
    uint64_t frame;   /* frames since activate() or reset() */
} svf_node;

static svf_coefs svf_design(const svf_node *s, float cutoff, float q)
{
    double fc = cutoff;
    if (!(fc >= 1.0))
        fc = 1.0; /* also catches NaN */
    if (fc > s->max_cutoff)
        fc = s->max_cutoff;
    double qq = q >= 0.1f ? q : 0.1; /* also catches NaN */
    double g = tan(M_PI * fc / s->sample_rate);
    double k = 1.0 / qq;
    double a1 = 1.0 / (1.0 + g * (g + k)), a2 = g * a1, a3 = g * a2;
    svf_coefs c = {.k = k,
                   .a11 = 2.0 * a1 - 1.0, .a12 = -2.0 * a2, .b1 = 2.0 * a2,
                   .a21 = 2.0 * a2, .a22 = 1.0 - 2.0 * a3, .b2 = 2.0 * a3};
    c.q11 = c.a11 * c.a11 + c.a12 * c.a21;
    c.q12 = c.a11 * c.a12 + c.a12 * c.a22;
    c.q21 = c.a21 * c.a11 + c.a22 * c.a21;
    c.q22 = c.a21 * c.a12 + c.a22 * c.a22;
    c.c1 = c.a11 * c.b1 + c.a12 * c.b2;
    c.c2 = c.a21 * c.b1 + c.a22 * c.b2;
    return c;
}

/* Run n frames with fixed coefficients and mode. The state lives in registers for
 * the whole run; the mode is a constant in each specialised copy. */
static inline double svf_out(int mode, double hk, double v0, double ic1, double n1, double ic2,
                             double n2)
{
    if (mode == BANDPASS) return hk * (ic1 + n1);
    if (mode == HIGHPASS) return v0 - hk * (ic1 + n1) - 0.5 * (ic2 + n2);
    return 0.5 * (ic2 + n2);
}

/* Run n frames with fixed coefficients and mode. The state lives in registers for
 * the whole run; the mode is a constant in each specialised copy. */
static inline void svf_run(svf_node *s, const svf_coefs *c, int mode, const float *in, float *out,
                           uint32_t n)
{
    double ic1 = s->ic1, ic2 = s->ic2;
    const double hk = 0.5 * c->k;
    uint32_t i = 0;
    for (; i + 2 <= n; i += 2) {
        double x0 = in[i], x1 = in[i + 1];
        /* the next frame's state, for the outputs only */
        double m1 = c->a11 * ic1 + c->a12 * ic2 + c->b1 * x0;
        double m2 = c->a21 * ic1 + c->a22 * ic2 + c->b2 * x0;
        /* two frames ahead: the only dependency between iterations */
        double n1 = (c->q11 * ic1 + c->q12 * ic2) + (c->c1 * x0 + c->b1 * x1);
        double n2 = (c->q21 * ic1 + c->q22 * ic2) + (c->c2 * x0 + c->b2 * x1);
        out[i] = (float)svf_out(mode, hk, x0, ic1, m1, ic2, m2);
        out[i + 1] = (float)svf_out(mode, hk, x1, m1, n1, m2, n2);
        ic1 = n1;
        ic2 = n2;
    }
    if (i < n) {
        double x0 = in[i];
        double n1 = c->a11 * ic1 + c->a12 * ic2 + c->b1 * x0;
        double n2 = c->a21 * ic1 + c->a22 * ic2 + c->b2 * x0;
        out[i] = (float)svf_out(mode, hk, x0, ic1, n1, ic2, n2);
        ic1 = n1;
        ic2 = n2;
    }
    s->ic1 = ic1;
    s->ic2 = ic2;
}

/* At a design frame: redesign while a parameter moves once it has moved by
 * SVF_RETUNE (a 0.1 % cutoff error is 1/60 of a cent); once it rests, land exactly. */
static inline bool svf_design_frame(svf_node *s, float c, float k)
{
    bool moved = fabsf(c - s->cached_cutoff) > SVF_RETUNE * s->cached_cutoff ||
                 fabsf(k - s->cached_q) > SVF_RETUNE * s->cached_q;
    bool settled = c == s->seen_cutoff && k == s->seen_q &&
                   (c != s->cached_cutoff || k != s->cached_q);
    if (moved || settled) {
        s->cached = svf_design(s, c, k);
        s->cached_cutoff = c;
        s->cached_q = k;
    }
    s->seen_cutoff = c;
    s->seen_q = k;
    return moved || settled;
}

static void *svf_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(svf_node));
}

static bool svf_activate(void *self, double sample_rate, uint32_t max_frames)
{
    svf_node *s = self;
    s->sample_rate = sample_rate;
    s->max_cutoff = SVF_MAX_CUTOFF_FRACTION * sample_rate;
    s->ic1 = s->ic2 = 0.0;
    s->cached_cutoff = -1.0f; /* no design yet: the first frame designs */
    s->seen_cutoff = -1.0f;
    s->frame = 0;
    return true;
}

static void svf_reset(void *self)
{
    svf_node *s = self;
    s->ic1 = s->ic2 = 0.0;
    s->cached_cutoff = -1.0f;
    s->seen_cutoff = -1.0f;
    s->frame = 0;
}

static int clamp_mode(float v)
{
    long m = lrintf(v);
    return m < 0 ? 0 : m >= MODE_COUNT ? MODE_COUNT - 1 : (int)m;
}

/* End of a block: a non-finite input would poison the states for ever, so start
 * again from rest. A decaying tail is flushed long before it could reach the float
 * denormal range in the output (the host sets FTZ, but the node should not rely
 * on it). */
static void svf_settle(svf_node *s)
{
    if (!isfinite(s->ic1) || !isfinite(s->ic2) || (fabs(s->ic1) < 1e-20 && fabs(s->ic2) < 1e-20))
        s->ic1 = s->ic2 = 0.0;
}

static void svf_process(void *self, const lull_process *ctx)
{
    svf_node *s = self;
    const float *in = ctx->inputs[0];
    float *out = ctx->outputs[0];
    const float *mode = ctx->params[P_MODE];
    const float *cutoff = ctx->params[P_CUTOFF];
    const float *q = ctx->params[P_Q];
    /* Coefficients are designed at frames that are multiples of SVF_DESIGN_FRAMES
     * since activation (and only when cutoff or Q changed enough), and held between:
     * tan() per frame would dominate the cost, the host's ramps are smooth on this
     * scale, and tying the design to absolute frames keeps the output independent
     * of how the host splits it into blocks. */
    uint32_t i = 0;
    while (i < ctx->frames) {
        if (s->frame % SVF_DESIGN_FRAMES == 0)
            svf_design_frame(s, cutoff[i], q[i]);
        /* Up to the next design frame, or the end of the block, or (rarely) a mode
         * change. */
        uint32_t n = SVF_DESIGN_FRAMES - (uint32_t)(s->frame % SVF_DESIGN_FRAMES);
        if (n > ctx->frames - i) n = ctx->frames - i;
        int m = clamp_mode(mode[i]);
        if (!ctx->params_static[P_MODE])
            for (uint32_t j = 1; j < n; j++)
                if (clamp_mode(mode[i + j]) != m) {
                    n = j;
                    break;
                }
        switch (m) {
        case BANDPASS: svf_run(s, &s->cached, BANDPASS, in + i, out + i, n); break;
        case HIGHPASS: svf_run(s, &s->cached, HIGHPASS, in + i, out + i, n); break;
        default: svf_run(s, &s->cached, LOWPASS, in + i, out + i, n); break;
        }
        s->frame += n;
        i += n;
    }
    svf_settle(s);
}

/* ---------------------------------------------------------------------------------
 * Batches (lull.batch/1): four instances at once, as two vectors of two double
 * lanes, so four independent recursions overlap instead of one latency-bound chain.
 * Each lane performs exactly svf_run's operations in the same order (x86-64 SSE2
 * has no fused multiply-add to contract into), so every instance's output is
 * bit-identical to svf_process. Lanes must share the run boundaries of the scalar
 * path, which pair frames from each run's start: the four instances have the same
 * design phase (frame % SVF_DESIGN_FRAMES), block length and a mode constant over
 * the block. Any other instance is processed alone. */
typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2i __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));

enum { SVF_LANES = 4, SVF_PAIRS = SVF_LANES / 2, MIXED = MODE_COUNT };

/* The coefficients of the lanes' current designs, lane l in pair l / 2. */
typedef struct svf_lanes {
    v2d a11[SVF_PAIRS], a12[SVF_PAIRS], a21[SVF_PAIRS], a22[SVF_PAIRS];
    v2d b1[SVF_PAIRS], b2[SVF_PAIRS], q11[SVF_PAIRS], q12[SVF_PAIRS];
    v2d q21[SVF_PAIRS], q22[SVF_PAIRS], c1[SVF_PAIRS], c2[SVF_PAIRS], hk[SVF_PAIRS];
    /* all-ones where the lane's mode is that mode: outputs are selected bitwise,
     * since blending arithmetically could turn a -0.0 into +0.0 */
    v2i is_mode[MODE_COUNT][SVF_PAIRS];
} svf_lanes;

#define PAIR(field, s, p) ((v2d){(s)[2 * (p)]->field, (s)[2 * (p) + 1]->field})

static void svf_lanes_load(svf_lanes *L, svf_node *const s[SVF_LANES])
{
    for (int p = 0; p < SVF_PAIRS; p++) {
        L->a11[p] = PAIR(cached.a11, s, p);
        L->a12[p] = PAIR(cached.a12, s, p);
        L->a21[p] = PAIR(cached.a21, s, p);
        L->a22[p] = PAIR(cached.a22, s, p);
        L->b1[p] = PAIR(cached.b1, s, p);
        L->b2[p] = PAIR(cached.b2, s, p);
        L->q11[p] = PAIR(cached.q11, s, p);
        L->q12[p] = PAIR(cached.q12, s, p);
        L->q21[p] = PAIR(cached.q21, s, p);
        L->q22[p] = PAIR(cached.q22, s, p);
        L->c1[p] = PAIR(cached.c1, s, p);
        L->c2[p] = PAIR(cached.c2, s, p);
        L->hk[p] = (v2d){0.5 * s[2 * p]->cached.k, 0.5 * s[2 * p + 1]->cached.k};
    }
}

/* svf_out for a pair of lanes; `mode` is a constant, or MIXED to select per lane. */
static inline v2d svf_out2(int mode, const svf_lanes *L, int p, v2d v0, v2d ic1, v2d n1, v2d ic2,
                           v2d n2)
{
    const v2d half = {0.5, 0.5};
    if (mode == BANDPASS) return L->hk[p] * (ic1 + n1);
    if (mode == HIGHPASS) return v0 - L->hk[p] * (ic1 + n1) - half * (ic2 + n2);
    if (mode == LOWPASS) return half * (ic2 + n2);
    v2d bp = L->hk[p] * (ic1 + n1), lp = half * (ic2 + n2), hp = v0 - bp - lp;
    return (v2d)(((v2i)lp & L->is_mode[LOWPASS][p]) | ((v2i)bp & L->is_mode[BANDPASS][p]) |
                 ((v2i)hp & L->is_mode[HIGHPASS][p]));
}

/* Frames i and i + 1 of a pair's two lanes: one 8-byte load per lane, then
 * x0 = {a[i], b[i]}, x1 = {a[i + 1], b[i + 1]}. */
static inline void load2x2(const float *const in[SVF_LANES], int p, uint32_t i, v2d *x0, v2d *x1)
{
    v2f a, b;
    memcpy(&a, in[2 * p] + i, sizeof a);
    memcpy(&b, in[2 * p + 1] + i, sizeof b);
    v2d da = __builtin_convertvector(a, v2d), db = __builtin_convertvector(b, v2d);
    *x0 = __builtin_shuffle(da, db, (v2i){0, 2});
    *x1 = __builtin_shuffle(da, db, (v2i){1, 3});
}

/* The inverse: y0 (frame i) and y1 (frame i + 1) of both lanes, one store each. */
static inline void store2x2(float *const out[SVF_LANES], int p, uint32_t i, v2d y0, v2d y1)
{
    v2f a = __builtin_convertvector(__builtin_shuffle(y0, y1, (v2i){0, 2}), v2f);
    v2f b = __builtin_convertvector(__builtin_shuffle(y0, y1, (v2i){1, 3}), v2f);
    memcpy(out[2 * p] + i, &a, sizeof a);
    memcpy(out[2 * p + 1] + i, &b, sizeof b);
}

static inline void store2(float *const out[SVF_LANES], int p, uint32_t i, v2d y)
{
    v2f f = __builtin_convertvector(y, v2f);
    out[2 * p][i] = f[0];
    out[2 * p + 1][i] = f[1];
}

/* svf_run for four lanes over frames [i0, i0 + n); the integrator states stay in
 * ic1, ic2 (lane l in pair l / 2) for the whole block. */
static inline void svf_run4(v2d ic1[SVF_PAIRS], v2d ic2[SVF_PAIRS], const svf_lanes *L, int mode,
                            const float *const in[SVF_LANES], float *const out[SVF_LANES],
                            uint32_t i0, uint32_t n)
{
    uint32_t i = i0, end = i0 + n;
    for (; i + 2 <= end; i += 2) {
        for (int p = 0; p < SVF_PAIRS; p++) {
            v2d x0, x1;
            load2x2(in, p, i, &x0, &x1);
            v2d m1 = L->a11[p] * ic1[p] + L->a12[p] * ic2[p] + L->b1[p] * x0;
            v2d m2 = L->a21[p] * ic1[p] + L->a22[p] * ic2[p] + L->b2[p] * x0;
            v2d n1 = (L->q11[p] * ic1[p] + L->q12[p] * ic2[p]) + (L->c1[p] * x0 + L->b1[p] * x1);
            v2d n2 = (L->q21[p] * ic1[p] + L->q22[p] * ic2[p]) + (L->c2[p] * x0 + L->b2[p] * x1);
            store2x2(out, p, i, svf_out2(mode, L, p, x0, ic1[p], m1, ic2[p], m2),
                     svf_out2(mode, L, p, x1, m1, n1, m2, n2));
            ic1[p] = n1;
            ic2[p] = n2;
        }
    }
    if (i < end)
        for (int p = 0; p < SVF_PAIRS; p++) {
            v2d x0 = {in[2 * p][i], in[2 * p + 1][i]};
            v2d n1 = L->a11[p] * ic1[p] + L->a12[p] * ic2[p] + L->b1[p] * x0;
            v2d n2 = L->a21[p] * ic1[p] + L->a22[p] * ic2[p] + L->b2[p] * x0;
            store2(out, p, i, svf_out2(mode, L, p, x0, ic1[p], n1, ic2[p], n2));
            ic1[p] = n1;
            ic2[p] = n2;
        }
}

/* The instance's mode if it is the same at every frame of the block, else -1. */
static int block_mode(const lull_process *ctx)
{
    const float *mode = ctx->params[P_MODE];
    int m = clamp_mode(mode[0]);
    if (!ctx->params_static[P_MODE])
        for (uint32_t i = 1; i < ctx->frames; i++)
            if (clamp_mode(mode[i]) != m) return -1;
    return m;
}

/* svf_process for four lanes of the same phase, block length and constant mode. */
static void svf_process4(svf_node *const s[SVF_LANES], const lull_process *const ctx[SVF_LANES],
                         const int mode[SVF_LANES])
{
    const float *in[SVF_LANES], *cutoff[SVF_LANES], *q[SVF_LANES];
    float *out[SVF_LANES];
    svf_lanes L;
    int uniform = mode[0];
    for (int l = 0; l < SVF_LANES; l++) {
        in[l] = ctx[l]->inputs[0];
        out[l] = ctx[l]->outputs[0];
        cutoff[l] = ctx[l]->params[P_CUTOFF];
        q[l] = ctx[l]->params[P_Q];
        if (mode[l] != uniform) uniform = MIXED;
    }
    for (int m = 0; m < MODE_COUNT; m++)
        for (int p = 0; p < SVF_PAIRS; p++)
            L.is_mode[m][p] = (v2i){mode[2 * p] == m ? -1 : 0, mode[2 * p + 1] == m ? -1 : 0};
    v2d ic1[SVF_PAIRS], ic2[SVF_PAIRS];
    for (int p = 0; p < SVF_PAIRS; p++) {
        ic1[p] = PAIR(ic1, s, p);
        ic2[p] = PAIR(ic2, s, p);
    }
    uint32_t frames = ctx[0]->frames, i = 0;
    bool loaded = false; /* L holds the lanes' current designs */
    while (i < frames) {
        uint32_t phase = (uint32_t)(s[0]->frame % SVF_DESIGN_FRAMES);
        if (phase == 0)
            for (int l = 0; l < SVF_LANES; l++)
                if (svf_design_frame(s[l], cutoff[l][i], q[l][i])) loaded = false;
        uint32_t n = SVF_DESIGN_FRAMES - phase;
        if (n > frames - i) n = frames - i;
        if (!loaded) {
            svf_lanes_load(&L, s);
            loaded = true;
        }
        switch (uniform) {
        case LOWPASS: svf_run4(ic1, ic2, &L, LOWPASS, in, out, i, n); break;
        case BANDPASS: svf_run4(ic1, ic2, &L, BANDPASS, in, out, i, n); break;
        case HIGHPASS: svf_run4(ic1, ic2, &L, HIGHPASS, in, out, i, n); break;
        default: svf_run4(ic1, ic2, &L, MIXED, in, out, i, n); break;
        }
        for (int l = 0; l < SVF_LANES; l++) s[l]->frame += n;
        i += n;
    }
    for (int l = 0; l < SVF_LANES; l++) {
        s[l]->ic1 = ic1[l / 2][l % 2];
        s[l]->ic2 = ic2[l / 2][l % 2];
        svf_settle(s[l]);
    }
}

static void svf_process_batch(void *const *selves, const lull_process *const *ctxs, uint32_t count)
{
    svf_node *lane[SVF_LANES];
    const lull_process *lane_ctx[SVF_LANES];
    int lane_mode[SVF_LANES];
    uint32_t lanes = 0;
    for (uint32_t k = 0; k < count; k++) {
        svf_node *s = selves[k];
        int m = block_mode(ctxs[k]);
        bool fits = m >= 0 && (lanes == 0 || (ctxs[k]->frames == lane_ctx[0]->frames &&
                                              s->frame % SVF_DESIGN_FRAMES ==
                                                  lane[0]->frame % SVF_DESIGN_FRAMES));
        if (!fits) {
            svf_process(s, ctxs[k]);
            continue;
        }
        lane[lanes] = s;
        lane_ctx[lanes] = ctxs[k];
        lane_mode[lanes] = m;
        if (++lanes == SVF_LANES) {
            svf_process4(lane, lane_ctx, lane_mode);
            lanes = 0;
        }
    }
    for (uint32_t l = 0; l < lanes; l++) svf_process(lane[l], lane_ctx[l]);
}

static const lull_ext_batch svf_batch = {svf_process_batch};

static const void *svf_get_extension(void *self, const char *name)
{
    return strcmp(name, LULL_EXT_BATCH) == 0 ? &svf_batch : NULL;
}

static void svf_deactivate(void *self) {}
static void svf_destroy(void *self) { free(self); }

static const char *const mode_names[] = {"lowpass", "bandpass", "highpass"};
static const lull_port_info svf_inputs[] = {{"in"}};
static const lull_port_info svf_outputs[] = {{"out"}};
static const lull_param_info svf_params[P_COUNT] = {
    [P_MODE] = {"mode", "Mode", "", 0.0f, 2.0f, 0.0f, 0.0f, LULL_PARAM_STEPPED, mode_names},
    [P_CUTOFF] = {"cutoff", "Cutoff", "Hz", 20.0f, 20000.0f, 1000.0f, 30.0f,
                  LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_Q] = {"q", "Q", "", 0.5f, 20.0f, 0.707f, 30.0f,
             LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor svf_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "svf",
    .name = "State-variable filter",
    .version = "1.0.0",
    .description = "12 dB/oct lowpass, bandpass (0 dB peak) or highpass; a "
                   "topology-preserving (trapezoidal) SVF, safe under audio-rate modulation.",
    .input_count = 1,
    .inputs = svf_inputs,
    .output_count = 1,
    .outputs = svf_outputs,
    .param_count = P_COUNT,
    .params = svf_params,
    .create = svf_create,
    .activate = svf_activate,
    .process = svf_process,
    .reset = svf_reset,
    .deactivate = svf_deactivate,
    .destroy = svf_destroy,
    .get_extension = svf_get_extension,
};

LULL_PLUGIN_ENTRY(&svf_desc)
