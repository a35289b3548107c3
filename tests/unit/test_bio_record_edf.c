/* EDF, EDF+ and BDF+ records (issue 14), written here with EDFlib or by hand, so
 * every expected value comes from what was written, not from the reader:
 * physical values within one quantisation step of the written ones (EDF: 16 bits,
 * BDF: 24 bits over the declared physical range, Kemp 1992 / BioSemi), EDF+
 * annotations as events with their onset, duration and text, names recognised as
 * ECG/respiration, and truncated or lying headers refused with the field named. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <edflib.h>

#include "check.h"
#include "records/edf_record.h"
#include "records/record.h"
#include "records/record_dump.h"
#include "records/record_pick.h"

static char tmp_dir[1024];

static const char *tmp_path(const char *name)
{
    static char buf[2][2048];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir, name);
    return buf[k];
}

#define SECONDS 20
#define ECG_FS 256
#define RESP_FS 32

static double ecg_value(int i) { return 1.2 * sin(2 * M_PI * 1.2 * i / ECG_FS) + 0.1; }
static double resp_value(int i) { return 0.8 * sin(2 * M_PI * 0.25 * i / RESP_FS); }

/* EDF+ (or BDF+) with "ECG lead II" (mV, +-5) and "Resp" (a.u., +-2), events. */
static int write_edfplus(const char *path, int filetype)
{
    int h = edfopen_file_writeonly(path, filetype, 2);
    if (h < 0) return -1;
    int dig = filetype == EDFLIB_FILETYPE_BDFPLUS ? 8388607 : 32767;
    const char *labels[2] = {"ECG lead II", "Resp"};
    const char *units[2] = {"mV", "a.u."};
    const int fs[2] = {ECG_FS, RESP_FS};
    const double range[2] = {5.0, 2.0};
    for (int s = 0; s < 2; s++) {
        edf_set_samplefrequency(h, s, fs[s]);
        edf_set_physical_maximum(h, s, range[s]);
        edf_set_physical_minimum(h, s, -range[s]);
        edf_set_digital_maximum(h, s, dig);
        edf_set_digital_minimum(h, s, -dig - 1);
        edf_set_label(h, s, labels[s]);
        edf_set_physical_dimension(h, s, units[s]);
    }
    double buf[ECG_FS];
    for (int sec = 0; sec < SECONDS; sec++) {
        for (int i = 0; i < ECG_FS; i++) buf[i] = ecg_value(sec * ECG_FS + i);
        if (edfwrite_physical_samples(h, buf) != 0) return -1;
        for (int i = 0; i < RESP_FS; i++) buf[i] = resp_value(sec * RESP_FS + i);
        if (edfwrite_physical_samples(h, buf) != 0) return -1;
    }
    /* Units of 100 us; written out of order on purpose. */
    edfwrite_annotation_utf8(h, 72500, -1, "Arousal");
    edfwrite_annotation_utf8(h, 35000, 20000, "Apnea obstructive");
    edfwrite_annotation_utf8(h, 0, -1, "Lights off");
    return edfclose_file(h);
}

