/* The tempo follows the heart where the client can hear it, and only there.
 *
 * 1. Pace. The shipped preset `bowls` (tempo = 0.8 x heart rate within 44..72 bpm,
 *    slew 10 bpm/min; pattern steps and the stretched hum's swells on the beat) is
 *    rendered offline against a steady simulated client at heart 60 and at 84 bpm
 *    (`lull render --simulate steady:heart=N`). After the tempo has settled (the
 *    first SKIP_S seconds are left out), the beat rate is measured from the audio
 *    alone, on two layers:
 *    - the hum's swells (hum_pulse.flac swells once per source second; the stretch
 *      plays it at tempo/60 source seconds per second): the RMS envelope of its
 *      98 Hz band, slow trend removed, and the frequency in 0.5..1.5 Hz (30..90
 *      bpm: the preset's floor..ceiling, and no second harmonic of a tempo in it)
 *      where the envelope's Fourier transform peaks (a Fourier tempogram: Grosche
 *      & Mueller, "Extracting predominant local pulse information from music
 *      recordings", IEEE TASLP 19(6), 2011);
 *    - the bowl strikes: an onset-strength envelope (band-wise rise of log energy,
 *      after Scheirer 1998, below) whose phase coherence with the tempo clock's
 *      beat (integrated from the engine's tempo, so a tempo that wanders within
 *      its slew keeps its phase) must stand above its coherence with grids between
 *      the beat's harmonics. Pattern events sit on the beat grid however sparse
 *      they are, so their onsets line up at the beat.
 *    Theory: the rates differ by 84/60 = 1.4 (both targets, 48 and 67.2 bpm, lie
 *    within 44..72); the test wants that within 3 %, and the heard ratio within
 *    1 % of the engine's own tempo clock ratio (the simulated client's measured
 *    heart rate wanders a little around its nominal value).
 * 2. Pitch. The stretch layer (hum_pulse.flac: G2, 98 Hz and partials) played with
 *    the same stretch and tempo settings as `bowls`, alone
 *    (tests/data/presets/tempo_stretch_hum.json), rendered at heart 60 and 84: the
 *    partials 1..4 must keep their frequency within 1 cent between the renders
 *    while the speed differs by 1.4. Each partial's frequency is the maximum of
 *    the Hann-windowed DTFT of the decimated signal, refined by golden-section
 *    search (resolution far below 0.01 cent over 60 s). */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "drivers/offline_driver.h"
#include "engine/engine.h"
#include "sim/offline_features.h"

#define RATE 48000.0
#define SKIP_S 90.0 /* heart detection plus the tempo's slew: 58 -> 67.2 at 10 bpm/min */
#define PACE_SECONDS 200.0
#define PITCH_SECONDS 150.0
#define FOLLOW 0.8 /* bowls' tempo.follow_heart */

typedef struct capture {
    float *l, *r;
    size_t n, cap;
    double tempo_sum; /* tempo clock summed over chunks after SKIP_S, for printing */
    double tempo_min, tempo_max;
    double heart_sum; /* the measured heart rate feature, likewise */
    size_t tempo_count;
    /* The tempo clock's beat position at the start of every chunk, integrated from
     * the engine's tempo (the phase reference for the strikes). */
    double beat;
    uint64_t *chunk_frame;
    double *chunk_beat;
    size_t chunks, chunk_cap;
} capture;

static void observe(void *ud, lull_engine *e, uint64_t first, const float *left, const float *right,
                    uint32_t n)
{
    capture *c = ud;
    if (c->n + n > c->cap) return;
    memcpy(c->l + c->n, left, n * sizeof(float));
    memcpy(c->r + c->n, right, n * sizeof(float));
    c->n += n;
    lull_engine_status s;
    lull_engine_get_status(e, &s);
    if (c->chunks < c->chunk_cap) {
        c->chunk_frame[c->chunks] = first;
        c->chunk_beat[c->chunks++] = c->beat;
    }
    c->beat += s.tempo_bpm / 60.0 * n / RATE;
    if ((double)first / RATE >= SKIP_S) {
        c->tempo_sum += s.tempo_bpm;
        c->heart_sum += s.features.heart_rate;
        c->tempo_min = fmin(c->tempo_min, s.tempo_bpm);
        c->tempo_max = fmax(c->tempo_max, s.tempo_bpm);
        c->tempo_count++;
    }
}

