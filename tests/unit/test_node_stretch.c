/* stretch: the phase-vocoder loop player against theory, on sounds synthesized
 * here: source consumed per output second equals the (integrated) speed, a tone
 * keeps its pitch, loudness is kept, the loop seam does not click, stereo phase
 * relations survive, attacks stay sharp, and the reported latency is the delay
 * measured at the output. */
#include <dlfcn.h>
#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

/* ---------------------------------------------------------------------------- */
/* Sounds and renders */

typedef struct test_sound {
    lull_sound snd;
    float *ch[2];
    const float *data[2];
} test_sound;

static test_sound *sound_new(uint32_t channels, size_t frames)
{
    test_sound *t = calloc(1, sizeof *t);
    for (uint32_t c = 0; c < channels; c++) {
        t->ch[c] = calloc(frames, sizeof(float));
        t->data[c] = t->ch[c];
    }
    t->snd = (lull_sound){.struct_size = sizeof(lull_sound),
                          .channels = channels,
                          .frames = frames,
                          .sample_rate = RATE,
                          .data = t->data,
                          .name = "test",
                          .path = "synthesized"};
    return t;
}

static void sound_free(test_sound *t)
{
    free(t->ch[0]);
    free(t->ch[1]);
    free(t);
}

typedef struct settings {
    float ratio;
    const float *ratio_traj; /* per output frame, or NULL */
    float follow, ref_bpm;
    double tempo_bpm;
    float start, loop_end, crossfade;
    uint32_t block;
} settings;

static settings defaults(float ratio)
{
    return (settings){
        .ratio = ratio, .ref_bpm = 60.0f, .tempo_bpm = 60.0, .crossfade = 0.1f, .block = 32};
}

static void render(const test_sound *t, settings s, float *l, float *r, size_t frames)
{
    const lull_sound *sounds[] = {&t->snd};
    node_harness *h = nh_open_sounds("stretch", "stretch", RATE, 1, sounds, 1);
    if (s.ratio_traj)
        nh_set_param_trajectory(h, "ratio", s.ratio_traj, frames);
    else
        nh_set_param(h, "ratio", s.ratio);
    nh_set_param(h, "tempo_follow", s.follow);
    nh_set_param(h, "ref_bpm", s.ref_bpm);
    nh_set_param(h, "start", s.start);
    nh_set_param(h, "loop_end", s.loop_end);
    nh_set_param(h, "crossfade", s.crossfade);
    nh_set_tempo(h, s.tempo_bpm);
    nh_set_block_size(h, s.block);
    float *outs[] = {l, r};
    nh_run(h, NULL, outs, frames);
    nh_close(h);
}

/* ---------------------------------------------------------------------------- */
/* Measurements */

/* Phase (rad) of the tone at f_hz in each block of `block` frames of x (complex
 * demodulation; a block holding whole cycles of f cancels the image). */
static size_t block_phases(const float *x, size_t n, double f_hz, size_t block, double *ph)
{
    size_t nb = n / block;
    for (size_t b = 0; b < nb; b++) {
        double re = 0.0, im = 0.0;
        for (size_t i = b * block; i < (b + 1) * block; i++) {
            double w = 2.0 * M_PI * f_hz * (double)i / RATE;
            re += x[i] * cos(w);
            im -= x[i] * sin(w);
        }
        ph[b] = atan2(im, re);
    }
    return nb;
}

/* Frequency of a steady tone near f_hz: the slope of its unwrapped demodulated
 * phase (least squares over 0.1 s blocks) added to f_hz. */
static double tone_frequency(const float *x, size_t n, double f_hz)
{
    size_t block = (size_t)(RATE / 10);
    size_t nb = n / block;
    double *ph = malloc(nb * sizeof *ph);
    block_phases(x, n, f_hz, block, ph);
    for (size_t b = 1; b < nb; b++) ph[b] = ph[b - 1] + remainder(ph[b] - ph[b - 1], 2.0 * M_PI);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t b = 0; b < nb; b++) {
        sx += b;
        sy += ph[b];
        sxx += (double)b * b;
        sxy += b * ph[b];
    }
    double slope = (nb * sxy - sx * sy) / (nb * sxx - sx * sx); /* rad per block */
    free(ph);
    return f_hz + slope / (2.0 * M_PI * (double)block / RATE);
}

