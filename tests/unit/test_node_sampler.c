/* sampler: loop seams without clicks, varispeed SNR against a fitted sine, sample-
 * accurate one-shots, rate following the tempo clock with a glide, mono and stereo
 * files, an unbound sound slot refused cleanly. Prints SNR and cost figures. */
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

/* ---- sounds made here ------------------------------------------------------------ */

typedef struct test_sound {
    lull_sound s;
    float *data[2];
} test_sound;

static test_sound *sound_new(uint32_t channels, size_t frames)
{
    test_sound *t = calloc(1, sizeof *t);
    for (uint32_t c = 0; c < channels; c++) t->data[c] = calloc(frames, sizeof(float));
    t->s = (lull_sound){.struct_size = sizeof(lull_sound),
                        .channels = channels,
                        .frames = frames,
                        .sample_rate = RATE,
                        .data = (const float *const *)t->data,
                        .name = "test",
                        .path = "test.wav"};
    return t;
}

static void sound_free(test_sound *t)
{
    free(t->data[0]);
    free(t->data[1]);
    free(t);
}

/* Two sines at unrelated frequencies: a loop seam joins material that does not
 * line up, as in a real recording. */
static test_sound *two_tone(size_t frames)
{
    test_sound *t = sound_new(1, frames);
    for (size_t i = 0; i < frames; i++)
        t->data[0][i] = (float)(0.4 * sin(2 * M_PI * 233.0 * i / RATE) +
                                0.2 * sin(2 * M_PI * 587.3 * i / RATE + 1.0));
    return t;
}

static test_sound *sine(double hz, double amp, size_t frames)
{
    test_sound *t = sound_new(1, frames);
    for (size_t i = 0; i < frames; i++)
        t->data[0][i] = (float)(amp * sin(2 * M_PI * hz * i / RATE));
    return t;
}

static node_harness *open_with(const test_sound *t)
{
    const lull_sound *list[] = {&t->s};
    return nh_open_sounds("sampler", "sampler", RATE, 1, list, 1);
}

typedef struct stereo {
    float *l, *r;
    size_t n;
} stereo;

static stereo render(node_harness *h, size_t frames)
{
    stereo o = {calloc(frames, sizeof(float)), calloc(frames, sizeof(float)), frames};
    float *outs[] = {o.l, o.r};
    nh_run(h, NULL, outs, frames);
    return o;
}

static void stereo_free(stereo *o)
{
    free(o->l);
    free(o->r);
}

/* ---- analysis -------------------------------------------------------------------- */

/* Least-squares fit of a cos + b sin + c at a known frequency; returns the SNR in dB
 * (fitted sine power over residual power). */
static double sine_snr_db(const float *x, size_t n, double hz, double *amplitude)
{
    double w = 2 * M_PI * hz / RATE;
    double m[3][4] = {{0}};
    for (size_t i = 0; i < n; i++) {
        double b[3] = {cos(w * i), sin(w * i), 1.0};
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) m[r][c] += b[r] * b[c];
            m[r][3] += b[r] * x[i];
        }
    }
    for (int p = 0; p < 3; p++) /* Gauss-Jordan; the matrix is well conditioned */
        for (int r = 0; r < 3; r++) {
            if (r == p) continue;
            double k = m[r][p] / m[p][p];
            for (int c = 0; c < 4; c++) m[r][c] -= k * m[p][c];
        }
    double a = m[0][3] / m[0][0], b = m[1][3] / m[1][1], c = m[2][3] / m[2][2];
    double sig = 0, res = 0;
    for (size_t i = 0; i < n; i++) {
        double s = a * cos(w * i) + b * sin(w * i);
        double e = x[i] - s - c;
        sig += s * s;
        res += e * e;
    }
    if (amplitude) *amplitude = sqrt(a * a + b * b);
    return 10.0 * log10(sig / (res > 1e-300 ? res : 1e-300));
}