static bool render(const char *preset, const char *client, double seconds, capture *c)
{
    char err[1024], sounds[2048];
    snprintf(sounds, sizeof sounds, "%s/sounds", test_env("LULL_PRESET_DIR"));
    const char *dirs[] = {sounds, NULL};
    memset(c, 0, sizeof *c);
    c->cap = (size_t)(seconds * RATE) + 4096;
    c->l = malloc(c->cap * sizeof(float));
    c->r = malloc(c->cap * sizeof(float));
    c->chunk_cap = (size_t)(seconds * RATE / 16) + 16;
    c->chunk_frame = malloc(c->chunk_cap * sizeof *c->chunk_frame);
    c->chunk_beat = malloc(c->chunk_cap * sizeof *c->chunk_beat);
    c->tempo_min = INFINITY;
    c->tempo_max = -INFINITY;
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset;
    o.seconds = seconds;
    o.sample_rate = RATE;
    o.sound_dirs = dirs;
    o.observe = observe;
    o.observe_ud = c;
    o.fade_out_at_end = 0;
    bool ok = render_features_setup(NULL, client, &o, err, sizeof err) == 0;
    CHECK(ok, "%s: %s", client, err);
    offline_render_result res;
    if (ok) {
        ok = offline_render(&o, &res, err, sizeof err) == 0;
        CHECK(ok, "%s against %s: %s", preset, client, err);
    }
    render_features_teardown(&o);
    CHECK(!ok || c->n == (size_t)(seconds * RATE), "%s: captured %zu frames", preset, c->n);
    return ok;
}

static void capture_free(capture *c)
{
    free(c->l);
    free(c->r);
    free(c->chunk_frame);
    free(c->chunk_beat);
}

/* ---- 1. Pace ------------------------------------------------------------------ */

/* Onset strength after Scheirer ("Tempo and beat analysis of acoustic musical
 * signals", JASA 103(1), 1998): octave bands (RBJ constant-peak bandpass biquads,
 * Q = sqrt 2), each band's RMS in FRAME_S frames, log-compressed, differentiated
 * and half-wave rectified (energy rises only), summed over the bands; the local
 * mean over MEAN_S is removed, so a slow swell or a change of texture is not an
 * onset. No FFT library: FFTW's planner must not be used after the engine's
 * plugins were unloaded (see the report on the stretch node's planner hooks). */
#define BANDS 6
#define BAND_LO_HZ 125.0 /* centres 125 Hz .. 4 kHz */
#define FRAME_S 0.01
#define MEAN_S 1.0

typedef struct biquad {
    double b0, b1, b2, a1, a2, z1, z2;
} biquad;

static biquad bandpass(double fc, double q)
{
    double w = 2.0 * M_PI * fc / RATE, alpha = sin(w) / (2.0 * q), a0 = 1.0 + alpha;
    return (biquad){alpha / a0, 0.0, -alpha / a0, -2.0 * cos(w) / a0, (1.0 - alpha) / a0, 0, 0};
}

static double biquad_run(biquad *f, double x)
{
    double y = f->b0 * x + f->z1; /* transposed direct form II */
    f->z1 = f->b1 * x - f->a1 * y + f->z2;
    f->z2 = f->b2 * x - f->a2 * y;
    return y;
}

/* Onset strength of the mono mix from `from` on; returns the envelope (one value
 * per FRAME_S) and its length. */
