/* Beat validator: each rule on constructed beat sequences, then record 100's
 * premature beats (labels A and V by cardiologists), from the reference beat
 * times and from the ECG detector's own beats. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beat_match.h"
#include "bio/beat_validator.h"
#include "bio/ecg_detector.h"
#include "check.h"
#include "records/record.h"
#include "records/wfdb_record.h"

/* Runs the validator over beat times; results[i] is the verdict on beat i. */
static size_t validate(const double *t, size_t n, beat_result *results)
{
    beat_validator *v = beat_validator_new(NULL);
    CHECK(v != NULL, "validator");
    if (!v) return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += (size_t)beat_validator_push(v, t[i], &results[k]);
    k += (size_t)beat_validator_flush(v, &results[k]);
    beat_validator_free(v);
    return k;
}

/* Beat times from intervals (ms), the first beat at 1 s. */
static size_t times_from(const double *ms, size_t n, double *t)
{
    t[0] = 1.0;
    for (size_t i = 0; i < n; i++) t[i + 1] = t[i] + ms[i] / 1000.0;
    return n + 1;
}

static void test_rules(void)
{
    double ms[64], t[65];
    beat_result r[65];
    /* 20 regular beats at 800 ms with a slight wobble, then the pattern at 20. */
    for (int i = 0; i < 40; i++) ms[i] = 800 + 20 * sin(i);
    struct {
        const char *name;
        double a, b; /* intervals 20 and 21 replaced by these (b<0: merge) */
        beat_flag fa, fb;
        bool ectopic_a;
    } cases[] = {
        {"premature + compensatory", 520, 1080, BEAT_ECTOPIC, BEAT_ECTOPIC, true},
        {"extra beat", 350, 450, BEAT_EXTRA, BEAT_EXTRA, false},
        {"missed beat", 1600, 800, BEAT_MISSED, BEAT_VALID, false},
        {"too short", 250, 800, BEAT_ARTIFACT_RANGE, BEAT_VALID, false},
        {"too long", 2500, 800, BEAT_ARTIFACT_RANGE, BEAT_VALID, false},
        {"odd long", 1200, 800, BEAT_ARTIFACT_RATIO, BEAT_VALID, false},
        {"mildly short, no compensation", 720, 800, BEAT_VALID, BEAT_VALID, false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double m[40];
        memcpy(m, ms, sizeof m);
        m[20] = cases[c].a;
        m[21] = cases[c].b;
        size_t nb = times_from(m, 40, t);
        size_t k = validate(t, nb, r);
        CHECK(k == nb, "%s: one verdict per beat (%zu of %zu)", cases[c].name, k, nb);
        CHECK(r[0].flag == BEAT_FIRST && isnan(r[0].interval_ms), "%s: first", cases[c].name);
        /* beat i+1 ends interval i */
        CHECK(r[21].flag == cases[c].fa && r[22].flag == cases[c].fb,
              "%s: flags %s %s, expected %s %s", cases[c].name, beat_flag_name(r[21].flag),
              beat_flag_name(r[22].flag), beat_flag_name(cases[c].fa), beat_flag_name(cases[c].fb));
        CHECK(r[21].beat_ectopic == cases[c].ectopic_a && !r[22].beat_ectopic,
              "%s: ectopic beat flag", cases[c].name);
        CHECK(fabs(r[21].interval_ms - cases[c].a) < 1e-6 && fabs(r[21].time_s - t[21]) < 1e-12,
              "%s: interval %.3f", cases[c].name, r[21].interval_ms);
        size_t others = 0;
        for (size_t i = 1; i < k; i++)
            if (i != 21 && i != 22) others += r[i].flag != BEAT_VALID;
        CHECK(others == 0, "%s: %zu other intervals flagged", cases[c].name, others);
    }
    /* A real change of rate (1000 -> 600 ms) is flagged briefly, then followed. */
    for (int i = 0; i < 40; i++) ms[i] = i < 15 ? 1000 : 600;
    size_t nb = times_from(ms, 40, t);
    size_t k = validate(t, nb, r);
    size_t flagged_after = 0;
    for (size_t i = 16; i < k; i++) flagged_after += r[i].flag != BEAT_VALID;
    CHECK(flagged_after <= 6 && r[k - 1].flag == BEAT_VALID,
          "rate step: %zu intervals flagged before following", flagged_after);
    /* Time going backwards is ignored; a bad config is refused. */
    beat_validator *v = beat_validator_new(NULL);
    beat_result one;
    CHECK(beat_validator_push(v, 1.0, &one) == 0 && beat_validator_push(v, 0.5, &one) == 0 &&
              beat_validator_push(v, 1.8, &one) == 1 && one.flag == BEAT_FIRST,
          "non-increasing time ignored");
    beat_validator_free(v);
    beat_validator_config cfg;
    beat_validator_config_default(&cfg);
    cfg.ratio_low = 1.2;
    CHECK(beat_validator_new(&cfg) == NULL, "bad config refused");
}

typedef struct premature_score {
    size_t prem, prem_ectopic, normal, normal_ectopic, normal_flagged;
} premature_score;

/* beats: times in s with the reference symbol of each ('?' = unmatched detection). */
static premature_score score(const double *t, const char *sym, size_t n)
{
    beat_result *r = malloc(sizeof(beat_result) * (n + 1));
    size_t k = validate(t, n, r);
    premature_score s = {0};
    for (size_t i = 0; i < k && i < n; i++) {
        bool prem = sym[i] == 'A' || sym[i] == 'V';
        bool after_prem = i > 0 && (sym[i - 1] == 'A' || sym[i - 1] == 'V');
        if (prem) {
            s.prem++;
            s.prem_ectopic += r[i].beat_ectopic;
        } else if (sym[i] == 'N') {
            s.normal++;
            s.normal_ectopic += r[i].beat_ectopic;
            /* the compensatory interval after a premature beat is rightly flagged */
            s.normal_flagged += !after_prem && r[i].flag != BEAT_VALID && r[i].flag != BEAT_FIRST;
        }
    }
    free(r);
    return s;
}

static void test_record_100(void)
{
    char hea[1024], ann[1024], err[512];
    const char *dir = test_env("LULL_TEST_DATA");
    snprintf(hea, sizeof hea, "%s/100.hea", dir);
    snprintf(ann, sizeof ann, "%s/100.atr", dir);
    bio_record *rec = NULL;
    if (!wfdb_record_read(hea, &rec, err, sizeof err) ||
        !wfdb_annotations_read(ann, 360.0, rec, err, sizeof err)) {
        CHECK(0, "%s", err);
        bio_record_free(rec);
        return;
    }
    size_t n = 0;
    double *t = malloc(sizeof(double) * rec->nann);
    char *sym = malloc(rec->nann);
    int64_t *ref = malloc(sizeof(int64_t) * rec->nann);
    for (size_t i = 0; i < rec->nann; i++) {
        if (!wfdb_code_is_beat(rec->ann[i].code)) continue;
        ref[n] = rec->ann[i].sample;
        t[n] = (double)rec->ann[i].sample / rec->ann_fs;
        sym[n++] = rec->ann[i].symbol;
    }
    premature_score s = score(t, sym, n);
    printf("100 reference beats: %zu of %zu premature beats flagged ectopic (%.1f%%); "
           "normal beats: %zu of %zu called ectopic, %zu of %zu intervals flagged (%.2f%%)\n",
           s.prem_ectopic, s.prem, 100.0 * s.prem_ectopic / s.prem, s.normal_ectopic, s.normal,
           s.normal_flagged, s.normal, 100.0 * s.normal_flagged / s.normal);
    CHECK(s.prem == 34, "premature beats %zu", s.prem);
    CHECK(s.prem_ectopic >= 0.8 * s.prem, "premature flagged %zu of %zu", s.prem_ectopic, s.prem);
    CHECK(s.normal_ectopic <= 0.02 * s.normal, "normal called ectopic %zu", s.normal_ectopic);
    CHECK(s.normal_flagged <= 0.02 * s.normal, "normal intervals flagged %zu", s.normal_flagged);

    /* End to end: the detector's beats, labelled by the reference they match. */
    const bio_signal *ml = bio_record_signal(rec, "MLII");
    ecg_detector *d = ecg_detector_new(ml->fs);
    int64_t *det = malloc(sizeof(int64_t) * (n + 100)), out[64];
    size_t nd = 0;
    for (size_t pos = 0; pos < ml->n; pos += 360) {
        size_t len = pos + 360 <= ml->n ? 360 : ml->n - pos;
        size_t got = ecg_detector_push(d, ml->samples + pos, len, out, 64);
        for (size_t k = 0; k < got && nd < n + 100; k++) det[nd++] = out[k];
    }
    ecg_detector_free(d);
    double *dt = malloc(sizeof(double) * (nd + 1));
    char *dsym = malloc(nd + 1);
    size_t j = 0;
    for (size_t i = 0; i < nd; i++) {
        dt[i] = (double)det[i] / ml->fs;
        while (j < n && ref[j] < det[i] - 54) j++;
        dsym[i] = j < n && llabs(ref[j] - det[i]) <= 54 ? sym[j] : '?';
    }
    premature_score e = score(dt, dsym, nd);
    printf("100 detected beats: %zu of %zu premature beats flagged ectopic (%.1f%%); "
           "normal: %zu called ectopic, %zu of %zu intervals flagged (%.2f%%)\n",
           e.prem_ectopic, e.prem, 100.0 * e.prem_ectopic / e.prem, e.normal_ectopic,
           e.normal_flagged, e.normal, 100.0 * e.normal_flagged / e.normal);
    CHECK(e.prem_ectopic >= 0.8 * e.prem, "detected premature flagged %zu of %zu", e.prem_ectopic,
          e.prem);
    CHECK(e.normal_ectopic <= 0.02 * e.normal && e.normal_flagged <= 0.02 * e.normal,
          "detected normal flagged %zu/%zu", e.normal_ectopic, e.normal_flagged);
    free(dt);
    free(dsym);
    free(det);
    free(t);
    free(sym);
    free(ref);
    bio_record_free(rec);
}

int main(void)
{
    test_rules();
    test_record_100();
    return check_finish("test_bio_beat_validator");
}
