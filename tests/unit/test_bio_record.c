/* Record readers on real files: WFDB headers, formats 212 with several samples
 * per frame, MIT annotations (standard and high resolution), CSV, and errors that
 * name the file and line. Decoding is checked against the checksums and initial
 * values the WFDB headers carry, not against numbers taken from this reader. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "records/csv_record.h"
#include "records/record.h"
#include "records/wfdb_record.h"

static char data_dir[1024];
static char tmp_dir[1024];

static const char *data_path(const char *name)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s/%s", data_dir, name);
    return buf;
}

/* Rebuilds a WFDB header's checksum (16-bit sum of the ADC values) and initial
 * value from physical samples: adc = value * gain + baseline. */
static void adc_check(const bio_signal *s, double gain, double baseline, int initval, int checksum,
                      size_t skip_last)
{
    int64_t sum = 0;
    for (size_t i = 0; i + skip_last < s->n; i++)
        sum += (int64_t)lrint((double)s->samples[i] * gain + baseline);
    int16_t sum16 = (int16_t)(uint16_t)(sum & 0xFFFF);
    CHECK(sum16 == checksum, "%s checksum %d, header says %d", s->name, sum16, checksum);
    long first = lrint((double)s->samples[0] * gain + baseline);
    CHECK(first == initval, "%s first sample %ld, header says %d", s->name, first, initval);
}

static void test_mitbih_100(void)
{
    char err[512];
    bio_record *rec = NULL;
    bool ok = bio_record_read(data_path("100"), 0, &rec, err, sizeof err);
    CHECK(ok, "read 100: %s", err);
    if (!ok) return;
    CHECK(rec->nsig == 2, "nsig %zu", rec->nsig);
    CHECK(strcmp(rec->name, "100") == 0, "name %s", rec->name);
    const bio_signal *ml = bio_record_signal(rec, "mlii");
    const bio_signal *v5 = bio_record_signal(rec, "V5");
    CHECK(ml && v5, "signals MLII and V5 present");
    if (ml && v5) {
        CHECK(ml->fs == 360.0 && v5->fs == 360.0, "fs %g %g", ml->fs, v5->fs);
        CHECK(ml->n == 650000 && v5->n == 650000, "n %zu %zu", ml->n, v5->n);
        CHECK(strcmp(ml->units, "mV") == 0, "units '%s'", ml->units);
        adc_check(ml, 200, 1024, 995, -22131, 0);
        adc_check(v5, 200, 1024, 1011, 20052, 0);
    }
    ok = wfdb_annotations_read(data_path("100.atr"), 360.0, rec, err, sizeof err);
    CHECK(ok, "read 100.atr: %s", err);
    CHECK(rec->ann_fs == 360.0, "ann_fs %g", rec->ann_fs);
    size_t beats = 0, n_N = 0, n_A = 0, n_V = 0;
    int sorted = 1;
    for (size_t i = 0; i < rec->nann; i++) {
        const bio_annotation *a = &rec->ann[i];
        if (i && a->sample < rec->ann[i - 1].sample) sorted = 0;
        if (!wfdb_code_is_beat(a->code)) continue;
        beats++;
        n_N += a->symbol == 'N';
        n_A += a->symbol == 'A';
        n_V += a->symbol == 'V';
    }
    /* PhysioNet's MIT-BIH directory lists record 100 as 2239 N, 33 A, 1 V. */
    CHECK(beats == 2273, "beats %zu", beats);
    CHECK(n_N == 2239 && n_A == 33 && n_V == 1, "N %zu A %zu V %zu", n_N, n_A, n_V);
    CHECK(sorted, "annotations sorted");
    CHECK(rec->nann > 0 && rec->ann[rec->nann - 1].sample < 650000, "last annotation in record");
    bio_record_free(rec);
}

