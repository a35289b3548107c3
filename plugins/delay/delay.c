/* delay: a stereo delay with filtered feedback, free time or synced to the tempo.
 *
 *   per channel c:  r_c = line_c read `d` samples back (4-point Lagrange)
 *                   f_c = highpass(lowpass(r_c))          (one-pole TPT each)
 *                   line_c <- in'_c + feedback * ((1 - pp) f_c + pp f_other)
 *                   out_c  = cos(mix pi/2) in_c + sin(mix pi/2) r_c
 *   with pp = pingpong and the line inputs in'_L = (in_L + pp in_R) / (1 + pp),
 *   in'_R = (1 - pp) in_R: at pingpong 1 both inputs enter the left line and each
 *   repeat crosses to the other side (L, R, L, ...).
 *
 * Repeat k (k >= 1) is the input delayed by k d, scaled by feedback^(k-1) and
 * filtered k-1 times: |H_k(f)| = (feedback |LP(f)| |HP(f)|)^(k-1), with the
 * bilinear one-poles |LP(f)| = 1 / sqrt(1 + W^2), W = tan(pi f/fs) / tan(pi fd/fs)
 * and |HP(f)| = V / sqrt(1 + V^2), V = tan(pi f/fs) / tan(pi fh/fs).
 *
 * Time changes glide: the read position follows its target through a critically
 * damped second-order glide (position and speed continuous, time constant
 * GLIDE_S), its speed limited to MAX_SPEED, like a tape head slowing down or
 * speeding up. Nothing ever jumps, so a change of `time`, of `beats` or of the
 * tempo bends the pitch of what is in the line for a moment, never clicks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_TIME, P_BEATS, P_FEEDBACK, P_DAMPING, P_HIGHPASS, P_MIX, P_PINGPONG, P_COUNT };

/* `beats` values: off (use `time`), then these many beats. */
static const double beat_values[] = {0.0, 0.25, 1.0 / 3.0, 0.5, 2.0 / 3.0, 0.75,
                                     1.0, 1.5,  2.0,       3.0, 4.0};
static const char *const beat_names[] = {"off", "b1_4", "b1_3", "b1_2", "b2_3", "b3_4",
                                         "b1",  "b3_2", "b2",   "b3",   "b4"};
#define BEAT_STEPS (sizeof beat_values / sizeof beat_values[0])

#define TIME_MIN_MS 1.0f
#define TIME_MAX_MS 2000.0f
/* Longest delay the line holds, s: 4 beats at 30 bpm, or 2 beats at 15 bpm.
 * Longer synced delays (only at tempos below 30 bpm) are clamped to it. */
#define MAX_DELAY_S 8.0
/* Glide of the read position: time constant, s, and the largest rate of change
 * of the delay, samples per sample (0.5: pitch bends by at most a fifth). */
#define GLIDE_S 0.05
#define MAX_SPEED 0.5
/* Decaying state below this becomes exactly zero: no denormals, exact silence. */
#define FLUSH 1e-15f
/* Filter coefficients are redesigned at frames that are multiples of this. */
#define DESIGN_FRAMES 16

typedef struct delay_node {
    double sample_rate;
    float *buf[2];
    float *memory;
    uint32_t mask, pos;
    double max_delay; /* samples */
    double d, v;      /* delay in use (samples) and its rate of change */
    bool fresh;
    uint64_t frame;
    float lp_s[2], hp_s[2]; /* TPT one-pole integrator states */
    float lp_g, hp_g;       /* TPT coefficients g / (1 + g) */
    float d_damp, d_hp;     /* what they were designed for */
} delay_node;

static float clampf(float x, float lo, float hi)
{
    return x >= lo ? (x <= hi ? x : hi) : lo; /* NaN -> lo */
}

static inline float flush(float v) { return fabsf(v) < FLUSH ? 0.0f : v; }

static void delay_clear(delay_node *s)
{
    memset(s->memory, 0, 2u * (s->mask + 1u) * sizeof(float));
    s->lp_s[0] = s->lp_s[1] = s->hp_s[0] = s->hp_s[1] = 0.0f;
    s->pos = 0;
    s->frame = 0;
    s->fresh = true;
    s->d_damp = s->d_hp = -1.0f;
}

static void *delay_create(const lull_descriptor *desc, const lull_host *host)
{
    return calloc(1, sizeof(delay_node));
}

