/* The sound-quality analyzers (tests/support/sound_quality.h) and the engine's
 * loudness meter (engine/src/analysis/loudness.h) on synthetic signals whose
 * answers are known from theory or from the EBU's own test cases:
 *   - loudness: EBU Tech 3341 case 1 (stereo 1 kHz sine at -23 dBFS reads
 *     -23.0 +- 0.1 LUFS); a 1 kHz sine at -20 dBFS on one channel reads -23.0
 *     (BS.1770: -0.691 + 10 log10(A^2 / 2) + K-weighting gain at 1 kHz, +0.69 dB);
 *     a full-scale 997 Hz sine on one channel -3.01; EBU Tech 3342 case 1 (20 s at
 *     -20 then 20 s at -30 dBFS) LRA 10 +- 1 LU; true peak of a sine whose samples
 *     miss its crests by 3 dB;
 *   - onsets: linear attacks of 5 ms and 40 ms (10-90 %) read within 10 % on a
 *     2 ms envelope, and a 5 ms one under 10 ms on the default 10 ms one; with
 *     a 30 ms hold, brief noise excursions are no onsets and 2 ms bursts are;
 *   - flux events: soft strikes barely over a pink noise found at their rate;
 *     rain-like grains alone give (almost) none, tonal drops over them their rate;
 *   - clicks: one sample pushed off pink noise and off a sine is found at its
 *     sample, the clean signals give none;
 *   - spectral centroid of two sines; onset rate of a click train at 72/min. */
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/loudness.h"
#include "audio_check.h"
#include "check.h"
#include "sound_quality.h"

#define RATE 48000.0

static float *sine(size_t n, double hz, double amp, double phase)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (float)(amp * sin(2 * M_PI * hz * i / RATE + phase));
    return x;
}

