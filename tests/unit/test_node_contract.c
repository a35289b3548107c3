/* Properties every node of plugins/ promises: a complete descriptor with the ids
 * presets use, finite output on any finite input with any parameter values, every
 * output frame written, the same output whatever the block size, reset() back to
 * the initial state. Also prints each node's cost in ns per frame (never asserted). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define FRAMES 48000u

/* Every shipped node that plays without a sound file (the sound-slot nodes sampler,
 * grain and stretch have their own tests and plugin-check gives them a sound). */
static const char *const node_ids[] = {"noise", "osc",    "svf",   "gain", "mixer",   "pan",
                                       "swell", "reverb", "delay", "bowl", "pattern", "envelope"};
#define NODE_COUNT (sizeof node_ids / sizeof node_ids[0])

/* The ids presets rely on: inputs | outputs | parameters, in order. */
static const struct {
    const char *id, *signature;
} signatures[] = {
    {"noise", "|out|color,level"},
    {"osc", "|out|waveform,freq,level,detune"},
    {"svf", "in|out|mode,cutoff,q"},
    {"gain", "in|out|gain_db"},
    {"mixer", "in1,in2,in3,in4|out|level1,level2,level3,level4"},
    {"pan", "in|left,right|pan"},
    {"swell", "in|out,env|depth,lag"},
    {"reverb", "left,right|left,right|rt60,low_ratio,crossover,damping,size,predelay,mix,width"},
    {"delay", "left,right|left,right|time,beats,feedback,damping,highpass,mix,pingpong"},
    {"bowl", "|left,right|model,decay,hardness,attack,beating,spread,level"},
    {"pattern", "||scale,root,subdivision,density,register,spread,velocity_min,velocity_max,rest"},
    {"envelope", "in|out,env|source,attack,hold,decay,sustain,release,curve"},
    {"sampler",
     "|left,right|mode,gain_db,start,loop_end,xfade,xfade_law,speed,tempo_follow,ref_bpm,"
     "root,attack,release,quality"},
    {"grain", "|left,right|density,size,position,spread,pitch,pitch_jitter,stereo,gain_db,"
              "tempo_follow,ref_bpm,taper"},
    {"stretch", "|left,right|ratio,tempo_follow,ref_bpm,gain_db,start,loop_end,crossfade"},
};

static void append_ids(char *buf, size_t len, const char *id, bool first)
{
    if (!first) strncat(buf, ",", len - strlen(buf) - 1);
    strncat(buf, id, len - strlen(buf) - 1);
}

static void check_signature(const lull_descriptor *d)
{
    char sig[512] = "";
    for (uint32_t i = 0; i < d->input_count; i++)
        append_ids(sig, sizeof sig, d->inputs[i].id, i == 0);
    strncat(sig, "|", sizeof sig - strlen(sig) - 1);
    for (uint32_t i = 0; i < d->output_count; i++)
        append_ids(sig, sizeof sig, d->outputs[i].id, i == 0);
    strncat(sig, "|", sizeof sig - strlen(sig) - 1);
    for (uint32_t i = 0; i < d->param_count; i++)
        append_ids(sig, sizeof sig, d->params[i].id, i == 0);
    const char *expect = NULL;
    for (size_t i = 0; i < sizeof signatures / sizeof signatures[0]; i++)
        if (strcmp(signatures[i].id, d->id) == 0) expect = signatures[i].signature;
    CHECK(expect && strcmp(sig, expect) == 0, "%s: ports/params \"%s\", presets expect \"%s\"",
          d->id, sig, expect ? expect : "(unknown node)");
}