static bool delay_activate(void *self, double sample_rate, uint32_t max_frames)
{
    delay_node *s = self;
    s->sample_rate = sample_rate;
    s->max_delay = MAX_DELAY_S * sample_rate;
    uint32_t len = 1;
    while ((double)len < s->max_delay + 4.0) len <<= 1;
    free(s->memory);
    s->memory = calloc(2u * (size_t)len, sizeof(float));
    if (!s->memory) return false;
    s->buf[0] = s->memory;
    s->buf[1] = s->memory + len;
    s->mask = len - 1u;
    delay_clear(s);
    return true;
}

static void delay_reset(void *self) { delay_clear(self); }

static float tpt_coef(double f, double fs)
{
    double lim = 0.45 * fs;
    f = f < 1.0 ? 1.0 : f > lim ? lim : f;
    double g = tan(M_PI * f / fs);
    return (float)(g / (1.0 + g));
}

/* The delay the parameters and the tempo ask for, samples. */
static double delay_target(const delay_node *s, float time_ms, float beats, double bpm)
{
    long b = lrintf(clampf(beats, 0.0f, (float)(BEAT_STEPS - 1)));
    double d;
    if (b > 0 && bpm > 0.0 && isfinite(bpm))
        d = beat_values[b] * 60.0 / bpm * s->sample_rate;
    else
        d = clampf(time_ms, TIME_MIN_MS, TIME_MAX_MS) * 1e-3 * s->sample_rate;
    return d < 2.0 ? 2.0 : d > s->max_delay ? s->max_delay : d;
}

/* 4-point Lagrange read `d` (>= 2) samples back from the next write position. */
static inline float line_read(const float *buf, uint32_t mask, uint32_t pos, double d)
{
    double fl = floor(d);
    float x = (float)(d - fl);
    uint32_t i = pos - (uint32_t)fl;
    float w0 = -x * (x - 1.0f) * (x - 2.0f) * (1.0f / 6.0f);
    float w1 = (x + 1.0f) * (x - 1.0f) * (x - 2.0f) * 0.5f;
    float w2 = -(x + 1.0f) * x * (x - 2.0f) * 0.5f;
    float w3 = (x + 1.0f) * x * (x - 1.0f) * (1.0f / 6.0f);
    return w0 * buf[(i + 1u) & mask] + w1 * buf[i & mask] + w2 * buf[(i - 1u) & mask] +
           w3 * buf[(i - 2u) & mask];
}

