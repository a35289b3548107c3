/* noise: white, pink or brown noise, bit-identical for a given host seed.
 *
 * White: uniform in [-1, 1) from xoshiro128+ (seeded through splitmix64).
 * Pink: Paul Kellett's "refined" filter (sum of first-order sections, within
 *   0.05 dB of -3 dB/octave above 10 Hz at 44.1 kHz); its five low poles are moved
 *   for the actual sample rate keeping each section's corner frequency and DC gain.
 *   Its top terms are defined per sample, not in Hz, so from 80 kHz up they cannot
 *   carry the slope to 20 kHz alone: there a sixth section (corner 15 kHz, DC gain
 *   0.35 x the 4.2 kHz section's) joins and those terms are scaled by 0.7, values
 *   fitted to keep every octave 40 Hz..20 kHz within 0.25 dB at 88.2..192 kHz.
 * Brown: leaky integrator of white (pole at 10 Hz), so it never drifts: zero mean,
 *   a finite DC gain and -6 dB/octave above ~20 Hz.
 * All three are normalised to the RMS of the white noise (level / sqrt 3), so a
 * colour change is a 20 ms crossfade between two streams of equal loudness rather
 * than a jump. Only the sounding colour is computed outside a crossfade. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_COLOR, P_LEVEL, P_COUNT };
enum { WHITE, PINK, BROWN, COLOR_COUNT };

#define PINK_SECTIONS 6 /* Kellett's five + one for high sample rates */
#define KELLETT_SECTIONS 5
#define HIGH_RATE 80000.0
#define HIGH_SECTION_HZ 15000.0
#define HIGH_SECTION_DC 0.35
#define HIGH_RATE_TAIL 0.7
#define KELLETT_RATE 44100.0
#define BROWN_POLE_HZ 10.0
#define COLOR_FADE_SECONDS 0.02

typedef struct noise_node {
    /* xoshiro128+ state s[0..3]; first and aligned so that a batch moves it in and
     * out of its lanes as one 16-byte vector per instance */
    _Alignas(16) uint32_t rng[4];
    uint64_t seed;
    /* the colour `color_key` selects (clamp_color), kept so that a block whose colour
     * parameter did not change costs a compare, not a libm lrintf call */
    float color_key;
    int color_key_pick;
    /* pink: leaky sections (the last one only at high rates), then Kellett's
     * section near Nyquist (pink_state[PINK_SECTIONS]) and his delayed tap */
    float pink_pole[PINK_SECTIONS], pink_gain[PINK_SECTIONS];
    float pink_state[PINK_SECTIONS + 1], pink_delayed;
    float pink_tail; /* scale of Kellett's per-sample top terms */
    float pink_norm;
    /* brown */
    float brown_pole, brown_gain, brown_state;
    /* colour crossfade */
    int color, fade_from;
    uint32_t fade_pos, fade_frames; /* fading while fade_pos < fade_frames */
    bool wide;                      /* batches use the AVX2 copy of the lane kernel */
} noise_node;

/* Kellett's refined pink filter at 44.1 kHz: b_i = p_i b_i + c_i w. */
static const double kellett_pole[KELLETT_SECTIONS] = {0.99886, 0.99332, 0.96900, 0.86650, 0.55000};
static const double kellett_gain[KELLETT_SECTIONS] = {0.0555179, 0.0750759, 0.1538520, 0.3104856,
                                                      0.5329522};
#define KELLETT_NYQ_POLE (-0.7616f)
#define KELLETT_NYQ_GAIN (-0.0168980f)
#define KELLETT_DIRECT 0.5362f
#define KELLETT_DELAYED 0.115926f

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* xoshiro128+: fast, and its top bits (the only ones used) are of good quality. */
static uint32_t rng_next(uint32_t s[4])
{
    uint32_t result = s[0] + s[3];
    uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
}

/* Uniform in [-1, 1) from the top 24 bits. */
static float rng_white(uint32_t s[4])
{
    return (float)((int32_t)(rng_next(s) & 0xFFFFFF00u)) * (1.0f / 2147483648.0f);
}

