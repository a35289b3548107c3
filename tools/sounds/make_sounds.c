/* make_sounds: synthesizes the sound files the shipped presets use, procedurally,
 * so that every sound lull ships is made by the project and can be made again.
 *
 *   build/bin/make_sounds DIR       writes DIR/<name>.flac for every sound below
 *   build/bin/make_sounds --check DIR   re-synthesizes and compares with DIR's files
 *                                   (exit 1 on a difference beyond 16-bit rounding)
 *
 * Everything is seeded: the same program writes the same samples on every machine
 * (FLAC is lossless; files are 16-bit, 48 kHz). Each loop is made seamless by
 * synthesizing a little more than its length and folding the overhang back onto
 * its start with an equal-power crossfade (the layers are noise-like, so their
 * powers add). Sources of the models are named at each one; docs in README.md. */
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_random.h"

#define RATE 48000
#define TAU (2.0 * M_PI)

/* --- seeded random numbers: the engine's generator (sim/sim_random.h) ------------- */
typedef struct rng {
    uint64_t s;
} rng;
static double uni(rng *r) { return sim_uniform(&r->s); }
static double gauss(rng *r) { return sim_gauss(&r->s); }

/* --- buffers ------------------------------------------------------------------------ */
typedef struct sound {
    const char *name;
    int channels;
    size_t frames;
    float *x; /* interleaved */
} sound;

static sound sound_new(const char *name, int channels, double seconds)
{
    sound s = {name, channels, (size_t)(seconds * RATE), NULL};
    s.x = calloc(s.frames * (size_t)channels, sizeof(float));
    if (!s.x) {
        fprintf(stderr, "make_sounds: out of memory\n");
        exit(2);
    }
    return s;
}

static void add(sound *s, int ch, double t, double v)
{
    long i = lround(t * RATE);
    if (i >= 0 && (size_t)i < s->frames) s->x[(size_t)i * s->channels + ch] += (float)v;
}

/* Fold the last `overhang` seconds onto the start (equal power) and drop them. */
static void make_loop(sound *s, double overhang)
{
    size_t n = (size_t)(overhang * RATE), keep = s->frames - n;
    for (size_t i = 0; i < n; i++) {
        double u = (i + 0.5) / n;
        double gin = sin(0.5 * M_PI * u), gout = cos(0.5 * M_PI * u);
        for (int c = 0; c < s->channels; c++) {
            float *head = &s->x[i * s->channels + c];
            float tail = s->x[(keep + i) * s->channels + c];
            *head = (float)(*head * gin + tail * gout);
        }
    }
    s->frames = keep;
}

static double rms(const sound *s)
{
    double e = 0;
    for (size_t i = 0; i < s->frames * s->channels; i++) e += (double)s->x[i] * s->x[i];
    return sqrt(e / (double)(s->frames * s->channels));
}

static void scale_to_rms_exact(sound *s, double dbfs)
{
    double g = pow(10.0, dbfs / 20.0) / (rms(s) + 1e-30);
    for (size_t i = 0; i < s->frames * s->channels; i++) s->x[i] *= (float)g;
}

static void scale_to_peak(sound *s, double dbfs);

/* RMS at `dbfs`, unless that would put a peak above -1 dBFS: then the peak. */
static void scale_to_rms(sound *s, double dbfs)
{
    scale_to_rms_exact(s, dbfs);
    double p = 0;
    for (size_t i = 0; i < s->frames * s->channels; i++) p = fmax(p, fabs(s->x[i]));
    if (p > pow(10.0, -1.0 / 20.0)) scale_to_peak(s, -1.0);
}

static void scale_to_peak(sound *s, double dbfs)
{
    double p = 0;
    for (size_t i = 0; i < s->frames * s->channels; i++) p = fmax(p, fabs(s->x[i]));
    double g = pow(10.0, dbfs / 20.0) / (p + 1e-30);
    for (size_t i = 0; i < s->frames * s->channels; i++) s->x[i] *= (float)g;
}

