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
#include <stddef.h>
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
    /* (in pairs: a batch loads each pair of four instances with four 16-byte loads
     * and transposes them into two vectors of four lanes) */
    double a11, a12, a21, a22, b1, b2;
    /* Two frames at once, s[n+2] = A^2 s[n] + A B x[n] + B x[n+1]: the dependency
     * chain then spans two frames, halving its cost per frame. */
    double q11, q12, q21, q22; /* A^2 */
    double c1, c2;             /* A B */
    double hk, unused;         /* hk = k / 2, k = 1 / Q */
} svf_coefs;

typedef struct svf_node {
    svf_coefs cached; /* the coefficients in use */
    double ic1, ic2;  /* integrator states (a pair, as above) */
    /* what the coefficients were designed for, and the values at the previous design
     * frame: one row of four floats, which a batch transposes into four vectors */
    float cached_cutoff, cached_q;
    float seen_cutoff, seen_q;
    double sample_rate, max_cutoff;
    uint64_t frame; /* frames since activate() or reset() */
    bool wide;      /* batches use the AVX2 copy of the lane kernel */
    /* the last mode value seen (its bits) and its clamp_mode(): a static mode costs
     * a compare per block instead of a rounding */
    uint32_t mode_bits;
    int mode;
} svf_node;

_Static_assert(offsetof(svf_node, cached_q) == offsetof(svf_node, cached_cutoff) + 4 &&
                   offsetof(svf_node, seen_cutoff) == offsetof(svf_node, cached_cutoff) + 8 &&
                   offsetof(svf_node, seen_q) == offsetof(svf_node, cached_cutoff) + 12,
               "the four design floats form one row");
_Static_assert(offsetof(svf_node, ic2) == offsetof(svf_node, ic1) + 8, "ic1, ic2 form a pair");
_Static_assert(offsetof(svf_node, cached_cutoff) == 128 && sizeof(svf_node) <= 192,
               "coefficients and states in two cache lines, the rest in a third");

