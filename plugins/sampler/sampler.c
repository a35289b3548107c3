/* sampler: plays the sound bound to its slot "sample" as a loop or as one-shots,
 * at a rate that follows `speed`, the tempo clock and (for one-shots) the note's
 * pitch.
 *
 * Signal path of one voice:
 *   source reader (the file, looped with a crossfaded seam, or a one-shot region
 *   with a faded end) -> libsamplerate src_process (varispeed: ratio = 1 / rate,
 *   changed once per block; libsamplerate moves the ratio linearly across the
 *   block's output frames, so the rate glides and never steps) -> envelope
 *   (attack, release, steal fade) x velocity x gain -> left/right.
 *
 * Voices: voice 0 is the loop voice (plays while `mode` is loop); the other
 * ONESHOT_SLOTS play one-shots started by LULL_NOTE_ON on the `trigger` input at
 * the note's exact frame. At most POLYPHONY one-shots sound at once; the oldest is
 * stolen with a STEAL_SECONDS fade, which is why there are more slots than that.
 *
 * Loop seam: the crossfade of X frames mixes the material leading up to the loop
 * end (fading out) with the material leading up to the loop start (fading in), so
 * the loop period is exactly loop_end - start whenever the file has X frames before
 * `start` or after `loop_end` to borrow (split between the two as available); a loop
 * that has neither (the whole file) is shortened by the missing part. Loop points
 * are read every block but a crossfade, once begun, runs to its end with the points
 * it began with; when the new loop end is already behind the read position the
 * voice crossfades into the new loop at once. So no change ever jumps.
 *
 * Realtime: every SRC_STATE (one per converter per voice) and buffer is made in
 * activate(); process() only calls src_process and src_reset (which clear state,
 * no allocation; `lull plugin-check` proves it by interposing the allocator). */
#include <math.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"

enum {
    P_MODE,
    P_GAIN_DB,
    P_START,
    P_LOOP_END,
    P_XFADE,
    P_XFADE_LAW,
    P_SPEED,
    P_TEMPO_FOLLOW,
    P_REF_BPM,
    P_ROOT,
    P_ATTACK,
    P_RELEASE,
    P_QUALITY,
    P_COUNT
};
enum { MODE_LOOP, MODE_ONESHOT };
enum { LAW_EQUAL_POWER, LAW_EQUAL_GAIN };
enum { Q_LINEAR, Q_SINC_FAST, Q_SINC_MEDIUM, Q_COUNT };

static const int k_converter[Q_COUNT] = {SRC_LINEAR, SRC_SINC_FASTEST, SRC_SINC_MEDIUM_QUALITY};

#define POLYPHONY 8      /* one-shots sounding at once */
#define ONESHOT_SLOTS 10 /* POLYPHONY + room for stolen voices fading out */
#define VOICES (1 + ONESHOT_SLOTS)
#define STEAL_SECONDS 0.005 /* fade of a stolen voice: short, but no click */
#define GLIDE_SECONDS 0.05  /* time constant of the rate glide (log domain) */
#define RATE_MIN 0.125      /* playback rate limits: 3 octaves either way; the  */
#define RATE_MAX 8.0        /* sinc cost grows with the rate above 1            */
#define STAGE_FRAMES 1024u  /* source frames waiting for the converter, per voice */
#define TAIL_FRAMES                                                                                \
    256.0 /* converter ring-out after a one-shot's last frame:
                                 > the widest half filter (MEDIUM: ~46 frames x rate) */
#define NO_FRAME UINT32_MAX

typedef struct voice {
    SRC_STATE *src[Q_COUNT];
    SRC_STATE *cur; /* the converter chosen when the voice started */
    float *stage;   /* STAGE_FRAMES interleaved source frames */
    uint32_t staged;
    float *conv; /* LULL_MAX_BLOCK interleaved converted frames */
    bool active, is_loop, releasing, fresh;
    uint64_t age;        /* start order, to steal the oldest */
    uint32_t from;       /* first frame of this block it plays (its note's offset) */
    uint32_t release_at; /* frame of this block where a steal fade starts */
    /* source reader */
    int64_t pos; /* next file frame read outside a crossfade */
    bool xf;     /* in a loop-seam crossfade */
    int64_t xf_a, xf_b, xf_len, xf_k;
    int xf_law;
    int64_t end, fade, region_len; /* one-shot: [start, end), last `fade` frames fade */
    double played;                 /* source frames played so far (one-shot end detection) */
    /* rate (source frames per output frame) */
    double rate, transpose;
    /* envelope */
    double env, att_step, rel_step, vel;
    int64_t hold; /* output frames until the note's release; -1: none */
} voice;

