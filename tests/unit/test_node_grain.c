/* grain: onset count against the Poisson rate (and its tempo scaling), no
 * clicks, pitch of a sine source by FFT, determinism per seed, level independent
 * of density, stereo channels kept apart, and an unbound or wrong-rate sound
 * slot refused in activate() with a message. Sounds are synthesized here.
 *
 * Counting grains: with a constant source of 1, stereo 0 (gains 1 each side) and
 * grains sparse enough that a = 1 / sqrt(w2) (overlap < 1), every grain adds
 * exactly a x sum(window) to the sum of the left output, overlapping or not, so
 * the sum divided by that is the grain count. For a Poisson process of rate
 * lambda the count in T seconds has mean and variance lambda T. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

typedef struct test_sound {
    lull_sound sound;
    float *channel[2];
} test_sound;

enum { SRC_DC, SRC_SINE, SRC_NOISE };

static uint64_t lcg = 0x853c49e6748fea9bull;
static double white(void) /* uniform [-1, 1) */
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) * 0x1p-52 - 1.0;
}

static test_sound *make_sound(int kind, double seconds, double freq, double freq_right)
{
    test_sound *t = calloc(1, sizeof *t);
    size_t n = (size_t)(seconds * RATE);
    int channels = freq_right > 0.0 ? 2 : 1;
    for (int c = 0; c < channels; c++) {
        t->channel[c] = malloc(n * sizeof(float));
        double f = c == 0 ? freq : freq_right;
        for (size_t i = 0; i < n; i++)
            t->channel[c][i] = kind == SRC_DC     ? 1.0f
                               : kind == SRC_SINE ? (float)sin(2.0 * M_PI * f * (double)i / RATE)
                                                  : (float)white();
    }
    t->sound = (lull_sound){.struct_size = sizeof(lull_sound),
                            .channels = (uint32_t)channels,
                            .frames = n,
                            .sample_rate = RATE,
                            .data = (const float *const *)t->channel,
                            .name = "test",
                            .path = "synthesized.wav"};
    return t;
}

static void free_sound(test_sound *t)
{
    free(t->channel[0]);
    free(t->channel[1]);
    free(t);
}

static node_harness *open_grain(const test_sound *t, uint64_t seed)
{
    const lull_sound *sounds[] = {&t->sound};
    return nh_open_sounds("grain", "grain", RATE, seed, sounds, 1);
}

typedef struct stereo {
    float *l, *r;
} stereo;

static stereo run(node_harness *h, size_t frames)
{
    stereo s = {malloc(frames * sizeof(float)), malloc(frames * sizeof(float))};
    float *outs[] = {s.l, s.r};
    nh_run(h, NULL, outs, frames);
    return s;
}

static void free_stereo(stereo *s)
{
    free(s->l);
    free(s->r);
}

/* Sum of the Hann window the node uses for a grain of `size_ms` (its definition:
 * flanks of F = L/2 frames, 0.5 - 0.5 cos(pi k / F)). */
static double hann_sum(double size_ms)
{
    uint32_t length = (uint32_t)floor(size_ms * 1e-3 * RATE), flank = length / 2;
    double sum = 0.0;
    for (uint32_t k = 0; k <= length; k++) {
        uint32_t back = length - k;
        sum += k < flank      ? 0.5 - 0.5 * cos(M_PI * k / flank)
               : back < flank ? 0.5 - 0.5 * cos(M_PI * back / flank)
                              : 1.0;
    }
    return sum;
}

static void check_grain_count(float density, double bpm, float follow, double seconds)
{
    test_sound *dc = make_sound(SRC_DC, 2.0, 0.0, 0.0);
    node_harness *h = open_grain(dc, 11);
    const float size_ms = 10.0f;
    nh_set_param(h, "density", density);
    nh_set_param(h, "size", size_ms);
    nh_set_param(h, "stereo", 0.0f);
    nh_set_param(h, "tempo_follow", follow);
    nh_set_param(h, "ref_bpm", 60.0f);
    nh_set_tempo(h, bpm);
    size_t frames = (size_t)(seconds * RATE);
    stereo s = run(h, frames);
    nh_close(h);
    double lambda = density * pow(bpm / 60.0, follow);
    CHECK(lambda * size_ms * 1e-3 < 1.0, "test set-up: overlap must stay below 1");
    double sum = 0.0;
    for (size_t i = 0; i < frames; i++) sum += s.l[i];
    double count = sum / (hann_sum(size_ms) / sqrt(0.375));
    double expect = lambda * seconds, sigma = sqrt(expect);
    printf("  density %5.1f/s at %3.0f bpm, follow %.1f: %.1f grains in %.0f s, Poisson "
           "%.0f +- %.0f (%+.2f sigma)\n",
           density, bpm, follow, count, seconds, expect, sigma, (count - expect) / sigma);
    CHECK(fabs(count - expect) < 4.0 * sigma, "density %g: %.1f grains, expected %.0f +- %.0f",
          density, count, expect, sigma);
    free_stereo(&s);
    free_sound(dc);
}

