/* reverb: decay times against the set values, band decay times against the loop
 * filters' design, no clicks while size and rt60 move, exact silence (and no
 * denormals) after the tail, decorrelated stereo tail.
 *
 * Theory. In a feedback delay network with a unitary mixing matrix whose every
 * delay element of d samples carries the gain gamma^d, gamma = 10^(-3/(RT fs)),
 * every mode decays at 60 dB per RT (Jot & Chaigne 1991). The energy decay curve,
 * Schroeder's backward integral EDC(t) = sum_{tau >= t} h(tau)^2 (Schroeder 1965,
 * "New method of measuring reverberation time", JASA 37), is then a straight line
 * in dB of slope -60/RT dB/s: T30 fits the line between -5 and -35 dB and
 * extrapolates it to 60 dB (ISO 3382-1). Frequency-dependent loop gains |G(f)| per
 * line of T samples give RT(f) = -3 T / (fs log10 |G(f)|). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "node_harness.h"

#define RATE 48000.0

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uniform(void) /* [0,1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

typedef struct setting {
    float rt60, low_ratio, crossover, damping, size, mix, width;
} setting;

static const setting flat = {2.0f, 1.0f, 200.0f, 20000.0f, 1.0f, 1.0f, 1.0f};

static node_harness *open_reverb(const setting *st)
{
    node_harness *h = nh_open("reverb", "reverb", RATE, 7);
    nh_set_param(h, "rt60", st->rt60);
    nh_set_param(h, "low_ratio", st->low_ratio);
    nh_set_param(h, "crossover", st->crossover);
    nh_set_param(h, "damping", st->damping);
    nh_set_param(h, "size", st->size);
    nh_set_param(h, "predelay", 0.0f);
    nh_set_param(h, "mix", st->mix);
    nh_set_param(h, "width", st->width);
    return h;
}

/* Impulse response (unit impulse into both inputs) of `frames` frames. */
static void impulse_response(const setting *st, size_t frames, float *left, float *right)
{
    node_harness *h = open_reverb(st);
    float *imp = calloc(frames, sizeof *imp);
    imp[0] = 1.0f;
    const float *ins[] = {imp, imp};
    float *outs[] = {left, right};
    nh_run(h, ins, outs, frames);
    nh_close(h);
    free(imp);
}

/* Octave band: two cascaded RBJ constant-peak bandpass biquads at fc, Q = sqrt 2
 * (the -3 dB edges an octave apart for one section). Their own ringing lasts
 * ~Q/(pi fc): 7 ms at 63 Hz, negligible against the decays measured. */
static void octave_filter(const float *x, double *y, size_t n, double fc)
{
    double w = 2.0 * M_PI * fc / RATE, alpha = sin(w) / (2.0 * M_SQRT2);
    double a0 = 1.0 + alpha;
    double b0 = alpha / a0, b2 = -alpha / a0, a1 = -2.0 * cos(w) / a0, a2 = (1.0 - alpha) / a0;
    double s[2][4] = {{0}};
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        for (int k = 0; k < 2; k++) { /* direct form I */
            double out = b0 * v + b2 * s[k][1] - a1 * s[k][2] - a2 * s[k][3];
            s[k][1] = s[k][0];
            s[k][0] = v;
            s[k][3] = s[k][2];
            s[k][2] = out;
            v = out;
        }
        y[i] = v;
    }
}

/* T30 (s) from an energy decay curve sampled every dt seconds: least-squares line
 * through it in dB between -5 and -35 dB, extrapolated to -60 dB. */
static double fit_t30(const double *edc, size_t n, double dt)
{
    double total = edc[0], sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double db = 10.0 * log10(edc[i] / total + 1e-300);
        if (db > -5.0) continue;
        if (db < -35.0) break;
        double t = (double)i * dt;
        sx += t;
        sy += db;
        sxx += t * t;
        sxy += t * db;
        m++;
    }
    double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx); /* dB/s */
    return m > 10 ? -60.0 / slope : NAN;
}