static svf_coefs svf_design(const svf_node *s, float cutoff, float q)
{
    double fc = cutoff;
    if (!(fc >= 1.0)) fc = 1.0; /* also catches NaN */
    if (fc > s->max_cutoff) fc = s->max_cutoff;
    double qq = q >= 0.1f ? q : 0.1; /* also catches NaN */
    double g = tan(M_PI * fc / s->sample_rate);
    double k = 1.0 / qq;
    double a1 = 1.0 / (1.0 + g * (g + k)), a2 = g * a1, a3 = g * a2;
    svf_coefs c = {.hk = 0.5 * k,
                   .a11 = 2.0 * a1 - 1.0,
                   .a12 = -2.0 * a2,
                   .b1 = 2.0 * a2,
                   .a21 = 2.0 * a2,
                   .a22 = 1.0 - 2.0 * a3,
                   .b2 = 2.0 * a3};
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
    const double hk = c->hk;
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
static inline void svf_design_frame(svf_node *s, float c, float k)
{
    bool moved = fabsf(c - s->cached_cutoff) > SVF_RETUNE * s->cached_cutoff ||
                 fabsf(k - s->cached_q) > SVF_RETUNE * s->cached_q;
    bool settled =
        c == s->seen_cutoff && k == s->seen_q && (c != s->cached_cutoff || k != s->cached_q);
    if (moved || settled) {
        s->cached = svf_design(s, c, k);
        s->cached_cutoff = c;
        s->cached_q = k;
    }
    s->seen_cutoff = c;
    s->seen_q = k;
}

static int clamp_mode(float v)
{
    long m = lrintf(v);
    return m < 0 ? 0 : m >= MODE_COUNT ? MODE_COUNT - 1 : (int)m;
}

/* clamp_mode(v), rounding only when v differs from the last value seen. */
static inline int node_mode(svf_node *s, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (bits != s->mode_bits) {
        s->mode_bits = bits;
        s->mode = clamp_mode(v);
    }
    return s->mode;
}

/* [worker] True when batches may use AVX2: the CPU has it, and LULL_SIMD does not
 * ask for the x86-64 baseline ("sse2"). Both give the same output bit for bit. */
static bool svf_cpu_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    const char *want = getenv("LULL_SIMD");
    if (want && strcmp(want, "sse2") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

static void *svf_create(const lull_descriptor *desc, const lull_host *host)
{
    /* Cache-line aligned, so that a batch touches three lines of each instance
     * (the coefficients and states in two, the rest in the third). */
    size_t size = (sizeof(svf_node) + 63) / 64 * 64;
    svf_node *s = aligned_alloc(64, size);
    if (s) memset(s, 0, size);
    return s;
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
    s->wide = svf_cpu_avx2();
    s->mode_bits = 0; /* the bits of 0.0f */
    s->mode = clamp_mode(0.0f);
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
        if (s->frame % SVF_DESIGN_FRAMES == 0) svf_design_frame(s, cutoff[i], q[i]);
        /* Up to the next design frame, or the end of the block, or (rarely) a mode
         * change. */
        uint32_t n = SVF_DESIGN_FRAMES - (uint32_t)(s->frame % SVF_DESIGN_FRAMES);
        if (n > ctx->frames - i) n = ctx->frames - i;
        int m = node_mode(s, mode[i]);
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
 * Batches (lull.batch/1): up to eight instances at once, in one or two vectors of
 * four double lanes, so independent recursions overlap instead of one
 * latency-bound chain. Each lane performs exactly svf_run's operations in the same
 * order, and the plugin is built with -ffp-contract=off (plugin.cmake), so neither
 * path fuses a multiply-add: every instance's output is bit-identical to
 * svf_process. The same source is compiled twice: for the x86-64 baseline (SSE2,
 * where GCC splits each 4-lane vector into two 2-lane halves) and for AVX2 (one
 * 256-bit register per vector); svf_activate picks the AVX2 copy when the CPU has
 * it (LULL_SIMD=sse2 in the environment forces the baseline, for tests and
 * benchmarks). Lanes must share the run boundaries of the scalar path, which pair
 * frames from each run's start: the instances have the same design phase
 * (frame % SVF_DESIGN_FRAMES), block length and a mode constant over the block.
 * Any other instance is processed alone. */
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2l __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#define SVF_INLINE static inline __attribute__((always_inline))

enum { SVF_WIDTH = 4, SVF_VECS = 2, SVF_LANES = SVF_WIDTH * SVF_VECS, MIXED = MODE_COUNT };

/* The coefficients of the lanes' current designs, lane l in vector l / 4. */
typedef struct svf_lanes {
    v4d a11[SVF_VECS], a12[SVF_VECS], a21[SVF_VECS], a22[SVF_VECS];
    v4d b1[SVF_VECS], b2[SVF_VECS], q11[SVF_VECS], q12[SVF_VECS];
    v4d q21[SVF_VECS], q22[SVF_VECS], c1[SVF_VECS], c2[SVF_VECS], hk[SVF_VECS];
    /* all-ones where the lane's mode is that mode: outputs are selected bitwise,
     * since blending arithmetically could turn a -0.0 into +0.0 */
    v4l is_mode[MODE_COUNT][SVF_VECS];
} svf_lanes;

/* The pairs of doubles at byte offset `off` in instances s[0..3] as two vectors of
 * four lanes, x from the pairs' first and y from their second members: four
 * 16-byte loads and a transpose, with no scalar stored to be reloaded as a vector
 * (a store-to-load forwarding stall each). */
SVF_INLINE void load_pairs4(svf_node *const s[SVF_WIDTH], size_t off, v4d *x, v4d *y)
{
    v2d r[SVF_WIDTH];
#pragma GCC unroll 4
    for (int e = 0; e < SVF_WIDTH; e++) memcpy(&r[e], (const char *)s[e] + off, sizeof r[e]);
    v2d x01 = __builtin_shuffle(r[0], r[1], (v2l){0, 2}),
        y01 = __builtin_shuffle(r[0], r[1], (v2l){1, 3});
    v2d x23 = __builtin_shuffle(r[2], r[3], (v2l){0, 2}),
        y23 = __builtin_shuffle(r[2], r[3], (v2l){1, 3});
    *x = __builtin_shufflevector(x01, x23, 0, 1, 2, 3);
    *y = __builtin_shufflevector(y01, y23, 0, 1, 2, 3);
}

/* load_pairs4 backwards: lane e of x and y to the pair at `off` in instance s[e]. */
SVF_INLINE void store_pairs4(svf_node *const s[SVF_WIDTH], size_t off, v4d x, v4d y)
{
    v2d x01 = __builtin_shufflevector(x, x, 0, 1), x23 = __builtin_shufflevector(x, x, 2, 3);
    v2d y01 = __builtin_shufflevector(y, y, 0, 1), y23 = __builtin_shufflevector(y, y, 2, 3);
    v2d r[SVF_WIDTH] = {
        __builtin_shuffle(x01, y01, (v2l){0, 2}), __builtin_shuffle(x01, y01, (v2l){1, 3}),
        __builtin_shuffle(x23, y23, (v2l){0, 2}), __builtin_shuffle(x23, y23, (v2l){1, 3})};
#pragma GCC unroll 4
    for (int e = 0; e < SVF_WIDTH; e++) memcpy((char *)s[e] + off, &r[e], sizeof r[e]);
}

/* Vector v of the lanes takes the current designs of instances s[0..3]. */
SVF_INLINE void svf_lanes_load(svf_lanes *L, int v, svf_node *const s[SVF_WIDTH])
{
    v4d unused;
    load_pairs4(s, offsetof(svf_node, cached.a11), &L->a11[v], &L->a12[v]);
    load_pairs4(s, offsetof(svf_node, cached.a21), &L->a21[v], &L->a22[v]);
    load_pairs4(s, offsetof(svf_node, cached.b1), &L->b1[v], &L->b2[v]);
    load_pairs4(s, offsetof(svf_node, cached.q11), &L->q11[v], &L->q12[v]);
    load_pairs4(s, offsetof(svf_node, cached.q21), &L->q21[v], &L->q22[v]);
    load_pairs4(s, offsetof(svf_node, cached.c1), &L->c1[v], &L->c2[v]);
    load_pairs4(s, offsetof(svf_node, cached.hk), &L->hk[v], &unused);
}

/* svf_out for a vector of lanes; `mode` is a constant, or MIXED to select per lane. */
SVF_INLINE v4d svf_out4(int mode, const svf_lanes *L, int v, v4d v0, v4d ic1, v4d n1, v4d ic2,
                        v4d n2)
{
    const v4d half = {0.5, 0.5, 0.5, 0.5};
    if (mode == BANDPASS) return L->hk[v] * (ic1 + n1);
    if (mode == HIGHPASS) return v0 - L->hk[v] * (ic1 + n1) - half * (ic2 + n2);
    if (mode == LOWPASS) return half * (ic2 + n2);
    v4d bp = L->hk[v] * (ic1 + n1), lp = half * (ic2 + n2), hp = v0 - bp - lp;
    return (v4d)(((v4l)lp & L->is_mode[LOWPASS][v]) | ((v4l)bp & L->is_mode[BANDPASS][v]) |
                 ((v4l)hp & L->is_mode[HIGHPASS][v]));
}

/* 4 x 4 transpose: rows of four frames of four lanes become rows of one frame of
 * four lanes (and back). */
SVF_INLINE void transpose4(v4f r[4])
{
    v4f t0 = __builtin_shuffle(r[0], r[1], (v4i){0, 4, 1, 5});
    v4f t1 = __builtin_shuffle(r[2], r[3], (v4i){0, 4, 1, 5});
    v4f t2 = __builtin_shuffle(r[0], r[1], (v4i){2, 6, 3, 7});
    v4f t3 = __builtin_shuffle(r[2], r[3], (v4i){2, 6, 3, 7});
    r[0] = __builtin_shuffle(t0, t1, (v4i){0, 1, 4, 5});
    r[1] = __builtin_shuffle(t0, t1, (v4i){2, 3, 6, 7});
    r[2] = __builtin_shuffle(t2, t3, (v4i){0, 1, 4, 5});
    r[3] = __builtin_shuffle(t2, t3, (v4i){2, 3, 6, 7});
}

/* Frame i of vector v's four lanes. */
SVF_INLINE v4d gather4(const float *const in[SVF_LANES], int v, uint32_t i)
{
    const float *const *p = in + SVF_WIDTH * v;
    return (v4d){p[0][i], p[1][i], p[2][i], p[3][i]};
}

SVF_INLINE void scatter4(float *const out[SVF_LANES], int v, uint32_t i, v4d y)
{
    v4f f = __builtin_convertvector(y, v4f);
    float *const *p = out + SVF_WIDTH * v;
    p[0][i] = f[0], p[1][i] = f[1], p[2][i] = f[2], p[3][i] = f[3];
}

/* A row of four floats as doubles. (Spelled element by element: GCC 12 lowers
 * __builtin_convertvector(v4f -> v4d) into two halves with a stack round trip,
 * even where AVX converts the row in one instruction.) */
SVF_INLINE v4d widen4(v4f r) { return (v4d){r[0], r[1], r[2], r[3]}; }

/* svf_run's two-frame step for one vector of lanes. */
SVF_INLINE void svf_step2(const svf_lanes *L, int mode, int v, v4d *ic1, v4d *ic2, v4d x0, v4d x1,
                          v4d *y0, v4d *y1)
{
    v4d m1 = L->a11[v] * *ic1 + L->a12[v] * *ic2 + L->b1[v] * x0;
    v4d m2 = L->a21[v] * *ic1 + L->a22[v] * *ic2 + L->b2[v] * x0;
    v4d n1 = (L->q11[v] * *ic1 + L->q12[v] * *ic2) + (L->c1[v] * x0 + L->b1[v] * x1);
    v4d n2 = (L->q21[v] * *ic1 + L->q22[v] * *ic2) + (L->c2[v] * x0 + L->b2[v] * x1);
    *y0 = svf_out4(mode, L, v, x0, *ic1, m1, *ic2, m2);
    *y1 = svf_out4(mode, L, v, x1, m1, n1, m2, n2);
    *ic1 = n1;
    *ic2 = n2;
}

/* svf_run for nv vectors of lanes over frames [i0, i0 + n): four frames (two
 * steps) per iteration through a transpose, then a step and a single frame at
 * the end as svf_run pairs them. */
SVF_INLINE void svf_run_lanes(v4d ic1[SVF_VECS], v4d ic2[SVF_VECS], const svf_lanes *L, int mode,
                              int nv, const float *const in[SVF_LANES], float *const out[SVF_LANES],
                              uint32_t i0, uint32_t n)
{
    uint32_t i = i0, end = i0 + n;
    /* (every inner loop fully unrolled, so that the states and rows stay in
     * registers: a state through memory would put a store-to-load forwarding on
     * the recursion's critical path) */
    for (; i + 4 <= end; i += 4)
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            v4f r[4];
#pragma GCC unroll 4
            for (int e = 0; e < SVF_WIDTH; e++)
                memcpy(&r[e], in[SVF_WIDTH * v + e] + i, sizeof r[e]);
            transpose4(r);
            v4d y[4];
            svf_step2(L, mode, v, &ic1[v], &ic2[v], widen4(r[0]), widen4(r[1]), &y[0], &y[1]);
            svf_step2(L, mode, v, &ic1[v], &ic2[v], widen4(r[2]), widen4(r[3]), &y[2], &y[3]);
#pragma GCC unroll 4
            for (int f = 0; f < 4; f++) r[f] = __builtin_convertvector(y[f], v4f);
            transpose4(r);
#pragma GCC unroll 4
            for (int e = 0; e < SVF_WIDTH; e++)
                memcpy(out[SVF_WIDTH * v + e] + i, &r[e], sizeof r[e]);
        }
    if (i + 2 <= end) {
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            v4d y0, y1;
            svf_step2(L, mode, v, &ic1[v], &ic2[v], gather4(in, v, i), gather4(in, v, i + 1), &y0,
                      &y1);
            scatter4(out, v, i, y0);
            scatter4(out, v, i + 1, y1);
        }
        i += 2;
    }
    if (i < end)
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            v4d x0 = gather4(in, v, i);
            v4d n1 = L->a11[v] * ic1[v] + L->a12[v] * ic2[v] + L->b1[v] * x0;
            v4d n2 = L->a21[v] * ic1[v] + L->a22[v] * ic2[v] + L->b2[v] * x0;
            scatter4(out, v, i, svf_out4(mode, L, v, x0, ic1[v], n1, ic2[v], n2));
            ic1[v] = n1;
            ic2[v] = n2;
        }
}

