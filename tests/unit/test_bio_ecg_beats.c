/* ECG beat detection on real records against reference annotations:
 * MIT-BIH 100 (MLII, cardiologists' labels) and MIMIC II 03700181 (MCL1 at
 * 500 Hz, machine gqrs labels). Also: block-size independence, dropouts (NaN),
 * detection delay and cost per sample. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "beat_match.h"
#include "bio/ecg_detector.h"
#include "check.h"
#include "records/record.h"
#include "records/wfdb_record.h"

typedef struct run_result {
    int64_t *beats;
    size_t n;
    double max_delay_s, mean_delay_s, delay_bound_s;
} run_result;

/* Runs the detector over x in blocks of `block` samples; records when each beat
 * was reported to measure the detection delay. */
static run_result run_detector(const float *x, size_t n, double fs, size_t block)
{
    run_result r = {0};
    r.beats = malloc(sizeof(int64_t) * (n / 20 + 64));
    ecg_detector *d = ecg_detector_new(fs);
    CHECK(d != NULL, "ecg_detector_new(%g)", fs);
    if (!d || !r.beats) return r;
    r.delay_bound_s = ecg_detector_max_delay_s(d);
    int64_t out[64];
    double delay_sum = 0.0;
    for (size_t pos = 0; pos < n; pos += block) {
        size_t len = pos + block <= n ? block : n - pos;
        size_t got = ecg_detector_push(d, x + pos, len, out, 64);
        for (size_t k = 0; k < got; k++) {
            double delay = (double)((int64_t)(pos + len) - out[k]) / fs;
            /* beats found while learning thresholds are reported at its end */
            if (out[k] > (int64_t)(3.0 * fs)) {
                r.max_delay_s = fmax(r.max_delay_s, delay);
                delay_sum += delay;
            }
            CHECK(r.n == 0 || out[k] > r.beats[r.n - 1], "beats increase");
            r.beats[r.n++] = out[k];
        }
    }
    r.mean_delay_s = r.n ? delay_sum / (double)r.n : 0.0;
    ecg_detector_free(d);
    return r;
}

/* Reference beats converted to sample indices of a signal sampled at fs. */
static int64_t *reference_beats(const bio_record *rec, double fs, size_t *n_out, char only)
{
    int64_t *ref = malloc(sizeof(int64_t) * (rec->nann + 1));
    size_t n = 0;
    for (size_t i = 0; ref && i < rec->nann; i++)
        if (wfdb_code_is_beat(rec->ann[i].code) && (!only || rec->ann[i].symbol == only))
            ref[n++] = llround((double)rec->ann[i].sample * fs / rec->ann_fs);
    *n_out = n;
    return ref;
}

typedef struct scored {
    bio_record *rec;
    const bio_signal *sig;
    int64_t *ref;
    size_t n_ref;
    run_result run;
    beat_match_result m;
    unsigned char *det_matched;
} scored;

static int load_and_score(scored *sc, const char *name, const char *header, const char *ann_file,
                          double frame_fs, const char *lead)
{
    char err[512];
    memset(sc, 0, sizeof *sc);
    bool ok = wfdb_record_read(header, &sc->rec, err, sizeof err);
    CHECK(ok, "%s", err);
    if (!ok) return -1;
    ok = wfdb_annotations_read(ann_file, frame_fs, sc->rec, err, sizeof err);
    CHECK(ok, "%s", err);
    sc->sig = bio_record_signal(sc->rec, lead);
    CHECK(sc->sig != NULL, "%s has %s", name, lead);
    if (!ok || !sc->sig) return -1;
    const bio_signal *s = sc->sig;
    sc->ref = reference_beats(sc->rec, s->fs, &sc->n_ref, 0);
    sc->run = run_detector(s->samples, s->n, s->fs, 64);
    sc->det_matched = malloc(sc->run.n + 1);
    sc->m = beat_match(sc->run.beats, sc->run.n, sc->ref, sc->n_ref, s->fs, 0.150, sc->det_matched);
    printf("%s %s: %zu reference beats, %zu detected, TP %zu FN %zu FP %zu, "
           "Se %.2f%% PPV %.2f%%, R offset %.1f +- %.1f ms, delay mean %.3f s max %.3f s "
           "(bound %.3f s)\n",
           name, lead, sc->n_ref, sc->run.n, sc->m.true_pos, sc->m.false_neg, sc->m.false_pos,
           100 * sc->m.sensitivity, 100 * sc->m.ppv, 1000 * sc->m.mean_err_s, 1000 * sc->m.sd_err_s,
           sc->run.mean_delay_s, sc->run.max_delay_s, sc->run.delay_bound_s);
    CHECK(sc->run.max_delay_s <= sc->run.delay_bound_s, "delay %.3f beyond the bound %.3f",
          sc->run.max_delay_s, sc->run.delay_bound_s);
    return 0;
}

