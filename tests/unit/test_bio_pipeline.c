/* The biosignal pipeline end to end:
 *  - the NeuroKit2 resting recording (ECG, PPG, respiration at 100 Hz): sensible
 *    features, feature latency after breaths and beats, CPU cost;
 *  - the same recording with motion-artifact bursts and a dropout injected:
 *    quality drops, staleness is reported, no confident nonsense;
 *  - bad input dropped and counted; RR-only and HR-only devices; jittery
 *    arrival stamps are not gaps, silences are;
 *  - no allocation in the push and feature paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/bio_pipeline.h"
#include "check.h"
#include "core/alloc_guard.h"
#include "records/record.h"
#include "resp_synth.h"

#define FRAME_S 0.1

typedef struct session {
    const bio_signal *sig[BIO_WAVEFORMS];
    double duration;
} session;

typedef struct latency {
    double now; /* stream time of the batch being pushed */
    double breath_sum, breath_max, beat_sum, beat_max;
    int breaths, beats;
} latency;

static void on_breath(void *ctx, const resp_event *ev)
{
    latency *l = ctx;
    double d = l->now - ev->time_s;
    l->breath_sum += d;
    l->breath_max = fmax(l->breath_max, d);
    l->breaths++;
}

static void on_beat(void *ctx, bio_stream src, const beat_result *r)
{
    latency *l = ctx;
    if (src != BIO_ECG) return;
    double d = l->now - r->time_s;
    l->beat_sum += d;
    l->beat_max = fmax(l->beat_max, d);
    l->beats++;
}

static int load_neurokit(bio_record **rec, session *s)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/bio_resting_5min_100hz.csv", test_env("LULL_TEST_DATA"));
    bool ok = bio_record_read(path, 100.0, rec, err, sizeof err);
    CHECK(ok, "reading %s: %s", path, err);
    if (!ok) return -1;
    s->sig[BIO_RESP] = bio_record_signal(*rec, "RSP");
    s->sig[BIO_ECG] = bio_record_signal(*rec, "ECG");
    s->sig[BIO_PPG] = bio_record_signal(*rec, "PPG");
    CHECK(s->sig[0] && s->sig[1] && s->sig[2], "RSP, ECG, PPG present");
    if (!s->sig[0] || !s->sig[1] || !s->sig[2]) return -1;
    s->duration = (double)s->sig[BIO_ECG]->n / 100.0;
    return 0;
}

static bio_pipeline *new_pipeline(void)
{
    bio_pipeline_config cfg;
    bio_pipeline_config_default(&cfg);
    for (int i = 0; i < BIO_WAVEFORMS; i++) cfg.rate_hz[i] = 100.0;
    return bio_pipeline_new(&cfg);
}

/* Pushes frame k's samples ([k-1, k) x 100 ms) of the given signals, stamped
 * with the last sample's exact time. `mask` selects which signals to push. */