static void noise_clear(noise_node *n)
{
    uint64_t x = n->seed;
    uint64_t a = splitmix64(&x), b = splitmix64(&x);
    n->rng[0] = (uint32_t)a;
    n->rng[1] = (uint32_t)(a >> 32);
    n->rng[2] = (uint32_t)b;
    n->rng[3] = (uint32_t)(b >> 32) | 1u; /* never the all-zero state */
    memset(n->pink_state, 0, sizeof n->pink_state);
    n->pink_delayed = 0.0f;
    n->brown_state = 0.0f;
    n->fade_pos = n->fade_frames;
}

/* (inlined: colour_block keeps its state in registers only then) */
static inline __attribute__((always_inline)) float pink_step(noise_node *n, float w)
{
    float sum = 0.0f;
#pragma GCC unroll 6
    for (int i = 0; i < PINK_SECTIONS; i++) {
        n->pink_state[i] = n->pink_pole[i] * n->pink_state[i] + n->pink_gain[i] * w;
        sum += n->pink_state[i];
    }
    float tail_w = n->pink_tail * w;
    n->pink_state[PINK_SECTIONS] =
        KELLETT_NYQ_POLE * n->pink_state[PINK_SECTIONS] + KELLETT_NYQ_GAIN * tail_w;
    sum += n->pink_state[PINK_SECTIONS] + n->pink_delayed + KELLETT_DIRECT * tail_w;
    n->pink_delayed = KELLETT_DELAYED * tail_w;
    return sum;
}

/* True when no later sample of the pink impulse response (input 0 from the third
 * sample on, so the delayed tap is 0) can change `energy`: each section's state
 * only shrinks in magnitude (|pole| < 1), so every later |h| is at most the sum
 * of their magnitudes now; if twice that, squared, is below energy * 2^-54 (half
 * an ulp of energy at least), every later energy += h * h rounds back to energy.
 * Stopping there gives exactly the sum over all 4 s, without crawling through
 * denormals (FTZ is off on the worker). */
static bool pink_tail_negligible(const noise_node *n, double energy)
{
    double bound = fabs(n->pink_delayed);
    for (int i = 0; i <= PINK_SECTIONS; i++) bound += fabs(n->pink_state[i]);
    return 4.0 * bound * bound < energy * 0x1p-54;
}

/* [worker] True when batches may use AVX2: the CPU has it, and LULL_SIMD does not
 * ask for the x86-64 baseline ("sse2"). Both give the same output bit for bit. */
static bool noise_cpu_avx2(void)
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

static void *noise_create(const lull_descriptor *desc, const lull_host *host)
{
    noise_node *n = calloc(1, sizeof *n);
    if (n) n->seed = host->seed;
    return n;
}

static bool noise_activate(void *self, double sample_rate, uint32_t max_frames)
{
    noise_node *n = self;
    for (int i = 0; i < KELLETT_SECTIONS; i++) {
        /* Same corner frequency (so the same place in Hz) and the same DC gain. */
        double corner = -log(kellett_pole[i]) * KELLETT_RATE;
        double pole = exp(-corner / sample_rate);
        n->pink_pole[i] = (float)pole;
        n->pink_gain[i] = (float)(kellett_gain[i] * (1.0 - pole) / (1.0 - kellett_pole[i]));
    }
    bool high = sample_rate >= HIGH_RATE;
    double top_pole = exp(-2.0 * M_PI * HIGH_SECTION_HZ / sample_rate);
    double top_dc = HIGH_SECTION_DC * kellett_gain[KELLETT_SECTIONS - 1] /
                    (1.0 - kellett_pole[KELLETT_SECTIONS - 1]);
    n->pink_pole[KELLETT_SECTIONS] = (float)top_pole;
    n->pink_gain[KELLETT_SECTIONS] = high ? (float)(top_dc * (1.0 - top_pole)) : 0.0f;
    n->pink_tail = high ? (float)HIGH_RATE_TAIL : 1.0f;
    double pole = exp(-2.0 * M_PI * BROWN_POLE_HZ / sample_rate);
    n->brown_pole = (float)pole;
    /* White of variance s^2 through g / (1 - p z^-1) has variance g^2 s^2 / (1 - p^2):
     * choose g for the white noise's own variance. */
    n->brown_gain = (float)sqrt(1.0 - pole * pole);

    /* Pink's variance gain is the energy of its impulse response over 4 s. */
    noise_clear(n);
    double energy = 0.0;
    for (uint32_t i = 0; i < (uint32_t)(sample_rate * 4.0); i++) {
        double h = pink_step(n, i == 0 ? 1.0f : 0.0f);
        energy += h * h;
        if (i >= 2 && i % 64 == 0 && pink_tail_negligible(n, energy)) break;
    }
    n->pink_norm = (float)(1.0 / sqrt(energy));
    n->fade_frames = (uint32_t)lrint(COLOR_FADE_SECONDS * sample_rate);
    n->color = -1; /* the first block picks the colour without a fade */
    noise_clear(n);
    n->wide = noise_cpu_avx2();
    return true;
}