typedef struct sampler {
    const lull_host *host;
    const lull_sound *sound;
    double sr;
    uint32_t ch;
    voice v[VOICES];
    uint64_t next_age;
    /* this block's loop geometry (file frames) */
    int64_t ls, le, seam_a, seam_b, seam_x;
    int law;
    double gain[LULL_MAX_BLOCK];
} sampler;

static double clampd(double x, double lo, double hi) { return !(x >= lo) ? lo : x > hi ? hi : x; }
static int64_t clampi(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

static void say(const sampler *s, enum lull_log_level level, const char *msg)
{
    if (s->host && s->host->log) s->host->log(s->host, level, msg);
}

static void *sampler_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    sampler *s = calloc(1, sizeof *s);
    if (s) s->host = host;
    return s;
}

static void free_voices(sampler *s)
{
    for (int i = 0; i < VOICES; i++) {
        voice *v = &s->v[i];
        for (int q = 0; q < Q_COUNT; q++)
            if (v->src[q]) src_delete(v->src[q]);
        free(v->stage);
        free(v->conv);
        memset(v, 0, sizeof *v);
    }
}

static bool sampler_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)max_frames;
    sampler *s = self;
    char msg[512];
    const lull_host *h = s->host;
    const lull_host_sounds *sounds = NULL;
    if (h && h->struct_size >= offsetof(lull_host, get_extension) + sizeof(void *) &&
        h->get_extension)
        sounds = h->get_extension(h, LULL_HOST_EXT_SOUNDS);
    if (!sounds || !sounds->get) {
        say(s, LULL_LOG_ERROR,
            "sampler: the host offers no sound service (" LULL_HOST_EXT_SOUNDS
            "); this node needs a host with plugin ABI 1.2 sounds");
        return false;
    }
    const lull_sound *snd = sounds->get(h, 0);
    if (!snd) {
        say(s, LULL_LOG_ERROR,
            "sampler: sound slot \"sample\" is not bound to a sound; bind it "
            "in the preset: \"sounds\": {\"sample\": \"<name>\"}");
        return false;
    }
    const char *what = snd->path ? snd->path : snd->name ? snd->name : "(unnamed)";
    if (snd->channels < 1 || snd->channels > 2 || snd->frames < 1 || !snd->data || !snd->data[0] ||
        (snd->channels == 2 && !snd->data[1])) {
        snprintf(msg, sizeof msg,
                 "sampler: sound \"%s\" in slot \"sample\": %u channels, %llu frames; need 1 or 2 "
                 "channels and at least one frame",
                 what, snd->channels, (unsigned long long)snd->frames);
        say(s, LULL_LOG_ERROR, msg);
        return false;
    }
    if (fabs(snd->sample_rate - sample_rate) > 1e-6 * sample_rate) {
        snprintf(msg, sizeof msg,
                 "sampler: sound \"%s\" in slot \"sample\" is at %.1f Hz, the node runs at %.1f Hz",
                 what, snd->sample_rate, sample_rate);
        say(s, LULL_LOG_ERROR, msg);
        return false;
    }
    s->sound = snd;
    s->sr = sample_rate;
    s->ch = snd->channels;
    for (int i = 0; i < VOICES; i++) {
        voice *v = &s->v[i];
        for (int q = 0; q < Q_COUNT; q++) {
            int err = 0;
            v->src[q] = src_new(k_converter[q], (int)s->ch, &err);
            if (!v->src[q]) {
                snprintf(msg, sizeof msg, "sampler: libsamplerate src_new(%s): %s",
                         src_get_name(k_converter[q]), src_strerror(err));
                say(s, LULL_LOG_ERROR, msg);
                free_voices(s);
                return false;
            }
        }
        v->stage = calloc((size_t)STAGE_FRAMES * s->ch, sizeof(float));
        v->conv = calloc((size_t)LULL_MAX_BLOCK * s->ch, sizeof(float));
        if (!v->stage || !v->conv) {
            say(s, LULL_LOG_ERROR, "sampler: out of memory");
            free_voices(s);
            return false;
        }
    }
    s->next_age = 0;
    return true;
}