/* The instance's mode if it is the same at every frame of the block, else -1. */
static int block_mode(svf_node *s, const lull_process *ctx)
{
    const float *mode = ctx->params[P_MODE];
    int m = node_mode(s, mode[0]);
    if (!ctx->params_static[P_MODE])
        for (uint32_t i = 1; i < ctx->frames; i++)
            if (clamp_mode(mode[i]) != m) return -1;
    return m;
}

/* The design floats of instances s[0..3] (cached cutoff, cached Q, seen cutoff,
 * seen Q), one vector of four lanes each, and back. */
SVF_INLINE void load_design4(svf_node *const s[SVF_WIDTH], v4f d[4])
{
#pragma GCC unroll 4
    for (int e = 0; e < SVF_WIDTH; e++) memcpy(&d[e], &s[e]->cached_cutoff, sizeof d[e]);
    transpose4(d);
}

SVF_INLINE void store_design4(svf_node *const s[SVF_WIDTH], const v4f d[4])
{
    v4f r[4] = {d[0], d[1], d[2], d[3]};
    transpose4(r);
#pragma GCC unroll 4
    for (int e = 0; e < SVF_WIDTH; e++) memcpy(&s[e]->cached_cutoff, &r[e], sizeof r[e]);
}

SVF_INLINE v4f fabs4(v4f x) { return (v4f)((v4i)x & 0x7fffffff); }