static void noise_reset(void *self)
{
    noise_node *n = self;
    noise_clear(n);
    n->color = -1;
}

static int clamp_color(float v)
{
    long c = lrintf(v);
    return c < 0 ? 0 : c >= COLOR_COUNT ? COLOR_COUNT - 1 : (int)c;
}

/* clamp_color(v), remembered for the last value asked (a NaN is never equal, so
 * it is always recomputed). calloc's 0.0f -> WHITE is already a true pair. */
static int color_of(noise_node *n, float v)
{
    if (v != n->color_key) {
        n->color_key = v;
        n->color_key_pick = clamp_color(v);
    }
    return n->color_key_pick;
}

/* One sample of every stream (used while crossfading between two colours). */
static void all_streams(noise_node *n, float streams[COLOR_COUNT])
{
    float w = rng_white(n->rng);
    streams[WHITE] = w;
    streams[PINK] = pink_step(n, w) * n->pink_norm;
    n->brown_state = n->brown_pole * n->brown_state + n->brown_gain * w;
    streams[BROWN] = n->brown_state;
}

static void noise_process(void *self, const lull_process *ctx)
{
    noise_node *n = self;
    float *out = ctx->outputs[0];
    const float *color = ctx->params[P_COLOR];
    const float *level = ctx->params[P_LEVEL];
    uint32_t i = 0;
    while (i < ctx->frames) {
        int c = color_of(n, color[i]);
        if (n->color < 0) n->color = c;
        if (c != n->color && n->fade_pos >= n->fade_frames) {
            /* (a change during a fade waits for it to finish: no step, ever) */
            n->fade_from = n->color;
            n->color = c;
            n->fade_pos = 0;
        }
        if (n->fade_pos < n->fade_frames) {
            float streams[COLOR_COUNT];
            all_streams(n, streams);
            /* equal-power crossfade: the streams are uncorrelated */
            float a = (float)n->fade_pos / (float)n->fade_frames * (float)(M_PI / 2.0);
            float y = streams[n->color] * sinf(a) + streams[n->fade_from] * cosf(a);
            n->fade_pos++;
            out[i] = y * level[i];
            i++;
            continue;
        }
        /* Steady colour: run only that stream, up to the next colour change. The
         * other filters rest; their short time constants (< 25 ms) settle under the
         * 20 ms crossfade when they are next needed. */
        uint32_t end = i + 1;
        if (ctx->params_static[P_COLOR])
            end = ctx->frames;
        else
            while (end < ctx->frames && color_of(n, color[end]) == c) end++;
        switch (n->color) {
        case WHITE:
            for (; i < end; i++) out[i] = rng_white(n->rng) * level[i];
            break;
        case PINK:
            for (; i < end; i++) out[i] = pink_step(n, rng_white(n->rng)) * n->pink_norm * level[i];
            break;
        default:
            for (; i < end; i++) {
                n->brown_state = n->brown_pole * n->brown_state + n->brown_gain * rng_white(n->rng);
                out[i] = n->brown_state * level[i];
            }
            break;
        }
    }
}

/* ---------------------------------------------------------------------------------
 * Batches (lull.batch/1). The white generator's recursion is one long dependency
 * chain per instance; eight instances' generators run side by side in the eight
 * uint32 lanes of a vector, each lane doing exactly rng_next's operations, so each
 * produces exactly its own scalar sequence. A white instance's output (w * level,
 * the one multiply of noise_process) is written straight from the lanes; the pink
 * and brown filters run per instance on the generated block as in noise_process.
 * Instances that change or fade colour in the block, or pick their first colour,
 * are processed alone. The kernel is compiled for the x86-64 baseline (SSE2: GCC
 * splits each 8-lane vector into two halves) and for AVX2 (one register), chosen
 * in noise_activate; integer arithmetic and one float multiply per sample give the
 * same bits either way.
 *
 * The per-block cost around the generator is kept small: the lanes' state moves in
 * and out as one 16-byte load and store per instance and two 4x4 transposes (not
 * 64 scalar moves through the stack, whose vector reload stalled on store
 * forwarding), a batch of eight white instances runs a copy of the kernel with no
 * per-lane tests, and the colour parameter is rounded only when it changes
 * (color_of). */
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
typedef uint32_t v4u __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#define NOISE_INLINE static inline __attribute__((always_inline))