static double *onset_strength(const capture *c, size_t from, size_t *len)
{
    const size_t hop = (size_t)(FRAME_S * RATE), frames = (c->n - from) / hop;
    double *flux = calloc(frames, sizeof *flux), *nov = calloc(frames, sizeof *nov);
    biquad bank[BANDS];
    double prev[BANDS];
    for (int b = 0; b < BANDS; b++) {
        bank[b] = bandpass(BAND_LO_HZ * pow(2.0, b), M_SQRT2);
        prev[b] = 0.0;
    }
    for (size_t k = 0; k < frames; k++) {
        double e[BANDS] = {0};
        for (size_t i = 0; i < hop; i++) {
            size_t at = from + k * hop + i;
            double x = 0.5 * ((double)c->l[at] + c->r[at]);
            for (int b = 0; b < BANDS; b++) {
                double y = biquad_run(&bank[b], x);
                e[b] += y * y;
            }
        }
        double f = 0;
        for (int b = 0; b < BANDS; b++) {
            double m = log(1e-10 + e[b] / (double)hop);
            if (k > 0 && m > prev[b]) f += m - prev[b];
            prev[b] = m;
        }
        flux[k] = f;
    }
    size_t half = (size_t)(MEAN_S / FRAME_S / 2);
    for (size_t k = 0; k < frames; k++) {
        size_t lo = k > half ? k - half : 0, hi = k + half < frames ? k + half : frames - 1;
        double m = 0;
        for (size_t j = lo; j <= hi; j++) m += flux[j];
        m /= (double)(hi - lo + 1);
        double d = flux[k] > m ? flux[k] - m : 0.0;
        nov[k] = d * d;
    }
    free(flux);
    *len = frames;
    return nov;
}

/* Maximum of g over [lo, hi]: a grid, then golden-section search around its best. */
typedef double (*fn1)(const void *ud, double x);
static double argmax(fn1 g, const void *ud, double lo, double hi, double step, double *best_val)
{
    double best = lo, bv = -1;
    for (double x = lo; x <= hi; x += step) {
        double v = g(ud, x);
        if (v > bv) bv = v, best = x;
    }
    double a = best - step, b = best + step;
    const double r = 0.6180339887498949;
    double x1 = b - r * (b - a), x2 = a + r * (b - a), g1 = g(ud, x1), g2 = g(ud, x2);
    while (b - a > step * 1e-4) {
        if (g1 > g2) {
            b = x2, x2 = x1, g2 = g1;
            x1 = b - r * (b - a), g1 = g(ud, x1);
        } else {
            a = x1, x1 = x2, g1 = g2;
            x2 = a + r * (b - a), g2 = g(ud, x2);
        }
    }
    *best_val = fmax(g1, g2);
    return 0.5 * (a + b);
}

typedef struct env {
    const double *o;
    size_t n;
    double fr;
} env;

/* The hum's pulse: its fundamental band (98 Hz, two cascaded bandpass biquads,
 * Q 2: the bowls' lowest note, E3 at 165 Hz, is 15 dB down), its RMS per FRAME_S,
 * minus a 4 s moving average (the pacer's swell, 0.1 Hz, is not the beat). */
static double *hum_pulse_envelope(const capture *c, size_t from, size_t *len)
{
    const size_t hop = (size_t)(FRAME_S * RATE), frames = (c->n - from) / hop;
    double *e = calloc(frames, sizeof *e), *out = calloc(frames, sizeof *out);
    biquad f1 = bandpass(98.0, 2.0), f2 = bandpass(98.0, 2.0);
    for (size_t k = 0; k < frames; k++) {
        double sum = 0;
        for (size_t i = 0; i < hop; i++) {
            size_t at = from + k * hop + i;
            double y = biquad_run(&f2, biquad_run(&f1, 0.5 * ((double)c->l[at] + c->r[at])));
            sum += y * y;
        }
        e[k] = sqrt(sum / (double)hop);
    }
    size_t half = (size_t)(2.0 / FRAME_S);
    for (size_t k = 0; k < frames; k++) {
        size_t lo = k > half ? k - half : 0, hi = k + half < frames ? k + half : frames - 1;
        double m = 0;
        for (size_t j = lo; j <= hi; j++) m += e[j];
        out[k] = e[k] - m / (double)(hi - lo + 1);
    }
    free(e);
    *len = frames;
    return out;
}

/* |sum x[k] e^{-2 pi i f t_k}| / sum |x[k]|: 1 for pulses on one grid of period
 * 1/f, pi/4 for a pure sinusoid of frequency f, near 0 for anything unrelated. */
static double salience(const double *x, size_t n, double fr, double f)
{
    double complex s = 0, rot = cexp(-2.0 * M_PI * I * f / fr), ph = 1;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        s += x[k] * ph;
        ph *= rot;
        sum += fabs(x[k]);
    }
    return sum > 0 ? cabs(s) / sum : 0.0;
}

