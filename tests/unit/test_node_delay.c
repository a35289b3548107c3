/* delay: echo times (sample-exact for whole milliseconds at 48 kHz and for synced
 * beats), the level of every repeat against feedback and the loop filters, glides
 * without clicks, ping-pong, exact silence after the repeats.
 *
 * Theory. Repeat k (k >= 1) of an input is the input delayed by k d and scaled by
 * (feedback |LP(f)| |HP(f)|)^(k-1): the first repeat is the line's plain output,
 * each further one has gone once more round the loop. For the bilinear (TPT)
 * one-poles, with W = tan(pi f/fs) / tan(pi fc/fs):
 *   |LP(f)| = 1 / sqrt(1 + W^2),   |HP(f)| = W / sqrt(1 + W^2).
 * A synced delay of b beats at T bpm lasts 60 b / T seconds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

/* `beats` values (docs/nodes.md): 0 off, then these many beats. */
enum { B_OFF = 0, B_1_4 = 1, B_1_2 = 3, B_3_4 = 5, B_1 = 6, B_2 = 8 };

typedef struct setting {
    float time_ms, beats, feedback, damping, highpass, mix, pingpong;
} setting;

/* Wet only, no feedback, filters wide open. */
static const setting plain = {250.0f, 0.0f, 0.0f, 20000.0f, 10.0f, 1.0f, 0.0f};

static node_harness *open_delay(const setting *st)
{
    node_harness *h = nh_open("delay", "delay", RATE, 3);
    nh_set_param(h, "time", st->time_ms);
    nh_set_param(h, "beats", st->beats);
    nh_set_param(h, "feedback", st->feedback);
    nh_set_param(h, "damping", st->damping);
    nh_set_param(h, "highpass", st->highpass);
    nh_set_param(h, "mix", st->mix);
    nh_set_param(h, "pingpong", st->pingpong);
    return h;
}

/* Render an impulse at frame `at` on both inputs; returns the frame of the largest
 * |left| sample and stores its value and the largest |left| anywhere else. */
static size_t impulse_echo(node_harness *h, size_t at, size_t frames, double *value,
                           double *elsewhere)
{
    float *imp = calloc(frames, sizeof *imp), *l = malloc(frames * sizeof *l);
    imp[at] = 1.0f;
    const float *ins[] = {imp, imp};
    float *outs[] = {l, NULL};
    nh_run(h, ins, outs, frames);
    size_t best = 0;
    for (size_t i = 0; i < frames; i++)
        if (fabsf(l[i]) > fabsf(l[best])) best = i;
    *value = l[best];
    double other = 0.0;
    for (size_t i = 0; i < frames; i++)
        if (i != best && fabsf(l[i]) > other) other = fabsf(l[i]);
    *elsewhere = other;
    free(imp);
    free(l);
    return best;
}

/* 1. Whole milliseconds at 48 kHz: the echo is the impulse itself, exactly
 * 48 * ms frames later. */
static void check_time(void)
{
    static const float ms[] = {1.0f, 10.0f, 250.0f, 333.0f, 1000.0f, 2000.0f};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        setting st = plain;
        st.time_ms = ms[i];
        node_harness *h = open_delay(&st);
        size_t expect = (size_t)lrint(ms[i] * 48.0);
        double v, other;
        size_t at = impulse_echo(h, 100, expect + 1000, &v, &other);
        nh_close(h);
        fprintf(stderr,
                "time %6.0f ms: echo %zu frames after the impulse (expected %zu), value "
                "%.7f, largest other sample %.2g\n",
                ms[i], at - 100, expect, v, other);
        CHECK(at - 100 == expect, "time %.0f ms: echo after %zu frames, expected %zu", ms[i],
              at - 100, expect);
        CHECK(fabs(v - 1.0) < 1e-6 && other < 1e-6,
              "time %.0f ms: echo %.7f, other samples up to %g (want a clean unit impulse)", ms[i],
              v, other);
    }
}