enum { NOISE_LANES = 8 };

/* rng_white in eight lanes: lane l of s0..s3 holds instance l's s[0..3]. */
NOISE_INLINE v8f white_lanes(v8u *s0, v8u *s1, v8u *s2, v8u *s3)
{
    v8u result = *s0 + *s3;
    v8u t = *s1 << 9;
    *s2 ^= *s0;
    *s3 ^= *s1;
    *s1 ^= *s2;
    *s0 ^= *s3;
    *s2 ^= t;
    *s3 = (*s3 << 11) | (*s3 >> 21);
    return __builtin_convertvector((v8i)(result & 0xFFFFFF00u), v8f) * (1.0f / 2147483648.0f);
}

/* Half h (lanes 4h..4h+3) of an 8-lane vector. */
NOISE_INLINE v4f half4(v8f x, int h)
{
    v4f r;
    memcpy(&r, (const char *)&x + 16 * h, sizeof r);
    return r;
}

/* Half h of an 8-lane state vector. */
/* lo in lanes 0-3, hi in 4-7 (by memcpy, like half4: __builtin_shufflevector is
 * GCC 12 or later). */
NOISE_INLINE v8u join8u(v4u lo, v4u hi)
{
    v8u r;
    memcpy(&r, &lo, sizeof lo);
    memcpy((char *)&r + sizeof lo, &hi, sizeof hi);
    return r;
}

NOISE_INLINE v4u half4u(v8u x, int h)
{
    v4u r;
    memcpy(&r, (const char *)&x + 16 * h, sizeof r);
    return r;
}

/* Rows a, b, c, d become columns: out[e] = {a[e], b[e], c[e], d[e]}. Its own inverse. */
NOISE_INLINE void transpose4(v4f a, v4f b, v4f c, v4f d, v4f out[4])
{
    v4f t0 = __builtin_shuffle(a, b, (v4i){0, 4, 1, 5});
    v4f t1 = __builtin_shuffle(c, d, (v4i){0, 4, 1, 5});
    v4f t2 = __builtin_shuffle(a, b, (v4i){2, 6, 3, 7});
    v4f t3 = __builtin_shuffle(c, d, (v4i){2, 6, 3, 7});
    out[0] = __builtin_shuffle(t0, t1, (v4i){0, 1, 4, 5});
    out[1] = __builtin_shuffle(t0, t1, (v4i){2, 3, 6, 7});
    out[2] = __builtin_shuffle(t2, t3, (v4i){0, 1, 4, 5});
    out[3] = __builtin_shuffle(t2, t3, (v4i){2, 3, 6, 7});
}

/* transpose4 of raw 32-bit state words (shuffles move bits, never convert them). */
NOISE_INLINE void transpose4u(const v4u in[4], v4u out[4])
{
    v4f t[4];
    transpose4((v4f)in[0], (v4f)in[1], (v4f)in[2], (v4f)in[3], t);
    for (int e = 0; e < 4; e++) out[e] = (v4u)t[e];
}

/* `frames` white samples for each of `lanes` (<= 8) instances: to out[l] already
 * times level[l] when white[l], else into w[l] for the colour filters. white NULL:
 * eight lanes, all white (the common batch, compiled without per-lane tests). */