static uint64_t rng_state = 0x1234567887654321ull;
static double uniform(void) /* [0,1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static bool is_id(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
            return false;
    return true;
}

static void check_descriptor(const lull_descriptor *d)
{
    CHECK(d->struct_size == sizeof(lull_descriptor), "%s: struct_size", d->id);
    CHECK(is_id(d->id), "bad id");
    CHECK(d->name && *d->name, "%s: no name", d->id);
    CHECK(d->version && strcmp(d->version, "1.0.0") == 0, "%s: version", d->id);
    CHECK(d->description && strlen(d->description) > 10, "%s: description", d->id);
    CHECK(d->create && d->activate && d->process && d->deactivate && d->destroy,
          "%s: missing lifecycle function", d->id);
    /* something comes out: audio, or notes (a sequencer) */
    CHECK((d->output_count >= 1 && d->outputs) || (d->note_output_count >= 1 && d->note_outputs),
          "%s: no outputs", d->id);
    for (uint32_t i = 0; i < d->input_count; i++)
        CHECK(is_id(d->inputs[i].id), "%s: input %u id", d->id, i);
    for (uint32_t i = 0; i < d->output_count; i++)
        CHECK(is_id(d->outputs[i].id), "%s: output %u id", d->id, i);
    for (uint32_t i = 0; i < d->param_count; i++) {
        const lull_param_info *p = &d->params[i];
        CHECK(is_id(p->id) && p->name && *p->name && p->unit, "%s: param %u names", d->id, i);
        CHECK(p->min < p->max && p->def >= p->min && p->def <= p->max, "%s.%s: range", d->id,
              p->id);
        if (p->flags & LULL_PARAM_STEPPED) {
            CHECK(p->smoothing_ms == 0.0f, "%s.%s: stepped but smoothed", d->id, p->id);
            CHECK(p->min == floorf(p->min) && p->max == floorf(p->max), "%s.%s: stepped range",
                  d->id, p->id);
            if (p->value_names)
                for (int v = 0; v <= (int)(p->max - p->min); v++)
                    CHECK(is_id(p->value_names[v]), "%s.%s: value name %d", d->id, p->id, v);
        } else {
            CHECK(p->smoothing_ms > 0.0f, "%s.%s: continuous param without smoothing", d->id,
                  p->id);
            CHECK(!p->value_names, "%s.%s: value names on a continuous param", d->id, p->id);
        }
        if (p->flags & LULL_PARAM_LOGARITHMIC)
            CHECK(p->min > 0.0f, "%s.%s: logarithmic with min <= 0", d->id, p->id);
    }
}

typedef struct buffers {
    float *in[16];
    float *out[16];
    float *out2[16];
} buffers;

static void buffers_alloc(buffers *b, const lull_descriptor *d, size_t frames, float amplitude)
{
    memset(b, 0, sizeof *b);
    for (uint32_t p = 0; p < d->input_count; p++) {
        b->in[p] = malloc(frames * sizeof(float));
        for (size_t i = 0; i < frames; i++)
            b->in[p][i] = (float)((2.0 * uniform() - 1.0) * amplitude);
    }
    for (uint32_t p = 0; p < d->output_count; p++) {
        b->out[p] = malloc(frames * sizeof(float));
        b->out2[p] = malloc(frames * sizeof(float));
        for (size_t i = 0; i < frames; i++)
            b->out[p][i] = b->out2[p][i] = NAN; /* unwritten frames stay NaN */
    }
}

static void buffers_free(buffers *b)
{
    for (int p = 0; p < 16; p++) {
        free(b->in[p]);
        free(b->out[p]);
        free(b->out2[p]);
    }
}

/* Random parameter trajectories: a new uniformly drawn value every `hold` frames
 * (hold 1: a different value every frame, far harsher than host smoothing allows). */
static float **random_trajectories(const lull_descriptor *d, size_t frames, size_t hold)
{
    float **t = calloc(d->param_count, sizeof *t);
    for (uint32_t i = 0; i < d->param_count; i++) {
        const lull_param_info *p = &d->params[i];
        t[i] = malloc(frames * sizeof(float));
        float v = p->def;
        for (size_t f = 0; f < frames; f++) {
            if (f % hold == 0) {
                double u = uniform();
                if (p->flags & LULL_PARAM_STEPPED)
                    v = (float)floor(p->min + u * (p->max - p->min + 1.0));
                else if (p->flags & LULL_PARAM_LOGARITHMIC)
                    v = (float)(p->min * pow(p->max / p->min, u));
                else
                    v = (float)(p->min + u * (p->max - p->min));
            }
            t[i][f] = v;
        }
    }
    return t;
}