/* 2. Tempo sync: b beats at T bpm = 60 b / T s, exact in frames here. */
static void check_sync(void)
{
    static const struct {
        double bpm;
        float beats;
        double n_beats;
    } cases[] = {{120.0, B_1, 1.0},
                 {100.0, B_1_2, 0.5},
                 {90.0, B_3_4, 0.75},
                 {60.0, B_2, 2.0},
                 {40.0, B_1_4, 0.25}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setting st = plain;
        st.beats = cases[i].beats;
        node_harness *h = open_delay(&st);
        nh_set_tempo(h, cases[i].bpm);
        size_t expect = (size_t)lrint(60.0 * cases[i].n_beats / cases[i].bpm * RATE);
        double v, other;
        size_t at = impulse_echo(h, 10, expect + 1000, &v, &other);
        nh_close(h);
        fprintf(stderr,
                "%.2f beats at %3.0f bpm: echo after %zu frames = %.4f s (60 b / T = %.4f "
                "s)\n",
                cases[i].n_beats, cases[i].bpm, at - 10, (double)(at - 10) / RATE,
                60.0 * cases[i].n_beats / cases[i].bpm);
        CHECK(at - 10 == expect, "%.2f beats at %.0f bpm: echo after %zu frames, expected %zu",
              cases[i].n_beats, cases[i].bpm, at - 10, expect);
    }
    /* a tempo change glides there: 1 beat at 120 bpm, then 80 bpm; 4 s later the
     * echo is at 0.75 s, exactly */
    setting st = plain;
    st.beats = B_1;
    node_harness *h = open_delay(&st);
    nh_set_tempo(h, 120.0);
    nh_run(h, NULL, NULL, (size_t)RATE);
    nh_set_tempo(h, 80.0);
    nh_run(h, NULL, NULL, (size_t)(4.0 * RATE));
    double v, other;
    size_t at = impulse_echo(h, 0, 40000, &v, &other);
    nh_close(h);
    fprintf(stderr,
            "1 beat, tempo 120 -> 80 bpm: 4 s later the echo is at %zu frames (36000), "
            "value %.6f\n",
            at, v);
    CHECK(at == 36000 && fabs(v - 1.0) < 1e-6, "after the tempo change: echo at %zu (%.6f)", at, v);
}

/* Amplitude of the f Hz component of x[0..n) (least squares on sin and cos). */
static double tone_amplitude(const float *x, size_t n, double f, size_t t0)
{
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ph = 2.0 * M_PI * f * (double)(t0 + i) / RATE;
        s += x[i] * sin(ph);
        c += x[i] * cos(ph);
    }
    return 2.0 * hypot(s, c) / (double)n;
}

static double one_pole_lp(double f, double fc)
{
    double w = tan(M_PI * f / RATE) / tan(M_PI * fmin(fc, 0.45 * RATE) / RATE);
    return 1.0 / sqrt(1.0 + w * w);
}

static double one_pole_hp(double f, double fc)
{
    double w = tan(M_PI * f / RATE) / tan(M_PI * fc / RATE);
    return w / sqrt(1.0 + w * w);
}

/* 3. Each repeat of a 1 kHz tone burst against feedback |LP| |HP|. The burst is
 * 200 ms with 10 ms raised-cosine edges; the amplitude is measured over its middle
 * 150 ms (integer cycles), where the filters' transients have died out. */
static void check_repeats(float fb, float damping, float highpass, float tone)
{
    const size_t d = 24000, burst = 9600, edge = 480, repeats = 6;
    const size_t n = d * (repeats + 1) + burst;
    float *in = calloc(n, sizeof *in), *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < burst; i++) {
        double e = i < edge            ? 0.5 - 0.5 * cos(M_PI * i / edge)
                   : i >= burst - edge ? 0.5 - 0.5 * cos(M_PI * (burst - i) / edge)
                                       : 1.0;
        in[i] = (float)(0.5 * e * sin(2.0 * M_PI * tone * (double)i / RATE));
    }
    setting st = {500.0f, B_OFF, fb, damping, highpass, 1.0f, 0.0f};
    node_harness *h = open_delay(&st);
    const float *ins[] = {in, in};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, n);
    nh_close(h);
    double per_repeat = fb * one_pole_lp(tone, damping) * one_pole_hp(tone, highpass);
    double worst = 0.0;
    double first = tone_amplitude(l + d + 1200, 7200, tone, 1200) / 0.5;
    double prev = first;
    for (size_t k = 2; k <= repeats; k++) {
        double a = tone_amplitude(l + k * d + 1200, 7200, tone, 1200) / 0.5;
        double ratio = a / prev;
        double err = 20.0 * log10(ratio / per_repeat);
        if (fabs(err) > fabs(worst)) worst = err;
        prev = a;
    }
    double last_expect = pow(per_repeat, (double)(repeats - 1));
    fprintf(stderr,
            "feedback %.2f, lowpass %5.0f Hz, highpass %4.0f Hz, %4.0f Hz tone: repeat 1 "
            "%.5f (1), per repeat x%.5f expected, worst step %+.4f dB; repeat %zu %.5f "
            "(expected %.5f)\n",
            fb, damping, highpass, tone, first, per_repeat, worst, repeats, prev, last_expect);
    CHECK(fabs(first - 1.0) < 1e-3, "first repeat %.5f, expected the input itself", first);
    CHECK(fabs(worst) < 0.05, "feedback %.2f lp %.0f hp %.0f: a repeat is %+.3f dB off theory", fb,
          damping, highpass, worst);
    CHECK(fabs(20.0 * log10(prev / last_expect)) < 0.1, "repeat %zu is %.5f, expected %.5f",
          repeats, prev, last_expect);
    free(in);
    free(l);
    free(r);
}