NOISE_INLINE void white8(noise_node *const n[NOISE_LANES], uint32_t lanes, uint32_t frames,
                         float *const dst[NOISE_LANES], const float *const level[NOISE_LANES],
                         const bool *white)
{
    /* instance l's s[0..3] is row l; transposed, row k of each half is s_k of four
     * lanes. Unused lanes stay all-zero. */
    v4u rows[NOISE_LANES], cols[NOISE_LANES];
#pragma GCC unroll 8
    for (uint32_t l = 0; l < NOISE_LANES; l++) {
        rows[l] = (v4u){0};
        if (l < lanes) memcpy(&rows[l], n[l]->rng, sizeof rows[l]);
    }
    transpose4u(rows, cols);
    transpose4u(rows + 4, cols + 4);
    v8u s0 = join8u(cols[0], cols[4]);
    v8u s1 = join8u(cols[1], cols[5]);
    v8u s2 = join8u(cols[2], cols[6]);
    v8u s3 = join8u(cols[3], cols[7]);
    uint32_t i = 0;
    for (; i + 4 <= frames; i += 4) {
        v8f x0 = white_lanes(&s0, &s1, &s2, &s3), x1 = white_lanes(&s0, &s1, &s2, &s3);
        v8f x2 = white_lanes(&s0, &s1, &s2, &s3), x3 = white_lanes(&s0, &s1, &s2, &s3);
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            /* transpose to four frames per instance: whole-vector stores */
            v4f lane[4];
            transpose4(half4(x0, h), half4(x1, h), half4(x2, h), half4(x3, h), lane);
#pragma GCC unroll 4
            for (int e = 0; e < 4; e++) {
                uint32_t l = 4 * (uint32_t)h + (uint32_t)e;
                if (l >= lanes) break;
                v4f y = lane[e];
                if (!white || white[l]) {
                    v4f g;
                    memcpy(&g, level[l] + i, sizeof g);
                    y *= g;
                }
                memcpy(dst[l] + i, &y, sizeof y);
            }
        }
    }
    for (; i < frames; i++) {
        v8f x = white_lanes(&s0, &s1, &s2, &s3);
        for (uint32_t l = 0; l < lanes; l++)
            dst[l][i] = !white || white[l] ? x[l] * level[l][i] : x[l];
    }
    for (int h = 0; h < 2; h++) {
        v4u st[4] = {half4u(s0, h), half4u(s1, h), half4u(s2, h), half4u(s3, h)};
        transpose4u(st, rows + 4 * h);
    }
#pragma GCC unroll 8
    for (uint32_t l = 0; l < NOISE_LANES; l++)
        if (l < lanes) memcpy(n[l]->rng, &rows[l], sizeof rows[l]);
}

/* white8, with eight white lanes taking a copy compiled without per-lane tests. */
NOISE_INLINE void white8_any(noise_node *const n[NOISE_LANES], uint32_t lanes, uint32_t frames,
                             float *const dst[NOISE_LANES], const float *const level[NOISE_LANES],
                             const bool white[NOISE_LANES])
{
    bool all_white = lanes == NOISE_LANES;
    for (uint32_t l = 0; l < lanes; l++) all_white &= white[l];
    if (all_white)
        white8(n, NOISE_LANES, frames, dst, level, NULL);
    else
        white8(n, lanes, frames, dst, level, white);
}