static void check_edfplus(const char *path, int bdf)
{
    char err[512];
    bio_record *rec = NULL;
    bool ok = bio_record_read(path, 0, &rec, err, sizeof err);
    CHECK(ok, "%s: %s", path, err);
    if (!ok) return;
    CHECK(rec->nsig == 2, "%s: nsig %zu (annotation signal not a signal)", path, rec->nsig);
    const bio_signal *ecg = bio_record_signal(rec, "ECG lead II");
    const bio_signal *resp = bio_record_signal(rec, "Resp");
    CHECK(ecg && resp, "signal names");
    if (ecg && resp) {
        CHECK(ecg->fs == ECG_FS && ecg->n == SECONDS * ECG_FS && resp->fs == RESP_FS &&
                  resp->n == SECONDS * RESP_FS,
              "rates %g %g, lengths %zu %zu", ecg->fs, resp->fs, ecg->n, resp->n);
        CHECK(strcmp(ecg->units, "mV") == 0 && strcmp(resp->units, "a.u.") == 0, "units %s %s",
              ecg->units, resp->units);
        /* One quantisation step: physical range / digital range. */
        double step_e = 10.0 / (bdf ? 16777215.0 : 65535.0),
               step_r = 4.0 / (bdf ? 16777215.0 : 65535.0);
        double worst_e = 0, worst_r = 0;
        for (size_t i = 0; i < ecg->n; i++)
            worst_e = fmax(worst_e, fabs(ecg->samples[i] - ecg_value((int)i)));
        for (size_t i = 0; i < resp->n; i++)
            worst_r = fmax(worst_r, fabs(resp->samples[i] - resp_value((int)i)));
        printf("  %s: ECG worst error %.3g mV (step %.3g), Resp %.3g (step %.3g)\n",
               bdf ? "BDF+" : "EDF+", worst_e, step_e, worst_r, step_r);
        /* float storage adds at most 1.2e-7 relative on top of the step. */
        CHECK(worst_e <= step_e + 2e-7, "ECG within a step: %g", worst_e);
        CHECK(worst_r <= step_r + 2e-7, "Resp within a step: %g", worst_r);
    }
    CHECK(rec->nann == 3 && rec->ann_fs == 1e7, "events %zu at %g ticks/s", rec->nann, rec->ann_fs);
    if (rec->nann == 3) {
        static const char *const text[3] = {"Lights off", "Apnea obstructive", "Arousal"};
        static const double onset[3] = {0.0, 3.5, 7.25}, dur[3] = {0, 2.0, 0};
        for (int i = 0; i < 3; i++) {
            const bio_annotation *a = &rec->ann[i];
            double t = (double)a->sample / rec->ann_fs;
            printf("  event %d: %.4f s, %.2f s long, \"%s\"\n", i, t, a->duration_s,
                   a->text ? a->text : "");
            CHECK(fabs(t - onset[i]) < 1e-6 && fabs(a->duration_s - dur[i]) < 1e-6 && a->text &&
                      strcmp(a->text, text[i]) == 0,
                  "event %d: %.6f s %.3f s '%s'", i, t, a->duration_s, a->text ? a->text : "");
        }
    }
    const bio_signal *sig[BIO_WAVEFORMS];
    ok = record_pick_signals(rec, path, NULL, sig, err, sizeof err);
    CHECK(ok && sig[BIO_ECG] == ecg && sig[BIO_RESP] == resp && !sig[BIO_PPG],
          "ECG lead II and Resp recognised: %s", !ok ? err : "");
    /* --signals: 256 Hz grid, Resp on every 8th row. */
    FILE *f = tmpfile();
    if (f && ecg && resp) {
        bio_record_write_signals_csv(rec, f);
        rewind(f);
        char line[256];
        size_t rows = 0, bad = 0;
        if (!fgets(line, sizeof line, f) || strcmp(line, "time_s,ECG lead II,Resp\n") != 0) bad++;
        while (fgets(line, sizeof line, f)) {
            double t, e;
            char *p = line, *end;
            t = strtod(p, &end);
            p = end + 1;
            e = strtod(p, &end);
            p = end + 1;
            int has_r = *p != '\n';
            double r = has_r ? strtod(p, NULL) : NAN;
            bad += fabs(t - (double)rows / ECG_FS) > 1e-6 || (float)e != ecg->samples[rows];
            bad += (rows % 8 == 0) != has_r || (has_r && (float)r != resp->samples[rows / 8]);
            rows++;
        }
        fclose(f);
        printf("  --signals: %zu rows, %zu mismatches\n", rows, bad);
        CHECK(rows == ecg->n && bad == 0, "--signals rows %zu, mismatches %zu", rows, bad);
    }
    bio_record_free(rec);
}

/* A plain EDF (no +) written by hand: 2 records of 1 s, "Pleth", 4 samples each,
 * digital -100..100 over physical -1..1: phys = (d - dmin) * 2/200 - 1. */
static void write_plain_edf(const char *path, const char *nrec_field, const char *hdr_bytes,
                            const char *ns_field, const char *spr_field, size_t keep)
{
    char h[513];
    memset(h, ' ', 512);
    h[512] = '\0';
#define PUT(at, s) memcpy(h + (at), (s), strlen(s))
    PUT(0, "0");
    PUT(8, "X X X X");
    PUT(88, "Startdate X X X X");
    PUT(168, "01.01.24");
    PUT(176, "10.00.00");
    PUT(184, hdr_bytes);
    PUT(236, nrec_field);
    PUT(244, "1");
    PUT(252, ns_field);
    PUT(256, "Pleth");
    PUT(256 + 96, "a.u.");
    PUT(256 + 104, "-1");
    PUT(256 + 112, "1");
    PUT(256 + 120, "-100");
    PUT(256 + 128, "100");
    PUT(256 + 216, spr_field);
#undef PUT
    int16_t d[8] = {-100, -50, 0, 50, 100, 25, -25, 1};
    FILE *f = fopen(path, "wb");
    if (!f) return;
    unsigned char all[512 + 16];
    memcpy(all, h, 512);
    for (int i = 0; i < 8; i++) {
        all[512 + 2 * i] = (unsigned char)(d[i] & 0xFF);
        all[512 + 2 * i + 1] = (unsigned char)((uint16_t)d[i] >> 8);
    }
    fwrite(all, 1, keep < sizeof all ? keep : sizeof all, f);
    fclose(f);
}