/* The loop geometry from this block's parameters (see the top comment). */
static void plan_block(sampler *s, const lull_process *ctx)
{
    const int64_t n = (int64_t)s->sound->frames;
    int64_t ls = clampi(llround(clampd(ctx->params[P_START][0], 0.0, 1e7) * s->sr), 0, n - 1);
    double le_s = clampd(ctx->params[P_LOOP_END][0], 0.0, 1e7);
    int64_t le = le_s > 0.0 ? clampi(llround(le_s * s->sr), 0, n) : n;
    if (le <= ls) le = n; /* loop_end at or before start: to the end of the file */
    int64_t len = le - ls;
    int64_t x = clampi(llround(clampd(ctx->params[P_XFADE][0], 0.0, 1e7) * s->sr), 0, len / 2);
    int64_t pre = x < ls ? x : ls;                      /* borrowed before start */
    int64_t post = x - pre < n - le ? x - pre : n - le; /* borrowed after loop_end */
    int64_t missing = x - pre - post;                   /* the loop is shortened by it */
    s->ls = ls;
    s->le = le;
    s->seam_a = le - pre - missing;
    s->seam_b = ls - pre;
    s->seam_x = x;
    s->law = (int)lround(clampd(ctx->params[P_XFADE_LAW][0], 0, 1));
}

/* Fill `count` interleaved source frames into dst. */
static void read_source(const sampler *s, voice *v, float *dst, uint32_t count)
{
    const float *const *d = s->sound->data;
    const uint32_t ch = s->ch;
    const int64_t n = (int64_t)s->sound->frames;
    for (uint32_t i = 0; i < count; i++, dst += ch) {
        if (!v->is_loop) {
            if (v->pos < v->end) {
                int64_t left = v->end - v->pos;
                float g = left <= v->fade ? (float)(((double)left - 0.5) / (double)v->fade) : 1.0f;
                for (uint32_t c = 0; c < ch; c++) dst[c] = g * d[c][v->pos];
                v->pos++;
            } else {
                for (uint32_t c = 0; c < ch; c++) dst[c] = 0.0f;
            }
            continue;
        }
        if (!v->xf && (v->pos >= s->seam_a || v->pos >= n)) {
            /* the seam (or, after a loop change, at once from here) */
            v->xf_a = v->pos;
            v->xf_b = s->seam_b;
            v->xf_len = s->seam_x < n - v->pos ? s->seam_x : n - v->pos;
            v->xf_k = 0;
            v->xf_law = s->law;
            v->xf = v->xf_len > 0;
            if (!v->xf) v->pos = s->seam_b; /* a loop too short to crossfade (< 2 frames) */
        }
        if (v->xf) {
            double t = ((double)v->xf_k + 0.5) / (double)v->xf_len;
            float go, gi;
            if (v->xf_law == LAW_EQUAL_POWER) {
                go = (float)cos(0.5 * M_PI * t);
                gi = (float)sin(0.5 * M_PI * t);
            } else {
                go = (float)(1.0 - t);
                gi = (float)t;
            }
            for (uint32_t c = 0; c < ch; c++)
                dst[c] = go * d[c][v->xf_a + v->xf_k] + gi * d[c][v->xf_b + v->xf_k];
            if (++v->xf_k >= v->xf_len) {
                v->xf = false;
                v->pos = v->xf_b + v->xf_len;
            }
        } else {
            for (uint32_t c = 0; c < ch; c++) dst[c] = d[c][v->pos];
            v->pos++;
        }
    }
}

static int quality_at(const lull_process *ctx, uint32_t f)
{
    return (int)lround(clampd(ctx->params[P_QUALITY][f], 0, Q_COUNT - 1));
}

static void voice_start(sampler *s, voice *v, const lull_process *ctx, uint32_t f, double rate)
{
    v->active = true;
    v->fresh = true;
    v->releasing = false;
    v->from = f;
    v->release_at = NO_FRAME;
    v->age = s->next_age++;
    v->cur = v->src[quality_at(ctx, f)];
    src_reset(v->cur);
    v->staged = 0;
    v->xf = false;
    v->pos = s->ls;
    v->played = 0.0;
    v->rate = clampd(rate * v->transpose, RATE_MIN, RATE_MAX);
    v->env = 0.0;
    v->att_step = 1.0 / (clampd(ctx->params[P_ATTACK][f], 1e-4, 60.0) * s->sr);
    v->rel_step = 1.0 / (clampd(ctx->params[P_RELEASE][f], 1e-3, 60.0) * s->sr);
}