/* T30 of a response h: Schroeder's backward integral of h^2, then fit_t30. */
static double t30(const double *h, size_t n)
{
    double *edc = calloc(n ? n : 1, sizeof *edc);
    if (!edc) return NAN;
    double acc = 0.0;
    for (size_t i = n; i-- > 0;) {
        acc += h[i] * h[i];
        edc[i] = acc;
    }
    double t = fit_t30(edc, n, 1.0 / RATE);
    free(edc);
    return t;
}

static double t30_float(const float *x, size_t n, double band_hz)
{
    double *h = malloc(n * sizeof *h);
    if (band_hz > 0.0)
        octave_filter(x, h, n, band_hz);
    else
        for (size_t i = 0; i < n; i++) h[i] = x[i];
    double t = t30(h, n);
    free(h);
    return t;
}

/* Energy (dB) of 20 ms windows of x re the loudest window; returns the count. */
static size_t envelope_db(const float *x, size_t n, double *env)
{
    const size_t w = (size_t)(0.02 * RATE);
    size_t count = n / w;
    double peak = 0.0;
    for (size_t k = 0; k < count; k++) {
        double e = 0.0;
        for (size_t i = k * w; i < (k + 1) * w; i++) e += (double)x[i] * x[i];
        env[k] = e;
        if (e > peak) peak = e;
    }
    for (size_t k = 0; k < count; k++) env[k] = 10.0 * log10(env[k] / peak + 1e-300);
    return count;
}

/* Band decay times from the loop-filter design (docs/nodes.md, reverb):
 * per line of total delay T samples, |G(f)| = gamma_mid^T |shelf(f)| |lowpass(f)|,
 * shelf = 1 + (G0 - 1) LP1 (bilinear one-pole at the crossover, G0 =
 * (gamma_low/gamma_mid)^T), lowpass unity at DC with |.| = gamma_mid^T at
 * `damping`. A mode of the mixed network spends time in every line in proportion
 * to its length, so its decay rate is the total loss over the total delay:
 * 1/RT(f) = sum_l -log10 |G_l(f)| / sum_l (3 T_l / fs), over zita-rev1's eight
 * line lengths. */
static const double line_s[8] = {0.153129, 0.210389, 0.127837, 0.256891,
                                 0.174713, 0.192303, 0.125000, 0.219991};

static double design_rt(const setting *st, double f)
{
    double w = 2.0 * M_PI * f / RATE, loss = 0.0, time = 0.0;
    for (int l = 0; l < 8; l++) {
        double T = floor(line_s[l] * RATE + 0.5) * st->size;
        double gm = pow(10.0, -3.0 * T / (st->rt60 * RATE));
        double gl = pow(10.0, -3.0 * T / (st->rt60 * st->low_ratio * RATE));
        /* shelf: 1 + (G0 - 1) k (1 + z^-1) / ((1 + k) + (k - 1) z^-1), k = tan(pi fc/fs) */
        double k = tan(M_PI * st->crossover / RATE), g0 = gl / gm;
        double nr = k * (1.0 + cos(w)), ni = -k * sin(w);
        double dr = (1.0 + k) + (k - 1.0) * cos(w), di = -(k - 1.0) * sin(w);
        double dd = dr * dr + di * di;
        double lr = (nr * dr + ni * di) / dd, li = (ni * dr - nr * di) / dd;
        double shelf = hypot(1.0 + (g0 - 1.0) * lr, (g0 - 1.0) * li);
        /* one-pole lowpass (1 - p) / (1 - p z^-1) with |.| = gm at the damping freq */
        double c = cos(2.0 * M_PI * st->damping / RATE), g2 = gm * gm;
        double b = (1.0 - g2 * c) / (1.0 - g2), p = b - sqrt(b * b - 1.0);
        double lp = (1.0 - p) / sqrt(1.0 - 2.0 * p * cos(w) + p * p);
        double mag = gm * shelf * lp;
        loss += -log10(mag);
        time += 3.0 * T / RATE;
    }
    return time / loss;
}

