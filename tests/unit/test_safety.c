/* The output safety stage (plugins/safety/safety.c, the copy linked into the
 * engine): ceiling held under +20 dB overdrive, DC removed, NaN/Inf scrubbed and
 * counted, fade shape and timing, latency, and no clicks from volume changes or
 * from the limiter itself. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/safety/safety_ext.h"
#include "audio_check.h"
#include "check.h"
#include "lull/plugin.h"
#include "plugin/registry.h"

#define RATE 48000.0
#define PI 3.14159265358979323846

enum { P_VOLUME, P_CEILING, P_GATE, P_FADE_IN, P_FADE_OUT, P_COUNT };

/* A minimal host for one safety instance: per-frame parameter tracks, two
 * channels, fixed block size. */
typedef struct {
    const lull_descriptor *d;
    void *self;
    lull_host host;
    const lull_safety_ext *ext;
    uint32_t latency;
    float value[P_COUNT];        /* constant value of each parameter... */
    const float *track[P_COUNT]; /* ...unless a per-frame track is given */
    uint32_t block;
    uint64_t frame;
} runner;

static const lull_descriptor *safety_descriptor(void)
{
    const lull_plugin_entry *e = lull_safety_entry();
    for (uint32_t i = 0; i < e->descriptor_count; i++)
        if (strcmp(e->descriptors[i]->id, "safety") == 0) return e->descriptors[i];
    return NULL;
}

static void runner_open(runner *r, double rate)
{
    memset(r, 0, sizeof *r);
    r->d = safety_descriptor();
    if (!r->d) {
        fprintf(stderr, "no descriptor \"safety\" in lull_safety_entry()\n");
        exit(2);
    }
    r->host = (lull_host){.struct_size = sizeof(lull_host),
                          .host_name = "test",
                          .host_version = "0",
                          .node_name = "safety",
                          .seed = 1};
    r->self = r->d->create(r->d, &r->host);
    if (!r->self || !r->d->activate(r->self, rate, LULL_MAX_BLOCK)) {
        fprintf(stderr, "safety: create/activate failed\n");
        exit(2);
    }
    for (uint32_t i = 0; i < P_COUNT; i++) r->value[i] = r->d->params[i].def;
    r->ext = r->d->get_extension(r->self, LULL_SAFETY_EXT);
    const lull_ext_latency *lat = r->d->get_extension(r->self, LULL_EXT_LATENCY);
    r->latency = lat ? lat->get(r->self) : 0;
    r->block = LULL_MAX_BLOCK;
}

static void runner_close(runner *r)
{
    r->d->deactivate(r->self);
    r->d->destroy(r->self);
}

/* Renders n frames of stereo input (in_r may equal in_l) into out_l/out_r. */
static void runner_run(runner *r, const float *in_l, const float *in_r, float *out_l, float *out_r,
                       size_t n)
{
    float pbuf[P_COUNT][LULL_MAX_BLOCK];
    const float *pptr[P_COUNT];
    uint8_t pstatic[P_COUNT];
    lull_clocks clocks = {.sample_rate = RATE,
                          .tempo_bpm = 60,
                          .beat_inc = 1.0 / RATE,
                          .pacer_rate = 6,
                          .pacer_phase_inc = 0.1 / RATE,
                          .inhale_fraction = 0.4};
    for (size_t done = 0; done < n;) {
        uint32_t frames = (uint32_t)((n - done) < r->block ? (n - done) : r->block);
        for (int p = 0; p < P_COUNT; p++) {
            for (uint32_t f = 0; f < frames; f++)
                pbuf[p][f] = r->track[p] ? r->track[p][r->frame + f] : r->value[p];
            pptr[p] = pbuf[p];
            pstatic[p] = r->track[p] == NULL;
        }
        const float *ins[2] = {in_l + done, in_r + done};
        float *outs[2] = {out_l + done, out_r + done};
        clocks.frame = r->frame;
        lull_process ctx = {.struct_size = sizeof(lull_process),
                            .frames = frames,
                            .inputs = ins,
                            .outputs = outs,
                            .params = pptr,
                            .params_static = pstatic,
                            .clocks = &clocks};
        r->d->process(r->self, &ctx);
        done += frames;
        r->frame += frames;
    }
}

static float *buffer(size_t n) { return calloc(n, sizeof(float)); }

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double uniform(void) /* [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* ---- ceiling ------------------------------------------------------------------ */