/* Mean frequency from the upward zero crossings (linearly interpolated) in x. */
static double zero_cross_hz(const float *x, size_t n)
{
    double first = -1, last = -1;
    int count = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
            double t = (double)(i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (first < 0)
                first = t;
            else
                count++;
            last = t;
        }
    return count > 0 ? count * RATE / (last - first) : 0.0;
}

/* ---- (a) loop seams --------------------------------------------------------------- */

static const char *const law_name[] = {"equal_power", "equal_gain"};

/* Plays `loops` loops and checks for clicks; `period` (frames, 0: skip) is the loop
 * period the output must repeat with at speed 1. */
static void check_seams(const char *what, float start, float loop_end, float xfade, int law,
                        float speed, uint32_t block, size_t period_frames, size_t frames)
{
    test_sound *t = two_tone((size_t)(0.6 * RATE));
    node_harness *h = open_with(t);
    nh_set_param(h, "start", start);
    nh_set_param(h, "loop_end", loop_end);
    nh_set_param(h, "xfade", xfade);
    nh_set_param(h, "xfade_law", (float)law);
    nh_set_param(h, "speed", speed);
    nh_set_block_size(h, block);
    stereo o = render(h, frames);
    size_t skip = (size_t)(0.02 * RATE); /* the attack's corner is not a seam */
    ac_click c = ac_click_detect(o.l + skip, frames - skip, 480, 1e-6);
    printf("seams %-34s %-11s speed %.2f block %2u: %zu frames, worst click ratio %.2f at %zu\n",
           what, law_name[law], speed, block, frames, c.ratio, c.index + skip);
    CHECK(c.ratio < 4.0, "%s: click at frame %zu (ratio %.1f)", what, c.index + skip, c.ratio);
    CHECK(ac_all_finite(o.l, frames) && memcmp(o.l, o.r, frames * sizeof(float)) == 0,
          "%s: mono file not the same on both outputs", what);
    if (period_frames) {
        /* the loop repeats with exactly the period claimed: loop_end - start */
        double worst = 0;
        for (size_t i = frames / 2; i + period_frames < frames; i++)
            worst = fmax(worst, fabs((double)o.l[i] - o.l[i + period_frames]));
        CHECK(worst < 1e-4, "%s: output does not repeat every %zu frames (off by %g)", what,
              period_frames, worst);
        printf("      period %zu frames (%.4f s) repeats to %.1e; %.0f loops\n", period_frames,
               period_frames / RATE, worst, (double)frames / period_frames);
    }
    /* the detector does see a one-sample bump of 1.7 % of the peak where the worst
     * ratio was, at twice the threshold */
    o.l[c.index + skip] += 0.01f;
    ac_click jump = ac_click_detect(o.l + skip, frames - skip, 480, 1e-6);
    CHECK(jump.ratio > 8.0, "%s: detector misses a 0.01 bump (ratio %.1f)", what, jump.ratio);
    stereo_free(&o);
    nh_close(h);
    sound_free(t);
}