/* One-pole lowpass / highpass run in place over a channel. */
static void onepole(sound *s, int ch, double fc, int highpass)
{
    double a = exp(-TAU * fc / RATE), y = 0;
    for (size_t i = 0; i < s->frames; i++) {
        float *v = &s->x[i * s->channels + ch];
        y = (1 - a) * *v + a * y;
        *v = highpass ? (float)(*v - y) : (float)y;
    }
}

/* --- models ------------------------------------------------------------------------- */

/* One decaying partial from t0 for 7 / d s (down 61 dB): frequency f0 (1 + sigma t),
 * amplitude amp e^(-d t) after a 1.5 ms raised-cosine onset. */
static void ring(sound *s, int ch, double t0, double f0, double d, double sigma, double amp)
{
    double len = 7.0 / d, phase = 0, onset = 0.0015;
    for (double t = 0; t < len; t += 1.0 / RATE) {
        double f = f0 * (1 + sigma * t);
        if (f > 0.45 * RATE) break;
        phase += TAU * f / RATE;
        double env = exp(-d * t) * (t < onset ? 0.5 - 0.5 * cos(M_PI * t / onset) : 1.0);
        add(s, ch, t0 + t, amp * env * sin(phase));
    }
}

/* A gas bubble in water (van den Doel 2005, "Physically based models for liquid
 * sounds", ACM TAP 2(4)): a damped sine at the Minnaert frequency f0 = 3 / r
 * (r in m, f0 in Hz) whose pitch rises as it nears the surface,
 * f(t) = f0 (1 + sigma t), sigma = xi d, with damping
 * d = 0.13 f0 + 0.0072 f0^1.5 (1/s). A 1.5 ms raised-cosine onset keeps it soft. */
static void bubble(sound *s, int ch, double t0, double radius_m, double amp, double xi)
{
    double f0 = 3.0 / radius_m;
    double d = 0.13 * f0 + 0.0072 * pow(f0, 1.5);
    ring(s, ch, t0, f0, d, xi * d, amp);
}

/* brook: a shallow stream, a dense population of small bubbles (radii 1.5-8 mm,
 * more small than large: r ~ r_min / u^0.6) at ~90 per second and channel, over a
 * soft low rumble. Stereo, 12 s loop. */
static sound make_brook(void)
{
    sound s = sound_new("brook", 2, 13.0);
    rng r = {0xB200C0FFEEULL};
    for (int ch = 0; ch < 2; ch++) {
        for (double t = 0; t < 13.0; t += -log(uni(&r) + 1e-12) / 90.0) {
            double radius = 0.0015 / pow(0.15 + 0.85 * uni(&r), 0.6);
            if (radius > 0.008) radius = 0.008;
            bubble(&s, ch, t, radius, 0.2 * pow(radius / 0.003, 0.8) * (0.3 + uni(&r)), 0.1);
        }
        /* rumble: brown-ish noise below 300 Hz */
        double y = 0;
        for (size_t i = 0; i < s.frames; i++) {
            y = 0.995 * y + 0.02 * gauss(&r);
            s.x[i * 2 + ch] += (float)(0.15 * y);
        }
        onepole(&s, ch, 40.0, 1);
    }
    make_loop(&s, 1.0);
    scale_to_rms(&s, -20.0);
    return s;
}

/* drop: one water drop falling into a basin, a single 3 mm bubble (about 1 kHz,
 * rising) with a faint second one; mono one-shot, 0.6 s. */
static sound make_drop(void)
{
    sound s = sound_new("drop", 1, 0.6);
    bubble(&s, 0, 0.002, 0.003, 1.0, 0.12);
    bubble(&s, 0, 0.021, 0.0045, 0.25, 0.08);
    scale_to_peak(&s, -6.0);
    return s;
}

/* plink: a drop falling into a still pool, made to be heard as an event over rain
 * or running water: one bubble's rising "plink" (850 Hz gliding up ~15 % over its
 * ring), but ringing far longer than the bubble model's damping (d = 12/s, a 0.58 s
 * ring instead of 20 ms, as in a resonant basin), so that its partial stands in one
 * frequency band over a noisy texture and survives the gentle (>= 25 ms) attack a
 * preset gives it; with a fainter, shorter one a fifth below it (the splash's
 * second bubble). Mono one-shot, 0.8 s. */
