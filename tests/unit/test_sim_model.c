/* The synthetic client's ground truth against its profiles: breath and heart
 * rates, RSA sign and resonance, HRV by profile, determinism, dropouts, the
 * follower's rule, and the waveforms' beat morphology and timing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/client_model.h"

typedef struct stats {
    int onsets;
    double first_onset, last_onset;
    int beats;
    double rr_sum, diff_sq;
    double last_rr;
    double dd_inhale, dd_exhale; /* summed successive RR differences by breath half */
    int n_inhale, n_exhale;
    long ticks, silent, artifact;
} stats;

/* Runs profile p from t0 to t1 seconds (model time), collecting truth over [t0, t1). */
static void run(client_model *m, double t0, double t1, stats *s, double pacer_rate)
{
    memset(s, 0, sizeof *s);
    s->first_onset = NAN;
    client_tick k;
    double pacer_phase = 0;
    for (;;) {
        if (pacer_rate > 0) {
            double t = (m->n + 1) / CLIENT_ECG_FS;
            pacer_phase += pacer_rate / 60.0 / CLIENT_ECG_FS;
            pacer_phase -= floor(pacer_phase);
            client_model_set_pacer(m, t, pacer_rate, pacer_phase);
        }
        client_model_tick(m, &k);
        if (k.t >= t1) break;
        if (k.t < t0) continue;
        s->ticks++;
        s->silent += !k.sending;
        s->artifact += k.artifact;
        if (k.breath_onset) {
            if (!s->onsets) s->first_onset = k.onset_t;
            s->last_onset = k.onset_t;
            s->onsets++;
        }
        if (k.beat) {
            if (s->beats) {
                double d = k.rr_ms - s->last_rr;
                s->diff_sq += d * d;
                if (k.breath_phase < m->inhale_fraction) {
                    s->dd_inhale += d;
                    s->n_inhale++;
                } else {
                    s->dd_exhale += d;
                    s->n_exhale++;
                }
            }
            s->rr_sum += k.rr_ms;
            s->last_rr = k.rr_ms;
            s->beats++;
        }
    }
}

static double breath_rate(const stats *s)
{
    return 60.0 * (s->onsets - 1) / (s->last_onset - s->first_onset);
}
static double heart_rate(const stats *s) { return 60000.0 * s->beats / s->rr_sum; }
static double rmssd(const stats *s) { return sqrt(s->diff_sq / (s->beats - 1)); }

static void test_steady_and_stressed(void)
{
    client_model m;
    stats st, sx;
    client_model_init(&m, CLIENT_STEADY, 1);
    run(&m, 0, 600, &st, 0);
    CHECK(fabs(breath_rate(&st) - 12.0) < 0.7, "steady breath rate %.2f", breath_rate(&st));
    CHECK(fabs(heart_rate(&st) - 68.0) < 3.0, "steady heart rate %.1f", heart_rate(&st));
    CHECK(st.silent == 0 && st.artifact == 0, "steady never drops out");

    client_model_init(&m, CLIENT_STRESSED, 1);
    run(&m, 0, 600, &sx, 0);
    CHECK(fabs(breath_rate(&sx) - 18.0) < 1.0, "stressed breath rate %.2f", breath_rate(&sx));
    CHECK(fabs(heart_rate(&sx) - 88.0) < 3.0, "stressed heart rate %.1f", heart_rate(&sx));
    CHECK(rmssd(&sx) < 0.5 * rmssd(&st), "stressed RMSSD %.1f ms vs steady %.1f ms", rmssd(&sx),
          rmssd(&st));
    CHECK(rmssd(&st) > 15 && rmssd(&st) < 80, "steady RMSSD %.1f ms is physiological", rmssd(&st));

    /* RSA: heart rate rises over the inhale (intervals shorten), falls over the exhale. */
    CHECK(st.dd_inhale / st.n_inhale < -5.0, "inhale: mean RR change %.1f ms",
          st.dd_inhale / st.n_inhale);
    CHECK(st.dd_exhale / st.n_exhale > 2.0, "exhale: mean RR change %.1f ms",
          st.dd_exhale / st.n_exhale);
}

