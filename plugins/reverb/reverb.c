/* reverb: a stereo feedback-delay-network reverb shaped like Fons Adriaensen's
 * zita-rev1 (design as described in J. O. Smith, "Physical Audio Signal
 * Processing", section "Zita-Rev1", and the Faust port re.zita_rev_fdn).
 *
 *   left, right -> pre-delay -> 8 lines, signs (+L, +R, -L, -R, ...) -> per line:
 *   [ + fed-back line ] -> Schroeder allpass (diffuser, +-0.6) -> 8x8 Hadamard / sqrt 8
 *   -> delay line -> low shelf (low band RT) -> gain (mid band RT) -> one-pole
 *   lowpass (damping) -> back to the top. Wet left = y0 + width * y1, right =
 *   y0 - width * y1 (y = the Hadamard outputs; y0, y1 are uncorrelated, so is L, R).
 *
 * Decay (Jot & Chaigne 1991, "Digital delay networks for designing artificial
 * reverberators", AES 90th conv.): with a unitary mixing matrix, giving every
 * delay element of d samples the gain gamma^d, gamma = 10^(-3 / (RT60 fs)), moves
 * every pole of the lossless network from radius 1 to radius gamma: every mode
 * decays by 60 dB in RT60. The allpass diffusers are in the loop too, so each is
 * made "lossy" the same way (its internal delay of M samples gets gamma^M:
 * A(z) -> A(z / gamma)); the line's remaining delay gets gamma^(d_line). The
 * frequency dependence is then added per line as in zita-rev1:
 *   - a first-order low shelf, unity at high frequencies, DC gain
 *     (gamma_low / gamma_mid)^T (T = the line's total delay), corner `crossover`;
 *   - a unity-DC one-pole lowpass whose gain at `damping` is gamma_mid^T, so the
 *     line loses twice the mid-band dB per pass there: RT60(damping) = rt60 / 2.
 * Both filters are close to unity between crossover and damping, where the decay
 * is `rt60`.
 *
 * `size` scales every delay (0.5..2). Delays are read with 4-point Lagrange
 * interpolation at positions that move with the (host-smoothed, and here also
 * slew-limited) size, so a size change glides like tape (a slight Doppler shift
 * while it moves), never jumps. At size 1 every delay is a whole number of
 * samples and the interpolator is exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_RT60, P_LOW_RATIO, P_CROSSOVER, P_DAMPING, P_SIZE, P_PREDELAY, P_MIX, P_WIDTH, P_COUNT };

#define LINES 8

/* zita-rev1's line lengths at size 1, s: total loop delay of each line and the
 * part of it inside the allpass diffuser (mutually prime-ish, 125..257 ms, so
 * the modes of the eight lines interleave densely). */
static const double total_s[LINES] = {0.153129, 0.210389, 0.127837, 0.256891,
                                      0.174713, 0.192303, 0.125000, 0.219991};
static const double diffuser_s[LINES] = {0.020346, 0.024421, 0.031604, 0.027333,
                                         0.022904, 0.029291, 0.013458, 0.019123};
/* Diffuser coefficient (zita-rev1): alternating sign between lines. */
#define DIFFUSION 0.6f

/* `size` range: the factor applied to every delay length. */
#define ROOM_MIN 0.5f
#define ROOM_MAX 2.0f
/* Largest size change per second the node follows (the host already smooths it
 * over 2 s; this only catches a jump from a host that does not): full range in 1 s. */
#define SIZE_SLEW_PER_S 1.5
#define PREDELAY_MAX_MS 200.0f
/* Largest pre-delay change per sample: 0.25 (a Doppler bend of at most ~4 semitones). */
#define PREDELAY_SLEW 0.25

/* Input and output gains. The input gain spreads each channel over four lines;
 * the output gain makes the wet output of stationary white noise about as loud as
 * the input at rt60 = 2 s, size 1 (measured in tests/unit/test_node_reverb.c). The
 * wet level grows with rt60 (a longer room holds more energy): -3.0 dB at 0.5 s,
 * +3.6 dB at 8 s (measured, damping 6 kHz). */
#define IN_GAIN 0.5f
#define OUT_GAIN 1.87f