static sound make_plink(void)
{
    sound s = sound_new("plink", 1, 0.8);
    ring(&s, 0, 0.002, 850.0, 12.0, 0.3, 1.0);
    ring(&s, 0, 0.012, 567.0, 25.0, 0.2, 0.3);
    scale_to_peak(&s, -6.0);
    return s;
}

/* rain_leaves: rain on broad leaves. Each impact is a 4-12 ms burst of noise
 * through a resonance between 1.2 and 4 kHz (a struck leaf), ~160 impacts per
 * second and channel with amplitudes spread over 30 dB, over a pink bed (Voss-
 * McCartney-style sum of held random values). Stereo, 12 s loop. */
static sound make_rain(void)
{
    sound s = sound_new("rain_leaves", 2, 13.0);
    rng r = {0x5A1D5EEDULL};
    for (int ch = 0; ch < 2; ch++) {
        for (double t = 0; t < 13.0; t += -log(uni(&r) + 1e-12) / 160.0) {
            double fc = 1200.0 * pow(4000.0 / 1200.0, uni(&r));
            double q = 6.0, w = TAU * fc / RATE;
            double rr = exp(-w / (2 * q)), a1 = 2 * rr * cos(w), a2 = -rr * rr;
            double dur = 0.004 + 0.008 * uni(&r), amp = pow(10.0, -1.5 * uni(&r)) * 0.3;
            double y1 = 0, y2 = 0;
            for (double u = 0; u < dur * 4; u += 1.0 / RATE) {
                double exc = u < dur ? gauss(&r) * (0.5 - 0.5 * cos(TAU * u / dur)) : 0.0;
                double y = (1 - rr) * exc + a1 * y1 + a2 * y2;
                y2 = y1;
                y1 = y;
                add(&s, ch, t + u, amp * y);
            }
        }
        double rows[8] = {0}, sum = 0;
        for (size_t i = 0; i < s.frames; i++) {
            int k = __builtin_ctz((unsigned)(i + 1)) & 7;
            sum -= rows[k];
            rows[k] = gauss(&r);
            sum += rows[k];
            s.x[i * 2 + ch] += (float)(0.006 * sum);
        }
        onepole(&s, ch, 150.0, 1);
        onepole(&s, ch, 9000.0, 0);
    }
    make_loop(&s, 1.0);
    scale_to_rms(&s, -20.0);
    return s;
}

/* hum_pulse: a warm drone on G2 (98 Hz: partials 1-8 at 1/n^1.3, the 2nd and 3rd
 * a little stronger, as a bowed or sung tone) that swells once per beat at 60 bpm
 * (rise 0.25 s raised cosine, fall over the rest of the beat), 8 beats. Mono. A
 * stretch layer plays it with the tempo clock: the swells follow the tempo, the
 * pitch stays (the tempo tests measure both on it). */
static sound make_hum_pulse(void)
{
    sound s = sound_new("hum_pulse", 1, 8.0);
    const double f0 = 98.0;
    for (size_t i = 0; i < s.frames; i++) {
        double t = (double)i / RATE, v = 0;
        for (int n = 1; n <= 8; n++) {
            double a = pow(n, -1.3) * (n == 2 || n == 3 ? 1.5 : 1.0);
            v += a * sin(TAU * f0 * n * t + 0.7 * n);
        }
        double b = fmod(t, 1.0);
        double env =
            b < 0.25 ? 0.5 - 0.5 * cos(M_PI * b / 0.25) : 0.5 + 0.5 * cos(M_PI * (b - 0.25) / 0.75);
        s.x[i] = (float)(v * (0.35 + 0.65 * env));
    }
    /* 8 whole beats of a periodic tone: the loop is seamless as it stands
     * (98 Hz x 8 s = 784 whole cycles). */
    scale_to_rms(&s, -20.0);
    return s;
}

/* crickets: a distant field of tree crickets at night (Oecanthus: a steady
 * ~2.8-3.2 kHz carrier pulsed at ~40-60 Hz, after the temperature relation of
 * Dolbear 1897 at about 20 C), four individuals at different pitches, distances and
 * pulse rates, each swelling and fading (40-100 %) over seconds, over a faint
 * dark air noise.
 * Stereo, 12 s loop. */