static void white8_base(noise_node *const n[NOISE_LANES], uint32_t lanes, uint32_t frames,
                        float *const dst[NOISE_LANES], const float *const level[NOISE_LANES],
                        const bool white[NOISE_LANES])
{
    white8_any(n, lanes, frames, dst, level, white);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static void white8_avx2(noise_node *const n[NOISE_LANES],
                                                        uint32_t lanes, uint32_t frames,
                                                        float *const dst[NOISE_LANES],
                                                        const float *const level[NOISE_LANES],
                                                        const bool white[NOISE_LANES])
{
    white8_any(n, lanes, frames, dst, level, white);
}
#else
#define white8_avx2 white8_base /* noise_cpu_avx2() is false there anyway */
#endif

/* True when the instance plays one settled colour for the whole block. */
static bool steady_block(noise_node *n, const lull_process *ctx)
{
    if (n->color < 0 || n->fade_pos < n->fade_frames || ctx->frames > LULL_MAX_BLOCK) return false;
    const float *color = ctx->params[P_COLOR];
    uint32_t check = ctx->params_static[P_COLOR] ? 1 : ctx->frames;
    for (uint32_t i = 0; i < check; i++)
        if (color_of(n, color[i]) != n->color) return false;
    return true;
}

/* noise_process's pink and brown loops, on white samples generated beforehand. The
 * filter state is worked on in a local copy: `out` could alias the node for all
 * the compiler knows, which would make it store and reload every state every
 * sample (same operations, same order, so the same bits). */
static void colour_block(noise_node *n, const lull_process *ctx, const float *w)
{
    float *out = ctx->outputs[0];
    const float *level = ctx->params[P_LEVEL];
    uint32_t frames = ctx->frames;
    if (n->color == PINK) {
        noise_node f = *n;
        for (uint32_t i = 0; i < frames; i++) out[i] = pink_step(&f, w[i]) * f.pink_norm * level[i];
        memcpy(n->pink_state, f.pink_state, sizeof n->pink_state);
        n->pink_delayed = f.pink_delayed;
    } else {
        float state = n->brown_state;
        for (uint32_t i = 0; i < frames; i++) {
            state = n->brown_pole * state + n->brown_gain * w[i];
            out[i] = state * level[i];
        }
        n->brown_state = state;
    }
}

/* Up to eight steady instances of the same block length. */
static void noise_lanes(noise_node *const lane[NOISE_LANES],
                        const lull_process *const ctx[NOISE_LANES], uint32_t lanes)
{
    float w[NOISE_LANES][LULL_MAX_BLOCK];
    float *dst[NOISE_LANES] = {0};
    const float *level[NOISE_LANES] = {0};
    bool white[NOISE_LANES] = {0};
    for (uint32_t l = 0; l < lanes; l++) {
        white[l] = lane[l]->color == WHITE;
        dst[l] = white[l] ? ctx[l]->outputs[0] : w[l];
        level[l] = ctx[l]->params[P_LEVEL];
    }
    (lane[0]->wide ? white8_avx2 : white8_base)(lane, lanes, ctx[0]->frames, dst, level, white);
    for (uint32_t l = 0; l < lanes; l++)
        if (!white[l]) colour_block(lane[l], ctx[l], w[l]);
}

static void noise_process_batch(void *const *selves, const lull_process *const *ctxs,
                                uint32_t count)
{
    noise_node *lane[NOISE_LANES];
    const lull_process *lane_ctx[NOISE_LANES];
    uint32_t lanes = 0;
    for (uint32_t k = 0; k < count; k++) {
        noise_node *n = selves[k];
        if (!steady_block(n, ctxs[k]) || (lanes && ctxs[k]->frames != lane_ctx[0]->frames)) {
            noise_process(n, ctxs[k]);
            continue;
        }
        lane[lanes] = n;
        lane_ctx[lanes] = ctxs[k];
        if (++lanes == NOISE_LANES) {
            noise_lanes(lane, lane_ctx, lanes);
            lanes = 0;
        }
    }
    /* two or more left: the unused lanes cost less than running them one by one */
    if (lanes >= 2)
        noise_lanes(lane, lane_ctx, lanes);
    else if (lanes == 1)
        noise_process(lane[0], lane_ctx[0]);
}

static const lull_ext_batch noise_batch = {noise_process_batch};

static const void *noise_get_extension(void *self, const char *name)
{
    return strcmp(name, LULL_EXT_BATCH) == 0 ? &noise_batch : NULL;
}

static void noise_deactivate(void *self) {}
static void noise_destroy(void *self) { free(self); }

static const char *const color_names[] = {"white", "pink", "brown"};
static const lull_port_info noise_outputs[] = {{"out"}};
static const lull_param_info noise_params[P_COUNT] = {
    [P_COLOR] = {"color", "Colour", "", 0.0f, 2.0f, 1.0f, 0.0f, LULL_PARAM_STEPPED, color_names},
    [P_LEVEL] = {"level", "Level", "", 0.0f, 1.0f, 0.25f, 20.0f, LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor noise_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "noise",
    .name = "Noise",
    .version = "1.0.0",
    .description = "White, pink (-3 dB/oct) or brown (-6 dB/oct) noise, all of RMS "
                   "level/sqrt(3), reproducible from the node's seed.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 1,
    .outputs = noise_outputs,
    .param_count = P_COUNT,
    .params = noise_params,
    .create = noise_create,
    .activate = noise_activate,
    .process = noise_process,
    .reset = noise_reset,
    .deactivate = noise_deactivate,
    .destroy = noise_destroy,
    .get_extension = noise_get_extension,
};

LULL_PLUGIN_ENTRY(&noise_desc)
