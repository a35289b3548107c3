/* PPG pulse detection: synthetic PPGs with known peaks (several rates, sampling
 * rates, noise and wander), then the NeuroKit resting recording, where every
 * pulse must follow an ECG beat of the same file at a steady delay (the pulse
 * arrival time). Also dropouts and cost per sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "beat_match.h"
#include "bio/beat_validator.h"
#include "bio/ecg_detector.h"
#include "bio/ppg_detector.h"
#include "bio_synth.h"
#include "check.h"
#include "records/record.h"

typedef struct beats {
    int64_t *idx;
    size_t n;
    double max_delay_s;
} beats;

static beats run_ppg(const float *x, size_t n, double fs, size_t block)
{
    beats b = {malloc(sizeof(int64_t) * (n / 10 + 64)), 0, 0.0};
    ppg_detector *d = ppg_detector_new(fs);
    CHECK(d != NULL, "ppg_detector_new(%g)", fs);
    if (!d) return b;
    int64_t out[64];
    for (size_t pos = 0; pos < n; pos += block) {
        size_t len = pos + block <= n ? block : n - pos;
        size_t got = ppg_detector_push(d, x + pos, len, out, 64);
        for (size_t k = 0; k < got; k++) {
            CHECK(b.n == 0 || out[k] > b.idx[b.n - 1], "beats increase");
            b.max_delay_s = fmax(b.max_delay_s, (double)((int64_t)(pos + len) - out[k]) / fs);
            b.idx[b.n++] = out[k];
        }
    }
    CHECK(b.max_delay_s <= ppg_detector_max_delay_s(d), "delay %.3f s beyond bound %.3f s",
          b.max_delay_s, ppg_detector_max_delay_s(d));
    ppg_detector_free(d);
    return b;
}

static void test_synthetic(void)
{
    struct {
        double fs, hr, noise, wander, jitter;
    } cases[] = {
        {100, 65, 0.03, 0.5, 15}, {100, 48, 0.05, 1.0, 25}, {100, 110, 0.03, 0.5, 10},
        {250, 75, 0.08, 0.8, 20}, {64, 90, 0.05, 0.5, 20},  {500, 60, 0.10, 1.5, 40},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bio_synth_ppg_config cfg;
        bio_synth_ppg_default(&cfg);
        cfg.fs = cases[c].fs;
        cfg.heart_rate_bpm = cases[c].hr;
        cfg.noise = cases[c].noise;
        cfg.wander = cases[c].wander;
        cfg.ibi_jitter_ms = cases[c].jitter;
        cfg.seed = (uint32_t)(c + 11);
        bio_synth_ppg p;
        if (bio_synth_ppg_make(&cfg, &p) != 0) {
            CHECK(0, "synth");
            continue;
        }
        beats b = run_ppg(p.x, p.n, cfg.fs, 32);
        beat_match_result m = beat_match(b.idx, b.n, p.peaks, p.n_peaks, cfg.fs, 0.150, NULL);
        printf("synthetic PPG fs %g Hz, %g bpm, noise %.2f, wander %.1f: %zu true, %zu found, "
               "Se %.2f%% PPV %.2f%%, peak error %.1f +- %.1f ms, max delay %.3f s\n",
               cfg.fs, cfg.heart_rate_bpm, cfg.noise, cfg.wander, p.n_peaks, b.n,
               100 * m.sensitivity, 100 * m.ppv, 1000 * m.mean_err_s, 1000 * m.sd_err_s,
               b.max_delay_s);
        CHECK(m.sensitivity >= 0.99 && m.ppv >= 0.99, "case %zu: Se %.4f PPV %.4f", c,
              m.sensitivity, m.ppv);
        CHECK(fabs(m.mean_err_s) < 0.030 && m.sd_err_s < 0.025, "case %zu: timing %.4f +- %.4f", c,
              m.mean_err_s, m.sd_err_s);
        free(b.idx);
        bio_synth_ppg_free(&p);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_neurokit(void)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/bio_resting_5min_100hz.csv", test_env("LULL_TEST_DATA"));
    bio_record *rec = NULL;
    if (!bio_record_read(path, 100.0, &rec, err, sizeof err)) {
        CHECK(0, "%s", err);
        return;
    }
    const bio_signal *ecg = bio_record_signal(rec, "ECG"), *ppg = bio_record_signal(rec, "PPG");
    beats pb = run_ppg(ppg->samples, ppg->n, ppg->fs, 10);
    ecg_detector *ed = ecg_detector_new(ecg->fs);
    int64_t *eb = malloc(sizeof(int64_t) * ecg->n / 20), out[64];
    size_t ne = 0;
    for (size_t pos = 0; pos < ecg->n; pos += 10) {
        size_t got = ecg_detector_push(ed, ecg->samples + pos, 10, out, 64);
        for (size_t k = 0; k < got; k++) eb[ne++] = out[k];
    }
    ecg_detector_free(ed);
    /* Each pulse follows the last ECG beat before it by the pulse arrival time,
     * which must be steady. */
    double *ptt = malloc(sizeof(double) * (pb.n + 1));
    size_t paired = 0, j = 0;
    for (size_t i = 0; i < pb.n; i++) {
        while (j + 1 < ne && eb[j + 1] < pb.idx[i]) j++;
        if (ne > 0 && eb[j] < pb.idx[i]) ptt[paired++] = (double)(pb.idx[i] - eb[j]) / ppg->fs;
    }
    double *sorted = malloc(sizeof(double) * (paired + 1));
    memcpy(sorted, ptt, sizeof(double) * paired);
    qsort(sorted, paired, sizeof(double), cmp_double);
    double med = paired ? sorted[paired / 2] : NAN;
    double iqr = paired ? sorted[3 * paired / 4] - sorted[paired / 4] : NAN;
    size_t steady = 0;
    for (size_t i = 0; i < paired; i++) steady += fabs(ptt[i] - med) < 0.08;
    /* ECG beats the validator keeps (this low-amplitude 100 Hz ECG has a few
     * motion artefacts the detector takes for beats) must each have a pulse. */
    beat_validator *v = beat_validator_new(NULL);
    size_t ecg_valid = 0, ecg_with_pulse = 0, ecg_flagged = 0, next_pulse = 0;
    beat_result res;
    for (size_t i = 0; i <= ne; i++) {
        int got = i < ne ? beat_validator_push(v, (double)eb[i] / ecg->fs, &res)
                         : beat_validator_flush(v, &res);
        if (!got) continue;
        if (res.flag != BEAT_VALID) {
            ecg_flagged++;
            continue;
        }
        ecg_valid++;
        int64_t at = llround(res.time_s * ecg->fs);
        while (next_pulse < pb.n && pb.idx[next_pulse] < at) next_pulse++;
        ecg_with_pulse +=
            next_pulse < pb.n && fabs((double)(pb.idx[next_pulse] - at) / ppg->fs - med) < 0.08;
    }
    beat_validator_free(v);
    printf("neurokit 5 min: %zu ECG beats (%zu flagged by the validator), %zu PPG beats; "
           "pulse delay after the ECG beat median %.3f s, IQR %.3f s, %.1f%% of pulses within "
           "80 ms of it; %zu of %zu valid ECG beats have their pulse\n",
           ne, ecg_flagged, pb.n, med, iqr, 100.0 * steady / (paired ? paired : 1), ecg_with_pulse,
           ecg_valid);
    CHECK(ne > 250 && ne < 500, "ECG beats %zu", ne);
    /* measured 96 %: the rest follow ECG artefacts the detector took for beats */
    CHECK(med > 0.1 && med < 0.6 && steady >= 0.95 * paired, "steady delay %.3f, %zu of %zu", med,
          steady, paired);
    CHECK(ecg_with_pulse >= 0.97 * ecg_valid,
          /* measured 98 % */ "valid ECG beats with a pulse %zu of %zu", ecg_with_pulse, ecg_valid);
    CHECK(pb.n <= ecg_valid + ecg_flagged && pb.n + 10 >= ecg_valid, "PPG %zu vs ECG %zu valid",
          pb.n, ecg_valid);
    free(sorted);
    free(ptt);
    free(eb);
    free(pb.idx);

    /* Dropout: 2 s of NaN; no pulse inside, the others unchanged; and the cost. */
    float *x = malloc(ppg->n * sizeof(float));
    memcpy(x, ppg->samples, ppg->n * sizeof(float));
    for (size_t i = 10000; i < 10200; i++) x[i] = NAN;
    beats clean = run_ppg(ppg->samples, ppg->n, ppg->fs, 50);
    beats gap = run_ppg(x, ppg->n, ppg->fs, 50);
    size_t inside = 0, kept = 0, expected = 0;
    for (size_t i = 0; i < gap.n; i++) inside += gap.idx[i] >= 10000 && gap.idx[i] < 10200;
    for (size_t i = 0; i < clean.n; i++) {
        if (clean.idx[i] > 9900 && clean.idx[i] < 10300) continue;
        expected++;
        for (size_t k = 0; k < gap.n; k++)
            if (llabs(gap.idx[k] - clean.idx[i]) <= 1) {
                kept++;
                break;
            }
    }
    printf("PPG dropout: %zu pulses inside the gap, %zu of %zu others unchanged\n", inside, kept,
           expected);
    CHECK(inside == 0 && kept + 2 >= expected, "dropout: inside %zu kept %zu/%zu", inside, kept,
          expected);
    free(x);
    free(clean.idx);
    free(gap.idx);

    ppg_detector *d = ppg_detector_new(ppg->fs);
    struct timespec t0, t1;
    size_t total = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int rep = 0; rep < 10; rep++)
        for (size_t pos = 0; pos < ppg->n; pos += 100)
            total += ppg_detector_push(d, ppg->samples + pos, 100, out, 64);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
                (10.0 * (double)ppg->n);
    printf("ppg_detector: %.1f ns per sample (%zu beats)\n", ns, total);
    CHECK(ns < 2000, "cost %.1f ns", ns);
    CHECK(ppg_detector_new(5.0) == NULL, "fs 5 Hz refused");
    ppg_detector_free(d);
    bio_record_free(rec);
}

int main(void)
{
    test_synthetic();
    test_neurokit();
    return check_finish("test_bio_ppg_beats");
}