static void test_relaxing(void)
{
    client_model m;
    stats a, b;
    client_model_init(&m, CLIENT_RELAXING, 7);
    run(&m, 0, 60, &a, 0);
    client_model_init(&m, CLIENT_RELAXING, 7);
    run(&m, 600, 720, &b, 0);
    CHECK(fabs(breath_rate(&a) - 14.0) < 1.2, "relaxing starts at %.2f/min", breath_rate(&a));
    CHECK(fabs(breath_rate(&b) - 8.0) < 0.8, "relaxing ends at %.2f/min", breath_rate(&b));
    CHECK(heart_rate(&b) < heart_rate(&a) - 8.0, "heart rate falls %.1f -> %.1f", heart_rate(&a),
          heart_rate(&b));
    /* Resonance: slower breathing gives larger beat-to-beat swings. */
    CHECK(rmssd(&b) > rmssd(&a), "RMSSD grows as breathing slows: %.1f -> %.1f", rmssd(&a),
          rmssd(&b));
}

static void test_determinism(void)
{
    client_model a, b, c;
    client_model_init(&a, CLIENT_DROPOUTS, 42);
    client_model_init(&b, CLIENT_DROPOUTS, 42);
    client_model_init(&c, CLIENT_DROPOUTS, 43);
    int same = 1, differ = 0;
    client_tick ka, kb, kc;
    for (int i = 0; i < 250 * 120; i++) {
        client_model_tick(&a, &ka);
        client_model_tick(&b, &kb);
        client_model_tick(&c, &kc);
        same &= ka.ecg == kb.ecg && ka.resp == kb.resp && ka.ppg == kb.ppg &&
                ka.sending == kb.sending && ka.beat == kb.beat;
        differ |= ka.ecg != kc.ecg;
    }
    CHECK(same, "same seed, same signals");
    CHECK(differ, "another seed, other signals");
}

static void test_dropouts(void)
{
    client_model m;
    stats s;
    client_model_init(&m, CLIENT_DROPOUTS, 3);
    run(&m, 0, 900, &s, 0);
    double silent = (double)s.silent / s.ticks, art = (double)s.artifact / s.ticks;
    CHECK(silent > 0.03 && silent < 0.25, "silent %.1f %% of the time", 100 * silent);
    CHECK(art > 0.02 && art < 0.15, "artifacts %.1f %% of the time", 100 * art);
    CHECK(fabs(breath_rate(&s) - 12.0) < 0.7, "the truth underneath is steady: %.2f",
          breath_rate(&s));
}

static void test_follower(void)
{
    client_model m;
    stats s;
    /* A pacer at 11.5/min (2.5 below): the client follows it. */
    client_model_init(&m, CLIENT_FOLLOWER, 5);
    run(&m, 0, 240, &s, 11.5);
    run(&m, 240, 360, &s, 11.5);
    CHECK(fabs(breath_rate(&s) - 11.5) < 0.4, "follows a pacer at 11.5/min: %.2f", breath_rate(&s));
    /* A pacer far below (8/min, 6 below 14): too slow to follow, it stays near 14. */
    client_model_init(&m, CLIENT_FOLLOWER, 5);
    run(&m, 0, 240, &s, 8.0);
    run(&m, 240, 360, &s, 8.0);
    CHECK(fabs(breath_rate(&s) - 14.0) < 1.2, "ignores a pacer 6/min slower: %.2f",
          breath_rate(&s));
    /* No pacer: its natural 14/min. */
    client_model_init(&m, CLIENT_FOLLOWER, 5);
    run(&m, 0, 300, &s, 0);
    CHECK(fabs(breath_rate(&s) - 14.0) < 0.8, "unguided follower: %.2f", breath_rate(&s));
}