/* Squared magnitude of octave_filter at f. */
static double octave_response2(double fc, double f)
{
    double w = 2.0 * M_PI * fc / RATE, alpha = sin(w) / (2.0 * M_SQRT2);
    double a0 = 1.0 + alpha;
    double b0 = alpha / a0, a1 = -2.0 * cos(w) / a0, a2 = (1.0 - alpha) / a0;
    double v = 2.0 * M_PI * f / RATE;
    /* H = b0 (1 - z^-2) / (1 + a1 z^-1 + a2 z^-2) at z = e^{jv} */
    double nr = b0 * (1.0 - cos(2.0 * v)), ni = b0 * sin(2.0 * v);
    double dr = 1.0 + a1 * cos(v) + a2 * cos(2.0 * v), di = -a1 * sin(v) - a2 * sin(2.0 * v);
    double h2 = (nr * nr + ni * ni) / (dr * dr + di * di);
    return h2 * h2; /* two sections */
}

/* The T30 the design predicts for a band (band_hz 0: broadband). The impulse
 * response starts with a flat spectrum (its first pass goes through allpasses
 * only) and every frequency f then decays at its own rate delta(f) = 3 ln 10 /
 * RT(f), so the band's energy decay curve is
 *   EDC(t) = sum_f |B(f)|^2 exp(-2 delta(f) t) / (2 delta(f))
 * (|B|^2 the octave filter's power response): a sum of exponentials, whose fit
 * between -5 and -35 dB leans towards the slower ones in the band. */
static double model_t30(const setting *st, double band_hz)
{
    enum { FREQS = 1500, STEPS = 4000 };
    static double w[FREQS], delta[FREQS], edc[STEPS];
    const double f0 = 5.0, f1 = 0.499 * RATE, dt = 5e-3;
    for (int j = 0; j < FREQS; j++) {
        double f = f0 * pow(f1 / f0, (j + 0.5) / FREQS);
        double df = f * log(f1 / f0) / FREQS;
        w[j] = (band_hz > 0.0 ? octave_response2(band_hz, f) : 1.0) * df;
        delta[j] = 3.0 * M_LN10 / design_rt(st, f);
    }
    for (int i = 0; i < STEPS; i++) {
        double e = 0.0;
        for (int j = 0; j < FREQS; j++)
            e += w[j] * exp(-2.0 * delta[j] * i * dt) / (2.0 * delta[j]);
        edc[i] = e;
        if (i > 0 && e < 1e-4 * edc[0]) /* -40 dB: past the fit */
            return fit_t30(edc, (size_t)i + 1, dt);
    }
    return fit_t30(edc, STEPS, dt);
}

/* 1. T30 at the set rt60, on the 1 kHz octave, with low_ratio 1 and damping at
 * its top; broadband the damping still shortens the top octaves (RT60 is halved at
 * 20 kHz), so the broadband T30 is compared with the design's prediction. */