enum { SIG_SINE_LOW, SIG_SINE_HIGH, SIG_NOISE, SIG_SQUARE_BURSTS, SIG_IMPULSES, SIG_COUNT };
static const char *const sig_names[SIG_COUNT] = {"sine 60 Hz", "sine 3 kHz", "noise",
                                                 "square bursts", "impulses"};

/* A test signal whose peak is `amp`. */
static void make_signal(int kind, float *x, size_t n, double amp, double phase)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        double v = 0.0;
        switch (kind) {
        case SIG_SINE_LOW: v = sin(2 * PI * 60 * t + phase); break;
        case SIG_SINE_HIGH: v = sin(2 * PI * 3000 * t + phase); break;
        case SIG_NOISE: v = uniform(); break;
        case SIG_SQUARE_BURSTS: /* 30 ms bursts of a 200 Hz square every 130 ms */
            v = fmod(t, 0.13) < 0.03 ? (sin(2 * PI * 200 * t + phase) >= 0 ? 1 : -1) : 0;
            break;
        case SIG_IMPULSES: v = (i % 4801 == 100) ? (phase > 0 ? 1 : -1) : 0; break;
        }
        x[i] = (float)(amp * v);
    }
}

static void test_ceiling(void)
{
    const size_t n = (size_t)(2.0 * RATE);
    float *l = buffer(n), *r = buffer(n), *ol = buffer(n), *or_ = buffer(n);
    const float ceilings[] = {-6.0f, 0.0f, -20.0f};
    for (size_t ci = 0; ci < 3; ci++) {
        for (int kind = 0; kind < SIG_COUNT; kind++) {
            double ceiling = pow(10.0, ceilings[ci] / 20.0);
            /* +20 dB over full scale on the left; the right channel has a different
             * phase (or sign) so that stereo linking is exercised. */
            make_signal(kind, l, n, 10.0, 0.0);
            make_signal(kind, r, n, 10.0, 1.0);
            runner run;
            runner_open(&run, RATE);
            run.value[P_VOLUME] = 12.0f; /* the volume adds +12 dB on top */
            run.value[P_CEILING] = ceilings[ci];
            run.value[P_FADE_IN] = 0.01f;
            run.block = kind == SIG_NOISE ? 37 : LULL_MAX_BLOCK;
            runner_run(&run, l, r, ol, or_, n);
            double peak = fmax(ac_peak(ol, n), ac_peak(or_, n));
            CHECK(peak <= ceiling * pow(10.0, 0.01 / 20.0),
                  "%s, ceiling %.0f dB: output peak %.4f dBFS exceeds the ceiling", sig_names[kind],
                  ceilings[ci], ac_db(peak));
            /* The limiter must limit, not mute: a steady overdriven signal sits
             * within 1 dB of the ceiling. */
            if (kind != SIG_IMPULSES)
                CHECK(peak >= ceiling * pow(10.0, -1.0 / 20.0),
                      "%s, ceiling %.0f dB: output peak %.2f dBFS, far below the ceiling",
                      sig_names[kind], ceilings[ci], ac_db(peak));
            CHECK(run.ext->clamped_samples(run.self) == 0,
                  "%s: the guarantee clamp cut %llu samples (the limiter should hold)",
                  sig_names[kind], (unsigned long long)run.ext->clamped_samples(run.self));
            CHECK(ac_all_finite(ol, n) && ac_all_finite(or_, n), "%s: non-finite output",
                  sig_names[kind]);
            if (kind == SIG_SINE_LOW && ci == 0)
                fprintf(stderr,
                        "ceiling -6 dB, sine +32 dB in: peak %.4f dBFS, reduction %.1f dB\n",
                        ac_db(peak), run.ext->gain_reduction_db(run.self));
            runner_close(&run);
        }
    }
    free(l), free(r), free(ol), free(or_);
}

/* ---- limiter smoothness, latency ---------------------------------------------- */

/* A 100 Hz sine whose amplitude rises smoothly from 0.05 to 10 in 10 ms: the input
 * has no click, so neither may the limited output (a gain that jumps would). */
