#include "sim/client_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_random.h"

#define DT (1.0 / CLIENT_ECG_FS)
#define PTT_S 0.22 /* pulse transit time, R peak to PPG foot */
#define PACER_FRESH_S 5.0
#define FOLLOW_GAIN 0.30   /* share of the gap to the pacer closed per breath */
#define FOLLOW_GIVE_UP 3.0 /* breaths/min: a pacer slower than this is ignored */
#define RETURN_GAIN 0.10   /* per breath, back to the natural rate */
#define PHASE_GAIN 0.05    /* 1/s */

typedef struct profile_params {
    double br0, br1, glide_s; /* breath rate glides br0 -> br1 over glide_s */
    double hr0, hr1;          /* heart rate base, same glide */
    double inhale_fraction;
    double rsa_bpm; /* A: RSA half-swing at resonance */
    double lf_sd_bpm;
    double hf_sd_ms;
} profile_params;

static const profile_params k_params[CLIENT_PROFILE_COUNT] = {
    [CLIENT_STEADY] = {12.0, 12.0, 1.0, 68.0, 68.0, 0.42, 10.0, 1.5, 8.0},
    [CLIENT_RELAXING] = {14.0, 8.0, 600.0, 76.0, 62.0, 0.40, 11.0, 1.5, 9.0},
    [CLIENT_STRESSED] = {18.0, 18.0, 1.0, 88.0, 88.0, 0.45, 5.0, 0.5, 3.0},
    [CLIENT_DROPOUTS] = {12.0, 12.0, 1.0, 68.0, 68.0, 0.42, 10.0, 1.5, 8.0},
    [CLIENT_FOLLOWER] = {14.0, 14.0, 1.0, 71.0, 71.0, 0.40, 10.0, 1.5, 8.0},
    [CLIENT_RELEASE] = {12.0, 12.0, 1.0, 68.0, 68.0, 0.42, 10.0, 1.5, 8.0},
};

/* The release profile's schedule (client_model.h). */
static const double k_sigh_at[] = {90.0, 200.0, 420.0, 600.0};
#define SIGHS ((int)(sizeof k_sigh_at / sizeof k_sigh_at[0]))
#define SIGH_DEPTH 2.6
#define SIGH_SLOWER 1.7
#define SOB_START 260.0
#define SOB_END 320.0
#define SOB_RATE 24.0
#define SOB_JITTER 0.35
#define SOB_INHALE 0.30
#define SOB_HEART 18.0
#define SOB_RAMP_S 5.0
#define HOLD_AT 480.0
#define HOLD_S 15.0

static const char *const k_names[CLIENT_PROFILE_COUNT] = {
    "steady", "relaxing", "stressed", "dropouts", "follower", "release",
};

bool client_profile_parse(const char *name, client_profile *out)
{
    for (int i = 0; i < CLIENT_PROFILE_COUNT; i++)
        if (name && !strcmp(name, k_names[i])) {
            *out = (client_profile)i;
            return true;
        }
    return false;
}

const char *client_profile_name(client_profile p)
{
    return p < CLIENT_PROFILE_COUNT ? k_names[p] : "?";
}

const char *client_profile_names(void)
{
    return "steady|relaxing|stressed|dropouts|follower|release";
}

/* Override limits, defined once with their messages' ranges. */
#define SPEC_HEART_MIN 30.0
#define SPEC_HEART_MAX 180.0
#define SPEC_BREATH_MIN 3.0
#define SPEC_BREATH_MAX 40.0

bool client_spec_parse(const char *text, client_spec *out, char *err, size_t errlen)
{
    *out = (client_spec){CLIENT_STEADY, 0, 0};
    char buf[128];
    if (!text || strlen(text) >= sizeof buf) {
        snprintf(err, errlen, "client profile \"%.40s\" is too long", text ? text : "");
        return false;
    }
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    char *name = strtok_r(buf, ":", &save);
    if (!name || !client_profile_parse(name, &out->profile)) {
        snprintf(err, errlen,
                 "unknown client profile \"%s\" (%s, optionally :heart=BPM:breath=RATE)",
                 name ? name : "", client_profile_names());
        return false;
    }
    for (char *opt = strtok_r(NULL, ":", &save); opt; opt = strtok_r(NULL, ":", &save)) {
        char *eq = strchr(opt, '=');
        bool heart = eq && (size_t)(eq - opt) == 5 && !strncmp(opt, "heart", 5);
        bool breath = eq && (size_t)(eq - opt) == 6 && !strncmp(opt, "breath", 6);
        if (!heart && !breath) {
            snprintf(err, errlen,
                     "client profile \"%s\": unknown option \"%s\" (heart=BPM, breath=RATE)", text,
                     opt);
            return false;
        }
        char *end;
        errno = 0;
        double v = strtod(eq + 1, &end);
        double lo = heart ? SPEC_HEART_MIN : SPEC_BREATH_MIN,
               hi = heart ? SPEC_HEART_MAX : SPEC_BREATH_MAX;
        if (errno || end == eq + 1 || *end || !isfinite(v) || v < lo || v > hi) {
            snprintf(err, errlen, "client profile \"%s\": %s must be a number in %g..%g %s", text,
                     heart ? "heart" : "breath", lo, hi, heart ? "bpm" : "breaths/min");
            return false;
        }
        if (heart)
            out->heart_bpm = v;
        else
            out->breath_rate = v;
    }
    return true;
}