static void check_no_click(float size_ms, float density, float pitch_jitter)
{
    test_sound *sine = make_sound(SRC_SINE, 4.0, 440.0, 0.0);
    node_harness *h = open_grain(sine, 5);
    nh_set_param(h, "size", size_ms);
    nh_set_param(h, "density", density);
    nh_set_param(h, "pitch_jitter", pitch_jitter);
    nh_set_param(h, "spread", 0.5f);
    nh_set_block_size(h, 41);
    size_t frames = (size_t)(10.0 * RATE);
    stereo s = run(h, frames);
    nh_close(h);
    ac_click cl = ac_click_detect(s.l, frames, 480, 1e-6);
    ac_click cr = ac_click_detect(s.r, frames, 480, 1e-6);
    double worst = fmax(cl.ratio, cr.ratio);
    printf("  %6.1f ms grains, %5.1f/s, jitter %4.1f st: click ratio L %.2f R %.2f\n", size_ms,
           density, pitch_jitter, cl.ratio, cr.ratio);
    CHECK(worst < 6.0, "%g ms grains click: ratio %.1f (L at %zu, R at %zu)", size_ms, worst,
          cl.index, cr.index);
    /* The detector sees a rectangular grain's edge: 1 % of the level. */
    size_t at = cl.index > 1000 ? cl.index - 700 : cl.index + 700;
    s.l[at] += 0.01f * (float)ac_peak(s.l, frames);
    ac_click jump = ac_click_detect(s.l, frames, 480, 1e-6);
    CHECK(jump.ratio > 10.0, "click detector misses a 1 %% jump (ratio %.1f)", jump.ratio);
    free_stereo(&s);
    free_sound(sine);
}

/* Frequency of the strongest line near `guess`: power-weighted centroid of the
 * bins within +-24 of the peak (the grain window spreads the line over ~1/size). */
static double line_hz(const float *x, size_t n, double lo, double hi)
{
    ac_spectrum *sp = ac_spectrum_new(x, n, 65536, RATE);
    size_t k = ac_spectrum_peak_bin(sp, lo, hi);
    double num = 0.0, den = 0.0;
    for (size_t j = k - 24; j <= k + 24; j++) {
        num += (double)j * sp->mean_sq[j];
        den += sp->mean_sq[j];
    }
    double f = num / den * sp->bin_hz;
    ac_spectrum_free(sp);
    return f;
}

static void check_pitch(float semitones)
{
    test_sound *sine = make_sound(SRC_SINE, 4.0, 1000.0, 0.0);
    node_harness *h = open_grain(sine, 9);
    nh_set_param(h, "pitch", semitones);
    nh_set_param(h, "size", 200.0f);
    nh_set_param(h, "density", 30.0f);
    nh_set_param(h, "spread", 0.5f);
    size_t frames = (size_t)(20.0 * RATE);
    stereo s = run(h, frames);
    nh_close(h);
    double want = 1000.0 * pow(2.0, semitones / 12.0);
    double got = line_hz(s.l, frames, 200.0, 8000.0);
    double cents = 1200.0 * log2(got / want);
    printf("  pitch %+5.1f st: %.2f Hz measured, %.2f Hz expected (%+.2f cents)\n", semitones, got,
           want, cents);
    CHECK(fabs(cents) < 1.0, "pitch %+g: %.2f Hz, expected %.2f Hz", semitones, got, want);
    free_stereo(&s);
    free_sound(sine);
}

/* Interpolation images: a grain cloud of a pure tone at +1 semitone holds, apart
 * from the shifted tone, only Catmull-Rom's images of it. Largest spectral peak
 * more than 300 Hz from the tone, re the tone (docs/nodes.md: about -60 dB for a
 * tone at 5 % of the rate, -50 dB at 10 %; linear interpolation gives about -53
 * and -39 dB, and fails both limits). */