static void check_t30(float rt)
{
    setting st = flat;
    st.rt60 = rt;
    size_t n = (size_t)((2.2 * rt + 0.5) * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    impulse_response(&st, n, l, r);
    double broad = t30_float(l, n, 0.0), band = t30_float(l, n, 1000.0);
    double broad_model = model_t30(&st, 0.0);
    double env[2000];
    size_t windows = envelope_db(l, n, env);
    size_t below = windows;
    for (size_t k = 0; k < windows; k++)
        if (env[k] <= -60.0) {
            below = k;
            break;
        }
    double t60 = (double)below * 0.02;
    size_t k13 = (size_t)(1.3 * rt / 0.02), k20 = (size_t)(2.0 * rt / 0.02);
    double drop = env[k13] - env[k20];
    fprintf(stderr,
            "rt60 %5.2f s: T30 1 kHz octave %.3f s (%+.1f %%); broadband %.3f s, design %.3f s "
            "(%+.1f %%); -60 dB re peak at %.2f s (%.2f x rt60); falls %.1f dB from 1.3 to 2.0 x "
            "rt60\n",
            rt, band, 100.0 * (band / rt - 1.0), broad, broad_model,
            100.0 * (broad / broad_model - 1.0), t60, t60 / rt, drop);
    CHECK(ac_all_finite(l, n) && ac_all_finite(r, n), "rt60 %.2f: non-finite output", rt);
    CHECK(fabs(band / rt - 1.0) <= 0.10, "rt60 %.2f: 1 kHz T30 %.3f s is more than 10 %% off", rt,
          band);
    CHECK(fabs(broad / broad_model - 1.0) <= 0.10,
          "rt60 %.2f: broadband T30 %.3f s, the design gives %.3f s", rt, broad, broad_model);
    CHECK(t60 <= 1.3 * rt, "rt60 %.2f: tail reaches -60 dB only at %.2f s", rt, t60);
    /* 0.7 x rt60 more should take another ~42 dB off */
    CHECK(drop >= 30.0, "rt60 %.2f: the tail only falls %.1f dB from 1.3 to 2 x rt60", rt, drop);
    free(l);
    free(r);
}

/* 2. Octave-band decay times: low band longer, high band shorter, each as the
 * design predicts. */
static void check_bands(void)
{
    const setting st = {2.0f, 2.0f, 200.0f, 4000.0f, 1.0f, 1.0f, 1.0f};
    size_t n = (size_t)(10.0 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    impulse_response(&st, n, l, r);
    static const double bands[] = {63.0, 125.0, 1000.0, 4000.0, 8000.0};
    double measured[5];
    for (int b = 0; b < 5; b++) {
        measured[b] = t30_float(l, n, bands[b]);
        double theory = model_t30(&st, bands[b]);
        fprintf(stderr,
                "rt60 2 s, low x2 below 200 Hz, damping 4 kHz: %5.0f Hz octave T30 %.3f s, "
                "design %.3f s (%+.1f %%; RT60 at %.0f Hz itself %.3f s)\n",
                bands[b], measured[b], theory, 100.0 * (measured[b] / theory - 1.0), bands[b],
                design_rt(&st, bands[b]));
        CHECK(fabs(measured[b] / theory - 1.0) <= 0.12,
              "%.0f Hz octave: T30 %.3f s, the loop filters give %.3f s", bands[b], measured[b],
              theory);
    }
    CHECK(measured[0] > 1.6 * measured[2], "63 Hz decays in %.2f s, 1 kHz in %.2f s", measured[0],
          measured[2]);
    CHECK(measured[4] < 0.7 * measured[2], "8 kHz decays in %.2f s, 1 kHz in %.2f s", measured[4],
          measured[2]);
    free(l);
    free(r);
}

/* 3. No click while size and rt60 sweep over their ranges with tones playing:
 * the reverb of a tone is a sum of smooth (Doppler-shifted while the size moves)
 * tones, so any jump of a read position or a gain stands out in the second
 * difference. */
static double click_run(bool sweep, size_t *where)
{
    const size_t n = (size_t)(10.0 * RATE);
    float *in = malloc(n * sizeof *in), *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    float *size = malloc(n * sizeof *size), *rt = malloc(n * sizeof *rt);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        in[i] = (float)(0.3 * sin(2.0 * M_PI * 220.0 * t) + 0.2 * sin(2.0 * M_PI * 347.0 * t));
        /* size 0.5..2 over 8 s (at most 0.59/s, under the host's 2 s ramp across the
         * range), rt60 0.5..8 s over 5 s */
        size[i] = (float)(1.25 - 0.75 * cos(2.0 * M_PI * t / 8.0));
        rt[i] = (float)(0.5 * pow(16.0, 0.5 - 0.5 * cos(2.0 * M_PI * t / 5.0)));
    }
    setting st = flat;
    st.mix = 0.7f;
    st.damping = 6000.0f;
    node_harness *h = open_reverb(&st);
    if (sweep) {
        nh_set_param_trajectory(h, "size", size, n);
        nh_set_param_trajectory(h, "rt60", rt, n);
    } else {
        nh_set_param(h, "size", 0.77f); /* fractional delays: the interpolator is in use */
    }
    nh_set_block_size(h, 37);
    const float *ins[] = {in, in};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, n);
    nh_close(h);
    const size_t skip = (size_t)(0.5 * RATE);
    CHECK(ac_all_finite(l, n) && ac_all_finite(r, n), "non-finite output while sweeping");
    ac_click cl = ac_click_detect(l + skip, n - skip, 256, 1e-6);
    ac_click cr = ac_click_detect(r + skip, n - skip, 256, 1e-6);
    ac_click c = cl.ratio > cr.ratio ? cl : cr;
    *where = c.index + skip;
    free(in);
    free(l);
    free(r);
    free(size);
    free(rt);
    return c.ratio;
}