static void test_waveforms(void)
{
    client_model m;
    client_model_init(&m, CLIENT_STEADY, 9);
    client_tick k;
    /* Keep 2 s of PPG and find the delay from each R peak to the next PPG maximum. */
    enum { N = 250 * 60 };
    float *ecg = calloc(N, sizeof *ecg), *ppg = calloc(N, sizeof *ppg);
    double beat_t[200];
    int nb = 0;
    for (int i = 0; i < N; i++) {
        client_model_tick(&m, &k);
        ecg[i] = k.ecg;
        ppg[i] = k.has_ppg ? k.ppg : (i ? ppg[i - 1] : 0);
        if (k.beat && nb < 200) beat_t[nb++] = k.beat_t;
    }
    int r_ok = 0, delay_ok = 0, checked = 0;
    for (int b = 1; b + 1 < nb; b++) {
        long i0 = lround(beat_t[b] * CLIENT_ECG_FS) - 1; /* ticks are 1-based */
        if (i0 < 5 || i0 + 125 >= N) continue;
        checked++;
        float peak = -1e9f;
        for (long i = i0 - 3; i <= i0 + 3; i++) peak = fmaxf(peak, ecg[i]);
        r_ok += peak > 0.9f;
        long imax = i0;
        for (long i = i0; i < i0 + 125; i++)
            if (ppg[i] > ppg[imax]) imax = i;
        double delay = (imax - i0) / CLIENT_ECG_FS;
        delay_ok += delay > 0.28 && delay < 0.42;
    }
    CHECK(checked > 50, "%d beats checked", checked);
    CHECK(r_ok == checked, "R peaks above 0.9 mV at the true beat times: %d of %d", r_ok, checked);
    CHECK(delay_ok >= checked * 9 / 10, "PPG peak 0.28-0.42 s after R: %d of %d", delay_ok,
          checked);
    free(ecg);
    free(ppg);
}

static void test_names(void)
{
    client_profile p;
    CHECK(client_profile_parse("follower", &p) && p == CLIENT_FOLLOWER, "parse follower");
    CHECK(!client_profile_parse("sleepy", &p), "unknown profile refused");
}

/* "steady:heart=84": the model beats at the chosen rate; bad specs are refused
 * with the part named. */
static void test_spec(void)
{
    client_spec spec;
    char err[256];
    CHECK(client_spec_parse("steady:heart=84", &spec, err, sizeof err) && spec.heart_bpm == 84 &&
              spec.profile == CLIENT_STEADY && spec.breath_rate == 0,
          "steady:heart=84 parsed");
    CHECK(client_spec_parse("relaxing:breath=9:heart=60", &spec, err, sizeof err) &&
              spec.breath_rate == 9 && spec.heart_bpm == 60,
          "two overrides parsed");
    CHECK(!client_spec_parse("steady:heart=250", &spec, err, sizeof err) && strstr(err, "heart"),
          "out of range heart refused: %s", err);
    CHECK(!client_spec_parse("steady:pulse=60", &spec, err, sizeof err) && strstr(err, "pulse"),
          "unknown option refused: %s", err);
    CHECK(!client_spec_parse("steady:heart=6x", &spec, err, sizeof err), "junk number refused");
    CHECK(!client_spec_parse("sleepy:heart=60", &spec, err, sizeof err) && strstr(err, "sleepy"),
          "unknown profile refused: %s", err);

    for (int k = 0; k < 2; k++) {
        double want = k ? 84.0 : 60.0;
        client_spec s = {CLIENT_STEADY, want, 0};
        client_model m;
        client_model_init_spec(&m, &s, 3);
        client_tick t;
        int beats = 0;
        double first = 0, last = 0;
        for (int i = 0; i < 250 * 300; i++) {
            client_model_tick(&m, &t);
            if (!t.beat) continue;
            if (!beats) first = t.beat_t;
            last = t.beat_t;
            beats++;
        }
        double bpm = 60.0 * (beats - 1) / (last - first);
        CHECK(fabs(bpm - want) < 0.015 * want, "heart=%g: mean rate %.2f bpm over 300 s", want,
              bpm);
    }
}

int main(void)
{
    test_spec();
    test_steady_and_stressed();
    test_relaxing();
    test_determinism();
    test_dropouts();
    test_follower();
    test_waveforms();
    test_names();
    return check_finish("test_sim_model");
}