/* Loop points and speed change while the loop plays; mode switches back and forth. */
static void check_seams_under_changes(void)
{
    test_sound *t = two_tone((size_t)(0.6 * RATE));
    node_harness *h = open_with(t);
    const size_t frames = (size_t)(8 * RATE);
    float *le = malloc(frames * sizeof *le), *st = malloc(frames * sizeof *st);
    float *sp = malloc(frames * sizeof *sp), *mode = malloc(frames * sizeof *mode);
    for (size_t i = 0; i < frames; i++) {
        double s = i / RATE;
        st[i] = s < 2 ? 0.1f : s < 4 ? 0.25f : 0.05f; /* jumps, as OSC would set them */
        le[i] = s < 1 ? 0.2f : s < 3 ? 0.15f : s < 5 ? 0.45f : 0.0f;
        sp[i] = (float)(1.0 + 0.5 * sin(2 * M_PI * 0.3 * s)); /* a modulated speed */
        mode[i] = (s > 6.0 && s < 6.3) ? 1.0f : 0.0f;         /* out of loop and back */
    }
    nh_set_param_trajectory(h, "start", st, frames);
    nh_set_param_trajectory(h, "loop_end", le, frames);
    nh_set_param_trajectory(h, "speed", sp, frames);
    nh_set_param_trajectory(h, "mode", mode, frames);
    nh_set_param(h, "release", 0.05f);
    nh_set_block_size(h, 37);
    stereo o = render(h, frames);
    size_t skip = (size_t)(0.02 * RATE);
    ac_click c = ac_click_detect(o.l + skip, frames - skip, 480, 1e-6);
    printf("seams with loop points, speed and mode changing while playing: worst click ratio "
           "%.2f at %.3f s\n",
           c.ratio, (c.index + skip) / RATE);
    CHECK(c.ratio < 4.0, "changes while looping: click at %.3f s (ratio %.1f)",
          (c.index + skip) / RATE, c.ratio);
    double gap = ac_rms(o.l + (size_t)(6.2 * RATE), (size_t)(0.05 * RATE));
    CHECK(gap < 1e-6, "oneshot mode did not silence the loop (rms %g)", gap);
    double back = ac_rms(o.l + (size_t)(6.5 * RATE), (size_t)(0.1 * RATE));
    CHECK(back > 0.1, "loop did not come back (rms %g)", back);
    stereo_free(&o);
    free(le);
    free(st);
    free(sp);
    free(mode);
    nh_close(h);
    sound_free(t);
}

/* Level through a seam: equal power holds uncorrelated material, equal gain
 * correlated (in-phase) material; the wrong law dips or bumps by 3 dB mid-fade. */
static void check_xfade_laws(void)
{
    /* uncorrelated: the two sides of the seam carry different tones */
    const size_t n = (size_t)(1.0 * RATE);
    test_sound *t = sound_new(1, n);
    for (size_t i = 0; i < n; i++)
        t->data[0][i] = (float)(i < n / 2 ? 0.5 * sin(2 * M_PI * 1000.0 * i / RATE)
                                          : 0.5 * sin(2 * M_PI * 1500.0 * i / RATE));
    /* correlated: one tone of whole cycles throughout */
    test_sound *u = sine(1000.0, 0.5, n);
    for (int law = 0; law < 2; law++)
        for (int corr = 0; corr < 2; corr++) {
            node_harness *h = open_with(corr ? u : t);
            /* loop [0.3, 0.7) s, xfade 0.2 s: pre-roll [0.1,0.3) (1 kHz) under the tail
             * [0.5, 0.7) (1.5 kHz) for the uncorrelated case */
            nh_set_param(h, "start", 0.3f);
            nh_set_param(h, "loop_end", 0.7f);
            nh_set_param(h, "xfade", 0.2f);
            nh_set_param(h, "xfade_law", (float)law);
            stereo o = render(h, (size_t)(0.6 * RATE));
            /* the seam's middle is at file 0.6 s = output 0.3 s (played from 0.3 s) */
            size_t mid = (size_t)(0.3 * RATE), steady = (size_t)(0.05 * RATE);
            double mid_db = ac_db(ac_rms(o.l + mid - 480, 960));
            double ref_db = ac_db(ac_rms(o.l + steady, 960));
            printf("xfade %-11s %-12s: level mid-seam %+.2f dB re the loop body\n", law_name[law],
                   corr ? "correlated" : "uncorrelated", mid_db - ref_db);
            if (law == corr) /* equal_power (0) for uncorrelated, equal_gain (1) correlated */
                CHECK(fabs(mid_db - ref_db) < 0.2, "%s on %s material: %+.2f dB mid-seam",
                      law_name[law], corr ? "correlated" : "uncorrelated", mid_db - ref_db);
            else
                CHECK(fabs(fabs(mid_db - ref_db) - 3.01) < 0.3, "%s on %s: %+.2f dB, expect 3 dB",
                      law_name[law], corr ? "correlated" : "uncorrelated", mid_db - ref_db);
            stereo_free(&o);
            nh_close(h);
        }
    sound_free(t);
    sound_free(u);
}