static void scored_free(scored *sc)
{
    free(sc->ref);
    free(sc->run.beats);
    free(sc->det_matched);
    bio_record_free(sc->rec);
}

/* MIT-BIH 100 against the cardiologists' labels. */
static void test_mitbih_100(const char *dir)
{
    char hea[1024], ann[1024];
    snprintf(hea, sizeof hea, "%s/100.hea", dir);
    snprintf(ann, sizeof ann, "%s/100.atr", dir);
    scored sc;
    if (load_and_score(&sc, "100", hea, ann, 360.0, "MLII") == 0) {
        CHECK(sc.m.sensitivity >= 0.995, "100 sensitivity %.4f", sc.m.sensitivity);
        CHECK(sc.m.ppv >= 0.995, "100 PPV %.4f", sc.m.ppv);
        /* The labels sit on the R peak: the refined time must be close to it. */
        CHECK(fabs(sc.m.mean_err_s) < 0.015 && sc.m.sd_err_s < 0.010, "R timing %.4f +- %.4f s",
              sc.m.mean_err_s, sc.m.sd_err_s);
        /* Premature beats (A, V) must be found as beats too. */
        size_t n_prem, found = 0;
        int64_t *prem = reference_beats(sc.rec, sc.sig->fs, &n_prem, 'A');
        beat_match_result pm =
            beat_match(sc.run.beats, sc.run.n, prem, n_prem, sc.sig->fs, 0.150, NULL);
        found = pm.true_pos;
        free(prem);
        prem = reference_beats(sc.rec, sc.sig->fs, &n_prem, 'V');
        pm = beat_match(sc.run.beats, sc.run.n, prem, n_prem, sc.sig->fs, 0.150, NULL);
        found += pm.true_pos;
        free(prem);
        printf("100: %zu of 34 premature beats (33 A, 1 V) detected\n", found);
        CHECK(found >= 33, "premature beats detected %zu", found);
    }
    scored_free(&sc);
}

static double peak_to_peak(const bio_signal *s, int64_t at, double half_width_s)
{
    int64_t h = llround(half_width_s * s->fs);
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = at - h; i <= at + h; i++) {
        if (i < 0 || (size_t)i >= s->n || isnan(s->samples[i])) continue;
        lo = fmin(lo, s->samples[i]);
        hi = fmax(hi, s->samples[i]);
    }
    return hi > lo ? hi - lo : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* MIMIC II 03700181 against gqrs, a machine detector whose output nobody
 * reviewed. Every detection gqrs lacks is examined: if it lies in the middle of
 * a gqrs interval of about two beats and the raw ECG holds a full-size QRS
 * there, it is a beat gqrs missed, counted as such and reported. */