/* Deterministic Gaussian noise (xorshift64* + Box-Muller). */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static double uniform01(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return ((g_rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}
static double gauss(void)
{
    double u = uniform01(), v = uniform01();
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Pink noise (power 1/f from 20 Hz up) of the given RMS, shaped in one FFT. */
static float *pink(size_t n, double rms)
{
    float *x = fftwf_alloc_real(n);
    fftwf_complex *X = fftwf_alloc_complex(n / 2 + 1);
    fftwf_plan fw = fftwf_plan_dft_r2c_1d((int)n, x, X, FFTW_ESTIMATE);
    fftwf_plan bw = fftwf_plan_dft_c2r_1d((int)n, X, x, FFTW_ESTIMATE);
    for (size_t i = 0; i < n; i++) x[i] = (float)gauss();
    fftwf_execute(fw);
    double k20 = 20.0 * n / RATE;
    for (size_t k = 0; k <= n / 2; k++) {
        double g = k < k20 ? 0 : 1 / sqrt((double)k);
        X[k][0] *= (float)g;
        X[k][1] *= (float)g;
    }
    fftwf_execute(bw);
    double r = ac_rms(x, n);
    float *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++) out[i] = (float)(x[i] * rms / r);
    fftwf_destroy_plan(fw);
    fftwf_destroy_plan(bw);
    fftwf_free(x);
    fftwf_free(X);
    return out;
}

static void test_loudness(void)
{
    size_t n = (size_t)(10 * RATE);
    /* One channel, -20 dBFS peak, 1 kHz. */
    float *m = sine(n, 1000, pow(10, -20 / 20.0), 0);
    double l = sq_loudness_integrated(m, NULL, n, RATE);
    printf("1 kHz sine, -20 dBFS, one channel: %.3f LUFS (theory -23.0)\n", l);
    CHECK(fabs(l - -23.0) <= 0.1, "read %.3f LUFS", l);
    free(m);

    /* EBU Tech 3341 case 1: stereo, -23 dBFS. */
    float *s = sine(n, 1000, pow(10, -23 / 20.0), 0);
    l = sq_loudness_integrated(s, s, n, RATE);
    printf("1 kHz sine, -23 dBFS, stereo (Tech 3341 case 1): %.3f LUFS (expected -23.0 +- 0.1)\n",
           l);
    CHECK(fabs(l - -23.0) <= 0.1, "read %.3f LUFS", l);

    /* The short-term series of a steady tone sits at the integrated value once its
     * 3 s window is full. */
    double st[128];
    size_t np = sq_loudness_shortterm(s, s, n, RATE, 0.1, st, 128);
    double worst = 0;
    for (size_t i = 30; i < np; i++) worst = fmax(worst, fabs(st[i] - l));
    printf("short-term: %zu points, after 3 s within %.4f LU of integrated\n", np, worst);
    CHECK(np == 100, "%zu short-term points in 10 s at 0.1 s", np);
    CHECK(worst < 0.05, "short-term strays %.3f LU from a steady tone's loudness", worst);
    free(s);

    float *fs = sine(n, 997, 1.0, 0);
    l = sq_loudness_integrated(fs, NULL, n, RATE);
    printf("997 Hz full-scale sine, one channel: %.3f LUFS (expected -3.01)\n", l);
    CHECK(fabs(l - -3.01) <= 0.05, "read %.3f LUFS", l);
    free(fs);

    /* EBU Tech 3342 case 1: 20 s at -20 dBFS then 20 s at -30 dBFS, LRA 10 +- 1. */
    size_t h = (size_t)(20 * RATE);
    float *lra = sine(2 * h, 1000, pow(10, -20 / 20.0), 0);
    for (size_t i = h; i < 2 * h; i++) lra[i] *= (float)pow(10, -10 / 20.0);
    double range = sq_loudness_range(lra, lra, 2 * h, RATE);
    printf("Tech 3342 case 1: LRA %.2f LU (expected 10 +- 1)\n", range);
    CHECK(fabs(range - 10) <= 1, "LRA %.2f LU", range);

    /* The max-rise figure of `lull loudness`: the same steps reversed rise by 10 LU. */
    char err[256];
    loudness_meter *mt = loudness_new(2, RATE, 0.1, err, sizeof err);
    CHECK(mt != NULL, "%s", err);
    if (mt) {
        loudness_add(mt, lra + h, lra + h, h);
        loudness_add(mt, lra, lra, h);
        size_t cnt;
        const loudness_point *p = loudness_series(mt, &cnt);
        double rise = loudness_max_rise(p, cnt, 10, 3);
        double rise_short = loudness_max_rise(p, cnt, 1, 3);
        printf(
            "step -30 -> -20 dBFS: max short-term rise %.2f LU within 10 s, %.2f LU within 1 s\n",
            rise, rise_short);
        CHECK(fabs(rise - 10) < 0.2, "rise %.2f LU", rise);
        /* After 1 s the 3 s window holds 2 s at -30 and 1 s at -20 dB: a rise of
         * 10 log10((2 * 0.1 + 1) / 3 / 0.1) = 6.02 LU. */
        CHECK(fabs(rise_short - 6.02) < 0.2, "rise within 1 s %.2f LU, theory 6.02", rise_short);
        loudness_free(mt);
    }
    free(lra);

    /* A sine at fs/4 whose samples fall 45 degrees off its crests: sample peak
     * A / sqrt(2) (-3.01 dB), true peak A. */
    float *tp = sine(n, RATE / 4, 0.5, M_PI / 4);
    double tpd = sq_true_peak_dbtp(tp, NULL, n, RATE);
    double spd = ac_db(ac_peak(tp, n));
    printf("fs/4 sine, amplitude 0.5 (-6.02 dB): sample peak %.2f dBFS, true peak %.2f dBTP\n", spd,
           tpd);
    CHECK(fabs(tpd - -6.02) <= 0.3, "true peak %.2f dBTP", tpd);
    CHECK(spd < -8.9, "sample peak %.2f", spd);
    free(tp);
}

/* Four events: a linear attack of 10-90 % rise `rise_ms` on a 1 kHz sine at
 * -12 dBFS peak, 100 ms hold, 100 ms linear release, one per second, on a
 * -70 dBFS noise floor (events take a quarter of the time or less, so the
 * running median stays on the floor). */
static void check_attack(double rise_ms, double env_ms)
{
    size_t n = (size_t)(5 * RATE);
    float *x = malloc(n * sizeof *x);
    double ramp = rise_ms / 0.8 * 1e-3 * RATE, hold = 0.1 * RATE, rel = 0.1 * RATE;
    for (size_t i = 0; i < n; i++) x[i] = (float)(pow(10, -70 / 20.0) * gauss());
    size_t starts[4];
    for (int e = 0; e < 4; e++) {
        size_t s0 = (size_t)((0.7 + e) * RATE);
        starts[e] = s0;
        for (size_t i = 0; i < (size_t)(ramp + hold + rel); i++) {
            double g = i < ramp ? i / ramp : i < ramp + hold ? 1 : 1 - (i - ramp - hold) / rel;
            x[s0 + i] += (float)(0.25 * g * sin(2 * M_PI * 1000 * i / RATE));
        }
    }
    sq_onset on[8];
    sq_onset_opts o;
    sq_onset_defaults(&o);
    o.rise_env_ms = env_ms;
    size_t c = sq_onsets(x, n, RATE, &o, on, 8);
    CHECK(c == 4, "%.0f ms attacks: %zu onsets, want 4", rise_ms, c);
    /* A box of W ms over a ramp of R = rise / 0.8 ms: exact while R >> W; for
     * R < W the reading tends to 0.8 W (the box's own rise). */
    double want = env_ms < rise_ms / 2 ? rise_ms : fmax(rise_ms, 0.8 * env_ms);
    double tol = env_ms < rise_ms / 2 ? 0.1 * rise_ms : 0.25 * want;
    for (size_t i = 0; i < c && i < 4; i++) {
        /* The 10 % point of a ramp from starts[i] lies 0.1 * ramp after it. */
        double want_at = starts[i] + 0.1 * ramp;
        printf("attack %.0f ms, %.0f ms envelope: onset %zu at %.4f s (10 %% point %.4f s), "
               "rise %.2f ms (want %.1f +- %.1f), %.1f dB over background, peak %.1f dBFS\n",
               rise_ms, env_ms, i, on[i].time_s, want_at / RATE, on[i].rise_ms, want, tol,
               on[i].over_db, on[i].level_dbfs);
        CHECK(fabs(on[i].rise_ms - want) <= tol, "rise %.2f ms, want %.1f +- %.1f", on[i].rise_ms,
              want, tol);
        CHECK(fabs((double)on[i].index - want_at) <= 0.1 * ramp + 0.5e-3 * env_ms * RATE,
              "onset at %zu, want %.0f", on[i].index, want_at);
    }
    free(x);
}

static void test_onsets(void)
{
    check_attack(5, 2);
    check_attack(40, 2);
    /* The default 10 ms envelope: a 5 ms attack still reads well under 25 ms. */
    check_attack(5, 10);
    check_attack(40, 10);

    /* A click train at 72/min (every 833.3 ms): 2 ms bursts at -12 dBFS over pink
     * noise at -50 dBFS RMS. */
    size_t n = (size_t)(20 * RATE);
    float *x = pink(n, pow(10, -50 / 20.0));
    size_t period = (size_t)lround(60.0 / 72 * RATE), want = 0;
    for (size_t s = (size_t)(0.5 * RATE); s + 96 < n; s += period, want++)
        for (size_t i = 0; i < 96; i++) x[s + i] += (float)(0.25 * sin(2 * M_PI * 3000 * i / RATE));
    sq_onset on[64];
    size_t c = sq_onsets(x, n, RATE, NULL, on, 64);
    double ioi;
    double rate = sq_onset_rate(on, c < 64 ? c : 64, &ioi);
    printf("click train: %zu onsets (%zu clicks), median interval %.4f s, %.2f per minute (72)\n",
           c, want, ioi, rate);
    CHECK(c == want, "%zu onsets for %zu clicks", c, want);
    CHECK(fabs(rate - 72) < 0.1, "onset rate %.3f/min", rate);
    free(x);

    /* Steady noise has no onsets. */
    x = pink(n, 0.1);
    c = sq_onsets(x, n, RATE, NULL, on, 64);
    printf("steady pink noise: %zu onsets\n", c);
    CHECK(c == 0, "%zu onsets in steady noise", c);
    free(x);
}

/* The suite's onset rules (sq_onset_opts.hold_ms, one report per attack): brief
 * noise excursions over the threshold are not events, real short ones are. */
static void test_onset_hold(void)
{
    size_t n = (size_t)(20 * RATE);
    /* 8 ms stretches of the noise itself raised 13 dB, every 0.9 s: a 10 ms RMS
     * window reads them ~12 dB over the background, but over 30 ms they average
     * only 10 log10((8 * 20 + 22) / 30) = 7.8 dB over. */
    float *x = pink(n, pow(10, -40 / 20.0));
    size_t bumps = 0, len = (size_t)(0.008 * RATE);
    for (size_t s = (size_t)(1.3 * RATE); s + len < n; s += (size_t)(0.9 * RATE), bumps++)
        for (size_t i = 0; i < len; i++) x[s + i] *= (float)pow(10, 13 / 20.0);
    sq_onset on[64];
    sq_onset_opts o;
    sq_onset_defaults(&o);
    size_t plain = sq_onsets(x, n, RATE, &o, on, 64);
    o.hold_ms = 30;
    size_t held = sq_onsets(x, n, RATE, &o, on, 64);
    printf("%zu 8 ms noise bumps +13 dB: %zu onsets without hold, %zu with a 30 ms hold\n", bumps,
           plain, held);
    CHECK(plain >= bumps / 2, "without a hold the bumps read as onsets (%zu of %zu)", plain, bumps);
    CHECK(held == 0, "%zu noise bumps held 30 ms", held);
    free(x);

    /* The 2 ms click train of test_onsets still counts in full with the hold. */
    x = pink(n, pow(10, -50 / 20.0));
    size_t period = (size_t)lround(60.0 / 72 * RATE), want = 0;
    for (size_t s = (size_t)(0.5 * RATE); s + 96 < n; s += period, want++)
        for (size_t i = 0; i < 96; i++) x[s + i] += (float)(0.25 * sin(2 * M_PI * 3000 * i / RATE));
    size_t c = sq_onsets(x, n, RATE, &o, on, 64);
    printf("2 ms bursts with a 30 ms hold: %zu onsets of %zu\n", c, want);
    CHECK(c == want, "%zu onsets for %zu bursts", c, want);
    /* No attack is reported twice. */
    size_t dup = 0;
    for (size_t i = 1; i < c && i < 64; i++)
        if (on[i].index - on[i - 1].index < (size_t)(0.05 * RATE)) dup++;
    CHECK(dup == 0, "%zu onsets within 50 ms of the previous one", dup);
    free(x);
}

/* Spectral-flux events: soft strikes peaking 3 dB over a pink-noise texture's
 * RMS (no onset 10 dB over its background, yet ~17 dB over the noise in their
 * own bins at 523 Hz, clearly heard) are all found, at their rate; the texture
 * alone gives (almost) none. */
static void test_flux(void)
{
    size_t n = (size_t)(30 * RATE);
    float *x = pink(n, pow(10, -30 / 20.0));
    size_t period = (size_t)lround(60.0 / 72 * RATE), want = 0;
    size_t att = (size_t)(0.02 * RATE), dec = (size_t)(0.4 * RATE);
    double f0[3] = {523.25, 659.26, 783.99};
    for (size_t s = (size_t)(0.7 * RATE); s + att + 3 * dec < n; s += period, want++)
        for (size_t i = 0; i < att + 3 * dec; i++) {
            double g = i < att ? (double)i / att : exp(-(double)(i - att) / dec);
            x[s + i] += (float)(pow(10, -27 / 20.0) * g * sin(2 * M_PI * f0[want % 3] * i / RATE));
        }
    sq_onset on[128];
    size_t c = sq_flux_events(x, n, RATE, NULL, on, 128);
    double ioi, rate = sq_onset_rate(on, c < 128 ? c : 128, &ioi);
    size_t loud = sq_onsets(x, n, RATE, NULL, on + 64, 64);
    printf("soft strikes at 72/min, peak 3 dB over pink noise RMS: %zu flux events of %zu strikes, "
           "%.2f per minute; %zu onsets 10 dB over\n",
           c, want, rate, loud);
    CHECK(c + 1 >= want && c <= want + 1, "%zu flux events for %zu strikes", c, want);
    CHECK(fabs(rate - 72) < 1, "event rate %.2f/min", rate);
    free(x);
    x = pink(n, pow(10, -30 / 20.0));
    c = sq_flux_events(x, n, RATE, NULL, on, 128);
    printf("pink noise alone: %zu flux events in 30 s\n", c);
    CHECK(c <= 2, "%zu flux events in steady noise", c);
    free(x);
}

/* A rain-like texture: grains (2 ms white-noise bursts decaying in 5 ms, peaks
 * spread log-uniformly over 12 dB) arriving as a Poisson stream at `per_s`,
 * added to x. */
static void add_grains(float *x, size_t n, double per_s, double peak)
{
    size_t len = (size_t)(0.03 * RATE);
    double t = 0;
    for (;;) {
        t += -log(1 - uniform01()) / per_s; /* exponential inter-arrival */
        size_t s = (size_t)(t * RATE);
        if (s + len >= n) break;
        double a = peak * pow(10, -12 * uniform01() / 20);
        for (size_t i = 0; i < len; i++)
            x[s + i] += (float)(a * gauss() * exp(-(double)i / (0.005 * RATE)));
    }
}

/* Events over a texture: the grains of rain (4 per second) are texture, not
 * events a listener follows, so the texture alone gives (almost) none, although
 * each grain is new broadband energy that plain spectral flux counts; tonal
 * drops standing out of the texture are found at their rate. */
static void test_flux_texture(void)
{
    size_t n = (size_t)(40 * RATE);
    sq_onset on[256];
    sq_flux_opts plain;
    sq_flux_defaults(&plain);
    plain.texture_rate = 0; /* no texture test: every flux peak */

    float *x = pink(n, pow(10, -40 / 20.0));
    add_grains(x, n, 4, pow(10, -20 / 20.0));
    size_t all = sq_flux_events(x, n, RATE, &plain, on, 256);
    size_t c = sq_flux_events(x, n, RATE, NULL, on, 256);
    printf("rain-like grains at 240/min over pink noise: %zu flux events in 40 s "
           "(%zu without the texture test)\n",
           c, all);
    CHECK(all > 80, "plain flux finds only %zu of ~160 grains: the texture is too weak to test",
          all);
    CHECK(c <= 2, "%zu events in a texture alone", c);

    /* Sparse drops over it: a decaying 1 kHz-ish tone, 40 per minute. */
    size_t period = (size_t)lround(60.0 / 40 * RATE), want = 0, dec = (size_t)(0.12 * RATE);
    for (size_t s = (size_t)(1.1 * RATE); s + 6 * dec < n; s += period, want++) {
        double f0 = 900 + 150 * (double)(want % 3);
        for (size_t i = 0; i < 6 * dec; i++) {
            double g = (i < 96 ? (double)i / 96 : 1) * exp(-(double)i / (double)dec);
            x[s + i] += (float)(pow(10, -20 / 20.0) * g * sin(2 * M_PI * f0 * (double)i / RATE));
        }
    }
    c = sq_flux_events(x, n, RATE, NULL, on, 256);
    double ioi, rate = sq_onset_rate(on, c < 256 ? c : 256, &ioi);
    printf("drops at 40/min over the grains: %zu flux events of %zu drops, %.2f per minute\n", c,
           want, rate);
    /* A drop landing within a grain's few frames can merge into it (~4 per
     * second, 30 ms each): most, not all, are found, and none twice. */
    CHECK(c * 5 >= want * 4 && c <= want, "%zu events for %zu drops", c, want);
    CHECK(fabs(rate - 40) < 1, "drop rate %.2f/min", rate);
    free(x);
}

static void test_clicks(void)
{
    size_t n = (size_t)(5 * RATE);
    sq_click cl[16];
    double ratio;

    float *x = pink(n, 0.1);
    size_t c = sq_clicks(x, n, NULL, cl, 16, &ratio);
    printf("pink noise at -20 dBFS RMS, clean: %zu clicks, largest residual %.2f sigma\n", c,
           ratio);
    CHECK(c == 0, "%zu clicks in clean pink noise (first at %zu)", c, c ? cl[0].index : 0);

    const size_t at = 123457;
    /* Pink noise is barely predictable (it is nearly white in its top octaves):
     * its one-step prediction error is about 0.6 x its RMS (Kolmogorov's formula,
     * exp of the mean log spectrum), so a click must stand ~8x above the RMS to
     * reach k = 8 sigma. Brown noise or a tone hides far less. */
    x[at] += 0.8f;
    c = sq_clicks(x, n, NULL, cl, 16, &ratio);
    ac_click d2 = ac_click_detect(x, n, 480, 1e-4);
    printf("pink noise + 0.8 click at %zu: %zu click(s), first at %zu, %.1f sigma "
           "(second-difference detector of audio_check.h: ratio %.1f at %zu)\n",
           at, c, c ? cl[0].index : 0, c ? cl[0].ratio : 0.0, d2.ratio, d2.index);
    CHECK(c == 1 && cl[0].index == at, "%zu clicks, first at %zu, want 1 at %zu", c,
          c ? cl[0].index : 0, at);
    free(x);

    x = sine(n, 440, 0.5, 0);
    c = sq_clicks(x, n, NULL, cl, 16, &ratio);
    printf("440 Hz sine at -6 dBFS, clean: %zu clicks, largest residual %.2f sigma\n", c, ratio);
    CHECK(c == 0, "%zu clicks in a clean sine (first at %zu)", c, c ? cl[0].index : 0);
    const size_t at2 = 200003;
    x[at2] += 0.01f;
    c = sq_clicks(x, n, NULL, cl, 16, &ratio);
    printf("sine + 0.01 click at %zu: %zu click(s), first at %zu, %.0f sigma\n", at2, c,
           c ? cl[0].index : 0, c ? cl[0].ratio : 0.0);
    CHECK(c == 1 && cl[0].index == at2, "%zu clicks, first at %zu, want 1 at %zu", c,
          c ? cl[0].index : 0, at2);
    /* Three more, one of them 1e-4 (-80 dBFS) under a -6 dBFS tone: counted and placed. */
    const size_t more[3] = {1000, 100000, 230000};
    x[more[0]] -= 0.02f;
    x[more[1]] += 1e-4f;
    x[more[2]] += 0.2f;
    c = sq_clicks(x, n, NULL, cl, 16, &ratio);
    printf("sine + 4 clicks: %zu found at %zu %zu %zu %zu\n", c, cl[0].index, cl[1].index,
           cl[2].index, cl[3].index);
    CHECK(c == 4 && cl[0].index == more[0] && cl[1].index == more[1] && cl[2].index == at2 &&
              cl[3].index == more[2],
          "%zu clicks", c);
    free(x);

    /* Isolation: a pulse train (a buzzy tone's excitation) is not clicks, a lone
     * one among them is. */
    sq_click pk[12];
    size_t m = 0;
    for (size_t i = 0; i < 10; i++) pk[m++] = (sq_click){.index = 10000 + i * 480, .ratio = 9};
    pk[m++] = (sq_click){.index = 100000, .ratio = 20};
    size_t periodic;
    size_t iso = sq_clicks_isolated(pk, m, (size_t)(SQ_CLICK_ISOLATION_S * RATE), &periodic);
    printf("10 residual peaks 10 ms apart + 1 alone: %zu isolated, %zu periodic\n", iso, periodic);
    CHECK(iso == 1 && pk[0].index == 100000 && periodic == 10,
          "%zu isolated (first at %zu), %zu "
          "periodic",
          iso, pk[0].index, periodic);
}

static void test_centroid(void)
{
    size_t n = (size_t)(2 * RATE);
    float *a = sine(n, 500, 0.5, 0), *b = sine(n, 3000, 0.25, 0.3);
    for (size_t i = 0; i < n; i++) a[i] += b[i];
    double c = sq_spectral_centroid(a, n, RATE);
    /* (0.25 * 500 + 0.0625 * 3000) / 0.3125 = 1000 Hz. */
    printf("centroid of 500 Hz (0.5) + 3000 Hz (0.25): %.2f Hz (theory 1000)\n", c);
    CHECK(fabs(c - 1000) < 10, "centroid %.2f Hz", c);
    double c1 = sq_spectral_centroid(b, n, RATE);
    printf("centroid of 3000 Hz alone: %.2f Hz\n", c1);
    CHECK(fabs(c1 - 3000) < 10, "centroid %.2f Hz", c1);
    free(a), free(b);
}

int main(void)
{
    test_loudness();
    test_onsets();
    test_onset_hold();
    test_flux();
    test_flux_texture();
    test_clicks();
    test_centroid();
    return check_finish("test_sound_quality");
}