/* Decaying state below this is set to exactly zero: no denormals, and a network
 * given silence goes exactly silent once its tail has fallen ~300 dB. */
#define FLUSH 1e-15f
/* Coefficients are redesigned at frames that are multiples of this (when a decay
 * parameter or the size changed), so the output does not depend on block size. */
#define DESIGN_FRAMES 16

typedef struct ring {
    float *buf;
    uint32_t mask;
} ring;

/* A read position in a ring: `n` whole samples back plus Lagrange weights;
 * `exact` when the position is a whole sample (size 1), read without weights. */
typedef struct tap {
    uint32_t n;
    bool exact;
    float w0, w1, w2, w3;
} tap;

typedef struct line_coefs {
    float ap_loss; /* gamma_mid^M for the diffuser's own delay */
    float gain;    /* gamma_mid^(line delay) */
    float shelf_k; /* low shelf: G0 - 1 */
    float lp_pole; /* damping one-pole: y = x + p (y1 - x) */
} line_coefs;

typedef struct reverb_node {
    double sample_rate;
    double base_line[LINES], base_ap[LINES]; /* delays at size 1, samples (whole) */
    ring line[LINES], ap[LINES], pre[2];
    float *memory;
    /* state */
    float shelf_s[LINES], lp_s[LINES];
    uint32_t pos;    /* write position shared by every ring */
    uint64_t frame;  /* frames since activate() or reset() */
    bool fresh;      /* the next frame starts from the current parameters */
    double size;     /* slew-limited size in use */
    double predelay; /* slew-limited pre-delay in use, samples */
    tap line_tap[LINES], ap_tap[LINES], pre_tap;
    double tap_size;     /* size the taps were computed for */
    double tap_predelay; /* pre-delay pre_tap was computed for */
    /* design */
    line_coefs coefs[LINES];
    float shelf_g; /* TPT one-pole coefficient of the shelf's lowpass */
    float d_rt, d_ratio, d_cross, d_damp;
    double d_size;
} reverb_node;

static uint32_t pow2_at_least(double n)
{
    uint32_t p = 1;
    while ((double)p < n) p <<= 1;
    return p;
}

static float clampf(float x, float lo, float hi)
{
    return x >= lo ? (x <= hi ? x : hi) : lo; /* NaN -> lo */
}

/* Lagrange weights for reading `delay` (>= 2) samples back: nodes at n-1, n, n+1,
 * n+2 samples back, evaluated at n + x. Exact (1, 0, 0, 0 on node n) for x = 0. */
static tap tap_at(double delay)
{
    double fl = floor(delay);
    float x = (float)(delay - fl);
    tap t;
    t.n = (uint32_t)fl;
    t.exact = x == 0.0f;
    t.w0 = -x * (x - 1.0f) * (x - 2.0f) * (1.0f / 6.0f);
    t.w1 = (x + 1.0f) * (x - 1.0f) * (x - 2.0f) * 0.5f;
    t.w2 = -(x + 1.0f) * x * (x - 2.0f) * 0.5f;
    t.w3 = (x + 1.0f) * x * (x - 1.0f) * (1.0f / 6.0f);
    return t;
}

static inline float ring_read(const ring *r, uint32_t pos, const tap *t)
{
    uint32_t i = pos - t->n;
    if (t->exact) return r->buf[i & r->mask];
    return t->w0 * r->buf[(i + 1u) & r->mask] + t->w1 * r->buf[i & r->mask] +
           t->w2 * r->buf[(i - 1u) & r->mask] + t->w3 * r->buf[(i - 2u) & r->mask];
}

static inline float flush(float v) { return fabsf(v) < FLUSH ? 0.0f : v; }