static void check_clicks(void)
{
    size_t at_static, at_sweep;
    double still = click_run(false, &at_static);
    double moving = click_run(true, &at_sweep);
    fprintf(stderr,
            "tones through the reverb: click ratio %.2f with size 0.77 held, %.2f with "
            "size 0.5..2 and rt60 0.5..8 s sweeping (worst at %.3f s)\n",
            still, moving, (double)at_sweep / RATE);
    CHECK(still < 10.0, "click ratio %.1f with parameters held", still);
    CHECK(moving < 10.0, "click ratio %.1f at %.3f s while size and rt60 sweep", moving,
          (double)at_sweep / RATE);
}

/* 4. After a loud burst, silence: output finite, no denormal sample ever, exactly
 * zero once the tail has fallen below the flush level; the time per frame in the
 * tail and in the silence after it is printed (never asserted). FTZ is off here. */
static void check_silence(void)
{
    setting st = flat;
    st.rt60 = 4.0f;
    st.damping = 6000.0f;
    node_harness *h = open_reverb(&st);
    const size_t burst = (size_t)(0.5 * RATE), sec = (size_t)RATE;
    float *noise = malloc(burst * sizeof *noise), *l = malloc(sec * sizeof *l),
          *r = malloc(sec * sizeof *r);
    for (size_t i = 0; i < burst; i++)
        noise[i] = (float)(10.0 * (2.0 * uniform() - 1.0)); /* +20 dBFS peaks */
    const float *ins[] = {noise, noise};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, burst);
    double tail_ns = nh_time_ns_per_frame(h, NULL, sec); /* seconds 0.5..1.5 */
    size_t denormals = 0, nonfinite = 0;
    double last_peak = 0.0;
    int zero_from = -1;
    for (int s = 0; s < 30; s++) { /* seconds 1.5..31.5 */
        nh_run(h, NULL, outs, sec);
        for (size_t i = 0; i < sec; i++) {
            denormals += fpclassify(l[i]) == FP_SUBNORMAL || fpclassify(r[i]) == FP_SUBNORMAL;
            nonfinite += !isfinite(l[i]) || !isfinite(r[i]);
        }
        last_peak = fmax(ac_peak(l, sec), ac_peak(r, sec));
        if (last_peak == 0.0 && zero_from < 0) zero_from = s;
        if (last_peak != 0.0) zero_from = -1;
    }
    double silent_ns = nh_time_ns_per_frame(h, NULL, sec);
    nh_close(h);
    fprintf(stderr,
            "rt60 4 s after a +20 dBFS burst: %.1f ns/frame in the tail, %.1f ns/frame "
            "after 30 s of silence (ratio %.2f); exactly zero from %.1f s after the "
            "burst; %zu denormal samples\n",
            tail_ns, silent_ns, silent_ns / tail_ns, zero_from + 1.0, denormals);
    CHECK(nonfinite == 0, "%zu non-finite samples after the burst", nonfinite);
    CHECK(denormals == 0, "%zu denormal output samples in the tail (FTZ off)", denormals);
    CHECK(last_peak <= 1e-30, "after 30 s of silence the output still peaks at %g", last_peak);
    free(noise);
    free(l);
    free(r);
}

/* 5. Stereo: the tail of a mono impulse is decorrelated between left and right at
 * full width, and identical at width 0. */
static double correlation(const float *a, const float *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return ab / sqrt(aa * bb + 1e-300);
}

static void check_stereo(void)
{
    setting st = flat;
    st.damping = 6000.0f;
    const size_t n = (size_t)(4.0 * RATE), from = (size_t)(0.05 * RATE);
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    impulse_response(&st, n, l, r);
    double wide = correlation(l + from, r + from, n - from);
    /* also over the early part alone, 50..300 ms */
    double early = correlation(l + from, r + from, (size_t)(0.25 * RATE));
    st.width = 0.0f;
    impulse_response(&st, n, l, r);
    double narrow = correlation(l + from, r + from, n - from);
    fprintf(stderr,
            "interchannel correlation of the tail (mono impulse in): %.3f (50..300 ms "
            "%.3f) at width 1, %.3f at width 0\n",
            wide, early, narrow);
    CHECK(fabs(wide) < 0.3, "tail correlation %.3f at width 1", wide);
    CHECK(fabs(early) < 0.3, "early tail correlation %.3f at width 1", early);
    CHECK(narrow > 0.999, "tail correlation %.3f at width 0", narrow);
    free(l);
    free(r);
}