static bool loop_mode_at(const lull_process *ctx, uint32_t f)
{
    return lround(ctx->params[P_MODE][f]) != MODE_ONESHOT;
}

/* A one-shot for `note`; steals the oldest sounding one-shot beyond POLYPHONY. */
static void note_on(sampler *s, const lull_process *ctx, const lull_note *note, double rate)
{
    uint32_t f = note->offset;
    int sounding = 0;
    voice *oldest = NULL, *free_slot = NULL, *quietest = NULL;
    for (int i = 1; i < VOICES; i++) {
        voice *v = &s->v[i];
        if (!v->active) {
            if (!free_slot) free_slot = v;
            continue;
        }
        if (!v->releasing && v->release_at == NO_FRAME) {
            sounding++;
            if (!oldest || v->age < oldest->age) oldest = v;
        } else if (!v->fresh && (!quietest || v->env < quietest->env)) {
            quietest = v;
        }
    }
    if (sounding >= POLYPHONY && oldest) oldest->release_at = f;
    voice *v = free_slot ? free_slot : quietest;
    if (!v) return; /* more than ONESHOT_SLOTS notes within one block: dropped */
    v->is_loop = false;
    v->transpose =
        exp2((clampd(note->pitch, 0.0, 127.0) - clampd(ctx->params[P_ROOT][f], 0, 127)) / 12.0);
    voice_start(s, v, ctx, f, rate);
    v->end = s->le;
    v->region_len = v->end - v->pos;
    int64_t fade = llround(clampd(ctx->params[P_RELEASE][f], 0.0, 60.0) * s->sr);
    v->fade = clampi(fade, 1, v->region_len / 2 > 1 ? v->region_len / 2 : 1);
    v->vel = clampd(note->velocity, 0.0, 1.0);
    v->hold = note->duration_s > 0.0f ? llround(clampd(note->duration_s, 0.0, 1e6) * s->sr) : -1;
    if (v->hold == 0) v->hold = 1;
}