static void test_limiter_smooth(void)
{
    const size_t n = (size_t)(1.0 * RATE);
    float *x = buffer(n), *ol = buffer(n), *or_ = buffer(n);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        double ramp = t < 0.4 ? 0.0 : t > 0.41 ? 1.0 : 0.5 - 0.5 * cos(PI * (t - 0.4) / 0.01);
        x[i] = (float)((0.05 + ramp * 9.95) * sin(2 * PI * 100 * t));
    }
    runner run;
    runner_open(&run, RATE);
    run.value[P_VOLUME] = 0.0f;
    run.value[P_FADE_IN] = 0.01f;
    runner_run(&run, x, x, ol, or_, n);
    ac_click in_click = ac_click_detect(x + 4800, n - 4800, 256, 1e-4);
    ac_click out_click = ac_click_detect(ol + 4800, n - 4800, 256, 1e-4);
    fprintf(stderr, "limiter attack: click ratio in %.1f, out %.1f\n", in_click.ratio,
            out_click.ratio);
    CHECK(out_click.ratio < 10.0, "limited output clicks (ratio %.1f at frame %zu)",
          out_click.ratio, out_click.index + 4800);
    runner_close(&run);
    free(x), free(ol), free(or_);
}

static void test_latency(void)
{
    const size_t n = 48000;
    float *x = buffer(n), *ol = buffer(n), *or_ = buffer(n);
    x[30000] = 0.25f;
    runner run;
    runner_open(&run, RATE);
    run.value[P_VOLUME] = 0.0f;
    run.value[P_FADE_IN] = 0.01f;
    CHECK(run.latency == 240, "lookahead at 48 kHz is %u frames, expected 5 ms = 240", run.latency);
    runner_run(&run, x, x, ol, or_, n);
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        if (fabsf(ol[i]) > fabsf(ol[at])) at = i;
    CHECK(at == 30000 + run.latency, "impulse came out at %zu, expected %u", at,
          30000 + run.latency);
    CHECK(fabs(ol[at] - 0.25) < 1e-3, "impulse below the ceiling changed: %.5f", ol[at]);
    runner_close(&run);
    free(x), free(ol), free(or_);
}

/* ---- DC blocker ---------------------------------------------------------------- */

static double sine_gain(double hz)
{
    const size_t n = (size_t)(4.0 * RATE);
    float *x = buffer(n), *ol = buffer(n), *or_ = buffer(n);
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.1 * sin(2 * PI * hz * (double)i / RATE));
    runner run;
    runner_open(&run, RATE);
    run.value[P_VOLUME] = 0.0f;
    run.value[P_CEILING] = 0.0f;
    run.value[P_FADE_IN] = 0.01f;
    runner_run(&run, x, x, ol, or_, n);
    size_t from = n / 2; /* after settling; a whole number of cycles for the test rates */
    double g = ac_rms(ol + from, n - from) / ac_rms(x + from, n - from);
    runner_close(&run);
    free(x), free(ol), free(or_);
    return g;
}

static void test_dc(void)
{
    const size_t n = (size_t)(3.0 * RATE);
    float *x = buffer(n), *ol = buffer(n), *or_ = buffer(n);
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.3 + 0.1 * sin(2 * PI * 440 * (double)i / RATE));
    runner run;
    runner_open(&run, RATE);
    run.value[P_VOLUME] = 0.0f;
    run.value[P_CEILING] = 0.0f;
    run.value[P_FADE_IN] = 0.01f;
    runner_run(&run, x, x, ol, or_, n);
    double mean = 0.0;
    size_t from = 2 * (size_t)RATE; /* 2 s = 63 time constants of a 5 Hz pole */
    for (size_t i = from; i < n; i++) mean += ol[i];
    mean /= (double)(n - from);
    CHECK(fabs(mean) < 1e-4, "DC of 0.3 left a mean of %.6f", mean);
    runner_close(&run);
    free(x), free(ol), free(or_);

    /* One-pole/one-zero high-pass at 5 Hz: |H| = 1/sqrt(2) at the corner, ~1 in the
     * audible band (theory: 0.99987 at 440 Hz, 0.832 at 8.3 Hz). */
    double g5 = sine_gain(5.0), g440 = sine_gain(440.0);
    fprintf(stderr, "DC blocker gain: 5 Hz %.4f, 440 Hz %.5f\n", g5, g440);
    CHECK(fabs(g5 - M_SQRT1_2) < 0.02, "gain at 5 Hz %.4f, expected 0.707 (-3 dB corner)", g5);
    CHECK(fabs(g440 - 1.0) < 1e-3, "gain at 440 Hz %.5f, expected ~1", g440);
}