/* svf_design_frame's decision for a vector of lanes (d from load_design4): all-ones
 * where the lane redesigns. The same float operations as the scalar test, IEEE
 * comparisons included (== and > false, != true on NaN), so the same decisions. */
SVF_INLINE v4i svf_redesign4(v4f c, v4f k, const v4f d[4])
{
    const v4f retune = {SVF_RETUNE, SVF_RETUNE, SVF_RETUNE, SVF_RETUNE};
    v4i moved = (fabs4(c - d[0]) > retune * d[0]) | (fabs4(k - d[1]) > retune * d[1]);
    v4i settled = (c == d[2]) & (k == d[3]) & ((c != d[0]) | (k != d[1]));
    return moved | settled;
}

SVF_INLINE bool any4(v4i m)
{
    uint64_t u[2];
    memcpy(u, &m, sizeof u);
    return (u[0] | u[1]) != 0;
}

SVF_INLINE v4f select4(v4i m, v4f a, v4f b) { return (v4f)(((v4i)a & m) | ((v4i)b & ~m)); }

/* svf_process for 4 * nv lanes of the same phase, block length and constant mode.
 * The instances' states and design floats travel in vectors for the whole block
 * (loaded and stored back with transposes); the design test runs on four lanes at
 * once, and only lanes that redesign call svf_design. */