static sound make_crickets(void)
{
    sound s = sound_new("crickets", 2, 13.0);
    rng r = {0xC41C4E7ULL};
    for (int k = 0; k < 4; k++) {
        double fc = 2800.0 + 400.0 * uni(&r), pr = 40.0 + 20.0 * uni(&r);
        double pan = uni(&r), amp = 0.05 + 0.1 * uni(&r), slow = 0.05 + 0.1 * uni(&r);
        double ph = TAU * uni(&r), sp = TAU * uni(&r);
        for (size_t i = 0; i < s.frames; i++) {
            double t = (double)i / RATE;
            double pulse = pow(0.5 - 0.5 * cos(TAU * pr * t + ph), 3.0);
            /* Each fades between 40 % and full level, never out: a field that
             * breathes without its short-term loudness jumping (the 10.5 s
             * loop of night_forest rose 3.9 LU with full-depth fades). */
            double swell = 0.4 + 0.6 * (0.5 - 0.5 * cos(TAU * slow * t + sp));
            double v = amp * swell * pulse * sin(TAU * fc * t);
            s.x[i * 2] += (float)(v * cos(0.5 * M_PI * pan));
            s.x[i * 2 + 1] += (float)(v * sin(0.5 * M_PI * pan));
        }
    }
    for (int ch = 0; ch < 2; ch++) {
        double y = 0;
        for (size_t i = 0; i < s.frames; i++) {
            y = 0.98 * y + 0.003 * gauss(&r);
            s.x[i * 2 + ch] += (float)y;
        }
    }
    make_loop(&s, 1.0);
    scale_to_rms(&s, -24.0);
    return s;
}

/* --- files -------------------------------------------------------------------------- */
static int write_flac(const char *dir, const sound *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.flac", dir, s->name);
    SF_INFO info = {
        .samplerate = RATE, .channels = s->channels, .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f) {
        fprintf(stderr, "make_sounds: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_count_t n = sf_writef_float(f, s->x, (sf_count_t)s->frames);
    sf_close(f);
    if (n != (sf_count_t)s->frames) {
        fprintf(stderr, "make_sounds: %s: short write\n", path);
        return 1;
    }
    printf("%s: %d ch, %.2f s\n", path, s->channels, (double)s->frames / RATE);
    return 0;
}

/* Compare with the file on disk: equal within 16-bit rounding (plus dither-free
 * clipping) or a failure naming the file and the largest difference. */
static int check_flac(const char *dir, const sound *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.flac", dir, s->name);
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fprintf(stderr, "make_sounds: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    int bad = info.channels != s->channels || info.frames != (sf_count_t)s->frames ||
              info.samplerate != RATE;
    double worst = 0;
    if (!bad) {
        float *y = calloc(s->frames * (size_t)s->channels, sizeof *y);
        if (!y || sf_readf_float(f, y, info.frames) != info.frames) bad = 1;
        for (size_t i = 0; !bad && i < s->frames * (size_t)s->channels; i++) {
            double want = fmax(-1.0, fmin(32767.0 / 32768.0, s->x[i]));
            worst = fmax(worst, fabs(y[i] - want));
        }
        free(y);
    }
    sf_close(f);
    if (bad || worst > 1.0 / 32768.0) {
        fprintf(stderr, "make_sounds: %s differs from its synthesis (max |diff| %.3g%s)\n", path,
                worst, bad ? ", or another shape" : "");
        return 1;
    }
    printf("%s: matches its synthesis (max |diff| %.2g)\n", path, worst);
    return 0;
}

int main(int argc, char **argv)
{
    int check = argc == 3 && strcmp(argv[1], "--check") == 0;
    if (argc != 2 + check || argv[argc - 1][0] == '-') {
        fprintf(stderr, "usage: make_sounds [--check] DIR\n");
        return 2;
    }
    const char *dir = argv[argc - 1];
    sound (*makers[])(void) = {make_brook,     make_drop,     make_rain,
                               make_hum_pulse, make_crickets, make_plink};
    int failed = 0;
    for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++) {
        sound s = makers[i]();
        failed |= check ? check_flac(dir, &s) : write_flac(dir, &s);
        free(s.x);
    }
    return failed;
}