/* 6. Wet level for stationary white noise (documented), block-size independence,
 * cost. */
static void check_level_and_cost(void)
{
    const size_t n = (size_t)(8.0 * RATE);
    float *in = malloc(n * sizeof *in), *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    float *l2 = malloc(n * sizeof *l2), *r2 = malloc(n * sizeof *r2);
    for (size_t i = 0; i < n; i++) in[i] = (float)(0.5 * (2.0 * uniform() - 1.0));
    setting st = flat;
    st.damping = 6000.0f;
    node_harness *h = open_reverb(&st);
    const float *ins[] = {in, in};
    float *outs[] = {l, r};
    nh_run(h, ins, outs, n);
    nh_close(h);
    const size_t from = (size_t)(4.0 * RATE);
    double gain_db = ac_db(ac_rms(l + from, n - from) / ac_rms(in + from, n - from));
    fprintf(stderr,
            "stationary white noise, rt60 2 s, damping 6 kHz, wet only: left %+.2f dB "
            "re the input\n",
            gain_db);
    CHECK(fabs(gain_db) < 3.0, "wet level %.2f dB re the input (documented: about 0 dB)", gain_db);
    static const float other_rt[] = {0.5f, 8.0f};
    for (int k = 0; k < 2; k++) {
        setting o = st;
        o.rt60 = other_rt[k];
        h = open_reverb(&o);
        nh_run(h, ins, outs, n);
        nh_close(h);
        fprintf(stderr, "  the same at rt60 %.1f s: %+.2f dB\n", other_rt[k],
                ac_db(ac_rms(l + from, n - from) / ac_rms(in + from, n - from)));
    }

    /* the same render in blocks of 37 and with a size sweep: bit-identical to 64 */
    float *size = malloc(n * sizeof *size);
    for (size_t i = 0; i < n; i++)
        size[i] = (float)(1.0 + 0.5 * sin(2.0 * M_PI * (double)i / (3.0 * RATE)));
    float *outs2[] = {l2, r2};
    for (int pass = 0; pass < 2; pass++) {
        h = open_reverb(&st);
        nh_set_param_trajectory(h, "size", size, n);
        nh_set_block_size(h, pass ? 37 : 64);
        nh_run(h, ins, pass ? outs2 : outs, n);
        nh_close(h);
    }
    CHECK(memcmp(l, l2, n * sizeof *l) == 0 && memcmp(r, r2, n * sizeof *r) == 0,
          "output depends on the block size");

    h = open_reverb(&st);
    double ns_static = nh_time_ns_per_frame(h, ins, n);
    nh_close(h);
    setting frac = st;
    frac.size = 0.77f; /* fractional delays: every read interpolated */
    h = open_reverb(&frac);
    double ns_frac = nh_time_ns_per_frame(h, ins, n);
    nh_close(h);
    h = open_reverb(&st);
    float *rt = malloc(n * sizeof *rt);
    for (size_t i = 0; i < n; i++) rt[i] = (float)(2.0 + sin(2.0 * M_PI * (double)i / RATE));
    nh_set_param_trajectory(h, "size", size, n);
    nh_set_param_trajectory(h, "rt60", rt, n);
    double ns_moving = nh_time_ns_per_frame(h, ins, n);
    nh_close(h);
    fprintf(stderr,
            "cost: %.1f ns/frame with parameters held (size 1), %.1f at size 0.77, %.1f "
            "with size and rt60 moving (48 kHz, stereo)\n",
            ns_static, ns_frac, ns_moving);
    free(in);
    free(l);
    free(r);
    free(l2);
    free(r2);
    free(size);
    free(rt);
}

int main(void)
{
    static const float rts[] = {0.5f, 1.5f, 3.0f, 6.0f};
    for (size_t i = 0; i < sizeof rts / sizeof rts[0]; i++) check_t30(rts[i]);
    check_bands();
    check_clicks();
    check_silence();
    check_stereo();
    check_level_and_cost();
    return check_finish("test_node_reverb");
}
