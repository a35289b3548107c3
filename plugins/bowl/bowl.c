/* bowl: modal synthesis of struck singing bowls, bells and chimes.
 *
 * A strike (a note on the `strike` input) starts a voice: a bank of exponentially
 * decaying partials at the model's measured frequency ratios times the note's
 * frequency. Each partial is a doublet, two modes a fraction of a hertz to ~2 Hz
 * apart (`beating`), as the two orientations of a slightly asymmetric shell are:
 * their sum beats slowly, the "wow" of a singing bowl. Every mode is a complex
 * one-pole resonator z <- z * r e^{i w} (one complex multiply per mode per frame, cost
 * proportional to the ringing modes), started in sine phase by the strike: the
 * voice's output at the strike frame is a sin(w) r, the first non-zero sample.
 *
 * Parameters are read at the strike frame and kept for the life of that voice (so
 * changing them never clicks a ringing voice); only `level` acts continuously. A
 * voice ends when its loudest possible sum has decayed 100 dB below the strike (its
 * output is exactly zero from then on), or 30 ms after it was stolen. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum { P_MODEL, P_DECAY, P_HARDNESS, P_ATTACK, P_BEATING, P_SPREAD, P_LEVEL, P_COUNT };

#define VOICES 8 /* ringing voices; a 9th strike steals the oldest */
#define SLOTS 12 /* voices plus room for stolen ones fading out */
#define MAX_PARTIALS 9
#define STEAL_FADE_S 0.030       /* raised-cosine fade of a stolen voice */
#define RELEASE_T60_S 0.3        /* damping after a note's duration_s, when it has one */
#define END_DB -100.0            /* a voice stops this far below its strike */
#define LN1000 6.907755278982137 /* T60 = 6.9078 time constants */
/* 10-90 % rise of a raised cosine 0.5 - 0.5 cos(pi t / D), as a fraction of D:
 * (acos(-0.8) - acos(0.8)) / pi. */
#define RC_RISE_FRACTION 0.5903344706
/* The attack envelope rises 10-90 % in ATTACK_MARGIN × attack, so the sound's rise
 * stays at least `attack` (as the startle-reflex guidance asks, see docs/nodes.md). */
#define ATTACK_MARGIN 1.05

/* Models: partial frequency ratios to the note's frequency, relative strike
 * amplitudes, and how decay time scales with ratio (T60_k = decay × ratio^-alpha:
 * higher partials die sooner; alpha is this node's choice, not a measurement).
 *
 * bowl: modes (2,0)..(6,0) of Tibetan bowl 1 in O. Inácio, L. Henrique, J. Antunes,
 *   "The dynamics of Tibetan singing bowls", Acta Acustica 92(4):637-653, 2006
 *   (219.6, 609, 1135, 1787, 2555 Hz; ratios rounded), close to the thin ring's
 *   n(n²-1)/sqrt(n²+1) law (Fletcher & Rossing, The Physics of Musical Instruments,
 *   1998, §2.15: 1, 2.83, 5.42, 8.77, 12.9) as bowls are.
 * bell: the partials of a tuned church bell, as named and tuned by bell founders
 *   (hum, prime, tierce, quint, nominal, deciem, undeciem, duodeciem, double octave):
 *   T. D. Rossing & R. Perrin, "Vibrations of bells", Applied Acoustics 20:41-70,
 *   1987; W. A. Hibbert, "The quantification of strike pitch and pitch shifts in
 *   church bells", PhD thesis, Open University, 2008.
 * chime: free-free uniform bar (tubular chime), f_n ∝ (2n+1)^2 approximately, exact
 *   roots of cos k cosh k = 1: 1, 2.756, 5.404, 8.933, 13.344, 18.638 (Fletcher &
 *   Rossing 1998, §2.11, table 2.2). */
typedef struct model {
    uint32_t count;
    double ratio[MAX_PARTIALS];
    double weight[MAX_PARTIALS];
    double alpha;
} model;

