/* bowl: partial frequencies of a strike against the model's ratios (FFT), decay
 * time of the fundamental and of a higher partial against `decay` (envelope fit),
 * doublet beating rate, 10-90 % rise time against `attack`, sample-accurate
 * onset, voice stealing without a click, exact silence once voices have decayed,
 * and the cost of 8 ringing voices (printed). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

/* The documented models (docs/nodes.md): ratios and T60 exponents. */
static const struct {
    const char *name;
    int count;
    double ratio[9];
    double alpha;
} models[3] = {
    {"bowl", 5, {1.0, 2.77, 5.17, 8.14, 11.64}, 1.0},
    {"bell", 9, {0.5, 1.0, 1.2, 1.5, 2.0, 2.5, 2.67, 3.0, 4.0}, 0.8},
    {"chime", 6, {1.0, 2.756, 5.404, 8.933, 13.344, 18.638}, 1.0},
};

static double midi_hz(double pitch) { return 440.0 * pow(2.0, (pitch - 69.0) / 12.0); }

static lull_note note(float pitch, float velocity)
{
    return (lull_note){.type = LULL_NOTE_ON, .pitch = pitch, .velocity = velocity};
}

typedef struct {
    int model;
    float decay, hardness, attack, beating, spread, level;
} settings;

static const settings plain = {0, 12.0f, 0.3f, 0.0f, 0.0f, 0.0f, 1.0f};

static node_harness *open_bowl(const settings *s, uint64_t seed)
{
    node_harness *h = nh_open("bowl", "bowl", RATE, seed);
    nh_set_param(h, "model", (float)s->model);
    nh_set_param(h, "decay", s->decay);
    nh_set_param(h, "hardness", s->hardness);
    nh_set_param(h, "attack", s->attack);
    nh_set_param(h, "beating", s->beating);
    nh_set_param(h, "spread", s->spread);
    nh_set_param(h, "level", s->level);
    return h;
}

/* Left channel of one strike of `pitch` at frame `at`, `frames` long. */
static float *strike(const settings *s, float pitch, uint64_t at, size_t frames)
{
    node_harness *h = open_bowl(s, 1);
    nh_queue_note(h, at, note(pitch, 1.0f));
    float *l = malloc(frames * sizeof *l);
    float *outs[] = {l, NULL};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
    return l;
}

static void check_partials(void)
{
    const size_t n = 1u << 18; /* 5.46 s, bins of 0.18 Hz */
    const float pitch = 57.0f; /* 220 Hz */
    for (int m = 0; m < 3; m++) {
        settings s = plain;
        s.model = m;
        s.hardness = 1.0f; /* every partial well above the floor */
        float *x = strike(&s, pitch, 0, n);
        ac_spectrum *sp = ac_spectrum_new(x, n, n, RATE);
        double worst = 0.0;
        for (int k = 0; k < models[m].count; k++) {
            double f = models[m].ratio[k] * midi_hz(pitch);
            size_t b = ac_spectrum_peak_bin(sp, f * 0.99, f * 1.01);
            /* Parabolic interpolation on the log power of the peak and its neighbours. */
            double l0 = log(sp->mean_sq[b - 1]), l1 = log(sp->mean_sq[b]),
                   l2 = log(sp->mean_sq[b + 1]);
            double d = 0.5 * (l0 - l2) / (l0 - 2.0 * l1 + l2);
            double got = ((double)b + d) * sp->bin_hz;
            double cents = 1200.0 * log2(got / f);
            worst = fmax(worst, fabs(cents));
            CHECK(fabs(cents) < 1.0, "%s partial %d: %.3f Hz, expected %.3f (%.2f cents)",
                  models[m].name, k, got, f, cents);
        }
        fprintf(stderr, "%-5s: %d partials at ratio x 220 Hz, worst %.3f cents\n", models[m].name,
                models[m].count, worst);
        ac_spectrum_free(sp);
        free(x);
    }
}

/* Envelope of the component at f Hz: complex demodulation, then three cascaded
 * 20 ms moving averages (nulls every 50 Hz, every other partial attenuated by more
 * than 80 dB), then the magnitude. env[i] is centred on frame i + 1.5 * 960. */
static double *demod_envelope(const float *x, size_t n, double f, size_t *out_n)
{
    const size_t m = 960;
    double complex *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) a[i] = x[i] * cexp(-2.0 * I * M_PI * f * (double)i / RATE);
    size_t len = n;
    for (int pass = 0; pass < 3; pass++) {
        double complex sum = 0.0;
        for (size_t i = 0; i < m; i++) sum += a[i];
        for (size_t i = 0; i + m <= len; i++) {
            b[i] = sum / (double)m;
            if (i + m < len) sum += a[i + m] - a[i];
        }
        len -= m - 1;
        double complex *t = a;
        a = b;
        b = t;
    }
    double *env = malloc(len * sizeof *env);
    for (size_t i = 0; i < len; i++) env[i] = cabs(a[i]);
    free(a);
    free(b);
    *out_n = len;
    return env;
}