/* The per-line loop filters for the current parameters (see the top). */
static void reverb_design(reverb_node *s, float rt60, float ratio, float cross, float damp,
                          double size)
{
    double fs = s->sample_rate;
    double rt = clampf(rt60, 0.05f, 100.0f);
    double rt_low = rt * clampf(ratio, 0.1f, 10.0f);
    double fc = clampf(cross, 10.0f, (float)(0.25 * fs));
    double fd = clampf(damp, (float)fc, (float)(0.45 * fs));
    /* ln gamma per sample, mid and low band */
    double lm = -3.0 * M_LN10 / (rt * fs);
    double ll = -3.0 * M_LN10 / (rt_low * fs);
    double k = tan(M_PI * fc / fs);
    s->shelf_g = (float)(k / (1.0 + k));
    double c = cos(2.0 * M_PI * fd / fs);
    for (int l = 0; l < LINES; l++) {
        double m = size * s->base_ap[l], d = size * s->base_line[l], total = m + d;
        line_coefs *q = &s->coefs[l];
        q->ap_loss = (float)exp(lm * m);
        q->gain = (float)exp(lm * d);
        q->shelf_k = (float)(exp((ll - lm) * total) - 1.0);
        /* unity-DC one-pole with |H| = g at fd: (1-p)^2 = g^2 (1 - 2pc + p^2), i.e.
         * p^2 - 2 b p + 1 = 0 with b = (1 - g^2 c) / (1 - g^2); the root below 1. */
        double g2 = exp(2.0 * lm * total);
        double b = (1.0 - g2 * c) / (1.0 - g2);
        q->lp_pole = (float)(b - sqrt(b * b - 1.0));
    }
    s->d_rt = rt60;
    s->d_ratio = ratio;
    s->d_cross = cross;
    s->d_damp = damp;
    s->d_size = size;
}

static void reverb_set_taps(reverb_node *s, double size)
{
    for (int l = 0; l < LINES; l++) {
        s->line_tap[l] = tap_at(size * s->base_line[l]);
        s->ap_tap[l] = tap_at(size * s->base_ap[l]);
    }
    s->tap_size = size;
}

static void reverb_clear(reverb_node *s)
{
    for (int l = 0; l < LINES; l++) {
        memset(s->line[l].buf, 0, (s->line[l].mask + 1u) * sizeof(float));
        memset(s->ap[l].buf, 0, (s->ap[l].mask + 1u) * sizeof(float));
        s->shelf_s[l] = s->lp_s[l] = 0.0f;
    }
    for (int c = 0; c < 2; c++) memset(s->pre[c].buf, 0, (s->pre[c].mask + 1u) * sizeof(float));
    s->pos = 0;
    s->frame = 0;
    s->fresh = true;
}

static void *reverb_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(reverb_node));
}

static bool reverb_activate(void *self, double sample_rate, uint32_t max_frames)
{
    reverb_node *s = self;
    s->sample_rate = sample_rate;
    uint32_t lens[2 * LINES + 2];
    size_t total = 0;
    for (int l = 0; l < LINES; l++) {
        double all = floor(total_s[l] * sample_rate + 0.5);
        s->base_ap[l] = floor(diffuser_s[l] * sample_rate + 0.5);
        s->base_line[l] = all - s->base_ap[l];
        /* room for the largest size plus the interpolator's two extra points */
        lens[l] = pow2_at_least(ROOM_MAX * s->base_line[l] + 4.0);
        lens[LINES + l] = pow2_at_least(ROOM_MAX * s->base_ap[l] + 4.0);
    }
    lens[2 * LINES] = lens[2 * LINES + 1] =
        pow2_at_least(PREDELAY_MAX_MS * 1e-3 * sample_rate + 4.0);
    for (int i = 0; i < 2 * LINES + 2; i++) total += lens[i];
    free(s->memory);
    s->memory = calloc(total, sizeof(float));
    if (!s->memory) return false;
    float *p = s->memory;
    for (int i = 0; i < 2 * LINES + 2; i++) {
        ring *r = i < LINES       ? &s->line[i]
                  : i < 2 * LINES ? &s->ap[i - LINES]
                                  : &s->pre[i - 2 * LINES];
        r->buf = p;
        r->mask = lens[i] - 1u;
        p += lens[i];
    }
    reverb_clear(s);
    return true;
}

static void reverb_reset(void *self) { reverb_clear(self); }

/* In-place 8-point Hadamard transform scaled by 1/sqrt(8): orthonormal, so the
 * mixing neither adds nor removes energy. */