#define MODEL_COUNT 3
static const model models[MODEL_COUNT] = {
    {5, {1.0, 2.77, 5.17, 8.14, 11.64}, {1.0, 0.6, 0.35, 0.2, 0.12}, 1.0},
    {9,
     {0.5, 1.0, 1.2, 1.5, 2.0, 2.5, 2.67, 3.0, 4.0},
     {0.5, 0.6, 0.8, 0.3, 1.0, 0.35, 0.25, 0.3, 0.15},
     0.8},
    {6, {1.0, 2.756, 5.404, 8.933, 13.344, 18.638}, {1.0, 0.7, 0.45, 0.3, 0.2, 0.12}, 1.0},
};
static const char *const model_names[MODEL_COUNT] = {"bowl", "bell", "chime"};

enum { V_FREE = 0, V_RINGING, V_FADING };

/* One doublet: its two modes side by side, one SSE2 register (GNU vector
 * extension, as svf and noise use). */
typedef double v2d __attribute__((vector_size(16)));

typedef struct voice {
    int state;
    uint64_t order; /* strike count at its strike: the smallest is the oldest */
    uint32_t pairs;
    /* Doublet k, modes d = 0, 1: state z = re + i im, coefficient c = cr + i ci =
     * r e^{iw}, pan gains. */
    v2d re[MAX_PARTIALS], im[MAX_PARTIALS], cr[MAX_PARTIALS], ci[MAX_PARTIALS];
    v2d gl[MAX_PARTIALS], gr[MAX_PARTIALS];
    uint64_t age;  /* frames rendered since the strike */
    uint64_t life; /* frames until END_DB */
    /* Attack: raised cosine over attack_len frames times comp = e^{(t - D)/tau1},
     * which undoes the fundamental's decay under the rise so that its envelope is
     * exactly the raised cosine (10-90 % = RC_RISE_FRACTION × D). */
    uint32_t attack_len;
    double attack_w, comp, comp_mul;
    /* Stolen: fade_pos counts up to fade_len. */
    uint32_t fade_pos, fade_len;
    /* Note duration: from release_at on, gain release *= release_mul per frame. */
    uint64_t release_at; /* 0: never */
    double release, release_mul;
} voice;

typedef struct bowl_node {
    double rate;
    uint64_t seed_state, rng;
    uint64_t strikes;
    voice v[SLOTS];
    double acc_l[LULL_MAX_BLOCK], acc_r[LULL_MAX_BLOCK];
} bowl_node;

static uint64_t splitmix64(uint64_t *s) /* Steele, Lea & Flood 2014 */
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x != x ? lo : x;
}

static void *bowl_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    bowl_node *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    uint64_t s = host->seed ^ 0x626F776C73747231ull; /* "bowlstr1" */
    b->seed_state = splitmix64(&s);
    b->rate = 48000.0;
    return b;
}

static void bowl_reset(void *self)
{
    bowl_node *b = self;
    b->rng = b->seed_state;
    b->strikes = 0;
    for (int i = 0; i < SLOTS; i++) b->v[i].state = V_FREE;
}

static bool bowl_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    bowl_node *b = self;
    if (!(sample_rate >= 1000.0 && sample_rate <= 1e6)) return false;
    b->rate = sample_rate;
    bowl_reset(b);
    return true;
}

/* A free slot for a new strike. With VOICES already ringing, the oldest starts its
 * fade and the strike takes a spare slot; if bursts have used every spare slot too,
 * the most-faded voice is cut (only reachable with > 4 extra strikes in 30 ms). */
static voice *voice_alloc(bowl_node *b)
{
    int ringing = 0, oldest = -1;
    for (int i = 0; i < SLOTS; i++)
        if (b->v[i].state == V_RINGING) {
            ringing++;
            if (oldest < 0 || b->v[i].order < b->v[oldest].order) oldest = i;
        }
    if (ringing >= VOICES) {
        voice *o = &b->v[oldest];
        o->state = V_FADING;
        o->fade_pos = 0;
        o->fade_len = (uint32_t)(STEAL_FADE_S * b->rate);
    }
    for (int i = 0; i < SLOTS; i++)
        if (b->v[i].state == V_FREE) return &b->v[i];
    int most = -1;
    double most_faded = -1.0;
    for (int i = 0; i < SLOTS; i++) {
        double f = (double)b->v[i].fade_pos / (double)(b->v[i].fade_len + 1);
        if (b->v[i].state == V_FADING && f > most_faded) {
            most_faded = f;
            most = i;
        }
    }
    return &b->v[most];
}