/* 4. Time changes glide: a jump of the parameter (not smoothed here, the worst
 * case), a beat-division change and a tempo change while tones play: no click;
 * then an impulse's echo lands exactly on the new time. */
static double glide_run(int kind, size_t *where)
{
    const size_t n = (size_t)(8.0 * RATE), jump = (size_t)(2.0 * RATE);
    float *in = malloc(n * sizeof *in), *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        double fade = t < 0.05 ? 0.5 - 0.5 * cos(M_PI * t / 0.05) : 1.0; /* no onset click */
        in[i] = (float)(fade *
                        (0.3 * sin(2.0 * M_PI * 220.0 * t) + 0.2 * sin(2.0 * M_PI * 1234.5 * t)));
    }
    setting st = {200.0f, kind == 0 ? B_OFF : B_1_2, 0.6f, 8000.0f, 40.0f, 0.5f, 0.3f};
    node_harness *h = open_delay(&st);
    nh_set_tempo(h, 100.0);
    const float *ins[] = {in, in};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, jump);
    if (kind == 0)
        nh_set_param(h, "time", 450.0f);
    else if (kind == 1)
        nh_set_param(h, "beats", (float)B_1);
    else
        nh_set_tempo(h, 70.0);
    const float *ins2[] = {in + jump, in + jump};
    float *outs2[] = {l + jump, r + jump};
    nh_run(h, ins2, outs2, n - jump);
    nh_close(h);
    CHECK(ac_all_finite(l, n) && ac_all_finite(r, n), "non-finite output in a glide");
    const size_t skip = (size_t)(0.5 * RATE);
    ac_click cl = ac_click_detect(l + skip, n - skip, 256, 1e-6);
    ac_click cr = ac_click_detect(r + skip, n - skip, 256, 1e-6);
    ac_click c = cl.ratio > cr.ratio ? cl : cr;
    *where = c.index + skip;
    free(in);
    free(l);
    free(r);
    return c.ratio;
}

static void check_glide(void)
{
    static const char *const what[] = {"time 200 -> 450 ms (jump)", "1/2 -> 1 beat at 100 bpm",
                                       "1/2 beat, tempo 100 -> 70 bpm"};
    size_t at;
    for (int kind = 0; kind < 3; kind++) {
        double ratio = glide_run(kind, &at);
        fprintf(stderr, "glide %-30s: click ratio %.2f (worst at %.3f s; a tone alone ~1.4)\n",
                what[kind], ratio, (double)at / RATE);
        CHECK(ratio < 10.0, "%s: click ratio %.1f at %.3f s", what[kind], ratio, (double)at / RATE);
    }
    /* the glide lands exactly: 3 s after the jump the echo is at 450 ms to the sample */
    setting st = plain;
    st.time_ms = 200.0f;
    node_harness *h = open_delay(&st);
    nh_run(h, NULL, NULL, (size_t)RATE);
    nh_set_param(h, "time", 450.0f);
    nh_run(h, NULL, NULL, (size_t)(3.0 * RATE));
    double v, other;
    size_t echo = impulse_echo(h, 0, 30000, &v, &other);
    nh_close(h);
    fprintf(stderr, "3 s after the jump to 450 ms: echo at %zu frames (21600), value %.7f\n", echo,
            v);
    CHECK(echo == 21600 && fabs(v - 1.0) < 1e-6, "after the glide: echo at %zu (%.6f)", echo, v);
}