/* The tempo clock's beat position at frame `f` (linear within a chunk). */
static double beat_at(const capture *c, double f)
{
    size_t lo = 0, hi = c->chunks;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((double)c->chunk_frame[mid] <= f)
            lo = mid;
        else
            hi = mid;
    }
    if (lo + 1 >= c->chunks) return c->chunk_beat[lo];
    double f0 = (double)c->chunk_frame[lo], f1 = (double)c->chunk_frame[lo + 1];
    return c->chunk_beat[lo] + (c->chunk_beat[lo + 1] - c->chunk_beat[lo]) * (f - f0) / (f1 - f0);
}

/* Like salience() but against the tempo clock's own beat (times `scale`), so a
 * tempo that wanders within the preset's slew keeps its phase: 1 for onsets all
 * at one phase of the beat, near 0 when unrelated to it. */
static double beat_salience(const capture *c, const double *x, size_t n, size_t from, double scale)
{
    double complex s = 0;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        double beat = beat_at(c, (double)from + (double)k * FRAME_S * RATE) * scale;
        s += x[k] * cexp(-2.0 * M_PI * I * beat);
        sum += fabs(x[k]);
    }
    return sum > 0 ? cabs(s) / sum : 0.0;
}

typedef struct pulse {
    double hz; /* the beat heard in the hum's pulse */
    double hum_salience;
    double strike_salience; /* the bowls' onsets at that beat */
    double strike_chance;   /* the same at frequencies off the beat: median */
} pulse;