/* With the rate held, the output does not depend on the block size (libsamplerate
 * streams the same way whatever the chunks); while it glides it does, slightly,
 * because the rate target is taken once per block. */
static void check_block_size(void)
{
    test_sound *t = two_tone((size_t)(0.6 * RATE));
    float *ref = NULL;
    static const uint32_t blocks[] = {64, 37, 1};
    for (int b = 0; b < 3; b++) {
        node_harness *h = open_with(t);
        nh_set_param(h, "start", 0.1f);
        nh_set_param(h, "loop_end", 0.3f);
        nh_set_param(h, "speed", 1.13f);
        nh_set_block_size(h, blocks[b]);
        stereo o = render(h, (size_t)(1.0 * RATE));
        if (!ref) {
            ref = o.l;
            o.l = NULL;
        } else {
            double worst = 0;
            for (size_t i = 0; i < o.n; i++) worst = fmax(worst, fabs((double)o.l[i] - ref[i]));
            printf(
                "blocks of %u vs 64, rate held at x1.13 over 2 loop seams: largest difference %g\n",
                blocks[b], worst);
            CHECK(worst == 0.0, "block size %u changes the output by %g", blocks[b], worst);
        }
        stereo_free(&o);
        nh_close(h);
    }
    free(ref);
    sound_free(t);
}

/* ---- (b) varispeed SNR ------------------------------------------------------------ */

static const char *const quality_name[] = {"linear", "sinc_fast", "sinc_medium"};

static double snr_at(int quality, double src_hz, double speed)
{
    test_sound *t = sine(src_hz, 0.5, (size_t)(1.5 * RATE));
    node_harness *h = open_with(t);
    nh_set_param(h, "quality", (float)quality);
    nh_set_param(h, "speed", (float)speed);
    stereo o = render(h, (size_t)(0.7 * RATE));
    double amp = 0;
    /* the node plays the float the parameter holds, not the decimal speed */
    double played_hz = src_hz * (double)(float)speed;
    double snr = sine_snr_db(o.l + (size_t)(0.1 * RATE), (size_t)(0.5 * RATE), played_hz, &amp);
    stereo_free(&o);
    nh_close(h);
    sound_free(t);
    return snr;
}

static void check_snr(void)
{
    static const double hz[] = {1000.0, 6000.0, 15000.0};
    static const double speeds[] = {0.5, 0.8, 1.25, 1.5};
    printf("varispeed SNR (dB; source tone x speed, fitted sine vs residual, 0.5 s):\n");
    printf("  %-11s %-8s", "converter", "source");
    for (size_t k = 0; k < 4; k++) printf("  x%-5.2f", speeds[k]);
    printf("\n");
    for (int q = 0; q < 3; q++)
        for (size_t i = 0; i < 3; i++) {
            printf("  %-11s %5.0f Hz", quality_name[q], hz[i]);
            for (size_t k = 0; k < 4; k++) {
                double out_hz = hz[i] * speeds[k];
                double snr = snr_at(q, hz[i], speeds[k]);
                printf("  %6.1f", snr);
                /* the default converter (sinc_fast) and sinc_medium must reach 90 dB
                 * while the played tone is inside their passband (sinc_fast: 80 % of
                 * Nyquist = 19.2 kHz, sinc_medium 90 %; libsamplerate's figures) */
                double band = q == 1 ? 0.8 : 0.9;
                if (q >= 1 && out_hz < band * RATE / 2 * 0.95)
                    CHECK(snr >= 90.0, "%s: %.0f Hz at x%.2f: SNR %.1f dB", quality_name[q], hz[i],
                          speeds[k], snr);
            }
            printf("\n");
        }
}

/* ---- (c) one-shots on their frame ------------------------------------------------- */