static double glide(double a, double b, double t, double dur)
{
    double x = t <= 0 ? 0 : t >= dur ? 1 : t / dur;
    return a + (b - a) * x;
}

double client_model_nominal_breath_rate(client_profile p, double t)
{
    const profile_params *k = &k_params[p];
    return glide(k->br0, k->br1, t, k->glide_s);
}

double client_model_nominal_heart_rate(client_profile p, double t, double breath_rate)
{
    const profile_params *k = &k_params[p];
    if (p == CLIENT_FOLLOWER) /* slower breathing calms the heart a little */
        return k->hr0 + 0.6 * (breath_rate - k->br0);
    return glide(k->hr0, k->hr1, t, k->glide_s);
}

/* The model's resting rates: the spec's overrides, else the profile's. */
static double model_breath_rate(const client_model *m, double t)
{
    return m->breath_override > 0 ? m->breath_override
                                  : client_model_nominal_breath_rate(m->profile, t);
}

static double model_heart_rate(const client_model *m, double t, double breath_rate)
{
    return m->heart_override > 0 ? m->heart_override
                                 : client_model_nominal_heart_rate(m->profile, t, breath_rate);
}

/* Normalised lung volume over a cycle (0 at the inhale onset, 1 at its peak). */
static double lung_volume(double phase, double fi)
{
    if (phase < fi) return 0.5 * (1.0 - cos(M_PI * phase / fi));
    double u = (phase - fi) / (1.0 - fi);
    double w = 1.0 - (1.0 - u) * (1.0 - u);
    return 0.5 * (1.0 + cos(M_PI * w));
}

/* Baroreflex resonance: RSA gain, 1 at 6 breaths/min. */
static double rsa_gain(double rate)
{
    double x = (rate - 6.0) / 4.0;
    return 1.0 / (1.0 + x * x);
}

static double wrap_half(double a)
{
    a -= floor(a);
    return a >= 0.5 ? a - 1.0 : a;
}

static void schedule_dropouts(client_model *m, double now)
{
    if (m->profile != CLIENT_DROPOUTS) {
        m->gap_start = m->art_start = INFINITY;
        return;
    }
    if (now >= m->gap_end) {
        m->gap_start = now + 5.0 - 20.0 * log(1.0 - sim_uniform(&m->rng)); /* mean 25 s */
        m->gap_end = m->gap_start + 1.0 + 4.0 * sim_uniform(&m->rng);
    }
    if (now >= m->art_end) {
        m->art_start = now + 5.0 - 35.0 * log(1.0 - sim_uniform(&m->rng)); /* mean 40 s */
        m->art_end = m->art_start + 1.0 + 2.0 * sim_uniform(&m->rng);
    }
}

static void new_breath(client_model *m, double t)
{
    const profile_params *k = &k_params[m->profile];
    if (m->profile == CLIENT_FOLLOWER) {
        double natural = m->breath_override > 0 ? m->breath_override : k->br0;
        bool pacer_known = t - m->pacer_t < PACER_FRESH_S && m->pacer_rate > 0;
        if (pacer_known && m->pacer_rate >= m->follow_rate - FOLLOW_GIVE_UP)
            m->follow_rate += FOLLOW_GAIN * (m->pacer_rate - m->follow_rate);
        else
            m->follow_rate += RETURN_GAIN * (natural - m->follow_rate);
        m->rate = m->follow_rate * (1.0 + 0.02 * sim_gauss(&m->rng));
    } else {
        double drift = 0.4 * sin(m->drift_phase);
        m->rate = (model_breath_rate(m, t) + drift) * (1.0 + 0.04 * sim_gauss(&m->rng));
    }
    if (m->rate < 3.0) m->rate = 3.0;
    double d = 1.0 + 0.12 * sim_gauss(&m->rng);
    if (d < 0.6) d = 0.6;
    if (d > 1.4) d = 1.4;
    m->depth = d * sqrt(12.0 / m->rate);
    if (m->profile != CLIENT_RELEASE) return;
    m->sigh_breath = false;
    m->inhale_fraction = k->inhale_fraction;
    if (t >= SOB_START && t < SOB_END) {
        /* Sobbing: quick, broken breaths of any depth, short inhales. */
        double r = SOB_RATE * (1.0 + SOB_JITTER * sim_gauss(&m->rng));
        m->rate = r < 10.0 ? 10.0 : r > 40.0 ? 40.0 : r;
        m->depth = 0.4 + 0.9 * sim_uniform(&m->rng);
        m->inhale_fraction = SOB_INHALE;
    } else if (m->sighs_done < SIGHS && t >= k_sigh_at[m->sighs_done]) {
        m->sighs_done++;
        m->sigh_breath = true;
        m->rate /= SIGH_SLOWER;
        m->depth *= SIGH_DEPTH;
    }
}