static void test_mimic_03700181(void)
{
    char err[512];
    bio_record *rec = NULL;
    bool ok = bio_record_read(data_path("03700181.hea"), 0, &rec, err, sizeof err);
    CHECK(ok, "read 03700181: %s", err);
    if (!ok) return;
    CHECK(rec->nsig == 3, "nsig %zu", rec->nsig);
    const bio_signal *ecg = bio_record_signal(rec, "MCL1");
    const bio_signal *abp = bio_record_signal(rec, "ABP");
    const bio_signal *resp = bio_record_signal(rec, "RESP");
    CHECK(ecg && abp && resp, "signals present");
    if (ecg && abp && resp) {
        CHECK(ecg->fs == 500.0 && ecg->n == 300000, "ECG fs %g n %zu", ecg->fs, ecg->n);
        CHECK(abp->fs == 125.0 && abp->n == 75000, "ABP fs %g n %zu", abp->fs, abp->n);
        CHECK(resp->fs == 125.0 && resp->n == 75000, "RESP fs %g n %zu", resp->fs, resp->n);
        CHECK(strcmp(abp->units, "mmHg") == 0, "ABP units '%s'", abp->units);
        adc_check(ecg, 2963.77, 0, 67, -11266, 0);
        adc_check(abp, 12.84, -1605, -943, -23651, 0);
        /* Physical units: a pressure, not ADC counts (this ICU line reads low). */
        double lo = 1e9, hi = -1e9;
        for (size_t i = 0; i < abp->n; i++) {
            if (abp->samples[i] < lo) lo = abp->samples[i];
            if (abp->samples[i] > hi) hi = abp->samples[i];
        }
        CHECK(lo > 0 && hi > lo + 20 && hi < 300, "ABP range %.1f..%.1f mmHg", lo, hi);
        /* RESP is skewed by 4 frames: its last 4 samples have no data. */
        CHECK(isnan(resp->samples[resp->n - 1]) && !isnan(resp->samples[resp->n - 5]),
              "RESP skew tail");
    }
    ok = wfdb_annotations_read(data_path("03700181.gqrsh"), 125.0, rec, err, sizeof err);
    CHECK(ok, "read gqrsh: %s", err);
    CHECK(rec->ann_fs == 500.0, "high-resolution annotations: ann_fs %g", rec->ann_fs);
    size_t beats = 0;
    int64_t last = -1;
    for (size_t i = 0; i < rec->nann; i++)
        if (wfdb_code_is_beat(rec->ann[i].code)) beats++, last = rec->ann[i].sample;
    /* Ten minutes of a heart at 60..150 bpm, the last beat near the end. */
    CHECK(beats > 600 && beats < 1500, "gqrs beats %zu", beats);
    CHECK(last > 290000 && last < 300000, "last beat at %lld", (long long)last);
    printf("03700181: %zu gqrs beats\n", beats);
    bio_record_free(rec);
}

static void test_neurokit_csv(void)
{
    char err[512];
    bio_record *rec = NULL;
    bool ok = bio_record_read(data_path("bio_resting_5min_100hz.csv"), 0, &rec, err, sizeof err);
    CHECK(!ok && strstr(err, "bio_resting_5min_100hz.csv") && strstr(err, "rate"),
          "no rate and no time_s column is an error naming the file: %s", err);
    ok = bio_record_read(data_path("bio_resting_5min_100hz.csv"), 100.0, &rec, err, sizeof err);
    CHECK(ok, "read csv: %s", err);
    if (!ok) return;
    CHECK(rec->nsig == 3, "nsig %zu", rec->nsig);
    const char *names[3] = {"ECG", "PPG", "RSP"};
    for (int i = 0; i < 3 && (size_t)i < rec->nsig; i++) {
        CHECK(strcmp(rec->signals[i].name, names[i]) == 0, "name %s", rec->signals[i].name);
        CHECK(rec->signals[i].n == 30000 && rec->signals[i].fs == 100.0, "n %zu fs %g",
              rec->signals[i].n, rec->signals[i].fs);
    }
    /* First row of the file: 0.003766485194893143,-0.1025390625,0.4946524989068091 */
    CHECK(fabsf(rec->signals[0].samples[0] - 0.0037664852f) < 1e-9f, "ECG[0]");
    CHECK(rec->signals[1].samples[0] == -0.1025390625f, "PPG[0]");
    bio_record_free(rec);
}