static void check_onsets(void)
{
    test_sound *t = sound_new(1, (size_t)(0.2 * RATE));
    for (size_t i = 0; i < t->s.frames; i++)
        t->data[0][i] = (float)(0.5 * cos(2 * M_PI * 440.0 * i / RATE));
    static const uint32_t blocks[] = {1, 7, 64};
    static const uint64_t at[] = {0, 31, 63, 64, 64 + 17, 1000};
    static const float pitch[] = {60.0f, 67.0f, 48.0f};
    int exact = 0, runs = 0;
    for (size_t b = 0; b < 3; b++)
        for (size_t k = 0; k < 6; k++)
            for (size_t p = 0; p < 3; p++) {
                node_harness *h = open_with(t);
                nh_set_param(h, "mode", 1.0f);
                nh_set_block_size(h, blocks[b]);
                nh_queue_note(
                    h, at[k],
                    (lull_note){.type = LULL_NOTE_ON, .pitch = pitch[p], .velocity = 1.0f});
                stereo o = render(h, 2048);
                size_t first = 0;
                while (first < o.n && o.l[first] == 0.0f) first++;
                runs++;
                exact += first == at[k] && o.r[first] != 0.0f;
                CHECK(first == at[k], "block %u, note at %llu, pitch %.0f: first sound at %zu",
                      blocks[b], (unsigned long long)at[k], pitch[p], first);
                stereo_free(&o);
                nh_close(h);
            }
    printf("one-shots: %d of %d start exactly on their note's frame (blocks 1, 7, 64; offsets 0, "
           "31, 63, 64, 81, 1000; pitch 0, +7, -12)\n",
           exact, runs);

    /* velocity scales the gain; pitch +12 doubles the rate */
    double lvl[2];
    for (int i = 0; i < 2; i++) {
        node_harness *h = open_with(t);
        nh_set_param(h, "mode", 1.0f);
        nh_queue_note(h, 0,
                      (lull_note){.type = LULL_NOTE_ON, .pitch = 60, .velocity = i ? 0.5f : 1.0f});
        stereo o = render(h, 4800);
        lvl[i] = ac_rms(o.l + 960, 2400);
        stereo_free(&o);
        nh_close(h);
    }
    printf("velocity 0.5 vs 1: %.4f (expect 0.5)\n", lvl[1] / lvl[0]);
    CHECK(fabs(lvl[1] / lvl[0] - 0.5) < 1e-4, "velocity 0.5 gives x%.5f", lvl[1] / lvl[0]);
    node_harness *h = open_with(t);
    nh_set_param(h, "mode", 1.0f);
    nh_set_param(h, "root", 57.0f);
    nh_queue_note(h, 0, (lull_note){.type = LULL_NOTE_ON, .pitch = 69.0f, .velocity = 1.0f});
    stereo o = render(h, 4800);
    double f = zero_cross_hz(o.l + 480, 4000);
    printf("pitch 69 over root 57: %.3f Hz (expect 880)\n", f);
    CHECK(fabs(f - 880.0) < 0.5, "an octave up plays %.3f Hz", f);
    /* the one-shot ends: after the 0.1 s played at x2 and its tail, silence */
    stereo_free(&o);
    o = render(h, 4800);
    CHECK(ac_peak(o.l + 2400, 2400) == 0.0, "one-shot does not end (peak %g)",
          ac_peak(o.l + 2400, 2400));
    stereo_free(&o);
    nh_close(h);
    sound_free(t);
}

/* Oldest stolen, with a fade: 12 notes 10 ms apart on a long sound never click. */
static void check_stealing(void)
{
    test_sound *t = sine(330.0, 0.1, (size_t)(2 * RATE));
    node_harness *h = open_with(t);
    nh_set_param(h, "mode", 1.0f);
    nh_set_param(h, "attack", 0.03f);
    for (int i = 0; i < 12; i++)
        nh_queue_note(h, (uint64_t)(i * 0.01 * RATE),
                      (lull_note){.type = LULL_NOTE_ON, .pitch = 60, .velocity = 1.0f});
    stereo o = render(h, (size_t)(0.5 * RATE));
    /* all notes play the same tone at different phases; a stolen voice's 5 ms fade is
     * the sharpest change there is */
    ac_click c = ac_click_detect(o.l, o.n, 480, 1e-6);
    printf("12 one-shots over 8 voices (4 stolen): worst click ratio %.2f\n", c.ratio);
    CHECK(c.ratio < 6.0, "voice stealing clicks (ratio %.1f at %zu)", c.ratio, c.index);
    stereo_free(&o);
    nh_close(h);
    sound_free(t);
}