static double salience_at(const void *ud, double f)
{
    const env *e = ud;
    return salience(e->o, e->n, e->fr, f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static pulse heard_pulse(const capture *c)
{
    pulse p;
    size_t n, m;
    const size_t from = (size_t)(SKIP_S * RATE);
    double *h = hum_pulse_envelope(c, from, &n);
    env eh = {h, n, 1.0 / FRAME_S};
    p.hz = argmax(salience_at, &eh, 0.5, 1.5, 0.002, &p.hum_salience);
    double *o = onset_strength(c, from, &m);
    p.strike_salience = beat_salience(c, o, m, from, 1.0);
    /* Chance level: the onsets' salience against grids off the beat (between its
     * harmonics, 0.2..0.45 and 0.55..0.8 of the beat rate above it). */
    double off[41];
    for (int i = 0; i < 41; i++) {
        double u = i < 20 ? 0.2 + 0.25 * i / 19.0 : 0.55 + 0.25 * (i - 20) / 20.0;
        off[i] = beat_salience(c, o, m, from, 1.0 + u);
    }
    qsort(off, 41, sizeof off[0], cmp_double);
    p.strike_chance = off[20];
    free(h);
    free(o);
    return p;
}

static void check_pace(void)
{
    const double hearts[2] = {60, 84};
    double heard[2] = {0, 0}, clock[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        char client[64];
        snprintf(client, sizeof client, "steady:heart=%g", hearts[i]);
        capture c;
        if (!render("bowls", client, PACE_SECONDS, &c)) {
            capture_free(&c);
            return;
        }
        pulse pl = heard_pulse(&c);
        heard[i] = pl.hz;
        clock[i] = c.tempo_count ? c.tempo_sum / (double)c.tempo_count : NAN;
        fprintf(
            stderr,
            "bowls, heart %g bpm (measured %.2f): tempo clock %.2f bpm (%.2f..%.2f) after %.0f s, "
            "theory %.2f; heard: hum pulse %.4f Hz = %.2f bpm (salience %.2f), bowl strikes on "
            "that beat: salience %.3f (off the beat %.3f)\n",
            hearts[i], c.heart_sum / (double)c.tempo_count, clock[i], c.tempo_min, c.tempo_max,
            SKIP_S, FOLLOW * hearts[i], heard[i], 60.0 * heard[i], pl.hum_salience,
            pl.strike_salience, pl.strike_chance);
        CHECK(pl.hum_salience > 0.2, "heart %g: no pulse in the hum (salience %.3f)", hearts[i],
              pl.hum_salience);
        /* The sparse strikes sit on the grid the hum pulses: their onsets line up at
         * the heard beat better than at frequencies between its harmonics. */
        CHECK(pl.strike_salience > 1.2 * pl.strike_chance,
              "heart %g: the bowl strikes are not on the beat (salience %.3f, off the beat %.3f)",
              hearts[i], pl.strike_salience, pl.strike_chance);
        capture_free(&c);
    }
    double ratio = heard[1] / heard[0], want = hearts[1] / hearts[0];
    double err_pct = 100.0 * (ratio / want - 1.0);
    double clock_pct = 100.0 * (ratio / (clock[1] / clock[0]) - 1.0);
    fprintf(stderr,
            "heard beat ratio %.4f, theory %.4f: %+.2f %%; the engine's tempo clock ratio %.4f: "
            "%+.2f %% (the simulated client's measured heart rates differ from 60 and 84)\n",
            ratio, want, err_pct, clock[1] / clock[0], clock_pct);
    CHECK(fabs(err_pct) <= 3.0, "the heard pace changes by %.4f, want %.4f within 3 %%", ratio,
          want);
    CHECK(fabs(clock_pct) <= 1.0, "the heard pace changes by %.4f, the tempo clock by %.4f", ratio,
          clock[1] / clock[0]);
}

/* ---- 2. Pitch ------------------------------------------------------------------ */

#define DECIMATE 16 /* 48 kHz -> 3 kHz: the partials measured lie below 400 Hz */
#define PARTIALS 4
#define HUM_HZ 98.0

typedef struct tone {
    const double *x; /* Hann-windowed, decimated signal */
    size_t n;
    double fs;
} tone;

static double dtft_mag(const void *ud, double f)
{
    const tone *t = ud;
    double complex s = 0, rot = cexp(-2.0 * M_PI * I * f / t->fs), ph = 1;
    for (size_t k = 0; k < t->n; k++) {
        s += t->x[k] * ph;
        ph *= rot;
    }
    return cabs(s);
}

static void partial_freqs(const capture *c, double out[PARTIALS])
{
    size_t from = (size_t)(SKIP_S * RATE), n = (c->n - from) / DECIMATE;
    double *x = malloc(n * sizeof *x);
    for (size_t k = 0; k < n; k++) {
        double s = 0; /* box average: a mild lowpass; aliases of the room noise do not matter */
        for (size_t j = 0; j < DECIMATE; j++) s += c->l[from + k * DECIMATE + j];
        x[k] = s / DECIMATE * (0.5 - 0.5 * cos(2.0 * M_PI * (double)k / (double)(n - 1)));
    }
    tone t = {x, n, RATE / DECIMATE};
    for (int p = 0; p < PARTIALS; p++) {
        double mag;
        double f0 = HUM_HZ * (p + 1);
        out[p] = argmax(dtft_mag, &t, f0 - 0.5, f0 + 0.5, 0.005, &mag);
    }
    free(x);
}

static void check_pitch(void)
{
    char preset[2048];
    snprintf(preset, sizeof preset, "%s/presets/tempo_stretch_hum.json",
             test_env("LULL_TEST_DATA"));
    double f[2][PARTIALS];
    double clock[2];
    for (int i = 0; i < 2; i++) {
        capture c;
        const char *client = i ? "steady:heart=84" : "steady:heart=60";
        if (!render(preset, client, PITCH_SECONDS, &c)) {
            capture_free(&c);
            return;
        }
        clock[i] = c.tempo_count ? c.tempo_sum / (double)c.tempo_count : NAN;
        partial_freqs(&c, f[i]);
        capture_free(&c);
    }
    fprintf(stderr, "stretch layer: tempo %.2f vs %.2f bpm (speed x%.3f)\n", clock[0], clock[1],
            clock[1] / clock[0]);
    CHECK(clock[1] / clock[0] > 1.3, "the stretch speeds differ (tempo %.2f vs %.2f)", clock[0],
          clock[1]);
    for (int p = 0; p < PARTIALS; p++) {
        double cents = 1200.0 * log2(f[1][p] / f[0][p]);
        double from_file = 1200.0 * log2(f[0][p] / (HUM_HZ * (p + 1)));
        fprintf(stderr,
                "partial %d: %.5f Hz at heart 60, %.5f Hz at heart 84: %+.4f cents apart "
                "(%+.4f cents from %.0f Hz)\n",
                p + 1, f[0][p], f[1][p], cents, from_file, HUM_HZ * (p + 1));
        CHECK(fabs(cents) <= 1.0, "partial %d moved %.3f cents with the tempo", p + 1, cents);
    }
}

int main(void)
{
    check_pace();
    check_pitch();
    return check_finish("test_tempo_audible");
}