/* ---- scrub --------------------------------------------------------------------- */

static void test_scrub(void)
{
    const size_t n = (size_t)(2.0 * RATE);
    float *l = buffer(n), *r = buffer(n), *ol = buffer(n), *or_ = buffer(n);
    float *cl = buffer(n), *cr = buffer(n);
    for (size_t i = 0; i < n; i++)
        l[i] = r[i] = (float)(0.2 * sin(2 * PI * 330 * (double)i / RATE));
    /* Clean reference first. */
    runner run;
    runner_open(&run, RATE);
    run.value[P_FADE_IN] = 0.01f;
    runner_run(&run, l, r, cl, cr, n);
    CHECK(run.ext->scrubbed_samples(run.self) == 0, "clean input scrubbed %llu samples",
          (unsigned long long)run.ext->scrubbed_samples(run.self));
    runner_close(&run);

    l[24000] = NAN;
    l[24001] = INFINITY;
    r[36000] = -INFINITY;
    r[36001] = 3e38f; /* finite, but no node can mean it */
    runner_open(&run, RATE);
    run.value[P_FADE_IN] = 0.01f;
    runner_run(&run, l, r, ol, or_, n);
    uint64_t scrubbed = run.ext->scrubbed_samples(run.self);
    CHECK(scrubbed == 4, "scrubbed %llu samples, expected 4 (NaN, Inf, -Inf, 3e38)",
          (unsigned long long)scrubbed);
    CHECK(ac_all_finite(ol, n) && ac_all_finite(or_, n), "non-finite output after NaN/Inf");
    /* Filter states were reset, not left poisoned: 0.5 s later the output matches
     * the clean run's level. */
    size_t from = 42000;
    double rms = ac_rms(ol + from, n - from), ref = ac_rms(cl + from, n - from);
    CHECK(fabs(ac_db(rms) - ac_db(ref)) < 0.1, "after a NaN, left level %.2f dB vs clean %.2f dB",
          ac_db(rms), ac_db(ref));
    rms = ac_rms(or_ + from, n - from);
    CHECK(fabs(ac_db(rms) - ac_db(ref)) < 0.1, "after -Inf, right level %.2f dB vs clean %.2f dB",
          ac_db(rms), ac_db(ref));
    runner_close(&run);
    free(l), free(r), free(ol), free(or_), free(cl), free(cr);

    /* Denormal-range input is flushed, not passed on. */
    float tiny[256], o1[256], o2[256];
    for (int i = 0; i < 256; i++) tiny[i] = (i & 1) ? 1e-39f : -2e-40f;
    runner_open(&run, RATE);
    runner_run(&run, tiny, tiny, o1, o2, 256);
    int nonzero = 0;
    for (int i = 0; i < 256; i++) nonzero += o1[i] != 0.0f || o2[i] != 0.0f;
    CHECK(nonzero == 0, "%d denormal samples passed through", nonzero);
    runner_close(&run);
}

/* ---- gate fade ----------------------------------------------------------------- */

static double raised_cosine(double pos)
{
    pos = pos < 0 ? 0 : pos > 1 ? 1 : pos;
    return 0.5 - 0.5 * cos(PI * pos);
}