static inline void hadamard8(float x[LINES])
{
    for (int h = 1; h < LINES; h <<= 1)
        for (int i = 0; i < LINES; i += 2 * h)
            for (int j = i; j < i + h; j++) {
                float a = x[j], b = x[j + h];
                x[j] = a + b;
                x[j + h] = a - b;
            }
    const float norm = 0.35355339059327373f; /* 1/sqrt(8) */
    for (int l = 0; l < LINES; l++) x[l] *= norm;
}

static void reverb_process(void *self, const lull_process *ctx)
{
    reverb_node *s = self;
    const float *in_l = ctx->inputs[0], *in_r = ctx->inputs[1];
    float *out_l = ctx->outputs[0], *out_r = ctx->outputs[1];
    const float *const *P = ctx->params;
    const double fs = s->sample_rate;
    const double size_step = SIZE_SLEW_PER_S / fs;
    const double pre_max = PREDELAY_MAX_MS * 1e-3 * fs;
    float mix_v = -1.0f, dry_g = 1.0f, wet_g = 0.0f;

    for (uint32_t i = 0; i < ctx->frames; i++) {
        /* size and pre-delay: follow the parameter, slew-limited */
        double size_target = clampf(P[P_SIZE][i], ROOM_MIN, ROOM_MAX);
        double pre_t = clampf(P[P_PREDELAY][i], 0.0f, PREDELAY_MAX_MS) * 1e-3 * fs;
        pre_t = pre_t < 1.0 ? 1.0 : pre_t > pre_max ? pre_max : pre_t;
        if (s->fresh) {
            s->size = size_target;
            s->predelay = pre_t;
            s->fresh = false;
            s->tap_size = -1.0;
            s->tap_predelay = -1.0;
            s->d_size = -1.0;
        } else {
            double ds = size_target - s->size, dp = pre_t - s->predelay;
            s->size += ds > size_step ? size_step : ds < -size_step ? -size_step : ds;
            s->predelay += dp > PREDELAY_SLEW    ? PREDELAY_SLEW
                           : dp < -PREDELAY_SLEW ? -PREDELAY_SLEW
                                                 : dp;
        }
        if (s->frame % DESIGN_FRAMES == 0 || s->d_size < 0.0) {
            float rt = P[P_RT60][i], ra = P[P_LOW_RATIO][i], cr = P[P_CROSSOVER][i],
                  dm = P[P_DAMPING][i];
            if (rt != s->d_rt || ra != s->d_ratio || cr != s->d_cross || dm != s->d_damp ||
                s->size != s->d_size)
                reverb_design(s, rt, ra, cr, dm, s->size);
        }
        if (s->size != s->tap_size) reverb_set_taps(s, s->size);

        /* pre-delay (write first: a delay of 1 reads the previous frame) */
        uint32_t pos = s->pos;
        s->pre[0].buf[pos & s->pre[0].mask] = flush(in_l[i]);
        s->pre[1].buf[pos & s->pre[1].mask] = flush(in_r[i]);
        if (s->predelay != s->tap_predelay) {
            s->pre_tap = tap_at(s->predelay);
            s->tap_predelay = s->predelay;
        }
        float xl = ring_read(&s->pre[0], pos, &s->pre_tap) * IN_GAIN;
        float xr = ring_read(&s->pre[1], pos, &s->pre_tap) * IN_GAIN;
        const float feed[LINES] = {xl, xr, -xl, -xr, xl, xr, -xl, -xr};

        float y[LINES];
        const float g = s->shelf_g;
        for (int l = 0; l < LINES; l++) {
            const line_coefs *q = &s->coefs[l];
            float r = ring_read(&s->line[l], pos, &s->line_tap[l]);
            /* low shelf: x + (G0 - 1) * lowpass(x), the lowpass a TPT one-pole */
            float v = (r - s->shelf_s[l]) * g;
            float lo = v + s->shelf_s[l];
            s->shelf_s[l] = flush(lo + v);
            float f = (r + q->shelf_k * lo) * q->gain;
            /* damping one-pole, unity at DC */
            float z = f + q->lp_pole * (s->lp_s[l] - f);
            s->lp_s[l] = flush(z);
            /* lossy Schroeder allpass: v = u + a c v[-M], out = c v[-M] - a v */
            float a = (l & 1) ? -DIFFUSION : DIFFUSION;
            float vd = q->ap_loss * ring_read(&s->ap[l], pos, &s->ap_tap[l]);
            float vv = z + feed[l] + a * vd;
            s->ap[l].buf[pos & s->ap[l].mask] = flush(vv);
            y[l] = vd - a * vv;
        }
        hadamard8(y);
        for (int l = 0; l < LINES; l++) s->line[l].buf[pos & s->line[l].mask] = flush(y[l]);
        s->pos = pos + 1u;
        s->frame++;

        float mix = P[P_MIX][i];
        if (mix != mix_v) {
            float m = clampf(mix, 0.0f, 1.0f) * (float)(M_PI / 2.0);
            dry_g = cosf(m);
            wet_g = sinf(m) * OUT_GAIN;
            mix_v = mix;
        }
        float w = clampf(P[P_WIDTH][i], 0.0f, 1.0f);
        out_l[i] = dry_g * in_l[i] + wet_g * (y[0] + w * y[1]);
        out_r[i] = dry_g * in_r[i] + wet_g * (y[0] - w * y[1]);
    }

    /* A non-finite input would poison the network for ever: start again from rest. */
    float probe = s->lp_s[0] + s->shelf_s[0];
    for (int l = 1; l < LINES; l++) probe += s->lp_s[l] + s->shelf_s[l];
    if (!isfinite(probe)) reverb_clear(s);
}