/* 5. Ping-pong 1: an impulse on the left repeats left, right, left, right... */
static void check_pingpong(void)
{
    const size_t d = 12000, n = 6 * d;
    float *imp = calloc(n, sizeof *imp), *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    imp[0] = 1.0f;
    setting st = plain;
    st.feedback = 0.8f;
    st.pingpong = 1.0f;
    node_harness *h = open_delay(&st);
    const float *ins[] = {imp, NULL};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, n);
    nh_close(h);
    for (size_t k = 1; k <= 5; k++) {
        /* energy of each side around repeat k (the filters spread it a little) */
        double el = 0, er = 0;
        for (size_t i = k * d - 10; i < k * d + 2000; i++) {
            el += (double)l[i] * l[i];
            er += (double)r[i] * r[i];
        }
        bool left = k % 2 == 1;
        double on = left ? el : er, off = left ? er : el;
        fprintf(stderr, "ping-pong repeat %zu: %s %.1f dB, other side %.1f dB\n", k,
                left ? "left " : "right", 10.0 * log10(on + 1e-300), 10.0 * log10(off + 1e-300));
        CHECK(on > 0.1 * pow(0.8, 2.0 * (k - 1)) && off < 1e-12 * on,
              "repeat %zu should be on the %s only: left %g right %g", k, left ? "left" : "right",
              el, er);
    }
    free(imp);
    free(l);
    free(r);
}

/* 6. After a loud burst, silence: no denormal output (FTZ is off here), exactly
 * zero once the repeats have fallen below the flush level; block-size
 * independence; cost. */
static void check_silence_and_cost(void)
{
    setting st = {100.0f, B_OFF, 0.5f, 6000.0f, 60.0f, 0.5f, 0.5f};
    node_harness *h = open_delay(&st);
    const size_t sec = (size_t)RATE;
    float *noise = malloc(sec * sizeof *noise), *l = malloc(sec * sizeof *l),
          *r = malloc(sec * sizeof *r);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sec; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise[i] = (float)(10.0 * ((double)(x >> 11) / 9007199254740992.0 * 2.0 - 1.0));
    }
    const float *ins[] = {noise, noise};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, sec / 2);
    size_t denormals = 0;
    double peak = 0.0;
    for (int s = 0; s < 12; s++) {
        nh_run(h, NULL, outs, sec);
        for (size_t i = 0; i < sec; i++)
            denormals += fpclassify(l[i]) == FP_SUBNORMAL || fpclassify(r[i]) == FP_SUBNORMAL;
        peak = fmax(ac_peak(l, sec), ac_peak(r, sec));
    }
    nh_close(h);
    fprintf(stderr,
            "feedback 0.5 after a +20 dBFS burst: %zu denormal samples in 12 s, last "
            "second peaks at %g\n",
            denormals, peak);
    CHECK(denormals == 0, "%zu denormal output samples (FTZ off)", denormals);
    CHECK(peak == 0.0, "12 s after the burst the output still peaks at %g", peak);

    /* blocks of 64 and of 37 with time and feedback moving: bit-identical */
    const size_t n = 4 * sec;
    float *in = malloc(n * sizeof *in), *time = malloc(n * sizeof *time),
          *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        in[i] = noise[i % sec] * 0.1f;
        time[i] = (float)(300.0 + 200.0 * sin(2.0 * M_PI * (double)i / RATE));
    }
    const float *ins2[] = {in, in};
    for (int pass = 0; pass < 2; pass++) {
        h = open_delay(&st);
        nh_set_param_trajectory(h, "time", time, n);
        nh_set_block_size(h, pass ? 37 : 64);
        float *o[] = {pass ? b : a, NULL};
        nh_run(h, ins2, o, n);
        nh_close(h);
    }
    CHECK(memcmp(a, b, n * sizeof *a) == 0, "output depends on the block size");

    h = open_delay(&st);
    double ns_static = nh_time_ns_per_frame(h, ins2, n);
    nh_close(h);
    h = open_delay(&st);
    nh_set_param_trajectory(h, "time", time, n);
    double ns_moving = nh_time_ns_per_frame(h, ins2, n);
    nh_close(h);
    fprintf(stderr,
            "cost: %.1f ns/frame with parameters held, %.1f ns/frame with the time moving "
            "(48 kHz, stereo)\n",
            ns_static, ns_moving);
    free(noise);
    free(l);
    free(r);
    free(in);
    free(time);
    free(a);
    free(b);
}

int main(void)
{
    check_time();
    check_sync();
    check_repeats(0.5f, 20000.0f, 10.0f, 1000.0f);
    check_repeats(0.7f, 3000.0f, 200.0f, 1000.0f);
    check_repeats(0.9f, 2000.0f, 300.0f, 500.0f);
    check_repeats(0.95f, 6000.0f, 60.0f, 4000.0f);
    check_glide();
    check_pingpong();
    check_silence_and_cost();
    return check_finish("test_node_delay");
}