/* Extra heart rate of the sobbing episode, ramped in and out. */
static double sob_heart(double t)
{
    if (t < SOB_START || t > SOB_END + SOB_RAMP_S) return 0.0;
    double in = (t - SOB_START) / SOB_RAMP_S, out = (SOB_END + SOB_RAMP_S - t) / SOB_RAMP_S;
    double g = in < out ? in : out;
    return SOB_HEART * (g > 1.0 ? 1.0 : g);
}

void client_model_init(client_model *m, client_profile p, uint64_t seed)
{
    client_spec spec = {p, 0, 0};
    client_model_init_spec(m, &spec, seed);
}

void client_model_init_spec(client_model *m, const client_spec *spec, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    client_profile p = spec->profile;
    m->profile = p < CLIENT_PROFILE_COUNT ? p : CLIENT_STEADY;
    m->heart_override = spec->heart_bpm;
    double vsum = 0.0; /* mean of 2v - 1 over a breath, for the override's centring */
    for (int i = 0; i < 1000; i++)
        vsum += 2.0 * lung_volume((i + 0.5) / 1000.0, k_params[m->profile].inhale_fraction) - 1.0;
    m->swing_mean = vsum / 1000.0;
    m->breath_override = spec->breath_rate;
    m->rng = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    if (!m->rng) m->rng = 1;
    m->inhale_fraction = k_params[m->profile].inhale_fraction;
    m->follow_rate = m->breath_override > 0 ? m->breath_override : k_params[m->profile].br0;
    m->drift_phase = 2.0 * M_PI * sim_uniform(&m->rng);
    m->pacer_t = -INFINITY;
    m->phase = 0.0;
    new_breath(m, 0.0);
    double rr = 60.0 / model_heart_rate(m, 0.0, m->rate);
    m->next_beat_t = 0.3;
    for (int i = 0; i < 3; i++) m->beats[i] = (client_beat){0.3 - (i + 1) * rr, rr};
    m->gap_end = m->art_end = 0.0;
    m->hold_until = -INFINITY;
    schedule_dropouts(m, 0.0);
}

void client_model_set_pacer(client_model *m, double t, double rate, double phase)
{
    if (!isfinite(t) || !isfinite(rate) || !isfinite(phase) || rate <= 0) return;
    m->pacer_t = t;
    m->pacer_rate = rate;
    m->pacer_phase = phase - floor(phase);
}

static double gaussian_wave(double x, double center, double width, double amp)
{
    double z = (x - center) / width;
    return amp * exp(-0.5 * z * z);
}

static double ecg_beat(double x, double rr_s)
{
    if (x < -0.3 || x > 0.7) return 0.0;
    double tq = 0.28 * sqrt(rr_s);
    return gaussian_wave(x, -0.17, 0.022, 0.12) + gaussian_wave(x, -0.03, 0.008, -0.12) +
           gaussian_wave(x, 0.0, 0.009, 1.1) + gaussian_wave(x, 0.03, 0.010, -0.25) +
           gaussian_wave(x, tq, 0.055, 0.30);
}

static double ppg_pulse(double x, double rr_s)
{
    x -= PTT_S;
    if (x < -0.1 || x > 1.0) return 0.0;
    double k = rr_s < 0.85 ? rr_s / 0.85 : 1.0; /* a fast heart compresses the pulse */
    return gaussian_wave(x, 0.13 * k, 0.055 * k, 1.0) + gaussian_wave(x, 0.33 * k, 0.07 * k, 0.35);
}