/* Convert this block's frames of one voice and mix them into left/right. */
static void voice_render(sampler *s, voice *v, const lull_process *ctx, double base_rate,
                         float *left, float *right)
{
    const uint32_t ch = s->ch, from = v->from, n = ctx->frames - from;
    /* glide toward the target rate in the log domain (time constant GLIDE_SECONDS) */
    double r0 = v->rate, target = clampd(base_rate * v->transpose, RATE_MIN, RATE_MAX);
    double lr = log(r0), lt = log(target);
    lr += (lt - lr) * (1.0 - exp(-(double)n / (GLIDE_SECONDS * s->sr)));
    if (fabs(lt - lr) < 1e-9) lr = lt; /* settle exactly, so a held rate is a constant ratio */
    double r1 = v->rate = exp(lr);

    long gen = 0;
    double rmax = r0 > r1 ? r0 : r1;
    for (int iter = 0; gen < (long)n && iter < 32; iter++) {
        uint32_t need = (uint32_t)ceil((double)((long)n - gen) * rmax) + 32u;
        if (iter > 0) need = v->staged + 64u; /* the converter wants its filter's lookahead too */
        if (need > STAGE_FRAMES) need = STAGE_FRAMES;
        if (v->staged < need) {
            read_source(s, v, v->stage + (size_t)v->staged * ch, need - v->staged);
            v->staged = need;
        }
        SRC_DATA sd = {.data_in = v->stage,
                       .data_out = v->conv + (size_t)gen * ch,
                       .input_frames = v->staged,
                       .output_frames = (long)n - gen,
                       .end_of_input = 0,
                       .src_ratio = 1.0 / r1};
        if (src_process(v->cur, &sd) != 0) break;
        if (sd.input_frames_used > 0) {
            v->staged -= (uint32_t)sd.input_frames_used;
            memmove(v->stage, v->stage + (size_t)sd.input_frames_used * ch,
                    (size_t)v->staged * ch * sizeof(float));
        }
        gen += sd.output_frames_gen;
    }
    if (gen < (long)n) /* never expected: silence rather than stale samples */
        memset(v->conv + (size_t)gen * ch, 0, (size_t)((long)n - gen) * ch * sizeof(float));

    const double steal_step = 1.0 / (STEAL_SECONDS * s->sr);
    const float *conv = v->conv;
    for (uint32_t i = 0; i < n; i++, conv += ch) {
        uint32_t f = from + i;
        if (f == v->release_at) {
            v->releasing = true;
            v->rel_step = v->rel_step > steal_step ? v->rel_step : steal_step;
        }
        if (v->is_loop) {
            v->releasing = !loop_mode_at(ctx, f);
            v->att_step = 1.0 / (clampd(ctx->params[P_ATTACK][f], 1e-4, 60.0) * s->sr);
            v->rel_step = 1.0 / (clampd(ctx->params[P_RELEASE][f], 1e-3, 60.0) * s->sr);
        } else if (v->hold > 0 && --v->hold == 0) {
            v->releasing = true;
        }
        if (v->releasing) {
            v->env -= v->rel_step;
            if (v->env < 0.0) v->env = 0.0;
        } else if (v->env < 1.0) {
            v->env += v->att_step;
            if (v->env > 1.0) v->env = 1.0;
        }
        /* smoothstep of the linear ramp: zero slope where a ramp starts and ends, so
         * neither an onset nor a fade has a corner; still > 0 on the first frame */
        double e = v->env * v->env * (3.0 - 2.0 * v->env);
        float g = (float)(e * v->vel * s->gain[f]);
        left[f] += g * conv[0];
        right[f] += g * conv[ch - 1];
    }
    v->played += 0.5 * (r0 + r1) * (double)n;
    if (v->releasing && v->env <= 0.0) v->active = false;
    if (!v->is_loop && v->pos >= v->end &&
        v->played > (double)v->region_len + TAIL_FRAMES * (r1 > 1.0 ? r1 : 1.0))
        v->active = false;
    v->from = 0;
    v->fresh = false;
    v->release_at = NO_FRAME;
}

static void sampler_process(void *self, const lull_process *ctx)
{
    sampler *s = self;
    const uint32_t frames = ctx->frames;
    float *left = ctx->outputs[0], *right = ctx->outputs[1];
    memset(left, 0, frames * sizeof(float));
    memset(right, 0, frames * sizeof(float));
    plan_block(s, ctx);

    const float *gain_db = ctx->params[P_GAIN_DB];
    if (ctx->params_static[P_GAIN_DB]) {
        double g = pow(10.0, clampd(gain_db[0], -200.0, 40.0) / 20.0);
        for (uint32_t f = 0; f < frames; f++) s->gain[f] = g;
    } else {
        for (uint32_t f = 0; f < frames; f++)
            s->gain[f] = pow(10.0, clampd(gain_db[f], -200.0, 40.0) / 20.0);
    }

    /* rate = speed x (tempo / ref_bpm)^tempo_follow, at the block's last frame */
    const uint32_t last = frames - 1;
    double speed = clampd(ctx->params[P_SPEED][last], RATE_MIN, RATE_MAX);
    double follow = clampd(ctx->params[P_TEMPO_FOLLOW][last], 0.0, 1.0);
    double ref = clampd(ctx->params[P_REF_BPM][last], 1.0, 1000.0);
    double bpm = ctx->clocks ? ctx->clocks->tempo_bpm : ref;
    double tempo = bpm > 0.0 && isfinite(bpm) ? pow(clampd(bpm, 1.0, 1000.0) / ref, follow) : 1.0;
    double rate = speed * tempo;

    voice *lv = &s->v[0];
    if (!lv->active) {
        for (uint32_t f = 0; f < frames; f++)
            if (loop_mode_at(ctx, f)) {
                lv->is_loop = true;
                lv->transpose = 1.0;
                lv->vel = 1.0;
                lv->hold = -1;
                voice_start(s, lv, ctx, f, rate);
                break;
            }
    }

    bool has_notes = ctx->struct_size >= offsetof(lull_process, note_count) + sizeof(uint32_t);
    uint32_t note_count = has_notes && ctx->notes ? ctx->note_count : 0;
    if (note_count > LULL_MAX_NOTES) note_count = LULL_MAX_NOTES;
    for (uint32_t k = 0; k < note_count; k++) {
        const lull_note *nt = &ctx->notes[k];
        if (nt->type == LULL_NOTE_ON && nt->offset < frames && !loop_mode_at(ctx, nt->offset))
            note_on(s, ctx, nt, rate);
    }

    for (int i = 0; i < VOICES; i++)
        if (s->v[i].active) voice_render(s, &s->v[i], ctx, rate, left, right);

    for (uint32_t f = 0; f < frames; f++) { /* no denormals, nothing non-finite */
        if (!(fabsf(left[f]) >= 1e-20f) || !isfinite(left[f])) left[f] = 0.0f;
        if (!(fabsf(right[f]) >= 1e-20f) || !isfinite(right[f])) right[f] = 0.0f;
    }
}