static void reverb_deactivate(void *self)
{
    reverb_node *s = self;
    free(s->memory);
    s->memory = NULL;
}

static void reverb_destroy(void *self)
{
    reverb_deactivate(self);
    free(self);
}

static const lull_port_info reverb_inputs[] = {{"left"}, {"right"}};
static const lull_port_info reverb_outputs[] = {{"left"}, {"right"}};
#define LOGMOD (LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE)
static const lull_param_info reverb_params[P_COUNT] = {
    [P_RT60] = {"rt60", "Decay time (mid)", "s", 0.3f, 12.0f, 2.5f, 300.0f, LOGMOD, NULL},
    [P_LOW_RATIO] = {"low_ratio", "Low decay / mid decay", "", 0.25f, 4.0f, 1.3f, 300.0f, LOGMOD,
                     NULL},
    [P_CROSSOVER] = {"crossover", "Low/mid crossover", "Hz", 50.0f, 1000.0f, 200.0f, 300.0f,
                     LULL_PARAM_LOGARITHMIC, NULL},
    [P_DAMPING] = {"damping", "HF damping (RT halved)", "Hz", 1500.0f, 20000.0f, 6000.0f, 300.0f,
                   LOGMOD, NULL},
    [P_SIZE] = {"size", "Size", "", ROOM_MIN, ROOM_MAX, 1.0f, 2000.0f, LOGMOD, NULL},
    [P_PREDELAY] = {"predelay", "Pre-delay", "ms", 0.0f, PREDELAY_MAX_MS, 20.0f, 500.0f, 0, NULL},
    [P_MIX] = {"mix", "Dry/wet (equal power)", "", 0.0f, 1.0f, 0.3f, 50.0f, LULL_PARAM_MODULATABLE,
               NULL},
    [P_WIDTH] = {"width", "Stereo width", "", 0.0f, 1.0f, 1.0f, 100.0f, LULL_PARAM_MODULATABLE,
                 NULL},
};

static const lull_descriptor reverb_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "reverb",
    .name = "Reverb",
    .version = "1.0.0",
    .description = "Stereo feedback-delay-network reverb after zita-rev1: 8 lines with "
                   "allpass diffusers, Hadamard mixing, two-band decay with HF damping, "
                   "pre-delay, size.",
    .input_count = 2,
    .inputs = reverb_inputs,
    .output_count = 2,
    .outputs = reverb_outputs,
    .param_count = P_COUNT,
    .params = reverb_params,
    .create = reverb_create,
    .activate = reverb_activate,
    .process = reverb_process,
    .reset = reverb_reset,
    .deactivate = reverb_deactivate,
    .destroy = reverb_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&reverb_desc)