static void push_frame(bio_pipeline *p, const session *s, const float *const data[BIO_WAVEFORMS],
                       long frame, unsigned mask)
{
    for (int i = 0; i < BIO_WAVEFORMS; i++) {
        if (!(mask & (1u << i))) continue;
        size_t from = (size_t)(frame - 1) * 10, to = (size_t)frame * 10;
        if (to > s->sig[i]->n) continue;
        bio_pipeline_push_samples(p, (bio_stream)i, data[i] + from, to - from,
                                  (double)(to - 1) / 100.0);
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float median_f(float *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    return n ? v[n / 2] : NAN;
}

static void test_neurokit(void)
{
    bio_record *rec = NULL;
    session s;
    if (load_neurokit(&rec, &s)) return;
    bio_pipeline *p = new_pipeline();
    latency lat = {0};
    bio_pipeline_listener l = {on_breath, on_beat, &lat};
    bio_pipeline_set_listener(p, &l);
    const float *data[BIO_WAVEFORMS] = {s.sig[0]->samples, s.sig[1]->samples, s.sig[2]->samples};
    long frames = (long)(s.duration / FRAME_S);
    static float hr[4000], br[4000], rmssd[4000], coh[4000], rsa[4000];
    int n_hr = 0, n_br = 0, n_rmssd = 0, n_coh = 0, n_rsa = 0, good_breath = 0, good_heart = 0,
        after60 = 0;
    unsigned long allocations = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 1; k <= frames; k++) {
        lat.now = k * FRAME_S;
        lull_features f;
        alloc_guard_arm();
        push_frame(p, &s, data, k, 7);
        bio_pipeline_features(p, k * FRAME_S, &f);
        allocations += alloc_guard_disarm();
        if (f.time_s < 60.0) continue;
        after60++;
        if (isfinite(f.heart_rate)) hr[n_hr++] = f.heart_rate;
        if (isfinite(f.breath_rate)) br[n_br++] = f.breath_rate;
        if (isfinite(f.rmssd)) rmssd[n_rmssd++] = f.rmssd;
        if (isfinite(f.coherence)) coh[n_coh++] = f.coherence;
        if (isfinite(f.rsa)) rsa[n_rsa++] = f.rsa;
        good_breath += f.breath_quality >= 0.5 && f.breath_state == LULL_SENSOR_OK;
        good_heart += f.heart_quality >= 0.5 && f.heart_state == LULL_SENSOR_OK;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double cpu_us =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3);
    float mhr = median_f(hr, n_hr), mbr = median_f(br, n_br), mrmssd = median_f(rmssd, n_rmssd),
          mcoh = median_f(coh, n_coh), mrsa = median_f(rsa, n_rsa);
    printf("neurokit: median HR %.1f bpm, breath rate %.1f /min, RMSSD %.1f ms, RSA %.0f ms, "
           "coherence %.2f; good breath %.0f %%, good heart %.0f %% of frames after 60 s\n",
           mhr, mbr, mrmssd, mrsa, mcoh, 100.0 * good_breath / after60,
           100.0 * good_heart / after60);
    printf("latency (stream time of the batch reporting it - event time): breath mean %.2f s "
           "max %.2f s (%d events), ECG beat verdict mean %.2f s max %.2f s (%d beats)\n",
           lat.breath_sum / lat.breaths, lat.breath_max, lat.breaths, lat.beat_sum / lat.beats,
           lat.beat_max, lat.beats);
    printf("CPU: %.1f us per second of input (ECG + PPG + respiration at 100 Hz, frames at "
           "10 Hz); allocator calls in push/features: %lu (%s)\n",
           cpu_us / s.duration, allocations,
           alloc_guard_available() ? "checked" : "not checked under ASan");
    CHECK(n_hr > 0.95 * after60 && mhr >= 50 && mhr <= 100, "heart rate %.1f", mhr);
    CHECK(n_br > 0.95 * after60 && mbr >= 8 && mbr <= 25, "breath rate %.1f", mbr);
    CHECK(n_rmssd > 0.95 * after60 && mrmssd > 5 && mrmssd < 200, "RMSSD %.1f", mrmssd);
    /* ECG at 100 Hz: intervals come in 10-ms steps; a resting RSA of tens of ms. */
    CHECK(n_rsa > 0.95 * after60 && mrsa >= 10 && mrsa < 300, "RSA %.0f ms", mrsa);
    CHECK(n_coh > 0.9 * (after60 - 100) && mcoh > 0 && mcoh < 3, "coherence %.2f at rest", mcoh);
    CHECK(good_breath > 0.9 * after60, "breath quality good in %d of %d frames", good_breath,
          after60);
    CHECK(good_heart > 0.9 * after60, "heart quality good in %d of %d frames", good_heart, after60);
    CHECK(allocations == 0, "push/features allocated (%s)", alloc_guard_last());
    /* A breath is confirmed once the signal has come back by the hysteresis. */
    CHECK(lat.breaths > 100 && lat.breath_max < 3.0, "breath latency max %.2f s", lat.breath_max);
    bio_pipeline_counters c;
    bio_pipeline_counters_get(p, &c);
    CHECK(c.gaps[0] == 0 && c.gaps[1] == 0 && c.gaps[2] == 0, "no gaps in a continuous record");
    bio_pipeline_free(p);
    bio_record_free(rec);
}

/* Motion-artifact bursts (100-110 s on respiration and ECG) and a dropout of
 * every sensor (150-160 s). */
static void test_artifacts(void)
{
    bio_record *rec = NULL;
    session s;
    if (load_neurokit(&rec, &s)) return;
    size_t n = s.sig[0]->n;
    float *resp = malloc(n * sizeof *resp), *ecg = malloc(n * sizeof *ecg);
    memcpy(resp, s.sig[BIO_RESP]->samples, n * sizeof *resp);
    memcpy(ecg, s.sig[BIO_ECG]->samples, n * sizeof *ecg);
    float lo = INFINITY, hi = -INFINITY, elo = INFINITY, ehi = -INFINITY;
    for (size_t i = 0; i < 6000; i++) {
        lo = fminf(lo, resp[i]);
        hi = fmaxf(hi, resp[i]);
        elo = fminf(elo, ecg[i]);
        ehi = fmaxf(ehi, ecg[i]);
    }
    uint64_t rng = 11;
    double level = 0, elevel = 0;
    for (size_t i = 10000; i < 11000; i++) {
        if (i % 20 == 0) { /* a jolt every 0.2 s: belt and electrodes pulled */
            level = 2.0 * (hi - lo) * (2 * sim_uniform(&rng) - 1);
            elevel = 3.0 * (ehi - elo) * (2 * sim_uniform(&rng) - 1);
        }
        resp[i] += (float)(level + 0.3 * (hi - lo) * sim_gauss(&rng));
        ecg[i] += (float)(elevel + 0.5 * (ehi - elo) * sim_gauss(&rng));
    }
    const float *data[BIO_WAVEFORMS] = {resp, ecg, s.sig[BIO_PPG]->samples};
    bio_pipeline *p = new_pipeline();
    int burst_frames = 0, burst_bad_breath = 0, burst_confident_nonsense = 0;
    int drop_frames = 0, drop_stale = 0, heart_confident_nonsense = 0;
    float max_bq_burst = 0;
    lull_features at_175, at_200;
    lull_features_init(&at_175);
    lull_features_init(&at_200);
    float min_hq_burst = 1;
    for (long k = 1; k <= (long)(s.duration / FRAME_S); k++) {
        double t = k * FRAME_S;
        bool dropout = t > 150.0 && t <= 160.0;
        if (!dropout) push_frame(p, &s, data, k, 7);
        lull_features f;
        bio_pipeline_features(p, t, &f);
        if (t >= 100.5 && t <= 110.0) {
            burst_frames++;
            max_bq_burst = fmaxf(max_bq_burst, f.breath_quality);
            min_hq_burst = fminf(min_hq_burst, f.heart_quality);
            burst_bad_breath += f.breath_quality < 0.5;
            if (f.breath_quality >= 0.5 && !(f.breath_rate >= 8 && f.breath_rate <= 25))
                burst_confident_nonsense++;
            if (f.heart_quality >= 0.5 && !(f.heart_rate >= 50 && f.heart_rate <= 110))
                heart_confident_nonsense++;
        }
        if (t >= 151.0 && t <= 160.0) {
            drop_frames++;
            drop_stale += f.breath_state == LULL_SENSOR_STALE &&
                          f.heart_state == LULL_SENSOR_STALE && f.breath_quality == 0 &&
                          f.heart_quality == 0;
        }
        if (fabs(t - 175.0) < 1e-6) at_175 = f;
        if (fabs(t - 200.0) < 1e-6) at_200 = f;
    }
    printf(
        "artifacts: burst: breath quality < 0.5 in %d of %d frames (max %.2f), heart quality min "
        "%.2f, "
        "confident nonsense: breath %d, heart %d; dropout: stale in %d of %d frames; after: breath "
        "%s q %.2f at 175 s, heart %s q %.2f HR %.1f\n",
        burst_bad_breath, burst_frames, max_bq_burst, min_hq_burst, burst_confident_nonsense,
        heart_confident_nonsense, drop_stale, drop_frames,
        at_175.breath_state == LULL_SENSOR_OK ? "ok" : "not ok", at_175.breath_quality,
        at_175.heart_state == LULL_SENSOR_OK ? "ok" : "not ok", at_175.heart_quality,
        at_175.heart_rate);
    CHECK(burst_bad_breath == burst_frames, "breath quality < 0.5 during the whole burst");
    CHECK(burst_confident_nonsense == 0 && heart_confident_nonsense == 0,
          "no wild value with quality >= 0.5 during the burst");
    CHECK(drop_stale == drop_frames, "both sensors stale during the dropout");
    CHECK(at_175.breath_state == LULL_SENSOR_OK && at_175.heart_state == LULL_SENSOR_OK,
          "sensors back after the dropout");
    CHECK(at_200.breath_quality >= 0.5 && at_200.heart_quality >= 0.5,
          "quality recovered by 200 s: breath %.2f heart %.2f", at_200.breath_quality,
          at_200.heart_quality);
    bio_pipeline_counters c;
    bio_pipeline_counters_get(p, &c);
    CHECK(c.gaps[BIO_RESP] == 1 && c.gaps[BIO_ECG] == 1 && c.gaps[BIO_PPG] == 1,
          "one gap per signal: %llu %llu %llu", (unsigned long long)c.gaps[0],
          (unsigned long long)c.gaps[1], (unsigned long long)c.gaps[2]);
    bio_pipeline_free(p);
    free(resp);
    free(ecg);
    bio_record_free(rec);
}

static void test_bad_input(void)
{
    bio_pipeline *p = new_pipeline();
    resp_synth rs;
    resp_synth_init(&rs, 100.0, 5);
    float batch[10];
    bio_pipeline_counters c;
    int expected_bad = 0;
    for (long k = 1; k <= 900; k++) { /* 90 s */
        for (int i = 0; i < 10; i++) batch[i] = (float)resp_synth_next(&rs, 12.0, NULL);
        if (k % 50 == 0) {
            batch[3] = NAN;
            batch[4] = INFINITY;
            batch[5] = -2e12f;
            expected_bad += 3;
        }
        bio_pipeline_push_samples(p, BIO_RESP, batch, 10, k * 0.1 - 0.01);
        if (k % 100 == 0) bio_pipeline_push_samples(p, BIO_RESP, batch, 10, NAN);
    }
    const float rr[] = {800, -5, NAN, 0, 9000, INFINITY, 810};
    bio_pipeline_push_rr(p, rr, 7, 90.0);
    bio_pipeline_push_hr(p, NAN, 90.0);
    bio_pipeline_push_hr(p, -60, 90.0);
    bio_pipeline_push_hr(p, 900, 90.0);
    bio_pipeline_push_hr(p, 72, 90.0);
    bio_pipeline_push_samples(p, (bio_stream)7, batch, 10, 90.0); /* no such stream */
    lull_features f;
    bio_pipeline_features(p, 90.0, &f);
    bio_pipeline_counters_get(p, &c);
    printf("bad input: %llu bad samples, %llu bad batches, %llu RR dropped, %llu HR dropped; "
           "breath rate %.2f\n",
           (unsigned long long)c.bad_samples[BIO_RESP], (unsigned long long)c.bad_batches[BIO_RESP],
           (unsigned long long)c.rr_dropped, (unsigned long long)c.hr_dropped, f.breath_rate);
    CHECK(c.bad_samples[BIO_RESP] == (uint64_t)expected_bad, "bad samples counted: %llu of %d",
          (unsigned long long)c.bad_samples[BIO_RESP], expected_bad);
    CHECK(c.bad_batches[BIO_RESP] == 9, "NaN-stamped batches dropped: %llu",
          (unsigned long long)c.bad_batches[BIO_RESP]);
    CHECK(c.rr_dropped == 5 && c.rr_accepted == 2, "RR: 5 dropped, 2 accepted (%llu, %llu)",
          (unsigned long long)c.rr_dropped, (unsigned long long)c.rr_accepted);
    CHECK(c.hr_dropped == 3 && c.hr_accepted == 1, "HR: 3 dropped, 1 accepted");
    CHECK(c.gaps[BIO_RESP] == 0, "bad input is not a gap");
    CHECK(fabs(f.breath_rate - 12.0) < 0.5 && f.breath_quality > 0.5,
          "breathing still tracked through bad samples: %.2f/min q %.2f", f.breath_rate,
          f.breath_quality);
    CHECK(!bio_pipeline_set_rate(p, BIO_RESP, 2.0) && bio_pipeline_rate(p, BIO_RESP) == 100.0,
          "an absurd rate is refused and the old one stays");
    CHECK(!bio_pipeline_set_rate(p, BIO_ECG, 1e6), "ECG at 1 MHz refused");
    bio_pipeline_free(p);
}

/* Batches stamped on arrival with network jitter are continuous; silences are
 * gaps; staleness after 1 s. */
static void test_arrival_jitter(void)
{
    bio_pipeline *p = bio_pipeline_new(NULL); /* respiration at the default 25 Hz */
    resp_synth rs;
    resp_synth_init(&rs, 25.0, 8);
    uint64_t rng = 4;
    float batch[5];
    lull_features f;
    double t = 0;
    for (int k = 0; k < 1200; k++) { /* 5 samples = 0.2 s per batch, 240 s */
        t += 0.2;
        if (k == 600) t += 3.0; /* the sensor stops for 3 s */
        for (int i = 0; i < 5; i++) batch[i] = (float)resp_synth_next(&rs, 10.0, NULL);
        double arrival = t + 0.08 * sim_uniform(&rng); /* up to 80 ms late */
        bio_pipeline_push_samples(p, BIO_RESP, batch, 5, arrival);
        if (k == 599) {
            bio_pipeline_features(p, t + 0.9, &f);
            CHECK(f.breath_state == LULL_SENSOR_OK, "fresh 0.9 s after the last batch");
            bio_pipeline_features(p, t + 1.2, &f);
            CHECK(f.breath_state == LULL_SENSOR_STALE && f.breath_quality == 0,
                  "stale 1.2 s after the last batch");
        }
    }
    bio_pipeline_features(p, t + 0.1, &f);
    bio_pipeline_counters c;
    bio_pipeline_counters_get(p, &c);
    printf("jittered arrival: %llu gaps, rate %.2f/min\n", (unsigned long long)c.gaps[BIO_RESP],
           f.breath_rate);
    CHECK(c.gaps[BIO_RESP] == 1, "only the 3-s silence is a gap: %llu",
          (unsigned long long)c.gaps[BIO_RESP]);
    CHECK(fabs(f.breath_rate - 10.0) < 0.5, "rate %.2f with jittered stamps", f.breath_rate);
    bio_pipeline_free(p);
}

/* A chest strap sending RR intervals about once a second, then only HR. */
static void test_rr_device(void)
{
    bio_pipeline *p = bio_pipeline_new(NULL);
    double beat = 0, rr_sum = 0, prev = NAN, sum_sq = 0, window_start = 120.0 - 60.0;
    int diffs = 0;
    float msg[4];
    int in_msg = 0;
    double next_send = 1.0;
    lull_features f;
    while (beat < 120.0) {
        double rr = 900 + 60 * sin(2 * M_PI * 0.1 * beat);
        rr = round(rr); /* devices send whole milliseconds */
        beat += rr / 1000;
        rr_sum += rr;
        msg[in_msg++] = (float)rr;
        if (beat > window_start + 1.0 && isfinite(prev)) {
            sum_sq += (rr - prev) * (rr - prev);
            diffs++;
        }
        prev = rr;
        if (beat >= next_send || in_msg == 4) {
            bio_pipeline_push_rr(p, msg, (size_t)in_msg, beat);
            in_msg = 0;
            next_send += 1.0;
            bio_pipeline_features(p, beat, &f);
        }
    }
    bio_pipeline_features(p, beat, &f);
    double want = sqrt(sum_sq / diffs);
    printf("RR device: HR %.1f, RMSSD %.2f (formula on the last ~59 s: %.2f), coherence %.2f, "
           "quality %.2f\n",
           f.heart_rate, f.rmssd, want, f.coherence, f.heart_quality);
    CHECK(f.heart_state == LULL_SENSOR_OK && f.heart_quality > 0.9, "RR source fresh and good");
    CHECK(fabs(f.heart_rate - 60000.0 / 900.0) < 6, "HR %.1f", f.heart_rate);
    CHECK(fabs(f.rmssd - want) < 0.05 * want, "RMSSD %.2f vs %.2f", f.rmssd, want);
    CHECK(f.coherence > 3, "coherence %.2f for a 0.1 Hz oscillation", f.coherence);
    bio_pipeline_features(p, beat + 4.0, &f);
    CHECK(f.heart_state == LULL_SENSOR_STALE && f.heart_quality == 0,
          "stale 4 s after the last RR");
    bio_pipeline_push_hr(p, 64, beat + 5.0);
    bio_pipeline_features(p, beat + 5.5, &f);
    CHECK(f.heart_state == LULL_SENSOR_OK && f.heart_rate == 64, "HR-only message: %.1f",
          f.heart_rate);
    bio_pipeline_features(p, beat + 9.0, &f);
    CHECK(f.heart_state == LULL_SENSOR_STALE, "HR stale after 3 s");
    bio_pipeline_free(p);
}

int main(void)
{
    test_neurokit();
    test_artifacts();
    test_bad_input();
    test_arrival_jitter();
    test_rr_device();
    return check_finish("test_bio_pipeline");
}