static void sampler_reset(void *self)
{
    sampler *s = self;
    for (int i = 0; i < VOICES; i++) {
        s->v[i].active = false;
        s->v[i].staged = 0;
    }
    s->next_age = 0;
}

static void sampler_deactivate(void *self)
{
    sampler *s = self;
    free_voices(s);
    s->sound = NULL;
}

static void sampler_destroy(void *self) { free(self); }

static const char *const mode_names[] = {"loop", "oneshot"};
static const char *const law_names[] = {"equal_power", "equal_gain"};
static const char *const quality_names[] = {"linear", "sinc_fast", "sinc_medium"};

static const lull_port_info sampler_outputs[] = {{"left"}, {"right"}};
static const lull_port_info sampler_note_inputs[] = {{"trigger"}};
static const lull_port_info sampler_slots[] = {{"sample"}};
static const lull_param_info sampler_params[P_COUNT] = {
    [P_MODE] = {"mode", "Mode", "", 0, 1, 0, 0, LULL_PARAM_STEPPED, mode_names},
    [P_GAIN_DB] = {"gain_db", "Gain", "dB", -80, 12, 0, 20, LULL_PARAM_MODULATABLE, NULL},
    [P_START] = {"start", "Start", "s", 0, 3600, 0, 20, 0, NULL},
    [P_LOOP_END] = {"loop_end", "Loop end (0 = end of file)", "s", 0, 3600, 0, 20, 0, NULL},
    [P_XFADE] = {"xfade", "Loop crossfade", "s", 0.005f, 2, 0.05f, 20, 0, NULL},
    [P_XFADE_LAW] = {"xfade_law", "Crossfade law", "", 0, 1, 0, 0, LULL_PARAM_STEPPED, law_names},
    [P_SPEED] = {"speed", "Speed", "x", 0.25f, 4, 1, 50,
                 LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_TEMPO_FOLLOW] = {"tempo_follow", "Tempo follow", "", 0, 1, 0, 50, LULL_PARAM_MODULATABLE,
                        NULL},
    [P_REF_BPM] = {"ref_bpm", "Reference tempo", "bpm", 20, 300, 60, 50, 0, NULL},
    [P_ROOT] = {"root", "Root note", "MIDI", 0, 127, 60, 20, 0, NULL},
    [P_ATTACK] = {"attack", "Attack", "s", 0.001f, 10, 0.005f, 20, 0, NULL},
    [P_RELEASE] = {"release", "Release", "s", 0.005f, 10, 0.05f, 20, 0, NULL},
    [P_QUALITY] = {"quality", "Converter", "", 0, 2, 1, 0, LULL_PARAM_STEPPED, quality_names},
};

static const lull_descriptor sampler_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "sampler",
    .name = "Sampler",
    .version = "1.0.0",
    .description = "Plays a host-loaded sound (slot \"sample\") as a crossfaded loop or as "
                   "one-shots on notes, varispeed with speed, tempo and pitch.",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 2,
    .outputs = sampler_outputs,
    .param_count = P_COUNT,
    .params = sampler_params,
    .create = sampler_create,
    .activate = sampler_activate,
    .process = sampler_process,
    .reset = sampler_reset,
    .deactivate = sampler_deactivate,
    .destroy = sampler_destroy,
    .get_extension = NULL,
    .note_input_count = 1,
    .note_inputs = sampler_note_inputs,
    .note_output_count = 0,
    .note_outputs = NULL,
    .sound_slot_count = 1,
    .sound_slots = sampler_slots,
};

LULL_PLUGIN_ENTRY(&sampler_desc)