static void test_fade(void)
{
    const double fade_in = 1.0, fade_out = 1.5;
    const size_t close_at = (size_t)(2.0 * RATE), n = (size_t)(4.0 * RATE);
    float *x = buffer(n), *ol = buffer(n), *or_ = buffer(n), *ref = buffer(n), *scratch = buffer(n);
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.2 * sin(2 * PI * 250 * (double)i / RATE));
    /* Reference: the same run with a 10 ms fade-in; identical after 480 frames. */
    runner run;
    runner_open(&run, RATE);
    run.value[P_FADE_IN] = 0.01f;
    runner_run(&run, x, x, ref, scratch, n);
    runner_close(&run);

    float *gate = buffer(n);
    for (size_t i = 0; i < n; i++) gate[i] = i < close_at ? 1.0f : 0.0f;
    runner_open(&run, RATE);
    run.value[P_FADE_IN] = (float)fade_in;
    run.value[P_FADE_OUT] = (float)fade_out;
    run.track[P_GATE] = gate;
    CHECK(run.ext->faded_out(run.self) == 1, "a fresh activation must start closed");
    runner_run(&run, x, x, ol, or_, close_at);
    CHECK(run.ext->faded_out(run.self) == 0, "the gate is open after 2 s");
    /* Fade-out: render up to 1 ms before the end of the fade, then the rest. */
    size_t end_out = close_at + (size_t)(fade_out * RATE);
    runner_run(&run, x + close_at, x + close_at, ol + close_at, or_ + close_at,
               end_out - 48 - close_at);
    CHECK(run.ext->faded_out(run.self) == 0, "faded out early, before %.3f s", fade_out);
    runner_run(&run, x + end_out - 48, x + end_out - 48, ol + end_out - 48, or_ + end_out - 48,
               n - (end_out - 48));
    CHECK(run.ext->faded_out(run.self) == 1, "not faded out %.1f s after closing", fade_out);

    double worst_in = 0, worst_out = 0;
    for (size_t i = 480; i < close_at; i++) {
        double expect = ref[i] * raised_cosine((double)(i + 1) / (fade_in * RATE));
        worst_in = fmax(worst_in, fabs(ol[i] - expect));
    }
    for (size_t i = close_at; i < n; i++) {
        double expect =
            ref[i] * raised_cosine(1.0 - (double)(i + 1 - close_at) / (fade_out * RATE));
        worst_out = fmax(worst_out, fabs(ol[i] - expect));
    }
    fprintf(stderr, "fade: worst deviation from raised cosine: in %.2e, out %.2e\n", worst_in,
            worst_out);
    CHECK(worst_in < 1e-5, "fade-in deviates from a %.1f s raised cosine by %.2e", fade_in,
          worst_in);
    CHECK(worst_out < 1e-5, "fade-out deviates from a %.1f s raised cosine by %.2e", fade_out,
          worst_out);
    CHECK(ac_peak(ol + end_out, n - end_out) == 0.0, "output not silent after the fade-out");
    /* Halfway through the fade-in the level is -6 dB (raised cosine at 0.5). */
    double half = ac_rms(ol + 23800, 400) / ac_rms(ref + 23800, 400);
    CHECK(fabs(half - 0.5) < 0.01, "level halfway into the fade-in is %.3f, expected 0.5", half);
    runner_close(&run);
    free(x), free(ol), free(or_), free(ref), free(scratch), free(gate);
}

/* ---- volume -------------------------------------------------------------------- */

/* The host smooths volume over 100 ms; the stage must apply it per frame so the
 * change is as smooth as the trajectory (a per-block step would click). */
static void test_volume(void)
{
    const size_t n = (size_t)(1.5 * RATE);
    float *x = buffer(n), *ol = buffer(n), *or_ = buffer(n), *vol = buffer(n);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(0.1 * sin(2 * PI * 200 * (double)i / RATE));
        double t = (double)i / RATE, u = (t - 0.5) / 0.1; /* 100 ms linear smoothing */
        vol[i] = (float)(-30.0 + 30.0 * (u < 0 ? 0 : u > 1 ? 1 : u));
    }
    runner run;
    runner_open(&run, RATE);
    run.value[P_CEILING] = 0.0f;
    run.value[P_FADE_IN] = 0.01f;
    run.track[P_VOLUME] = vol;
    runner_run(&run, x, x, ol, or_, n);
    ac_click c = ac_click_detect(ol + 4800, n - 4800, 256, 1e-5);
    fprintf(stderr, "volume -30 -> 0 dB over 100 ms: click ratio %.1f\n", c.ratio);
    CHECK(c.ratio < 10.0, "volume change clicks (ratio %.1f at frame %zu)", c.ratio,
          c.index + 4800);
    double before = ac_rms(ol + 12000, 9600), after = ac_rms(ol + 48000, 9600);
    CHECK(fabs(ac_db(after) - ac_db(before) - 30.0) < 0.05, "volume step gave %.2f dB, expected 30",
          ac_db(after) - ac_db(before));
    runner_close(&run);
    free(x), free(ol), free(or_), free(vol);
}

int main(void)
{
    test_ceiling();
    test_limiter_smooth();
    test_latency();
    test_dc();
    test_scrub();
    test_fade();
    test_volume();
    return check_finish("test_safety");
}