SVF_INLINE void svf_process_lanes(svf_node *const s[SVF_LANES],
                                  const lull_process *const ctx[SVF_LANES],
                                  const int mode[SVF_LANES], int nv)
{
    const int lanes = SVF_WIDTH * nv;
    const float *in[SVF_LANES], *cutoff[SVF_LANES], *q[SVF_LANES];
    float *out[SVF_LANES];
    svf_lanes L;
    int uniform = mode[0];
    for (int l = 0; l < lanes; l++) {
        in[l] = ctx[l]->inputs[0];
        out[l] = ctx[l]->outputs[0];
        cutoff[l] = ctx[l]->params[P_CUTOFF];
        q[l] = ctx[l]->params[P_Q];
        if (mode[l] != uniform) uniform = MIXED;
    }
    v4d ic1[SVF_VECS], ic2[SVF_VECS];
    v4f design[SVF_VECS][4];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        svf_node *const *sv = s + SVF_WIDTH * v;
        load_pairs4(sv, offsetof(svf_node, ic1), &ic1[v], &ic2[v]);
        load_design4(sv, design[v]);
        svf_lanes_load(&L, v, sv);
        if (uniform == MIXED)
            for (int m = 0; m < MODE_COUNT; m++)
                for (int e = 0; e < SVF_WIDTH; e++)
                    L.is_mode[m][v][e] = mode[SVF_WIDTH * v + e] == m ? -1 : 0;
        else /* unread, but GCC -O3 cannot tell */
            for (int m = 0; m < MODE_COUNT; m++) L.is_mode[m][v] = (v4l){0, 0, 0, 0};
    }
    /* The last design made in this call, and what for: the voices of one graph
     * often move their cutoffs together (one modulation onto every voice), and the
     * same inputs give the same coefficients, so tan() runs once for them all. */
    svf_coefs memo;
    uint32_t memo_c = 0, memo_k = 0;
    double memo_rate = 0.0; /* 0: no design yet (every rate is >= 1 Hz) */
    uint32_t frames = ctx[0]->frames, i = 0;
    uint32_t phase = (uint32_t)(s[0]->frame % SVF_DESIGN_FRAMES);
    while (i < frames) {
        if (phase == 0)
#pragma GCC unroll 2
            for (int v = 0; v < nv; v++) {
                const float *const *cv = cutoff + SVF_WIDTH * v, *const *qv = q + SVF_WIDTH * v;
                v4f c = {cv[0][i], cv[1][i], cv[2][i], cv[3][i]};
                v4f k = {qv[0][i], qv[1][i], qv[2][i], qv[3][i]};
                v4i redo = svf_redesign4(c, k, design[v]);
                if (any4(redo)) {
                    svf_node *const *sv = s + SVF_WIDTH * v;
                    for (int e = 0; e < SVF_WIDTH; e++) {
                        if (!redo[e]) continue;
                        uint32_t cb, kb;
                        float ce = c[e], ke = k[e];
                        memcpy(&cb, &ce, sizeof cb); /* bit for bit: NaN and -0 too */
                        memcpy(&kb, &ke, sizeof kb);
                        if (memo_rate != sv[e]->sample_rate || cb != memo_c || kb != memo_k) {
                            memo = svf_design(sv[e], ce, ke);
                            memo_c = cb;
                            memo_k = kb;
                            memo_rate = sv[e]->sample_rate;
                        }
                        sv[e]->cached = memo;
                    }
                    svf_lanes_load(&L, v, sv);
                }
                design[v][0] = select4(redo, c, design[v][0]);
                design[v][1] = select4(redo, k, design[v][1]);
                design[v][2] = c;
                design[v][3] = k;
            }
        uint32_t n = SVF_DESIGN_FRAMES - phase;
        if (n > frames - i) n = frames - i;
        switch (uniform) {
        case LOWPASS: svf_run_lanes(ic1, ic2, &L, LOWPASS, nv, in, out, i, n); break;
        case BANDPASS: svf_run_lanes(ic1, ic2, &L, BANDPASS, nv, in, out, i, n); break;
        case HIGHPASS: svf_run_lanes(ic1, ic2, &L, HIGHPASS, nv, in, out, i, n); break;
        default: svf_run_lanes(ic1, ic2, &L, MIXED, nv, in, out, i, n); break;
        }
        phase = (phase + n) % SVF_DESIGN_FRAMES;
        i += n;
    }
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        svf_node *const *sv = s + SVF_WIDTH * v;
        store_pairs4(sv, offsetof(svf_node, ic1), ic1[v], ic2[v]);
        store_design4(sv, design[v]);
    }
    for (int l = 0; l < lanes; l++) {
        s[l]->frame += frames;
        svf_settle(s[l]);
    }
}