/* Centres (frame, energy-weighted) of the bursts of a tone at f_hz in x: the
 * envelope is the demodulated tone averaged over 10 ms; a burst is where it
 * exceeds a quarter of its maximum. Returns the count stored in centres. */
static size_t burst_centres(const float *x, size_t n, double f_hz, double *centres, size_t max)
{
    size_t avg = (size_t)(RATE / 100);
    double *re = calloc(n + 1, sizeof *re), *im = calloc(n + 1, sizeof *im);
    for (size_t i = 0; i < n; i++) { /* prefix sums of the demodulated signal */
        double w = 2.0 * M_PI * f_hz * (double)i / RATE;
        re[i + 1] = re[i] + x[i] * cos(w);
        im[i + 1] = im[i] - x[i] * sin(w);
    }
    double *env = calloc(n, sizeof *env), top = 0.0;
    for (size_t i = avg / 2; i + avg / 2 < n; i++) {
        double a = re[i + avg / 2] - re[i - avg / 2], b = im[i + avg / 2] - im[i - avg / 2];
        env[i] = a * a + b * b;
        top = env[i] > top ? env[i] : top;
    }
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        if (env[i] <= 0.25 * top) {
            i++;
            continue;
        }
        double sw = 0.0, swi = 0.0;
        for (; i < n && env[i] > 0.25 * top; i++) {
            sw += env[i];
            swi += env[i] * (double)i;
        }
        if (count < max) centres[count++] = swi / sw;
    }
    free(re);
    free(im);
    free(env);
    return count;
}

static double loudness(const float *l, const float *r, size_t n)
{
    ebur128_state *st = ebur128_init(r ? 2 : 1, (unsigned long)RATE, EBUR128_MODE_I);
    float *buf = malloc(2 * n * sizeof *buf);
    for (size_t i = 0; i < n; i++) {
        buf[(r ? 2 : 1) * i] = l[i];
        if (r) buf[2 * i + 1] = r[i];
    }
    ebur128_add_frames_float(st, buf, n);
    double lufs = -HUGE_VAL;
    ebur128_loudness_global(st, &lufs);
    ebur128_destroy(&st);
    free(buf);
    return lufs;
}

/* ---------------------------------------------------------------------------- */
/* The node's reported latency, through a minimal host of our own (the harness
 * does not expose the instance). */

static const lull_sound *latency_sound;
static const lull_sound *mini_get(const lull_host *host, uint32_t slot)
{
    return slot == 0 ? latency_sound : NULL;
}
static const lull_host_sounds mini_sounds = {mini_get};
static const void *mini_ext(const lull_host *host, const char *name)
{
    return strcmp(name, LULL_HOST_EXT_SOUNDS) == 0 ? &mini_sounds : NULL;
}

static uint32_t reported_latency(const test_sound *t)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/stretch.so", test_env("LULL_PLUGIN_DIR"));
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CHECK(dl != NULL, "dlopen %s", path);
    if (!dl) return 0;
    const lull_plugin_entry *e = ((lull_entry_fn)dlsym(dl, LULL_ENTRY_SYMBOL))();
    const lull_descriptor *d = e->descriptors[0];
    latency_sound = &t->snd;
    lull_host host = {.struct_size = sizeof host,
                      .host_name = "test",
                      .host_version = "0",
                      .node_name = "stretch",
                      .seed = 1,
                      .get_extension = mini_ext};
    void *self = d->create(d, &host);
    uint32_t lat = 0;
    if (self && d->activate(self, RATE, LULL_MAX_BLOCK)) {
        const lull_ext_latency *ext = d->get_extension(self, LULL_EXT_LATENCY);
        CHECK(ext != NULL, "stretch offers no %s", LULL_EXT_LATENCY);
        if (ext) lat = ext->get(self);
        d->deactivate(self);
    }
    if (self) d->destroy(self);
    dlclose(dl);
    return lat;
}