void client_model_tick(client_model *m, client_tick *out)
{
    const profile_params *k = &k_params[m->profile];
    m->n++;
    double t = m->n * DT;
    memset(out, 0, sizeof *out);
    out->index = m->n;
    out->t = t;

    /* breathing */
    double dphase = m->rate / 60.0;
    if (m->profile == CLIENT_FOLLOWER && t - m->pacer_t < PACER_FRESH_S) {
        double pacer_now = m->pacer_phase + m->pacer_rate / 60.0 * (t - m->pacer_t);
        double pull = PHASE_GAIN * wrap_half(pacer_now - m->phase);
        if (pull < -0.5 * dphase) pull = -0.5 * dphase;
        if (pull > 0.5 * dphase) pull = 0.5 * dphase;
        dphase += pull;
    }
    m->drift_phase += 2.0 * M_PI * DT / 97.0;
    if (m->profile == CLIENT_RELEASE && !m->hold_done && t >= HOLD_AT &&
        m->phase < m->inhale_fraction && m->phase + dphase * DT >= m->inhale_fraction) {
        m->hold_done = true;
        m->hold_until = t + HOLD_S; /* held at the top of the inhale */
    }
    if (t < m->hold_until) dphase = 0.0;
    double next = m->phase + dphase * DT;
    if (next >= 1.0) {
        out->breath_onset = true;
        out->onset_t = t - DT + (1.0 - m->phase) / dphase;
        next -= 1.0;
        new_breath(m, t);
    }
    m->phase = next;
    double v = lung_volume(m->phase, m->inhale_fraction);

    /* heart */
    m->lf += -m->lf * DT / 10.0 + k->lf_sd_bpm * sqrt(2.0 * DT / 10.0) * sim_gauss(&m->rng);
    /* With a chosen heart rate the breathing swing is centred on it (the lung volume's
     * mean over a cycle is not 0.5: the exhale empties fast, then slowly), so the
     * client's mean beat rate is the one asked for. */
    double swing = 2.0 * v - 1.0 - (m->heart_override > 0 ? m->swing_mean : 0.0);
    double hr = model_heart_rate(m, t, m->rate) + k->rsa_bpm * rsa_gain(m->rate) * swing + m->lf;
    if (m->profile == CLIENT_RELEASE) hr += sob_heart(t);
    if (hr < 35.0) hr = 35.0;
    if (hr > 180.0) hr = 180.0;
    if (m->next_beat_t <= t) {
        double rr = m->next_beat_t - m->beats[0].t;
        m->beats[2] = m->beats[1];
        m->beats[1] = m->beats[0];
        m->beats[0] = (client_beat){m->next_beat_t, rr};
        out->beat = true;
        out->beat_t = m->next_beat_t;
        out->rr_ms = rr * 1000.0;
        double next_rr = 60.0 / hr + k->hf_sd_ms * 1e-3 * sim_gauss(&m->rng);
        if (next_rr < 0.33) next_rr = 0.33;
        m->next_beat_t += next_rr;
    }

    /* waveforms */
    double ecg = 0.0, ppg = 0.0;
    double qrs_mod = 1.0 + 0.05 * (2.0 * v - 1.0);
    for (int i = 0; i < 3; i++) {
        ecg += qrs_mod * ecg_beat(t - m->beats[i].t, m->beats[i].rr_s);
        ppg += ppg_pulse(t - m->beats[i].t, m->beats[i].rr_s);
    }
    ecg += qrs_mod * ecg_beat(t - m->next_beat_t, m->next_beat_t - m->beats[0].t);
    ecg += 0.05 * v + 0.01 * sim_gauss(&m->rng);
    ppg = ppg * (1.0 + 0.1 * (v - 0.5)) + 0.15 * v + 0.01 * sim_gauss(&m->rng);
    double resp = m->depth * v + 0.1 * sin(2.0 * M_PI * t / 45.0) + 0.01 * sim_gauss(&m->rng);

    /* dropouts and artifacts */
    schedule_dropouts(m, t);
    out->sending = !(t >= m->gap_start && t < m->gap_end);
    out->artifact = t >= m->art_start && t < m->art_end;
    if (out->artifact) {
        m->motion += 0.15 * sim_gauss(&m->rng) - 0.02 * m->motion;
        resp += 4.0 * m->motion + 2.0 * sim_gauss(&m->rng);
        ecg += 2.0 * m->motion + 4.0 * sim_gauss(&m->rng);
        ppg += 2.0 * m->motion + 4.0 * sim_gauss(&m->rng);
    } else {
        m->motion = 0.0;
    }

    out->ecg = (float)ecg;
    out->has_resp = m->n % CLIENT_RESP_DIV == 0;
    out->has_ppg = m->n % CLIENT_PPG_DIV == 0;
    out->resp = (float)resp;
    out->ppg = (float)ppg;
    out->breath_rate = m->rate;
    out->breath_phase = m->phase;
    out->heart_rate = hr;
    out->release = m->profile == CLIENT_RELEASE &&
                   (m->sigh_breath || (t >= SOB_START && t < SOB_END) || t < m->hold_until);
}