/* The two compilations of the lane kernel; nv is 1 (four lanes) or 2 (eight). */
static void svf_lanes_base(svf_node *const s[SVF_LANES], const lull_process *const ctx[SVF_LANES],
                           const int mode[SVF_LANES], int nv)
{
    if (nv == 2)
        svf_process_lanes(s, ctx, mode, 2);
    else
        svf_process_lanes(s, ctx, mode, 1);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static void svf_lanes_avx2(svf_node *const s[SVF_LANES],
                                                           const lull_process *const ctx[SVF_LANES],
                                                           const int mode[SVF_LANES], int nv)
{
    if (nv == 2)
        svf_process_lanes(s, ctx, mode, 2);
    else
        svf_process_lanes(s, ctx, mode, 1);
}
#else
#define svf_lanes_avx2 svf_lanes_base /* svf_cpu_avx2() is false there anyway */
#endif

static void svf_process_batch(void *const *selves, const lull_process *const *ctxs, uint32_t count)
{
    svf_node *lane[SVF_LANES];
    const lull_process *lane_ctx[SVF_LANES];
    int lane_mode[SVF_LANES];
    uint32_t lanes = 0;
    for (uint32_t k = 0; k < count; k++) {
        svf_node *s = selves[k];
        int m = block_mode(s, ctxs[k]);
        bool fits =
            m >= 0 &&
            (lanes == 0 || (ctxs[k]->frames == lane_ctx[0]->frames &&
                            s->frame % SVF_DESIGN_FRAMES == lane[0]->frame % SVF_DESIGN_FRAMES));
        if (!fits) {
            svf_process(s, ctxs[k]);
            continue;
        }
        lane[lanes] = s;
        lane_ctx[lanes] = ctxs[k];
        lane_mode[lanes] = m;
        if (++lanes == SVF_LANES) {
            (lane[0]->wide ? svf_lanes_avx2 : svf_lanes_base)(lane, lane_ctx, lane_mode, 2);
            lanes = 0;
        }
    }
    uint32_t l = 0;
    if (lanes >= SVF_WIDTH) {
        (lane[0]->wide ? svf_lanes_avx2 : svf_lanes_base)(lane, lane_ctx, lane_mode, 1);
        l = SVF_WIDTH;
    }
    for (; l < lanes; l++) svf_process(lane[l], lane_ctx[l]);
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