static void free_trajectories(const lull_descriptor *d, float **t)
{
    for (uint32_t i = 0; i < d->param_count; i++) free(t[i]);
    free(t);
}

static bool outputs_finite(const lull_descriptor *d, float *const *out, size_t frames, double *peak)
{
    bool ok = true;
    *peak = 0.0;
    for (uint32_t p = 0; p < d->output_count; p++) {
        ok = ok && ac_all_finite(out[p], frames);
        *peak = fmax(*peak, ac_peak(out[p], frames));
    }
    return ok;
}

/* Finite, fully written output under random input and random parameters. */
static void check_finite(const char *id)
{
    static const size_t holds[] = {1, 64, 4800};
    static const float amplitudes[] = {1.0f, 1000.0f};
    for (size_t a = 0; a < 2; a++) {
        for (size_t hi = 0; hi < 3; hi++) {
            node_harness *h = nh_open(id, id, RATE, 7);
            const lull_descriptor *d = nh_descriptor(h);
            buffers b;
            buffers_alloc(&b, d, FRAMES, amplitudes[a]);
            float **traj = random_trajectories(d, FRAMES, holds[hi]);
            for (uint32_t i = 0; i < d->param_count; i++)
                nh_set_param_trajectory(h, d->params[i].id, traj[i], FRAMES);
            nh_set_block_size(h, 1 + (uint32_t)(uniform() * LULL_MAX_BLOCK));
            nh_run(h, (const float *const *)b.in, b.out, FRAMES);
            double peak;
            bool finite = outputs_finite(d, b.out, FRAMES, &peak);
            CHECK(finite, "%s: non-finite or unwritten output (input x%g, params held %zu)", id,
                  amplitudes[a], holds[hi]);
            /* Bounded too: no node here has more than +24 dB of gain, plus the svf's
             * resonance (Q 20 = +26 dB) and transients of fast modulation. */
            CHECK(peak < 1e4 * amplitudes[a], "%s: peak %g for input x%g", id, peak, amplitudes[a]);
            free_trajectories(d, traj);
            buffers_free(&b);
            nh_close(h);
        }
    }
}

/* Block size changes nothing but rounding of the clocks. */
static void check_block_size(const char *id)
{
    node_harness *h1 = nh_open(id, id, RATE, 11);
    node_harness *h2 = nh_open(id, id, RATE, 11);
    const lull_descriptor *d = nh_descriptor(h1);
    buffers b;
    buffers_alloc(&b, d, FRAMES, 0.5f);
    float **traj = random_trajectories(d, FRAMES, 4000);
    for (uint32_t i = 0; i < d->param_count; i++) {
        nh_set_param_trajectory(h1, d->params[i].id, traj[i], FRAMES);
        nh_set_param_trajectory(h2, d->params[i].id, traj[i], FRAMES);
    }
    nh_set_block_size(h2, 37);
    nh_run(h1, (const float *const *)b.in, b.out, FRAMES);
    nh_run(h2, (const float *const *)b.in, b.out2, FRAMES);
    double worst = 0.0;
    for (uint32_t p = 0; p < d->output_count; p++)
        for (size_t i = 0; i < FRAMES; i++)
            worst = fmax(worst, fabs((double)b.out[p][i] - b.out2[p][i]));
    CHECK(worst < 1e-5, "%s: blocks of 64 and of 37 differ by %g", id, worst);
    free_trajectories(d, traj);
    buffers_free(&b);
    nh_close(h1);
    nh_close(h2);
}