/* ---- (d) rate follows the tempo clock ----------------------------------------------- */

static void check_tempo(void)
{
    test_sound *t = sine(500.0, 0.5, (size_t)(4 * RATE));
    double hz[2];
    static const double bpm[2] = {60.0, 84.0};
    for (int i = 0; i < 2; i++) {
        node_harness *h = open_with(t);
        nh_set_param(h, "tempo_follow", 1.0f);
        nh_set_param(h, "ref_bpm", 60.0f);
        nh_set_tempo(h, bpm[i]);
        stereo o = render(h, (size_t)(1.0 * RATE));
        hz[i] = zero_cross_hz(o.l + (size_t)(0.3 * RATE), (size_t)(0.5 * RATE));
        stereo_free(&o);
        nh_close(h);
    }
    printf("tempo 60 -> %.3f Hz, 84 -> %.3f Hz: ratio %.5f (expect 1.4)\n", hz[0], hz[1],
           hz[1] / hz[0]);
    CHECK(fabs(hz[1] / hz[0] - 1.4) < 1e-3, "tempo 84/60 scales the rate by %.5f", hz[1] / hz[0]);
    CHECK(fabs(hz[0] - 500.0) < 0.1, "at the reference tempo the file plays at %.3f Hz", hz[0]);

    /* a tempo jump: the rate glides, no step, no click */
    node_harness *h = open_with(t);
    nh_set_param(h, "tempo_follow", 1.0f);
    nh_set_block_size(h, 64);
    stereo a = render(h, (size_t)(0.5 * RATE));
    nh_set_tempo(h, 84.0);
    stereo b = render(h, (size_t)(0.5 * RATE));
    size_t n = a.n + b.n;
    float *x = malloc(n * sizeof *x);
    memcpy(x, a.l, a.n * sizeof *x);
    memcpy(x + a.n, b.l, b.n * sizeof *x);
    /* instantaneous frequency from successive upward zero crossings */
    double prev_t = -1, prev_f = 0, worst_step = 0, t90 = -1;
    for (size_t i = (size_t)(0.3 * RATE); i < n; i++)
        if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
            double tt = (double)(i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (prev_t >= 0) {
                double f = RATE / (tt - prev_t);
                if (prev_f > 0) worst_step = fmax(worst_step, fabs(f - prev_f));
                if (t90 < 0 && f > 500.0 + 0.9 * 200.0) t90 = (tt - a.n) / RATE;
                prev_f = f;
            }
            prev_t = tt;
        }
    ac_click c = ac_click_detect(x + (size_t)(0.1 * RATE), n - (size_t)(0.1 * RATE), 480, 1e-6);
    printf("tempo jump 60 -> 84 bpm: the rate glides to 90 %% in %.1f ms, largest change between "
           "successive periods %.2f Hz (of 200), click ratio %.2f\n",
           t90 * 1000.0, worst_step, c.ratio);
    CHECK(worst_step < 10.0, "rate steps by %.2f Hz in one period", worst_step);
    CHECK(t90 > 0.05 && t90 < 0.3, "glide reaches 90 %% after %.3f s", t90);
    CHECK(c.ratio < 4.0, "tempo jump clicks (ratio %.1f)", c.ratio);
    free(x);
    stereo_free(&a);
    stereo_free(&b);
    nh_close(h);
    sound_free(t);
}

/* ---- (e) stereo and mono files ---------------------------------------------------- */