/* T60 from a least-squares line through 20 log10 env between t0 and t1 (s). */
static double fit_t60(const double *env, size_t n, double t0, double t1)
{
    const double lag = 1.5 * 960.0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        double t = ((double)i + lag) / RATE;
        if (t < t0 || t > t1 || !(env[i] > 0.0)) continue;
        double y = 20.0 * log10(env[i]);
        sx += t, sy += y, sxx += t * t, sxy += t * y;
        cnt++;
    }
    double slope = (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx); /* dB/s */
    return -60.0 / slope;
}

static void check_decay(void)
{
    const float decays[] = {2.0f, 12.0f, 40.0f};
    for (int m = 0; m < 3; m += 2) {
        for (int d = 0; d < 3; d++) {
            settings s = plain;
            s.model = m;
            s.decay = decays[d];
            double span = fmin(decays[d] * 0.5, 8.0); /* 30 dB or 8 s */
            size_t n = (size_t)((span + 0.5) * RATE);
            float *x = strike(&s, 57.0f, 0, n);
            size_t en;
            double *env = demod_envelope(x, n, midi_hz(57.0), &en);
            double t60 = fit_t60(env, en, 0.1, span);
            free(env);
            double r2 = models[m].ratio[1];
            double expect2 = decays[d] * pow(r2, -models[m].alpha);
            env = demod_envelope(x, n, midi_hz(57.0) * r2, &en);
            double t60_2 = fit_t60(env, en, 0.1, fmin(span, expect2 * 0.5));
            free(env);
            fprintf(stderr,
                    "%-5s decay %5.1f s: fundamental T60 %.3f s, partial 2 T60 %.3f s (%.3f)\n",
                    models[m].name, decays[d], t60, t60_2, expect2);
            CHECK(fabs(t60 / decays[d] - 1.0) < 0.10, "%s: T60 %.3f s for decay %.1f s",
                  models[m].name, t60, decays[d]);
            CHECK(fabs(t60_2 / expect2 - 1.0) < 0.10, "%s: partial 2 T60 %.3f s, expected %.3f s",
                  models[m].name, t60_2, expect2);
            free(x);
        }
    }
}

/* The fundamental's doublet beats at `beating` Hz: the envelope, with its decay
 * divided out, swings at that rate (count its crossings of the mean). */
static void check_beating(void)
{
    const float rates[] = {0.3f, 0.8f, 2.0f};
    for (int i = 0; i < 3; i++) {
        settings s = plain;
        s.beating = rates[i];
        s.decay = 40.0f;
        s.hardness = 0.0f;
        size_t n = (size_t)(12.0 * RATE);
        float *x = strike(&s, 57.0f, 0, n);
        size_t en;
        double *env = demod_envelope(x, n, midi_hz(57.0), &en);
        double per_frame = log(1000.0) / (40.0 * RATE);
        double mean = 0.0;
        for (size_t k = 0; k < en; k++) {
            env[k] = log(env[k]) + per_frame * (double)k;
            mean += env[k] / (double)en;
        }
        size_t first = 0, last = 0, crossings = 0;
        for (size_t k = 1; k < en; k++)
            if (env[k - 1] < mean && env[k] >= mean) {
                if (!crossings) first = k;
                last = k;
                crossings++;
            }
        double got = crossings > 1 ? (crossings - 1) * RATE / (double)(last - first) : 0.0;
        fprintf(stderr, "beating %.1f Hz: envelope swings at %.3f Hz\n", rates[i], got);
        CHECK(fabs(got / rates[i] - 1.0) < 0.05, "beating %.1f Hz: envelope at %.3f Hz", rates[i],
              got);
        free(env);
        free(x);
    }
}

/* 10-90 % rise of the envelope (peak |x| over a window longer than one period of
 * the 2093 Hz note), in seconds. */
static double rise_time(float attack)
{
    settings s = plain;
    s.attack = attack;
    s.hardness = 0.0f;
    size_t n = (size_t)(0.6 * RATE);
    float *x = strike(&s, 96.0f, 0, n);
    const size_t w = 25;
    double *env = calloc(n, sizeof *env), peak = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i >= w / 2 ? i - w / 2 : 0; j <= i + w / 2 && j < n; j++)
            env[i] = fmax(env[i], fabs(x[j]));
        peak = fmax(peak, env[i]);
    }
    size_t t10 = 0, t90 = 0;
    while (t10 < n && env[t10] < 0.1 * peak) t10++;
    while (t90 < n && env[t90] < 0.9 * peak) t90++;
    free(env);
    free(x);
    return ((double)t90 - (double)t10) / RATE;
}