/* Start a voice for `n`, with the parameters at frame f. */
static void strike(bowl_node *b, const lull_note *n, const lull_process *ctx, uint32_t f)
{
    if (n->type != LULL_NOTE_ON || !(n->velocity > 0.0f) || !isfinite(n->pitch)) return;
    const float *const *pr = ctx->params;
    int mi = (int)clampd(floor(pr[P_MODEL][f] + 0.5), 0, MODEL_COUNT - 1);
    const model *m = &models[mi];
    double fs = b->rate;
    double f0 = 440.0 * pow(2.0, (clampd(n->pitch, 0.0, 127.0) - 69.0) / 12.0);
    double decay = clampd(pr[P_DECAY][f], 0.2, 60.0);
    double hard = clampd(pr[P_HARDNESS][f], 0.0, 1.0);
    double attack = clampd(pr[P_ATTACK][f], 0.0, 0.5);
    double beating = clampd(pr[P_BEATING][f], 0.0, 3.0);
    double spread = clampd(pr[P_SPREAD][f], 0.0, 1.0);
    double vel = clampd(n->velocity, 0.0, 1.0);

    /* Strike spectrum: a mallet in contact for a time T excites modes above ~1/T
     * weakly. Modelled as a 4th-order low-pass in ratio with corner 1.5 (soft felt)
     * to 18 (hard wood) times the note, and a gentle tilt toward high partials for
     * hard mallets. */
    double corner = 1.5 * pow(12.0, hard);
    double w[MAX_PARTIALS], total = 0.0;
    uint32_t count = 0;
    for (uint32_t k = 0; k < m->count; k++) {
        double fk = f0 * m->ratio[k];
        double split = beating * sqrt(m->ratio[k]);
        if (fk + split > 0.45 * fs) /* above ~20 kHz at 44.1/48 kHz: not rendered */
            break;
        double q = m->ratio[k] / corner;
        w[k] = m->weight[k] * pow(m->ratio[k], 0.5 * hard) / (1.0 + q * q * q * q);
        total += w[k];
        count = k + 1;
    }
    if (count == 0 || !(total > 0.0)) return;

    voice *v = voice_alloc(b);
    memset(v, 0, sizeof *v);
    v->state = V_RINGING;
    v->order = b->strikes++;
    double amp = vel / total, slowest = 0.0;
    for (uint32_t k = 0; k < count; k++) {
        double t60 = fmax(decay * pow(m->ratio[k], -m->alpha), 0.05);
        double r = exp(-LN1000 / (t60 * fs));
        slowest = fmax(slowest, r);
        double split = beating * sqrt(m->ratio[k]);
        /* The strike point sets how much of each doublet mode it excites. */
        double bal = 0.2 + 0.3 * uniform(&b->rng);
        double side = (k % 2 ? 1.0 : -1.0) * (0.2 + 0.8 * uniform(&b->rng));
        uint32_t j = v->pairs++;
        for (int d = 0; d < 2; d++) {
            double fj = f0 * m->ratio[k] + (d ? 0.5 : -0.5) * split;
            double wj = 2.0 * M_PI * fj / fs;
            v->cr[j][d] = r * cos(wj);
            v->ci[j][d] = r * sin(wj);
            v->re[j][d] = amp * w[k] * 0.5 * (d ? 1.0 - bal : 1.0 + bal);
            v->im[j][d] = 0.0;
            /* Constant-power pan; the two modes of a doublet sit 0.2 apart, so the
             * beating also moves a little across the stereo image. */
            double p = clampd(side + (d ? 0.1 : -0.1), -1.0, 1.0) * spread;
            double th = (p + 1.0) * M_PI / 4.0;
            v->gl[j][d] = cos(th);
            v->gr[j][d] = sin(th);
        }
    }
    v->life = (uint64_t)ceil(END_DB / 20.0 * log(10.0) / log(slowest));
    if (attack > 0.0) {
        double len = ATTACK_MARGIN * attack / RC_RISE_FRACTION * fs;
        double tau1 = decay / LN1000 * fs; /* the fundamental's time constant, frames */
        v->attack_len = (uint32_t)fmax(ceil(len), 1.0);
        v->attack_w = M_PI / v->attack_len;
        v->comp_mul = exp(1.0 / tau1);
        v->comp = exp(-(double)v->attack_len / tau1); /* times comp_mul at the 1st frame */
        v->life += v->attack_len;
    }
    if (n->duration_s > 0.0f && isfinite(n->duration_s)) {
        v->release_at = (uint64_t)fmax(1.0, n->duration_s * fs);
        v->release = 1.0;
        v->release_mul = exp(-LN1000 / (RELEASE_T60_S * fs));
    }
}