static void check_channels(void)
{
    const size_t n = (size_t)(1.0 * RATE);
    test_sound *t = sound_new(2, n);
    for (size_t i = 0; i < n; i++) {
        t->data[0][i] = (float)(0.5 * sin(2 * M_PI * 300.0 * i / RATE));
        t->data[1][i] = (float)(0.3 * sin(2 * M_PI * 700.0 * i / RATE));
    }
    node_harness *h = open_with(t);
    nh_set_param(h, "speed", 1.25f);
    stereo o = render(h, (size_t)(0.5 * RATE));
    size_t from = (size_t)(0.1 * RATE), len = (size_t)(0.3 * RATE);
    double al, ar, xl, xr;
    double snr_l = sine_snr_db(o.l + from, len, 375.0, &al);
    double snr_r = sine_snr_db(o.r + from, len, 875.0, &ar);
    sine_snr_db(o.l + from, len, 875.0, &xl); /* the other channel's tone */
    sine_snr_db(o.r + from, len, 375.0, &xr);
    printf("stereo file at x1.25: left %.4f at 375 Hz (SNR %.1f dB), right %.4f at 875 Hz (SNR "
           "%.1f dB); crosstalk %.1f / %.1f dB\n",
           al, snr_l, ar, snr_r, ac_db(xl / 0.5), ac_db(xr / 0.3));
    CHECK(fabs(al - 0.5) < 1e-3 && fabs(ar - 0.3) < 1e-3, "stereo levels %g %g", al, ar);
    CHECK(snr_l > 90 && snr_r > 90, "stereo SNR %.1f %.1f", snr_l, snr_r);
    CHECK(xl < 1e-5 && xr < 1e-5, "channels leak into each other (%g, %g)", xl, xr);
    stereo_free(&o);
    nh_close(h);
    sound_free(t);

    test_sound *m = sine(300.0, 0.5, n);
    h = open_with(m);
    nh_set_param(h, "speed", 1.25f);
    o = render(h, (size_t)(0.5 * RATE));
    CHECK(memcmp(o.l, o.r, o.n * sizeof(float)) == 0, "mono file differs between left and right");
    CHECK(ac_rms(o.l, o.n) > 0.3, "mono file silent (rms %g)", ac_rms(o.l, o.n));
    stereo_free(&o);
    nh_close(h);
    sound_free(m);
}

/* ---- (f) an unbound slot or a bad sound is refused, with a message ------------------ */

static char last_log[1024];
static const lull_sound *bound;
static void capture_log(const lull_host *host, enum lull_log_level level, const char *msg)
{
    (void)host;
    (void)level;
    snprintf(last_log, sizeof last_log, "%s", msg);
}
static const lull_sound *get_bound(const lull_host *host, uint32_t slot)
{
    (void)host;
    return slot == 0 ? bound : NULL;
}
static const lull_host_sounds sounds_service = {get_bound};
static const void *host_ext(const lull_host *host, const char *name)
{
    (void)host;
    return strcmp(name, LULL_HOST_EXT_SOUNDS) == 0 ? &sounds_service : NULL;
}

static bool try_activate(const lull_descriptor *d, const lull_sound *snd, bool service,
                         const char *expect, const char *what)
{
    bound = snd;
    last_log[0] = 0;
    lull_host host = {.struct_size = sizeof(lull_host),
                      .host_name = "lull",
                      .host_version = "test",
                      .node_name = "s",
                      .seed = 1,
                      .log = capture_log,
                      .get_extension = service ? host_ext : NULL};
    void *self = d->create(d, &host);
    bool ok = d->activate(self, RATE, LULL_MAX_BLOCK);
    if (ok) d->deactivate(self);
    d->destroy(self);
    printf("%-32s -> activate %s: \"%s\"\n", what, ok ? "true" : "false", last_log);
    if (expect)
        CHECK(!ok && strstr(last_log, expect), "%s: activate %d, message \"%s\" (want \"%s\")",
              what, ok, last_log, expect);
    return ok;
}