static void check_images(double source_hz, double limit_db)
{
    test_sound *sine = make_sound(SRC_SINE, 4.0, source_hz, 0.0);
    node_harness *h = open_grain(sine, 2);
    nh_set_param(h, "pitch", 1.0f);
    nh_set_param(h, "size", 200.0f);
    nh_set_param(h, "density", 30.0f);
    nh_set_param(h, "spread", 0.5f);
    size_t frames = (size_t)(10.0 * RATE);
    stereo s = run(h, frames);
    nh_close(h);
    double tone = source_hz * pow(2.0, 1.0 / 12.0);
    ac_spectrum *sp = ac_spectrum_new(s.l, frames, 16384, RATE);
    double peak = ac_spectrum_amplitude(sp, ac_spectrum_peak_bin(sp, tone - 50.0, tone + 50.0));
    double spur = 0.0, spur_hz = 0.0;
    for (size_t k = 1; k < sp->bins; k++) {
        double f = (double)k * sp->bin_hz;
        if (fabs(f - tone) > 300.0 && ac_spectrum_amplitude(sp, k) > spur) {
            spur = ac_spectrum_amplitude(sp, k);
            spur_hz = f;
        }
    }
    double db = ac_db(spur / peak);
    printf("  images of a %.0f Hz tone at +1 st: largest %.1f dB re the tone (at %.0f Hz)\n",
           source_hz, db, spur_hz);
    CHECK(db < limit_db, "%.0f Hz tone: image at %.0f Hz is %.1f dB (limit %.0f dB)", source_hz,
          spur_hz, db, limit_db);
    ac_spectrum_free(sp);
    free_stereo(&s);
    free_sound(sine);
}

static void check_determinism(void)
{
    test_sound *noise = make_sound(SRC_NOISE, 3.0, 0.0, 0.0);
    size_t frames = (size_t)(5.0 * RATE);
    stereo s[3];
    uint64_t seeds[3] = {77, 77, 78};
    for (int i = 0; i < 3; i++) {
        node_harness *h = open_grain(noise, seeds[i]);
        nh_set_param(h, "pitch_jitter", 3.0f);
        nh_set_block_size(h, i == 1 ? 19 : 64);
        s[i] = run(h, frames);
        nh_close(h);
    }
    CHECK(memcmp(s[0].l, s[1].l, frames * sizeof(float)) == 0 &&
              memcmp(s[0].r, s[1].r, frames * sizeof(float)) == 0,
          "same seed, other block size: output differs");
    double diff = 0.0;
    for (size_t i = 0; i < frames; i++) diff = fmax(diff, fabs((double)s[0].l[i] - s[2].l[i]));
    CHECK(diff > 0.1, "seeds 77 and 78 give the same texture (max difference %g)", diff);
    for (int i = 0; i < 3; i++) free_stereo(&s[i]);
    free_sound(noise);
}

/* RMS re the source's for several densities at 100 ms grains. From overlap 1 up
 * the normalisation 1/sqrt(overlap w2) keeps it at 0 dB; below, it falls as
 * 10 log10(overlap). */
static void check_loudness(void)
{
    test_sound *noise = make_sound(SRC_NOISE, 10.0, 0.0, 0.0);
    double source_db = ac_dbfs_rms(noise->channel[0], noise->sound.frames);
    const float densities[] = {2.0f, 10.0f, 40.0f, 160.0f, 250.0f};
    size_t frames = (size_t)(30.0 * RATE);
    for (size_t d = 0; d < sizeof densities / sizeof densities[0]; d++) {
        node_harness *h = open_grain(noise, 3);
        nh_set_param(h, "density", densities[d]);
        nh_set_param(h, "size", 100.0f);
        nh_set_param(h, "spread", 1.0f);
        nh_set_param(h, "stereo", 0.0f);
        stereo s = run(h, frames);
        nh_close(h);
        double overlap = densities[d] * 0.1;
        double want = overlap < 1.0 ? 10.0 * log10(overlap) : 0.0;
        double db = ac_dbfs_rms(s.l, frames) - source_db;
        double db_r = ac_dbfs_rms(s.r, frames) - source_db;
        printf("  density %5.0f/s (overlap %4.1f): level %+.2f dB (L) %+.2f dB (R) re the source, "
               "theory %+.2f dB\n",
               densities[d], overlap, db, db_r, want);
        /* Past overlap ~20 the 32-grain pool starts to drop onsets (P(Poisson(25)
         * > 32) = 8 %): report only. */
        if (overlap <= 16.0)
            CHECK(fabs(db - want) < 1.0 && fabs(db_r - want) < 1.0,
                  "density %g: level %+.2f dB, theory %+.2f dB", densities[d], db, want);
        free_stereo(&s);
    }
    free_sound(noise);
}

/* A stereo source keeps its channels apart at stereo 0. */
static void check_stereo_source(void)
{
    test_sound *st = make_sound(SRC_SINE, 4.0, 500.0, 800.0);
    node_harness *h = open_grain(st, 4);
    nh_set_param(h, "stereo", 0.0f);
    size_t frames = (size_t)(10.0 * RATE);
    stereo s = run(h, frames);
    nh_close(h);
    ac_spectrum *sl = ac_spectrum_new(s.l, frames, 16384, RATE);
    ac_spectrum *sr = ac_spectrum_new(s.r, frames, 16384, RATE);
    double l500 = ac_band_power(sl, 450, 550), l800 = ac_band_power(sl, 750, 850);
    double r500 = ac_band_power(sr, 450, 550), r800 = ac_band_power(sr, 750, 850);
    double leak = fmax(10.0 * log10(l800 / l500), 10.0 * log10(r500 / r800));
    printf("  stereo source: crosstalk %.1f dB\n", leak);
    CHECK(leak < -80.0, "channels leak: %.1f dB", leak);
    ac_spectrum_free(sl);
    ac_spectrum_free(sr);
    free_stereo(&s);
    free_sound(st);
}