static void test_plain_edf(void)
{
    const char *p = tmp_path("plain.edf");
    write_plain_edf(p, "2", "512", "1", "4", 10000);
    char err[512];
    bio_record *rec = NULL;
    bool loaded = bio_record_read(p, 0, &rec, err, sizeof err);
    CHECK(loaded, "plain EDF: %s", err);
    if (loaded) {
        const bio_signal *g = &rec->signals[0];
        static const float want[8] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 0.25f, -0.25f, 0.01f};
        int ok = rec->nsig == 1 && g->n == 8 && g->fs == 4.0 && rec->nann == 0;
        for (int i = 0; ok && i < 8; i++) ok &= fabsf(g->samples[i] - want[i]) < 1e-6f;
        CHECK(ok, "plain EDF: n %zu fs %g, samples by the EDF scaling", g->n, g->fs);
        CHECK(record_guess_stream(g->name) == BIO_PPG && strcmp(rec->name, "plain") == 0,
              "Pleth is a PPG, record named after the file: %s", rec->name);
        bio_record_free(rec);
    }
}

static void expect_refused(const char *path, const char *must)
{
    char err[512] = "";
    bio_record *rec = NULL;
    bool ok = bio_record_read(path, 0, &rec, err, sizeof err);
    printf("  refused: %s\n", err);
    CHECK(!ok && rec == NULL && strstr(err, path) && strstr(err, must),
          "'%s' should name the file and contain '%s'", err, must);
}

static void test_bad_headers(const char *good_edfplus)
{
    write_plain_edf(tmp_path("short.edf"), "2", "512", "1", "4", 100);
    expect_refused(tmp_path("short.edf"), "truncated: an EDF header has at least 256 bytes");
    write_plain_edf(tmp_path("cut.edf"), "2", "512", "1", "4", 512 + 10);
    expect_refused(tmp_path("cut.edf"),
                   "truncated: the header announces 2 data records of 8 bytes");
    write_plain_edf(tmp_path("more.edf"), "5", "512", "1", "4", 10000);
    expect_refused(tmp_path("more.edf"), "truncated: the header announces 5 data records");
    write_plain_edf(tmp_path("fewer.edf"), "1", "512", "1", "4", 10000);
    expect_refused(tmp_path("fewer.edf"), "field 'number of data records' says 1");
    write_plain_edf(tmp_path("hdr.edf"), "2", "768", "1", "4", 10000);
    expect_refused(tmp_path("hdr.edf"), "field 'number of bytes in header'");
    write_plain_edf(tmp_path("ns.edf"), "2", "512", "x", "4", 10000);
    expect_refused(tmp_path("ns.edf"), "field 'number of signals'");
    write_plain_edf(tmp_path("spr.edf"), "2", "512", "1", "0", 10000);
    expect_refused(tmp_path("spr.edf"),
                   "signal 1 (Pleth): field 'number of samples in each data record'");
    write_plain_edf(tmp_path("open.edf"), "-1", "512", "1", "4", 10000);
    expect_refused(tmp_path("open.edf"), "was not closed");
    FILE *f = fopen(tmp_path("text.edf"), "w");
    if (f) {
        for (int i = 0; i < 40; i++) fputs("this is not an EDF file\n", f);
        fclose(f);
    }
    expect_refused(tmp_path("text.edf"), "version field");
    /* The EDF+ file with its last data record cut short. */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && truncate -s -7 '%s'", good_edfplus,
             tmp_path("cut_plus.edf"), tmp_path("cut_plus.edf"));
    CHECK(system(cmd) == 0, "copy");
    expect_refused(tmp_path("cut_plus.edf"), "truncated: the header announces 20 data records");
    /* A lie EDFlib catches but the field check does not: an EDF+ start date that is
     * not a date (still a clear error naming the file). */
    snprintf(cmd, sizeof cmd,
             "cp '%s' '%s' && printf '99.99.99' | dd of='%s' bs=1 seek=168 "
             "conv=notrunc status=none",
             good_edfplus, tmp_path("date.edf"), tmp_path("date.edf"));
    CHECK(system(cmd) == 0, "patch");
    expect_refused(tmp_path("date.edf"), "EDFlib refuses the header");
}

int main(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_bio_record_edf.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    char edf[2048], bdf[2048];
    snprintf(edf, sizeof edf, "%s", tmp_path("night.edf"));
    snprintf(bdf, sizeof bdf, "%s", tmp_path("biosemi.bdf"));
    CHECK(write_edfplus(edf, EDFLIB_FILETYPE_EDFPLUS) == 0, "EDFlib wrote %s", edf);
    CHECK(write_edfplus(bdf, EDFLIB_FILETYPE_BDFPLUS) == 0, "EDFlib wrote %s", bdf);
    CHECK(edf_file_looks_like_edf(edf) && edf_file_looks_like_edf(bdf), "sniffed as EDF/BDF");
    check_edfplus(edf, 0);
    check_edfplus(bdf, 1);
    test_plain_edf();
    test_bad_headers(edf);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return check_finish("test_bio_record_edf");
}