static void delay_process(void *self, const lull_process *ctx)
{
    delay_node *s = self;
    const float *const *P = ctx->params;
    const float *in[2] = {ctx->inputs[0], ctx->inputs[1]};
    float *out[2] = {ctx->outputs[0], ctx->outputs[1]};
    const double fs = s->sample_rate;
    const double w = 1.0 / (GLIDE_S * fs); /* glide angular frequency, rad/sample */
    const double bpm = ctx->clocks ? ctx->clocks->tempo_bpm : 0.0;
    float mix_v = -1.0f, dry_g = 1.0f, wet_g = 0.0f;

    for (uint32_t i = 0; i < ctx->frames; i++) {
        double target = delay_target(s, P[P_TIME][i], P[P_BEATS][i], bpm);
        if (s->fresh) {
            s->d = target;
            s->v = 0.0;
            s->fresh = false;
        } else if (s->d != target || s->v != 0.0) {
            /* critically damped: d'' = w^2 (target - d) - 2 w d' (semi-implicit Euler) */
            s->v += w * w * (target - s->d) - 2.0 * w * s->v;
            s->v = s->v > MAX_SPEED ? MAX_SPEED : s->v < -MAX_SPEED ? -MAX_SPEED : s->v;
            s->d += s->v;
            if (fabs(target - s->d) < 1e-6 && fabs(s->v) < 1e-9) {
                s->d = target; /* landed: integer times read exact samples again */
                s->v = 0.0;
            }
        }
        if (s->frame % DESIGN_FRAMES == 0) {
            float fd = P[P_DAMPING][i], fh = P[P_HIGHPASS][i];
            if (fd != s->d_damp) {
                s->lp_g = tpt_coef(fd, fs);
                s->d_damp = fd;
            }
            if (fh != s->d_hp) {
                s->hp_g = tpt_coef(fh, fs);
                s->d_hp = fh;
            }
        }
        float fb = clampf(P[P_FEEDBACK][i], 0.0f, 0.95f);
        float pp = clampf(P[P_PINGPONG][i], 0.0f, 1.0f);
        float r[2], f[2];
        for (int c = 0; c < 2; c++) {
            r[c] = line_read(s->buf[c], s->mask, s->pos, s->d);
            /* lowpass then highpass, both TPT one-poles (bilinear, zero-delay) */
            float v = (r[c] - s->lp_s[c]) * s->lp_g;
            float lp = v + s->lp_s[c];
            s->lp_s[c] = flush(lp + v);
            float u = (lp - s->hp_s[c]) * s->hp_g;
            float lo = u + s->hp_s[c];
            s->hp_s[c] = flush(lo + u);
            f[c] = lp - lo;
        }
        float xl = flush(in[0][i]), xr = flush(in[1][i]);
        float line_l = (xl + pp * xr) / (1.0f + pp) + fb * ((1.0f - pp) * f[0] + pp * f[1]);
        float line_r = (1.0f - pp) * xr + fb * ((1.0f - pp) * f[1] + pp * f[0]);
        s->buf[0][s->pos & s->mask] = flush(line_l);
        s->buf[1][s->pos & s->mask] = flush(line_r);
        s->pos++;
        s->frame++;

        float mix = P[P_MIX][i];
        if (mix != mix_v) {
            float m = clampf(mix, 0.0f, 1.0f) * (float)(M_PI / 2.0);
            dry_g = cosf(m);
            wet_g = sinf(m);
            mix_v = mix;
        }
        out[0][i] = dry_g * in[0][i] + wet_g * r[0];
        out[1][i] = dry_g * in[1][i] + wet_g * r[1];
    }
    /* A non-finite input would circulate for ever: start again from rest. */
    if (!isfinite(s->lp_s[0] + s->lp_s[1] + s->hp_s[0] + s->hp_s[1])) delay_clear(s);
}

static void delay_deactivate(void *self)
{
    delay_node *s = self;
    free(s->memory);
    s->memory = NULL;
}

static void delay_destroy(void *self)
{
    delay_deactivate(self);
    free(self);
}

static const lull_port_info delay_inputs[] = {{"left"}, {"right"}};
static const lull_port_info delay_outputs[] = {{"left"}, {"right"}};
static const lull_param_info delay_params[P_COUNT] = {
    [P_TIME] = {"time", "Time", "ms", TIME_MIN_MS, TIME_MAX_MS, 375.0f, 100.0f,
                LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_BEATS] = {"beats", "Tempo sync (beats)", "beats", 0.0f, (float)(BEAT_STEPS - 1), 0.0f, 0.0f,
                 LULL_PARAM_STEPPED, beat_names},
    [P_FEEDBACK] = {"feedback", "Feedback", "", 0.0f, 0.95f, 0.4f, 50.0f, LULL_PARAM_MODULATABLE,
                    NULL},
    [P_DAMPING] = {"damping", "Feedback lowpass", "Hz", 200.0f, 20000.0f, 5000.0f, 100.0f,
                   LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_HIGHPASS] = {"highpass", "Feedback highpass", "Hz", 10.0f, 2000.0f, 60.0f, 100.0f,
                    LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_MIX] = {"mix", "Dry/wet (equal power)", "", 0.0f, 1.0f, 0.3f, 50.0f, LULL_PARAM_MODULATABLE,
               NULL},
    [P_PINGPONG] = {"pingpong", "Ping-pong", "", 0.0f, 1.0f, 0.0f, 100.0f, LULL_PARAM_MODULATABLE,
                    NULL},
};

static const lull_descriptor delay_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "delay",
    .name = "Delay",
    .version = "1.0.0",
    .description = "Stereo delay with lowpass/highpass feedback, free or tempo-synced time "
                   "that glides, and ping-pong cross-feed.",
    .input_count = 2,
    .inputs = delay_inputs,
    .output_count = 2,
    .outputs = delay_outputs,
    .param_count = P_COUNT,
    .params = delay_params,
    .create = delay_create,
    .activate = delay_activate,
    .process = delay_process,
    .reset = delay_reset,
    .deactivate = delay_deactivate,
    .destroy = delay_destroy,
    .get_extension = NULL,
};

LULL_PLUGIN_ENTRY(&delay_desc)