/* reset() returns the node to its just-activated state. */
static void check_reset(const char *id)
{
    node_harness *h = nh_open(id, id, RATE, 5);
    const lull_descriptor *d = nh_descriptor(h);
    buffers b;
    buffers_alloc(&b, d, FRAMES, 0.5f);
    nh_run(h, (const float *const *)b.in, b.out, FRAMES);
    nh_run(h, (const float *const *)b.in, b.out2, FRAMES / 3); /* move the state on */
    nh_reset(h);
    nh_run(h, (const float *const *)b.in, b.out2, FRAMES);
    double worst = 0.0;
    for (uint32_t p = 0; p < d->output_count; p++)
        for (size_t i = 0; i < FRAMES; i++)
            worst = fmax(worst, fabs((double)b.out[p][i] - b.out2[p][i]));
    CHECK(worst == 0.0, "%s: output after reset differs from the first render by %g", id, worst);
    buffers_free(&b);
    nh_close(h);
}

static void report_cost(const char *id)
{
    node_harness *h = nh_open(id, id, RATE, 3);
    const lull_descriptor *d = nh_descriptor(h);
    const size_t frames = 480000;
    buffers b;
    buffers_alloc(&b, d, frames, 0.5f);
    if (strcmp(id, "osc") == 0) nh_set_param(h, "waveform", 2.0f);
    nh_time_ns_per_frame(h, (const float *const *)b.in, frames / 10); /* warm up */
    double fixed = nh_time_ns_per_frame(h, (const float *const *)b.in, frames);
    /* Every continuous parameter gliding (a slow random walk inside its range). */
    float **traj = random_trajectories(d, frames, 1);
    for (uint32_t i = 0; i < d->param_count; i++) {
        const lull_param_info *p = &d->params[i];
        if (p->flags & LULL_PARAM_STEPPED) {
            nh_set_param(h, p->id, strcmp(id, "osc") == 0 ? 2.0f : p->def);
            continue;
        }
        for (size_t f = 0; f < frames; f++) /* smooth it: a glide, not noise */
            traj[i][f] = (float)(p->def + (traj[i][f] - p->def) * 0.001 * (double)(f % 1000));
        nh_set_param_trajectory(h, p->id, traj[i], frames);
    }
    double moving = nh_time_ns_per_frame(h, (const float *const *)b.in, frames);
    fprintf(stderr, "cost %-6s %6.2f ns/frame static params, %6.2f ns/frame modulated\n", id, fixed,
            moving);
    free_trajectories(d, traj);
    buffers_free(&b);
    nh_close(h);
}

int main(void)
{
    for (size_t n = 0; n < NODE_COUNT; n++) {
        node_harness *h = nh_open(node_ids[n], node_ids[n], RATE, 1);
        check_descriptor(nh_descriptor(h));
        check_signature(nh_descriptor(h));
        nh_close(h);
        check_finite(node_ids[n]);
        check_block_size(node_ids[n]);
        check_reset(node_ids[n]);
    }
    for (size_t n = 0; n < NODE_COUNT; n++) report_cost(node_ids[n]);
    /* The sound-slot nodes: descriptor and ids, with a second of stereo noise bound. */
    static float left[48000], right[48000];
    for (size_t f = 0; f < 48000; f++) {
        left[f] = 0.1f * (float)sin(0.01 * (double)f);
        right[f] = 0.1f * (float)sin(0.013 * (double)f);
    }
    const float *const data[2] = {left, right};
    const lull_sound sound = {sizeof(lull_sound), 2, 48000, RATE, data, "test", "test.wav"};
    const lull_sound *const bound[1] = {&sound};
    const char *const sound_nodes[] = {"sampler", "grain", "stretch"};
    for (size_t n = 0; n < 3; n++) {
        node_harness *h = nh_open_sounds(sound_nodes[n], sound_nodes[n], RATE, 1, bound, 1);
        check_descriptor(nh_descriptor(h));
        check_signature(nh_descriptor(h));
        nh_close(h);
    }
    return check_finish("test_node_contract");
}