/* activate() without a usable sound: false and a message naming the slot or the
 * file. Done with dlopen here because the harness aborts on a failed activate. */
static char last_log[512];
static const lull_sound *bound_sound;
static void capture_log(const lull_host *host, enum lull_log_level level, const char *msg)
{
    (void)host;
    (void)level;
    snprintf(last_log, sizeof last_log, "%s", msg);
}
static const lull_sound *get_sound(const lull_host *host, uint32_t slot)
{
    (void)host;
    return slot == 0 ? bound_sound : NULL;
}
static const lull_host_sounds sound_service = {get_sound};
static const void *host_ext(const lull_host *host, const char *name)
{
    (void)host;
    return strcmp(name, LULL_HOST_EXT_SOUNDS) == 0 ? &sound_service : NULL;
}

static void check_refused(const char *what, const lull_sound *sound, bool service,
                          const char *must_say)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/grain.so", test_env("LULL_PLUGIN_DIR"));
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CHECK(dl != NULL, "dlopen %s: %s", path, dlerror());
    if (!dl) return;
    const lull_plugin_entry *entry = ((lull_entry_fn)dlsym(dl, LULL_ENTRY_SYMBOL))();
    const lull_descriptor *d = entry->descriptors[0];
    lull_host host = {.struct_size = sizeof(lull_host),
                      .host_name = "lull",
                      .host_version = "test",
                      .node_name = "texture",
                      .seed = 1,
                      .log = capture_log,
                      .get_extension = service ? host_ext : NULL};
    bound_sound = sound;
    last_log[0] = '\0';
    void *self = d->create(d, &host);
    bool ok = d->activate(self, RATE, LULL_MAX_BLOCK);
    printf("  %s: activate %s, log \"%s\"\n", what, ok ? "succeeded" : "failed", last_log);
    CHECK(!ok, "%s: activate succeeded", what);
    CHECK(strstr(last_log, must_say) != NULL, "%s: log \"%s\" does not say \"%s\"", what, last_log,
          must_say);
    if (ok) d->deactivate(self);
    d->destroy(self);
    dlclose(dl);
}

static void report_cost(void)
{
    test_sound *noise = make_sound(SRC_NOISE, 10.0, 0.0, 0.0);
    const float densities[] = {20.0f, 100.0f, 200.0f};
    for (size_t d = 0; d < 3; d++) {
        node_harness *h = open_grain(noise, 1);
        nh_set_param(h, "density", densities[d]);
        nh_set_param(h, "pitch_jitter", 1.0f);
        printf("  cost at %3.0f grains/s x 150 ms (~%2.0f sounding): %.1f ns/frame (48 kHz)\n",
               densities[d], densities[d] * 0.15,
               nh_time_ns_per_frame(h, NULL, (size_t)(5.0 * RATE)));
        nh_close(h);
    }
    free_sound(noise);
}

int main(void)
{
    check_grain_count(50.0f, 60.0, 0.0f, 100.0);
    check_grain_count(5.0f, 60.0, 0.0f, 200.0);
    check_grain_count(25.0f, 120.0, 1.0f, 100.0);
    check_grain_count(25.0f, 120.0, 0.5f, 100.0);
    check_no_click(150.0f, 20.0f, 0.0f);
    check_no_click(5.0f, 200.0f, 0.0f);
    check_no_click(40.0f, 60.0f, 7.0f);
    const float pitches[] = {-12.0f, -5.0f, 7.0f, 12.0f};
    for (size_t i = 0; i < sizeof pitches / sizeof pitches[0]; i++) check_pitch(pitches[i]);
    check_images(2400.0, -55.0);
    check_images(4800.0, -45.0);
    check_determinism();
    check_loudness();
    check_stereo_source();

    check_refused("unbound slot", NULL, true, "\"source\" is not bound");
    check_refused("no sound service", NULL, false, LULL_HOST_EXT_SOUNDS);
    test_sound *wrong = make_sound(SRC_SINE, 0.5, 440.0, 0.0);
    wrong->sound.sample_rate = 44100.0;
    check_refused("sound at another rate", &wrong->sound, true, "synthesized.wav");
    free_sound(wrong);

    report_cost();
    return check_finish("test_node_grain");
}