static void check_attack(void)
{
    const float attacks[] = {0.025f, 0.03f, 0.1f, 0.3f};
    for (int i = 0; i < 4; i++) {
        double r = rise_time(attacks[i]);
        fprintf(stderr, "attack %.3f s: 10-90 %% rise %.2f ms\n", attacks[i], r * 1e3);
        CHECK(r >= attacks[i], "attack %.3f s: rise %.2f ms is shorter", attacks[i], r * 1e3);
        CHECK(r < attacks[i] * 1.2, "attack %.3f s: rise %.2f ms is too long", attacks[i], r * 1e3);
    }
    CHECK(rise_time(0.03f) >= 0.025, "attack 0.03 s rises in under 25 ms");
    double hard = rise_time(0.0f);
    fprintf(stderr, "attack 0: 10-90 %% rise %.3f ms\n", hard * 1e3);
    CHECK(hard < 1e-3, "attack 0: rise %.3f ms, not sub-ms", hard * 1e3);
}

/* The first non-zero sample is the note's frame, in both channels, whatever the
 * block size and offset in the block. */
static void check_onset(void)
{
    const uint64_t frames[] = {0, 1, 36, 37, 63, 64, 1000, 12345};
    const uint32_t blocks[] = {64, 37, 1};
    const float attacks[] = {0.0f, 0.03f};
    size_t bad = 0, tried = 0;
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
                settings s = plain;
                s.attack = attacks[a];
                s.spread = 0.7f;
                node_harness *h = open_bowl(&s, 3);
                nh_set_block_size(h, blocks[b]);
                nh_queue_note(h, frames[f], note(60.0f, 0.5f));
                size_t n = frames[f] + 100;
                float *l = calloc(n, sizeof *l), *r = calloc(n, sizeof *r);
                float *outs[] = {l, r};
                nh_run(h, NULL, outs, n);
                size_t first_l = 0, first_r = 0;
                while (first_l < n && l[first_l] == 0.0f) first_l++;
                while (first_r < n && r[first_r] == 0.0f) first_r++;
                tried++;
                if (first_l != frames[f] || first_r != frames[f]) {
                    bad++;
                    CHECK(false,
                          "note at frame %llu (block %u, attack %.2f): first sample %zu / %zu",
                          (unsigned long long)frames[f], blocks[b], attacks[a], first_l, first_r);
                }
                free(l);
                free(r);
                nh_close(h);
            }
    fprintf(stderr, "onset: %zu of %zu strikes start exactly at their frame\n", tried - bad, tried);
}

/* Nine strikes with eight voices: the ninth steals the first, which fades out over
 * 30 ms. Reference renders: strikes 1-8 alone, and strike 1 alone (the same
 * voice: it takes the first seeded draws). The ninth is nearly silent, so after the
 * steal the output must be (1-8) minus strike 1, and around the steal the click
 * detector must see a smooth signal; the same mix with strike 1 cut off hard
 * instead shows what a click looks like to the detector. */
static void check_stealing(void)
{
    settings s = plain;
    s.attack = 0.03f;
    s.decay = 20.0f;
    s.spread = 0.5f;
    const float pitches[8] = {57, 60, 62, 64, 67, 69, 72, 74};
    const size_t gap = 4800, steal = 8 * gap + 1234, n = steal + 48000;
    float *all = calloc(n, sizeof *all), *eight = calloc(n, sizeof *eight),
          *one = calloc(n, sizeof *one);
    for (int run = 0; run < 3; run++) {
        node_harness *h = open_bowl(&s, 5);
        int count = run == 2 ? 1 : 8;
        for (int i = 0; i < count; i++) nh_queue_note(h, (uint64_t)i * gap, note(pitches[i], 0.8f));
        if (run == 0) nh_queue_note(h, steal, note(84.0f, 1e-4f));
        float *outs[] = {run == 0 ? all : run == 1 ? eight : one, NULL};
        nh_run(h, NULL, outs, n);
        nh_close(h);
    }
    size_t fade = (size_t)(0.030 * RATE);
    double resid = 0.0, ref = 0.0;
    float *cut = malloc(n * sizeof *cut);
    for (size_t i = 0; i < n; i++) {
        cut[i] = i < steal ? eight[i] : eight[i] - one[i];
        if (i >= steal + fade) {
            double e = all[i] - (eight[i] - one[i]);
            resid += e * e;
            ref += (double)one[i] * one[i];
        }
    }
    double resid_db = 10.0 * log10(resid / ref);
    size_t lo = steal - 4800, len = 9600;
    ac_click smooth = ac_click_detect(all + lo, len, 240, 1e-6);
    ac_click hard = ac_click_detect(cut + lo, len, 240, 1e-6);
    fprintf(stderr,
            "steal: after the fade the stolen voice is gone (residual %.1f dB re it); "
            "click ratio %.2f (hard cut would be %.1f)\n",
            resid_db, smooth.ratio, hard.ratio);
    CHECK(resid_db < -50.0, "the stolen voice is still there after its fade (%.1f dB)", resid_db);
    CHECK(smooth.ratio < 5.0, "voice stealing clicks: ratio %.2f at frame %zu", smooth.ratio,
          lo + smooth.index);
    CHECK(hard.ratio > 10.0, "the click detector misses a hard cut (ratio %.2f)", hard.ratio);
    free(all);
    free(eight);
    free(one);
    free(cut);
}