static void check_unbound(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/sampler.so", test_env("LULL_PLUGIN_DIR"));
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CHECK(dl != NULL, "dlopen %s: %s", path, dlerror());
    if (!dl) return;
    const lull_plugin_entry *e = ((lull_entry_fn)dlsym(dl, LULL_ENTRY_SYMBOL))();
    const lull_descriptor *d = e->descriptors[0];
    CHECK(d->sound_slot_count == 1 && strcmp(d->sound_slots[0].id, "sample") == 0,
          "sound slot is not \"sample\"");
    try_activate(d, NULL, true, "\"sample\" is not bound", "unbound slot");
    try_activate(d, NULL, false, "no sound service", "host without lull.sounds/1");
    test_sound *t = sound_new(2, 100);
    t->s.channels = 3;
    try_activate(d, &t->s, true, "3 channels", "3-channel sound");
    t->s.channels = 2;
    t->s.sample_rate = 44100.0;
    try_activate(d, &t->s, true, "44100.0 Hz", "sound at another rate");
    t->s.sample_rate = RATE;
    bool ok = try_activate(d, &t->s, true, NULL, "a good stereo sound");
    CHECK(ok, "a good sound is refused: %s", last_log);
    sound_free(t);
    dlclose(dl);
}

/* ---- cost --------------------------------------------------------------------------- */

static void print_cost(void)
{
    test_sound *t = two_tone((size_t)(4 * RATE));
    printf("cost, ns per frame inside process(), 48 kHz (indicative, never asserted):\n");
    for (int q = 0; q < 3; q++) {
        node_harness *h = open_with(t);
        nh_set_param(h, "quality", (float)q);
        nh_set_param(h, "speed", 1.1f);
        double loop1 = nh_time_ns_per_frame(h, NULL, (size_t)(2 * RATE));
        nh_close(h);
        h = open_with(t);
        nh_set_param(h, "quality", (float)q);
        nh_set_param(h, "mode", 1.0f);
        for (int i = 0; i < 8; i++)
            nh_queue_note(h, (uint64_t)i * 7,
                          (lull_note){.type = LULL_NOTE_ON, .pitch = 55.0f + i, .velocity = 0.5f});
        double poly8 = nh_time_ns_per_frame(h, NULL, (size_t)(2 * RATE));
        nh_close(h);
        printf(
            "  %-11s 1 loop voice (x1.1): %6.1f ns   8 one-shot voices (x0.84..1.19): %6.1f ns\n",
            quality_name[q], loop1, poly8);
    }
    sound_free(t);
}

int main(void)
{
    const size_t L = (size_t)(0.1 * RATE);
    /* (a) 100+ loops each: pre-roll, pre+post-roll split, post-roll, whole file */
    check_seams("start 0.1 end 0.2 (pre-roll)", 0.1f, 0.2f, 0.05f, 0, 1.0f, 64, L, 101 * L);
    check_seams("start 0.1 end 0.2 (pre-roll)", 0.1f, 0.2f, 0.05f, 1, 1.0f, 64, L, 101 * L);
    check_seams("start 0.02 end 0.12 (split)", 0.02f, 0.12f, 0.05f, 0, 1.0f, 7, L, 101 * L);
    check_seams("start 0 end 0.1 (post-roll)", 0.0f, 0.1f, 0.05f, 0, 1.0f, 1, L, 101 * L);
    check_seams("whole file, 2 s xfade (shortened)", 0.0f, 0.0f, 2.0f, 0, 1.0f, 64,
                (size_t)(0.3 * RATE), (size_t)(101 * 0.3 * RATE));
    check_seams("start 0.1 end 0.2, speed 1.37", 0.1f, 0.2f, 0.02f, 0, 1.37f, 64, 0, 101 * L);
    check_seams("start 0.1 end 0.2, speed 0.61", 0.1f, 0.2f, 0.05f, 0, 0.61f, 13, 0, 170 * L);
    check_seams_under_changes();
    check_xfade_laws();
    check_block_size();
    check_snr();    /* (b) */
    check_onsets(); /* (c) */
    check_stealing();
    check_tempo();    /* (d) */
    check_channels(); /* (e) */
    check_unbound();  /* (f) */
    print_cost();
    return check_finish("test_node_sampler");
}