/* ---------------------------------------------------------------------------- */
/* Tests */

/* A 440 Hz tone keeps its pitch within 1 cent at every speed. The loop period
 * (2 s - 0.1 s crossfade = 1.9 s) holds 836 whole cycles, so the loop itself is
 * seamless and any pitch error is the stretcher's. */
static void check_pitch(void)
{
    size_t sf = (size_t)(2.0 * RATE);
    test_sound *t = sound_new(1, sf);
    for (size_t i = 0; i < sf; i++)
        t->ch[0][i] = (float)(0.5 * sin(2.0 * M_PI * 440.0 * (double)i / RATE));
    const float ratios[] = {0.25f, 0.5f, 1.0f, 1.5f, 2.0f, 4.0f};
    size_t n = (size_t)(5.0 * RATE), skip = (size_t)(1.0 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    for (size_t k = 0; k < sizeof ratios / sizeof ratios[0]; k++) {
        render(t, defaults(ratios[k]), l, r, n);
        double f = tone_frequency(l + skip, n - skip, 440.0);
        double cents = 1200.0 * log2(f / 440.0);
        double level = ac_dbfs_rms(l + skip, n - skip) - ac_db(0.5 / sqrt(2.0));
        printf("pitch: ratio %.2f -> %.4f Hz (%+.4f cents), level %+.3f dB\n", ratios[k], f, cents,
               level);
        CHECK(fabs(cents) <= 1.0, "ratio %.2f: 440 Hz tone at %.4f Hz (%+.3f cents)", ratios[k], f,
              cents);
        CHECK(fabs(level) < 0.5, "ratio %.2f: tone level off by %.2f dB", ratios[k], level);
        CHECK(ac_all_finite(l, n), "ratio %.2f: non-finite output", ratios[k]);
    }
    free(l);
    free(r);
    sound_free(t);
}

/* Source consumed per output time. The loop (1.2 s, crossfade 0.1 s: period
 * P = 1.1 s) holds a quiet 300 Hz bed and one 3 kHz burst; the bursts' centres
 * at the output are one loop period of source apart, so (K-1) P source frames
 * were played between the first and the last of K bursts. That must equal the
 * integral of the speed over the same output span (shifted by the latency). */
static void check_length(void)
{
    size_t sf = (size_t)(1.2 * RATE);
    double period = 1.1 * RATE;
    test_sound *t = sound_new(1, sf);
    for (size_t i = 0; i < sf; i++) {
        double ts = (double)i / RATE, b = (ts - 0.5) / 0.06;
        double burst = fabs(b) < 0.5 ? 0.5 * (0.5 + 0.5 * cos(2.0 * M_PI * b)) : 0.0;
        t->ch[0][i] =
            (float)(0.1 * sin(2.0 * M_PI * 300.0 * ts) + burst * sin(2.0 * M_PI * 3000.0 * ts));
    }
    size_t n = (size_t)(24.0 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    float *glide = malloc(n * sizeof *glide);
    for (size_t i = 0; i < n; i++) /* 0.5 -> 1.5 over the render, linearly */
        glide[i] = (float)(0.5 + (double)i / (double)n);
    uint32_t lat = reported_latency(t);

    struct {
        const char *name;
        float ratio;
        const float *traj;
        float follow;
        double tempo;
    } cases[] = {
        {"ratio 0.5", 0.5f, NULL, 0.0f, 60.0},
        {"ratio 1.0", 1.0f, NULL, 0.0f, 60.0},
        {"ratio 1.5", 1.5f, NULL, 0.0f, 60.0},
        {"glide 0.5->1.5", 1.0f, glide, 0.0f, 60.0},
        {"ratio 0.8, tempo 75/60 followed", 0.8f, NULL, 1.0f, 75.0},
        {"ratio 1.2, tempo 45/60 half followed", 1.2f, NULL, 0.5f, 45.0},
    };
    double centres[128];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        settings s = defaults(cases[k].ratio);
        s.ratio_traj = cases[k].traj;
        s.follow = cases[k].follow;
        s.tempo_bpm = cases[k].tempo;
        render(t, s, l, r, n);
        size_t count = burst_centres(l, n, 3000.0, centres, 128);
        CHECK(count >= 8, "%s: only %zu bursts found", cases[k].name, count);
        if (count < 8) continue;
        /* The first burst may be cut by the fade-in: start from the second. */
        size_t first = 1, last = count - 1;
        double speed_const = cases[k].ratio * pow(cases[k].tempo / 60.0, cases[k].follow);
        double integral = 0.0;
        size_t i0 = (size_t)llround(centres[first]) - lat,
               i1 = (size_t)llround(centres[last]) - lat;
        for (size_t i = i0; i < i1; i++) integral += cases[k].traj ? cases[k].traj[i] : speed_const;
        double consumed = (double)(last - first) * period;
        double err = consumed / integral - 1.0;
        printf("length: %s: %zu loop cycles over %.3f s of output, source %.1f frames vs "
               "integrated speed %.1f frames: %+.4f %%\n",
               cases[k].name, last - first, (centres[last] - centres[first]) / RATE, consumed,
               integral, 100.0 * err);
        CHECK(fabs(err) <= 0.005, "%s: source consumed off the integrated ratio by %+.3f %%",
              cases[k].name, 100.0 * err);
    }
    free(glide);
    free(l);
    free(r);
    sound_free(t);
}

/* Loudness (EBU R128 integrated) of the output against the source, for a stereo
 * pad (seven partials, slow amplitude motion different in each channel, a noise
 * floor 20 dB down), the same pad with its right channel detuned, and,
 * reported only, for white noise: with phases no longer coherent from frame to
 * frame, overlapping Hann^2 frames add in power (sum of w^4 = 1.09 against
 * (sum of w^2)^2 = 2.25): a stretched noise can read up to 3.1 dB low. */
static void check_loudness(int wide)
{
    size_t sf = (size_t)(6.0 * RATE);
    test_sound *pad = sound_new(2, sf), *noise = sound_new(2, sf);
    const char *name = wide ? "wide pad (R detuned +1.7 cents)" : "pad";
    /* The wide pad's channels drift in phase against each other, so their mid
     * (the phase reference) beats; the stretcher loses up to ~0.7 LU there. */
    double tol = wide ? 1.0 : 0.5;
    const double partials[] = {110.0, 165.3, 220.7, 277.2, 329.6, 440.9, 554.4};
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < sf; i++) {
        double ts = (double)i / RATE;
        for (int c = 0; c < 2; c++) {
            double v = 0.0;
            for (size_t p = 0; p < sizeof partials / sizeof partials[0]; p++) {
                double am = 0.6 + 0.4 * sin(2.0 * M_PI * (0.21 + 0.07 * p) * ts + p + c);
                v += 0.08 * am *
                     sin(2.0 * M_PI * partials[p] * (1.0 + 0.001 * c * wide) * ts + 1.7 * p);
            }
            double u[2];
            for (int j = 0; j < 2; j++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                u[j] = (double)(rng >> 11) / 9007199254740992.0;
            }
            double gauss = sqrt(-2.0 * log(u[0] + 1e-300)) * cos(2.0 * M_PI * u[1]);
            pad->ch[c][i] = (float)(v + 0.01 * gauss);
            noise->ch[c][i] = (float)(0.1 * gauss);
        }
    }
    double src_pad = loudness(pad->ch[0], pad->ch[1], sf);
    double src_noise = loudness(noise->ch[0], noise->ch[1], sf);
    size_t n = (size_t)(14.0 * RATE), skip = (size_t)(1.0 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    const float ratios[] = {0.5f, 1.0f, 1.5f};
    for (size_t k = 0; k < 3; k++) {
        render(pad, defaults(ratios[k]), l, r, n);
        double out = loudness(l + skip, r + skip, n - skip);
        printf("loudness: %s, ratio %.1f: %.2f LUFS vs source %.2f LUFS (%+.2f LU)\n", name,
               ratios[k], out, src_pad, out - src_pad);
        CHECK(fabs(out - src_pad) <= tol, "%s ratio %.1f: loudness off by %+.2f LU", name,
              ratios[k], out - src_pad);
        if (wide) continue;
        render(noise, defaults(ratios[k]), l, r, n);
        out = loudness(l + skip, r + skip, n - skip);
        printf("loudness: white noise, ratio %.1f: %.2f LUFS vs source %.2f LUFS (%+.2f LU, "
               "reported only)\n",
               ratios[k], out, src_noise, out - src_noise);
        CHECK(out - src_noise > -3.5 && out - src_noise < 0.5,
              "noise ratio %.1f: loudness off by %+.2f LU (beyond the incoherent bound)", ratios[k],
              out - src_noise);
    }
    free(l);
    free(r);
    sound_free(pad);
    sound_free(noise);
}

/* A tone whose loop does not hold whole cycles (443.37 Hz, 1 s loop): played raw,
 * the seam is a step the click detector sees; through the node's crossfade and
 * the stretcher, no click at any seam. */
static void check_seams(void)
{
    size_t sf = (size_t)(1.0 * RATE);
    test_sound *t = sound_new(1, sf);
    for (size_t i = 0; i < sf; i++)
        t->ch[0][i] = (float)(0.5 * sin(2.0 * M_PI * 443.37 * (double)i / RATE + 0.3));
    size_t n = (size_t)(6.0 * RATE), skip = (size_t)(0.5 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) /* the naive loop */
        l[i] = t->ch[0][i % sf];
    ac_click raw = ac_click_detect(l, n, 480, 1e-6);
    printf("seams: naive loop click ratio %.1f at frame %zu\n", raw.ratio, raw.index);
    CHECK(raw.ratio > 10.0, "the click detector misses the naive seam (ratio %.1f)", raw.ratio);
    const float ratios[] = {0.7f, 1.0f, 1.3f};
    const float fades[] = {0.1f, 0.02f};
    for (size_t f = 0; f < 2; f++)
        for (size_t k = 0; k < 3; k++) {
            settings s = defaults(ratios[k]);
            s.crossfade = fades[f];
            render(t, s, l, r, n);
            ac_click c = ac_click_detect(l + skip, n - skip, 480, 1e-6);
            printf("seams: ratio %.1f, crossfade %.3f s: worst click ratio %.2f at %.3f s\n",
                   ratios[k], fades[f], c.ratio, (double)(c.index + skip) / RATE);
            CHECK(c.ratio < 10.0, "ratio %.1f crossfade %.3f: click ratio %.1f at frame %zu",
                  ratios[k], fades[f], c.ratio, c.index + skip);
        }
    free(l);
    free(r);
    sound_free(t);
}

/* Stereo: the right channel is the left one's partials shifted by 1 rad (the
 * 330 Hz one by -0.6 rad); after stretching the shifts are unchanged, and a
 * source with L == R comes out with L == R bit for bit. */
static void check_stereo(void)
{
    size_t sf = (size_t)(2.0 * RATE);
    test_sound *t = sound_new(2, sf), *same = sound_new(2, sf);
    for (size_t i = 0; i < sf; i++) {
        double w = 2.0 * M_PI * (double)i / RATE;
        t->ch[0][i] = (float)(0.3 * sin(220.0 * w) + 0.2 * sin(330.0 * w));
        t->ch[1][i] = (float)(0.3 * sin(220.0 * w + 1.0) + 0.2 * sin(330.0 * w - 0.6));
        same->ch[0][i] = same->ch[1][i] = t->ch[0][i];
    }
    size_t n = (size_t)(4.0 * RATE), skip = (size_t)RATE, block = (size_t)(RATE / 10);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    double pl[64], pr[64];
    const float ratios[] = {0.6f, 1.7f};
    for (size_t k = 0; k < 2; k++) {
        render(t, defaults(ratios[k]), l, r, n);
        const double freqs[] = {220.0, 330.0}, want[] = {1.0, -0.6};
        for (int q = 0; q < 2; q++) {
            size_t nb = block_phases(l + skip, n - skip, freqs[q], block, pl);
            block_phases(r + skip, n - skip, freqs[q], block, pr);
            double worst = 0.0;
            for (size_t b = 0; b < nb; b++)
                worst = fmax(worst, fabs(remainder(pr[b] - pl[b] - want[q], 2.0 * M_PI)));
            printf("stereo: ratio %.1f, %.0f Hz: inter-channel phase off by at most %.4f rad\n",
                   ratios[k], freqs[q], worst);
            CHECK(worst < 0.02, "ratio %.1f %.0f Hz: R-L phase off by %.3f rad", ratios[k],
                  freqs[q], worst);
        }
        render(same, defaults(ratios[k]), l, r, n);
        CHECK(memcmp(l, r, n * sizeof *l) == 0, "ratio %.1f: L == R source gives L != R",
              ratios[k]);
    }
    free(l);
    free(r);
    sound_free(t);
    sound_free(same);
}

/* Latency: a click at 0.5 s of a silent loop, at speed 1, comes out exactly the
 * reported latency later; at other speeds at 0.5 s / speed + latency, within a
 * hop. */
static void check_latency(void)
{
    size_t sf = (size_t)(2.0 * RATE), q = (size_t)(0.5 * RATE);
    test_sound *t = sound_new(1, sf);
    t->ch[0][q] = 0.9f;
    uint32_t lat = reported_latency(t);
    printf("latency: reported %u frames (%.2f ms)\n", lat, 1000.0 * lat / RATE);
    CHECK(lat > 0, "no latency reported");
    size_t n = (size_t)(1.5 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    const float ratios[] = {1.0f, 0.5f, 0.8f, 1.5f};
    for (size_t k = 0; k < 4; k++) {
        render(t, defaults(ratios[k]), l, r, n);
        size_t at = 0;
        for (size_t i = 0; i < n; i++)
            if (fabsf(l[i]) > fabsf(l[at])) at = i;
        double expect = (double)q / ratios[k] + lat;
        printf("latency: ratio %.1f: click at %zu, expected %.0f (%+.0f frames), peak %.3f\n",
               ratios[k], at, expect, (double)at - expect, l[at]);
        double tol = ratios[k] == 1.0f ? 0.5 : 512.0;
        CHECK(fabs((double)at - expect) <= tol, "ratio %.1f: click at %zu, expected %.0f",
              ratios[k], at, expect);
        if (ratios[k] == 1.0f)
            CHECK(fabsf(l[at] - 0.9f) < 1e-3f, "speed 1 does not pass the click through (%.4f)",
                  l[at]);
    }
    free(l);
    free(r);
    sound_free(t);
}

/* Attacks: a loop of struck notes (1 kHz, 2 ms rise, 150 ms decay) every 0.25 s,
 * slowed to half speed. Phase reset at the onsets keeps each attack's rise (10 %
 * to 90 % of its peak envelope) short and its peak near the source's. */
static void check_attacks(void)
{
    size_t sf = (size_t)(2.0 * RATE);
    test_sound *t = sound_new(1, sf);
    for (size_t i = 0; i < sf; i++) {
        double ts = fmod((double)i / RATE, 0.25);
        double env = fmin(ts / 0.002, 1.0) * exp(-ts / 0.15);
        t->ch[0][i] = (float)(0.5 * env * sin(2.0 * M_PI * 1000.0 * (double)i / RATE));
    }
    /* Loop 0.125..1.725 s with a 0.1 s crossfade: period 1.5 s, attacks every
     * 0.25 s of it, none in the crossfade. */
    size_t n = (size_t)(6.0 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    settings s = defaults(0.5f);
    s.start = 0.125f;
    s.loop_end = 1.725f;
    render(t, s, l, r, n);
    /* Envelope: peak |x| over 1 ms steps. Each attack: from the envelope minimum
     * before a rise, the 10 % and 90 % crossings of the following maximum. */
    size_t step = (size_t)(RATE / 1000), ne = n / step;
    double *env = calloc(ne, sizeof *env);
    for (size_t e = 0; e < ne; e++)
        for (size_t i = e * step; i < (e + 1) * step; i++) env[e] = fmax(env[e], fabs(l[i]));
    double worst_rise = 0.0, lowest_peak = 1.0;
    size_t attacks = 0;
    for (size_t e = 1000; e + 500 < ne; e += 500) { /* one attack per 0.5 s output */
        size_t m = e, pk = e;
        for (size_t j = e; j < e + 500; j++)
            if (env[j] < env[m]) m = j;
        for (size_t j = m; j < m + 200 && j < ne; j++)
            if (env[j] > env[pk] || pk < m) pk = j;
        size_t a10 = m, a90 = m;
        while (a10 < pk && env[a10] < 0.1 * env[pk]) a10++;
        while (a90 < pk && env[a90] < 0.9 * env[pk]) a90++;
        worst_rise = fmax(worst_rise, (double)(a90 - a10));
        lowest_peak = fmin(lowest_peak, env[pk]);
        attacks++;
    }
    printf("attacks: %zu attacks at half speed: slowest 10-90 %% rise %.0f ms (source 2 ms), "
           "lowest peak %.3f (source 0.5)\n",
           attacks, worst_rise, lowest_peak);
    CHECK(attacks >= 8, "only %zu attacks measured", attacks);
    CHECK(worst_rise <= 12.0, "an attack rises over %.0f ms", worst_rise);
    CHECK(lowest_peak > 0.35, "an attack peaks at %.3f only", lowest_peak);
    free(env);
    free(l);
    free(r);
    sound_free(t);
}

/* Determinism and block sizes: the output does not depend on how the host cuts
 * the period (the hop's work is scheduled by frames, not by calls). */
static void check_blocks(void)
{
    size_t sf = (size_t)(1.0 * RATE);
    test_sound *t = sound_new(2, sf);
    for (size_t i = 0; i < sf; i++) {
        t->ch[0][i] = (float)(0.4 * sin(2.0 * M_PI * 261.6 * (double)i / RATE));
        t->ch[1][i] = (float)(0.4 * sin(2.0 * M_PI * 392.0 * (double)i / RATE));
    }
    size_t n = (size_t)(2.0 * RATE);
    float *l1 = malloc(n * sizeof(float)), *r1 = malloc(n * sizeof(float));
    float *l2 = malloc(n * sizeof(float)), *r2 = malloc(n * sizeof(float));
    settings s = defaults(0.77f);
    render(t, s, l1, r1, n);
    s.block = 17;
    render(t, s, l2, r2, n);
    CHECK(memcmp(l1, l2, n * sizeof(float)) == 0 && memcmp(r1, r2, n * sizeof(float)) == 0,
          "blocks of 32 and 17 frames render different audio");
    free(l1);
    free(r1);
    free(l2);
    free(r2);
    sound_free(t);
}

int main(void)
{
    check_pitch();
    check_length();
    check_loudness(0);
    check_loudness(1);
    check_seams();
    check_stereo();
    check_latency();
    check_attacks();
    check_blocks();
    return check_finish("test_node_stretch");
}