/* Render voice v into the accumulators over frames [a, b). A doublet's two modes
 * are one vector; alternate doublets go to two sums, so that two add chains overlap
 * (the loop is bound by the latency of the sums otherwise). */
static void render_voice(voice *v, double *restrict acc_l, double *restrict acc_r, uint32_t a,
                         uint32_t b)
{
    const uint32_t pairs = v->pairs;
    v2d *restrict re = v->re, *restrict im = v->im;
    const v2d *restrict cr = v->cr, *restrict ci = v->ci, *restrict gl = v->gl,
                        *restrict gr = v->gr;
    for (uint32_t f = a; f < b; f++) {
        v2d sla = {0.0, 0.0}, slb = sla, sra = sla, srb = sla;
        uint32_t k = 0;
        for (; k + 1 < pairs; k += 2) {
            v2d re0 = re[k] * cr[k] - im[k] * ci[k];
            v2d im0 = re[k] * ci[k] + im[k] * cr[k];
            v2d re1 = re[k + 1] * cr[k + 1] - im[k + 1] * ci[k + 1];
            v2d im1 = re[k + 1] * ci[k + 1] + im[k + 1] * cr[k + 1];
            re[k] = re0;
            im[k] = im0;
            re[k + 1] = re1;
            im[k + 1] = im1;
            sla += gl[k] * im0;
            slb += gl[k + 1] * im1;
            sra += gr[k] * im0;
            srb += gr[k + 1] * im1;
        }
        if (k < pairs) {
            v2d re0 = re[k] * cr[k] - im[k] * ci[k];
            v2d im0 = re[k] * ci[k] + im[k] * cr[k];
            re[k] = re0;
            im[k] = im0;
            sla += gl[k] * im0;
            sra += gr[k] * im0;
        }
        sla += slb;
        sra += srb;
        double sl = sla[0] + sla[1], sr = sra[0] + sra[1];
        double g = 1.0;
        v->age++;
        if (v->age <= v->attack_len) {
            v->comp *= v->comp_mul;
            g = (0.5 - 0.5 * cos(v->attack_w * (double)v->age)) * v->comp;
            if (v->age == v->attack_len)
                g = 1.0; /* exactly 1 from here on, whatever rounding did */
        }
        if (v->release_at && v->age > v->release_at) {
            v->release *= v->release_mul;
            g *= v->release;
        }
        if (v->state == V_FADING) {
            g *= 0.5 + 0.5 * cos(M_PI * (double)v->fade_pos / (double)v->fade_len);
            v->fade_pos++;
        }
        acc_l[f] += g * sl;
        acc_r[f] += g * sr;
        if (v->age >= v->life || (v->state == V_FADING && v->fade_pos >= v->fade_len) ||
            (v->release_at && v->release < 1e-5)) {
            v->state = V_FREE;
            return;
        }
    }
}

static void render(bowl_node *b, uint32_t a, uint32_t e)
{
    for (int i = 0; i < SLOTS; i++)
        if (b->v[i].state != V_FREE) render_voice(&b->v[i], b->acc_l, b->acc_r, a, e);
}