/* Once every voice has decayed 100 dB below its strike it is freed: the output is
 * exactly zero from then on. The bell's hum (ratio 0.5) rings longest: decay × 2^0.8. */
static void check_silence(void)
{
    for (int m = 0; m < 3; m++) {
        settings s = plain;
        s.model = m;
        s.decay = 0.5f;
        s.spread = 0.5f;
        size_t n = (size_t)(3.0 * RATE);
        node_harness *h = open_bowl(&s, 9);
        nh_queue_note(h, 480, note(60.0f, 1.0f));
        float *l = calloc(n, sizeof *l), *r = calloc(n, sizeof *r);
        float *outs[] = {l, r};
        nh_run(h, NULL, outs, n);
        size_t last = 0;
        for (size_t i = 0; i < n; i++)
            if (l[i] != 0.0f || r[i] != 0.0f) last = i;
        double longest = 0.5 * pow(models[m].ratio[0], -models[m].alpha);
        double expect = 480.0 / RATE + longest * 100.0 / 60.0;
        fprintf(stderr, "%-5s decay 0.5 s: last non-zero sample at %.3f s (-100 dB at %.3f s)\n",
                models[m].name, last / RATE, expect);
        CHECK(last > 0 && fabs(last / RATE - expect) < 0.01,
              "%s: last non-zero sample at %.3f s, expected %.3f s", models[m].name, last / RATE,
              expect);
        /* And again after the silence: the voice slot is free for a new strike. */
        nh_queue_note(h, n + 100, note(60.0f, 1.0f));
        nh_run(h, NULL, outs, 1000);
        CHECK(l[99] == 0.0f && l[100] != 0.0f, "%s: no strike after the silence", models[m].name);
        free(l);
        free(r);
        nh_close(h);
    }
}

/* Output bounded by velocity × level for any strike (the partial amplitudes are
 * normalised to their sum), and silent for velocity 0. */
static void check_level(void)
{
    settings s = plain;
    s.hardness = 1.0f;
    s.model = 1;
    s.level = 0.5f;
    node_harness *h = open_bowl(&s, 2);
    nh_queue_note(h, 0, note(40.0f, 0.0f));
    nh_queue_note(h, 100, note(60.0f, 1.0f));
    size_t n = 48000;
    float *l = calloc(n, sizeof *l);
    float *outs[] = {l, NULL};
    nh_run(h, NULL, outs, n);
    double peak = ac_peak(l, n);
    CHECK(l[99] == 0.0f, "velocity 0 made sound");
    CHECK(peak > 0.05 && peak <= 0.5, "peak %.3f for velocity 1, level 0.5", peak);
    fprintf(stderr, "bell, velocity 1, level 0.5, centre: peak %.3f\n", peak);
    free(l);
    nh_close(h);
}

static void report_cost(void)
{
    for (int m = 0; m < 3; m++) {
        settings s = plain;
        s.model = m;
        s.decay = 60.0f;
        s.beating = 0.8f;
        s.spread = 0.5f;
        node_harness *h = open_bowl(&s, 4);
        for (int i = 0; i < 8; i++)
            nh_queue_note(h, (uint64_t)i * 10, note(48.0f + 3.0f * i, 0.7f));
        nh_run(h, NULL, NULL, 4800);
        double ns = nh_time_ns_per_frame(h, NULL, 48000 * 2);
        fprintf(stderr, "cost: %-5s with 8 ringing voices: %.1f ns per frame\n", models[m].name,
                ns);
        nh_close(h);
    }
}

int main(void)
{
    check_partials();
    check_decay();
    check_beating();
    check_attack();
    check_onset();
    check_stealing();
    check_silence();
    check_level();
    report_cost();
    return check_finish("test_node_bowl");
}