static const char *write_tmp(const char *name, const char *text)
{
    static char path[2048];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static void expect_error(const char *path, double fs, const char *must_contain)
{
    char err[512] = "";
    bio_record *rec = NULL;
    bool ok = bio_record_read(path, fs, &rec, err, sizeof err);
    CHECK(!ok && rec == NULL, "%s should fail", path);
    CHECK(strstr(err, must_contain) != NULL, "error '%s' should contain '%s'", err, must_contain);
}

static void test_csv_time_column_and_errors(void)
{
    char err[512];
    bio_record *rec = NULL;
    const char *p =
        write_tmp("t.csv", "time_s,ECG, \"PPG\"\r\n0.00,1,2\r\n0.004,,4\r\n0.008,5,nan\r\n");
    bool ok = bio_record_read(p, 0, &rec, err, sizeof err);
    CHECK(ok, "time_s csv: %s", err);
    if (ok) {
        CHECK(rec->nsig == 2 && fabs(rec->signals[0].fs - 250.0) < 1e-9, "fs %g",
              rec->signals[0].fs);
        CHECK(strcmp(rec->signals[1].name, "PPG") == 0, "quoted name '%s'", rec->signals[1].name);
        CHECK(isnan(rec->signals[0].samples[1]) && isnan(rec->signals[1].samples[2]) &&
                  rec->signals[1].samples[1] == 4.0f,
              "empty and nan cells");
        bio_record_free(rec);
    }
    expect_error(write_tmp("bad_num.csv", "ECG,PPG\n1,2\n3,x7\n"), 100, "bad_num.csv:3:");
    expect_error(write_tmp("bad_cols.csv", "ECG,PPG\n1,2\n3\n"), 100, "bad_cols.csv:3:");
    expect_error(write_tmp("bad_time.csv", "time_s,ECG\n0,1\n0.01,1\n0.05,1\n0.03,1\n"), 0,
                 "bad_time.csv:4:");
    expect_error(write_tmp("empty.csv", ""), 100, "empty.csv");
    expect_error(write_tmp("bad.hea", "rec 2 360 100\nrec.dat 212 200 11 1024 0 0 0 A\n"), 0,
                 "bad.hea:2: header announces 2 signals");
    expect_error(write_tmp("fmt.hea", "rec 1 360 100\n\n# c\nrec.dat 999 200 11 1024 0 0 0 A\n"), 0,
                 "fmt.hea:4: signal format 999");
    expect_error(write_tmp("gain.hea", "rec 1 360 100\nrec.dat 16 2x00/mV 11 1024 0 0 0 A\n"), 0,
                 "gain.hea:2: bad gain");
    expect_error(write_tmp("nodat.hea", "nodat 1 360 100\nnodat.dat 16 200 16 0 0 0 0 A\n"), 0,
                 "nodat.dat: cannot read");
    /* A data file shorter than the header says. */
    write_tmp("short.dat", "abcd");
    expect_error(write_tmp("short.hea", "short 1 360 100\nshort.dat 16 200 16 0 0 0 0 A\n"), 0,
                 "short.dat: file is shorter");
    /* Hostile headers: a length whose sample count would wrap size_t, and a skew
     * that would index far outside the data (both once overflowed a buffer). */
    write_tmp("huge.dat", "abcdabcd");
    expect_error(
        write_tmp("huge.hea", "huge 1 360 4611686018427387904\nhuge.dat 212 200 12 0 0 0 0 A\n"), 0,
        "huge.dat: file is shorter");
    write_tmp("skew.dat", "abcdabcd");
    expect_error(write_tmp("skew.hea",
                           "skew 1 360 1\nskew.dat 212x2:6148914691236517205 200 12 0 0 0 0 A\n"),
                 0, "skew 6148914691236517205 is longer than the record");
    /* A time grid whose step is not a finite positive number, a value beyond float. */
    expect_error(write_tmp("inf.csv", "time_s,ECG\n-1e308,0\n1e308,0\n"), 0, "inf.csv");
    expect_error(write_tmp("big.csv", "time_s,ECG\n0,0\n0.01,1e39\n"), 0, "big.csv:3");
    expect_error(write_tmp("x.txt", "hello"), 0, "x.txt: unknown record format");
}

static void test_format16_and_annotations_synthetic(void)
{
    /* Two signals in one format-16 file, the second with 2 samples per frame. */
    char path[2048];
    snprintf(path, sizeof path, "%s/s16.dat", tmp_dir);
    FILE *f = fopen(path, "wb");
    int16_t frames[3][3] = {{100, -1, 2}, {-200, 3, -32768}, {300, 5, 6}};
    if (f) {
        fwrite(frames, sizeof frames, 1, f);
        fclose(f);
    }
    const char *hea = write_tmp("s16.hea", "s16 2 100 3\n"
                                           "s16.dat 16 100(50)/uV 16 0 0 0 0 first signal\n"
                                           "s16.dat 16x2 10 16 7 0 0 0 B\n");
    char err[512];
    bio_record *rec = NULL;
    bool ok = wfdb_record_read(hea, &rec, err, sizeof err);
    CHECK(ok, "s16: %s", err);
    if (!ok) return;
    const bio_signal *a = bio_record_signal(rec, "first signal");
    const bio_signal *b = bio_record_signal(rec, "B");
    CHECK(a && b, "names with spaces");
    if (a && b) {
        CHECK(a->n == 3 && b->n == 6 && b->fs == 200.0, "n %zu %zu fs %g", a->n, b->n, b->fs);
        CHECK(a->samples[0] == 0.5f && a->samples[1] == -2.5f && strcmp(a->units, "uV") == 0,
              "baseline and gain: %g %g", a->samples[0], a->samples[1]);
        CHECK(b->samples[0] == -0.8f && b->samples[1] == -0.5f && isnan(b->samples[3]) &&
                  b->samples[5] == -0.1f,
              "adczero as baseline, invalid sample -> NaN");
    }
    /* Annotations: N at 10, SKIP +100000, V (+5), AUX on it, NUM, CHN, then EOF. */
    uint16_t words[] = {(1 << 10) | 10, /* N, t = 10 */
                        59 << 10,
                        0x0001,
                        0x86A0,        /* SKIP 100000 (high word first) */
                        (5 << 10) | 5, /* V, t = 100015 */
                        (63 << 10) | 3,
                        0x4241,
                        0x0043,         /* AUX "ABC" + pad */
                        (61 << 10) | 2, /* SUB 2 */
                        (62 << 10) | 1, /* CHN 1 */
                        (28 << 10) | 1, /* rhythm '+', t = 100016 */
                        0};
    snprintf(path, sizeof path, "%s/s16.atr", tmp_dir);
    f = fopen(path, "wb");
    if (f) {
        fwrite(words, sizeof words, 1, f);
        fclose(f);
    }
    ok = wfdb_annotations_read(path, 100.0, rec, err, sizeof err);
    CHECK(ok, "s16.atr: %s", err);
    CHECK(rec->nann == 3, "nann %zu", rec->nann);
    if (ok && rec->nann == 3) {
        CHECK(rec->ann[0].sample == 10 && rec->ann[0].symbol == 'N', "first");
        CHECK(rec->ann[1].sample == 100015 && rec->ann[1].symbol == 'V' && rec->ann[1].sub == 2 &&
                  rec->ann[1].chan == 1,
              "second %lld %c sub %d chan %d", (long long)rec->ann[1].sample, rec->ann[1].symbol,
              rec->ann[1].sub, rec->ann[1].chan);
        CHECK(rec->ann[2].sample == 100016 && !wfdb_code_is_beat(rec->ann[2].code) &&
                  rec->ann[2].chan == 1,
              "rhythm annotation, channel carried over");
    }
    /* Truncated file: no end marker. */
    f = fopen(path, "wb");
    if (f) {
        fwrite(words, 2, 4, f);
        fclose(f);
    }
    ok = wfdb_annotations_read(path, 100.0, rec, err, sizeof err);
    CHECK(!ok && strstr(err, "s16.atr") && strstr(err, "truncated"), "truncated: %s", err);
    CHECK(wfdb_code_is_beat(1) && wfdb_code_is_beat(8) && !wfdb_code_is_beat(14) &&
              !wfdb_code_is_beat(28) && wfdb_code_symbol(25) == 'B' && wfdb_code_symbol(26) == '^',
          "code table");
    bio_record_free(rec);
}

int main(void)
{
    snprintf(data_dir, sizeof data_dir, "%s", test_env("LULL_TEST_DATA"));
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_bio_record.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_mitbih_100();
    test_mimic_03700181();
    test_neurokit_csv();
    test_csv_time_column_and_errors();
    test_format16_and_annotations_synthetic();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return check_finish("test_bio_record");
}