static void bowl_process(void *self, const lull_process *ctx)
{
    bowl_node *b = self;
    uint32_t frames = ctx->frames;
    bool has_notes = ctx->struct_size >= offsetof(lull_process, note_count) + sizeof(uint32_t);
    const lull_note *notes = has_notes ? ctx->notes : NULL;
    uint32_t note_count = has_notes && notes ? ctx->note_count : 0;
    memset(b->acc_l, 0, frames * sizeof b->acc_l[0]);
    memset(b->acc_r, 0, frames * sizeof b->acc_r[0]);
    /* Strikes start at their frame; an offset past the block (the host's fault)
     * sounds at its last frame rather than never. Between strikes, voices render in
     * runs. */
    uint32_t pos = 0, ni = 0;
    while (pos < frames) {
        while (ni < note_count &&
               (notes[ni].offset < frames ? notes[ni].offset : frames - 1) <= pos)
            strike(b, &notes[ni++], ctx, pos);
        uint32_t end = frames;
        if (ni < note_count) end = notes[ni].offset < frames ? notes[ni].offset : frames - 1;
        render(b, pos, end);
        pos = end;
    }
    const float *level = ctx->params[P_LEVEL];
    float *out_l = ctx->outputs[0], *out_r = ctx->outputs[1];
    for (uint32_t f = 0; f < frames; f++) {
        double g = clampd(level[f], 0.0, 1.0);
        out_l[f] = (float)(g * b->acc_l[f]);
        out_r[f] = (float)(g * b->acc_r[f]);
    }
}

static void bowl_deactivate(void *self) { (void)self; }
static void bowl_destroy(void *self) { free(self); }

static const lull_port_info bowl_outputs[] = {{"left"}, {"right"}};
static const lull_port_info bowl_note_inputs[] = {{"strike"}};
static const lull_param_info bowl_params[P_COUNT] = {
    [P_MODEL] = {"model", "Model", "", 0.0f, MODEL_COUNT - 1, 0.0f, 0.0f, LULL_PARAM_STEPPED,
                 model_names},
    [P_DECAY] = {"decay", "Decay (T60 of the fundamental)", "s", 0.2f, 60.0f, 12.0f, 50.0f,
                 LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_HARDNESS] = {"hardness", "Mallet hardness", "", 0.0f, 1.0f, 0.3f, 50.0f,
                    LULL_PARAM_MODULATABLE, NULL},
    [P_ATTACK] = {"attack", "Attack (10-90 % rise)", "s", 0.0f, 0.5f, 0.03f, 50.0f,
                  LULL_PARAM_MODULATABLE, NULL},
    [P_BEATING] = {"beating", "Doublet beating", "Hz", 0.0f, 3.0f, 0.8f, 50.0f,
                   LULL_PARAM_MODULATABLE, NULL},
    [P_SPREAD] = {"spread", "Stereo spread", "", 0.0f, 1.0f, 0.5f, 50.0f, LULL_PARAM_MODULATABLE,
                  NULL},
    [P_LEVEL] = {"level", "Level", "", 0.0f, 1.0f, 0.3f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
};

static const lull_descriptor bowl_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "bowl",
    .name = "Struck bowl",
    .version = "1.0.0",
    .description = "Modal synthesis of struck singing bowls, church bells and chimes: "
                   "beating doublet partials at measured ratios, 8 voices.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 2,
    .outputs = bowl_outputs,
    .param_count = P_COUNT,
    .params = bowl_params,
    .create = bowl_create,
    .activate = bowl_activate,
    .process = bowl_process,
    .reset = bowl_reset,
    .deactivate = bowl_deactivate,
    .destroy = bowl_destroy,
    .get_extension = NULL,
    .note_input_count = 1,
    .note_inputs = bowl_note_inputs,
    .note_output_count = 0,
    .note_outputs = NULL,
    .sound_slot_count = 0,
    .sound_slots = NULL,
};

LULL_PLUGIN_ENTRY(&bowl_desc)