static void test_mimic_03700181(const char *dir)
{
    char hea[1024], ann[1024];
    snprintf(hea, sizeof hea, "%s/03700181.hea", dir);
    snprintf(ann, sizeof ann, "%s/03700181.gqrsh", dir);
    scored sc;
    if (load_and_score(&sc, "03700181", hea, ann, 125.0, "MCL1") != 0 || sc.n_ref < 100) {
        scored_free(&sc);
        return;
    }
    const bio_signal *s = sc.sig;
    double fs = s->fs;
    /* Typical QRS size and RR of the beats both detectors agree on. */
    double *amp = malloc(sizeof(double) * (sc.run.n + 1));
    size_t n_amp = 0;
    for (size_t i = 0; i < sc.run.n; i++)
        if (sc.det_matched[i]) amp[n_amp++] = peak_to_peak(s, sc.run.beats[i], 0.06);
    qsort(amp, n_amp, sizeof(double), cmp_double);
    double typical_amp = amp[n_amp / 2];
    free(amp);

    size_t before_first = 0, gqrs_missed = 0, unexplained = 0;
    int64_t tol = llround(0.150 * fs);
    for (size_t i = 0; i < sc.run.n; i++) {
        if (sc.det_matched[i]) continue;
        int64_t t = sc.run.beats[i];
        if (t < sc.ref[0] - tol || t > sc.ref[sc.n_ref - 1] + tol) {
            before_first++; /* gqrs annotates nothing before 2.1 s (its learning) */
            continue;
        }
        size_t k = 0;
        while (k + 1 < sc.n_ref && sc.ref[k + 1] < t) k++;
        /* the detector's own intervals around this beat give the local rhythm */
        int64_t prev = i > 0 ? sc.run.beats[i - 1] : t,
                next = i + 1 < sc.run.n ? sc.run.beats[i + 1] : t;
        double local_rr = (double)(next - prev) / 2.0;
        /* gqrs sometimes skips a run of beats: its interval then spans `beats`
         * local RRs and this detection must sit near one of the inner grid points
         * (within a quarter interval: the rhythm is not perfectly regular). */
        double gap = k + 1 < sc.n_ref ? (double)(sc.ref[k + 1] - sc.ref[k]) : 0.0;
        double beats = round(gap / local_rr);
        double step = beats > 0 ? gap / beats : 0.0;
        /* in gqrs's time frame: its marks sit a constant offset before ours */
        double since = (double)(t - sc.ref[k]) - sc.m.mean_err_s * fs;
        double j = step > 0 ? round(since / step) : 0.0;
        double amp_here = peak_to_peak(s, t, 0.06);
        int explained = beats >= 2 && fabs(gap / local_rr - beats) < 0.2 * beats && j >= 1 &&
                        j < beats && fabs(since - j * step) < 0.25 * step &&
                        amp_here > 0.5 * typical_amp;
        if (explained)
            gqrs_missed++;
        else {
            unexplained++;
            printf("  unexplained extra detection at %.3f s (gqrs gap %.3f s, local RR %.3f s, "
                   "QRS %.2f of typical)\n",
                   (double)t / fs, gap / fs, local_rr / fs, amp_here / typical_amp);
        }
    }
    double fp_true = (double)unexplained;
    double ppv_corrected =
        (double)(sc.m.true_pos + gqrs_missed) / ((double)(sc.m.true_pos + gqrs_missed) + fp_true);
    double se_corrected = (double)(sc.m.true_pos + gqrs_missed) / (double)(sc.n_ref + gqrs_missed);
    printf(
        "03700181: of %zu detections gqrs lacks, %zu precede its first beat, %zu are beats "
        "gqrs missed (on the beat grid of a long gqrs interval, full-size QRS), %zu unexplained; "
        "against gqrs + its missed beats: Se %.2f%% PPV %.2f%%\n",
        sc.m.false_pos, before_first, gqrs_missed, unexplained, 100 * se_corrected,
        100 * ppv_corrected);
    CHECK(sc.m.sensitivity >= 0.995, "03700181 sensitivity vs gqrs %.4f", sc.m.sensitivity);
    CHECK(ppv_corrected >= 0.995, "03700181 PPV (gqrs misses counted) %.4f", ppv_corrected);
    CHECK(se_corrected >= 0.995, "03700181 Se (gqrs misses counted) %.4f", se_corrected);
    scored_free(&sc);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Block size must not change anything; dropouts must not create beats or NaN;
 * and the cost per sample is reported. Uses record 100. */
static void test_blocks_gaps_cost(const char *dir)
{
    char hea[1024], err[512];
    snprintf(hea, sizeof hea, "%s/100.hea", dir);
    bio_record *rec = NULL;
    if (!wfdb_record_read(hea, &rec, err, sizeof err)) {
        CHECK(0, "%s", err);
        return;
    }
    const bio_signal *s = bio_record_signal(rec, "MLII");
    size_t n = 5 * 60 * 360; /* first five minutes */
    run_result one = run_detector(s->samples, n, s->fs, 1);
    run_result big = run_detector(s->samples, n, s->fs, 4096);
    int same = one.n == big.n;
    for (size_t i = 0; same && i < one.n; i++) same = one.beats[i] == big.beats[i];
    CHECK(same && one.n > 300, "block size 1 and 4096 give the same %zu/%zu beats", one.n, big.n);

    /* Dropouts: 3 s of NaN at 60 s, 20 ms of NaN at 120 s, Inf at 150 s. */
    float *x = malloc(n * sizeof(float));
    memcpy(x, s->samples, n * sizeof(float));
    for (size_t i = 60 * 360; i < 63 * 360; i++) x[i] = NAN;
    for (size_t i = 120 * 360; i < 120 * 360 + 7; i++) x[i] = NAN;
    x[150 * 360] = INFINITY;
    run_result gap = run_detector(x, n, s->fs, 100);
    size_t in_gap = 0;
    for (size_t i = 0; i < gap.n; i++)
        in_gap += gap.beats[i] >= 60 * 360 && gap.beats[i] < 63 * 360;
    /* Every clean beat away from the long gap must still be found, at the same place. */
    size_t kept = 0, expected = 0;
    for (size_t i = 0; i < one.n; i++) {
        if (one.beats[i] > 59 * 360 && one.beats[i] < 65 * 360) continue;
        expected++;
        for (size_t k = 0; k < gap.n; k++)
            if (llabs(gap.beats[k] - one.beats[i]) <= 2) {
                kept++;
                break;
            }
    }
    printf("dropouts: %zu beats inside the 3 s gap, %zu of %zu beats elsewhere unchanged\n", in_gap,
           kept, expected);
    CHECK(in_gap == 0, "beats inside a gap: %zu", in_gap);
    CHECK(kept + 2 >= expected, "beats kept around dropouts %zu of %zu", kept, expected);
    free(x);

    /* A flat line and a line of noise-free constant offset give no beats. */
    float *flat = calloc(20 * 360, sizeof(float));
    for (size_t i = 0; i < 20 * 360; i++) flat[i] = 1.5f;
    run_result fr = run_detector(flat, 20 * 360, 360.0, 256);
    CHECK(fr.n == 0, "flat line gives %zu beats", fr.n);
    free(flat);
    free(fr.beats);

    /* Cost: the whole 30 minutes in 256-sample blocks. */
    ecg_detector *d = ecg_detector_new(s->fs);
    int64_t out[64];
    size_t beats = 0;
    double t0 = now_s();
    for (size_t pos = 0; pos < s->n; pos += 256) {
        size_t len = pos + 256 <= s->n ? 256 : s->n - pos;
        beats += ecg_detector_push(d, s->samples + pos, len, out, 64);
    }
    double ns = (now_s() - t0) * 1e9 / (double)s->n;
    /* A figure for the record, never asserted: timing depends on the machine. */
    printf("ecg_detector: %.1f ns per sample at 360 Hz (%zu beats)\n", ns, beats);
    CHECK(beats > 2000, "only %zu beats in the timed pass", beats);
    ecg_detector_reset(d);
    size_t again = 0;
    for (size_t pos = 0; pos < n; pos += 256) {
        size_t len = pos + 256 <= n ? 256 : n - pos;
        again += ecg_detector_push(d, s->samples + pos, len, out, 64);
    }
    CHECK(again == one.n, "after reset: %zu beats, fresh detector %zu", again, one.n);
    CHECK(ecg_detector_new(20.0) == NULL, "fs 20 Hz refused");
    ecg_detector_free(d);
    free(one.beats);
    free(big.beats);
    free(gap.beats);
    bio_record_free(rec);
}

/* Junk a hostile client can send (lulld's flood test found this): sawtooth ramps,
 * NaN gaps and steps, at several rates, from the very first sample. The detector
 * must neither read outside its buffers (ASan) nor report absurd beat indices. */
static void test_junk_input(void)
{
    const double rates[] = {50, 125, 250, 360, 1000};
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        ecg_detector *d = ecg_detector_new(rates[r]);
        CHECK(d != NULL, "no detector at %g Hz", rates[r]);
        if (!d) continue;
        float x[37];
        int64_t beats[64];
        int64_t pushed = 0, last = -1;
        bool ordered = true;
        for (int k = 0; k < 4000; k++) {
            for (int i = 0; i < 37; i++) {
                int j = k * 37 + i;
                x[i] = (k / 50) % 5 == 3 ? NAN : (float)((j % 8) * 0.1);
                if ((k / 70) % 3 == 1) x[i] = (j % 2) ? 0.7f : 0.0f;
            }
            size_t nb = ecg_detector_push(d, x, 37, beats, 64);
            pushed += 37;
            for (size_t b = 0; b < nb; b++) {
                ordered &= beats[b] > last && beats[b] >= 0 && beats[b] < pushed;
                last = beats[b];
            }
        }
        CHECK(ordered, "%g Hz: beat indices out of order or range on junk input", rates[r]);
        ecg_detector_free(d);
    }
}

int main(void)
{
    test_junk_input();
    const char *dir = test_env("LULL_TEST_DATA");
    test_mitbih_100(dir);
    test_mimic_03700181(dir);
    test_blocks_gaps_cost(dir);
    return check_finish("test_bio_ecg_beats");
}
