/* Every WFDB storage format, against the answers the headers carry (issue 14).
 *
 * tests/data/wfdb-formats/ holds records written by another WFDB implementation
 * (wfdb-python's sample data): binformats (formats 8, 16, 61, 80, 160, 212, 310,
 * 311, 24, 32) and flacformats (508, 516, 524). Each signal line states the first
 * sample's ADC value and the 16-bit sum of all of them; this test reads both from
 * the header text itself and recomputes them from the decoded physical samples
 * (adc = value x gain + baseline), so the reference is the other writer, not this
 * reader. Then: names as people write them (test01_00s, "ECG 1".."ECG 4", goes
 * through the beat pipeline without naming a signal), samples per frame beyond
 * 64, byte offsets, multi-segment records (fixed and variable layout), checksum
 * warnings, hostile headers, and `lull analyze --signals` output read back and
 * compared cell by cell with the decoded samples. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bio/bio_pipeline.h"
#include "check.h"
#include "records/record.h"
#include "records/record_dump.h"
#include "records/record_pick.h"
#include "records/wfdb_record.h"

static char data_dir[1024];
static char tmp_dir[1024];

static const char *data_path(const char *name)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s/wfdb-formats/%s", data_dir, name);
    return buf;
}

static const char *tmp_path(const char *name)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s/%s", tmp_dir, name);
    return buf;
}

static void write_file(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(tmp_path(name), "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static void write_text(const char *name, const char *text) { write_file(name, text, strlen(text)); }

/* What a header line states, parsed here independently of the reader. */
typedef struct stated {
    int format;
    double gain, baseline;
    long initval, checksum;
} stated;

static int read_stated(const char *hea, stated *out, int max)
{
    FILE *f = fopen(hea, "r");
    char line[512];
    int n = -1;
    while (f && fgets(line, sizeof line, f) && n < max) {
        if (line[0] == '#' || line[0] == '\n') continue;
        if (n++ < 0) continue; /* record line */
        char file[128];
        long adczero, res;
        char gain[64];
        if (sscanf(line, "%127s %d %63s %ld %ld %ld %ld", file, &out[n - 1].format, gain, &res,
                   &adczero, &out[n - 1].initval, &out[n - 1].checksum) != 7)
            break;
        out[n - 1].gain = atof(gain);
        out[n - 1].baseline = (double)adczero;
    }
    if (f) fclose(f);
    return n < 0 ? 0 : n;
}

static void check_against_header(const char *rec_name, int nsig_expected)
{
    char hea[256], err[512];
    snprintf(hea, sizeof hea, "%s.hea", rec_name);
    stated st[16];
    int n = read_stated(data_path(hea), st, 16);
    CHECK(n == nsig_expected, "%s: header lines %d", rec_name, n);
    bio_record *rec = NULL;
    bool ok = wfdb_record_read(data_path(hea), &rec, err, sizeof err);
    CHECK(ok, "%s: %s", rec_name, err);
    if (!ok) return;
    CHECK(rec->warnings == NULL, "%s: no checksum or initial-value warnings: %s", rec_name,
          rec->warnings ? rec->warnings : "");
    CHECK(rec->nsig == (size_t)n, "%s nsig %zu", rec_name, rec->nsig);
    for (int s = 0; s < n && (size_t)s < rec->nsig; s++) {
        const bio_signal *g = &rec->signals[s];
        int64_t sum = 0;
        size_t invalid = 0;
        long first = 0;
        for (size_t i = 0; i < g->n; i++) {
            double v = g->samples[i];
            long adc;
            if (isnan(v)) {
                /* The format's "no sample" code: the most negative value it holds. */
                int bits = st[s].format % 100 == 8 || st[s].format == 80 ? 8
                           : st[s].format == 212                         ? 12
                           : st[s].format == 310 || st[s].format == 311  ? 10
                           : st[s].format == 24 || st[s].format == 524   ? 24
                           : st[s].format == 32                          ? 32
                                                                         : 16;
                adc = (long)(-(1LL << (bits - 1)));
                invalid++;
            } else {
                adc = lrint(v * st[s].gain + st[s].baseline);
            }
            if (i == 0) first = adc;
            sum += adc;
        }
        int sum16 = (int16_t)(uint16_t)((uint64_t)sum & 0xFFFF);
        printf("  %-12s fmt %3d: n %zu at %g Hz, first %ld (header %ld), checksum %d (header "
               "%ld), %zu invalid%s\n",
               rec_name, st[s].format, g->n, g->fs, first, st[s].initval, sum16, st[s].checksum,
               invalid,
               st[s].format == 32
                   ? " (rebuilt from floats: only the reader's integer check is exact)"
                   : "");
        CHECK(g->n == 499 && g->fs == 200.0, "%s fmt %d n %zu fs %g", rec_name, st[s].format, g->n,
              g->fs);
        if (st[s].format == 32) {
            /* Physical samples are floats (24-bit mantissa): a 32-bit ADC value comes
             * back to within 2^-23 of itself, so its exact checksum cannot be rebuilt
             * from them. The reader checks it on the integers (no warning above, and
             * test_checksum_warning shows that check can fail). */
            CHECK(fabs((double)(first - st[s].initval)) <= fabs((double)st[s].initval) * 0x1p-23,
                  "%s fmt 32 first %ld, header %ld", rec_name, first, st[s].initval);
            continue;
        }
        CHECK(first == st[s].initval, "%s fmt %d first %ld, header %ld", rec_name, st[s].format,
              first, st[s].initval);
        CHECK(sum16 == st[s].checksum, "%s fmt %d checksum %d, header %ld", rec_name, st[s].format,
              sum16, st[s].checksum);
    }
    bio_record_free(rec);
}

/* A damaged copy of binformats must warn, naming the signal whose data changed. */
static void test_checksum_warning(void)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cp %s/wfdb-formats/binformats.* '%s'/ && chmod u+w '%s'/binformats.*", data_dir,
             tmp_dir, tmp_dir);
    CHECK(system(cmd) == 0, "copy binformats");
    FILE *f = fopen(tmp_path("binformats.d6"), "r+b");
    if (f) {
        fseek(f, 100, SEEK_SET);
        int c = fgetc(f);
        fseek(f, 100, SEEK_SET);
        fputc(c ^ 0x04, f); /* one bit of a format-310 sample */
        fclose(f);
    }
    char err[512];
    bio_record *rec = NULL;
    bool ok = wfdb_record_read(tmp_path("binformats.hea"), &rec, err, sizeof err);
    CHECK(ok, "damaged data still reads: %s", err);
    if (ok) {
        const char *w = rec->warnings ? rec->warnings : "";
        printf("  damaged copy warns: %s", w);
        CHECK(strstr(w, "binformats.hea:8: signal 6 (sig 6, fmt 310): checksum") != NULL,
              "warning names header line and signal: '%s'", w);
        CHECK(strstr(w, "fmt 311") == NULL && strstr(w, "fmt 8") == NULL,
              "only the damaged signal warns");
    }
    bio_record_free(rec);
}

/* Names as people write them. */
static void test_names(void)
{
    static const struct {
        const char *name;
        int stream;
    } cases[] = {
        {"ECG 1", BIO_ECG},
        {"ECG_1", BIO_ECG},
        {"ECG1", BIO_ECG},
        {"ECG lead II", BIO_ECG},
        {"EKG", BIO_ECG},
        {"ekg-2", BIO_ECG},
        {"Lead II", BIO_ECG},
        {"II", BIO_ECG},
        {"V5", BIO_ECG},
        {"aVF", BIO_ECG},
        {"MLII", BIO_ECG},
        {"ECG:II", BIO_ECG},
        {"Pleth", BIO_PPG},
        {"PLETH", BIO_PPG},
        {"PPG", BIO_PPG},
        {"ppg_green", BIO_PPG},
        {"BVP", BIO_PPG},
        {"Resp", BIO_RESP},
        {"RESP", BIO_RESP},
        {"Thorax", BIO_RESP},
        {"Abdomen", BIO_RESP},
        {"Airflow", BIO_RESP},
        {"Resp oro-nasal", BIO_RESP},
        {"Thor", BIO_RESP},
        {"Chest", BIO_RESP},
        {"Nasal Pressure", BIO_RESP},
        {"EEG Fpz-Cz", -1},
        {"HR", -1},
        {"Resp rate", -1},
        {"SpO2", -1},
        {"Pulse", -1},
        {"ABP", -1},
        {"EMG submental", -1},
        {"Event marker", -1},
        {"V", -1},
        {"sig 0", -1},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = record_guess_stream(cases[i].name);
        CHECK(got == cases[i].stream, "'%s' reads as %d, expected %d", cases[i].name, got,
              cases[i].stream);
        bad += got != cases[i].stream;
    }
    printf("  names: %zu of %zu recognised as expected\n",
           sizeof cases / sizeof cases[0] - (size_t)bad, sizeof cases / sizeof cases[0]);
}

typedef struct beat_log {
    double t[256];
    int n;
} beat_log;

static void on_beat(void *ctx, bio_stream source, const beat_result *r)
{
    beat_log *b = ctx;
    if (source == BIO_ECG && b->n < 256) b->t[b->n++] = r->time_s;
}

/* test01_00s: 4 leads "ECG 1".."ECG 4", 8 s at 500 Hz; nothing named for lull. */
static void test_test01_unnamed(void)
{
    char err[512];
    bio_record *rec = NULL;
    bool ok = bio_record_read(data_path("test01_00s"), 0, &rec, err, sizeof err);
    CHECK(ok, "test01_00s: %s", err);
    if (!ok) return;
    CHECK(rec->warnings == NULL, "test01_00s checksums: %s", rec->warnings ? rec->warnings : "");
    const bio_signal *sig[BIO_WAVEFORMS];
    ok = record_pick_signals(rec, "test01_00s", NULL, sig, err, sizeof err);
    CHECK(ok && sig[BIO_ECG] && strcmp(sig[BIO_ECG]->name, "ECG 1") == 0,
          "ECG 1 picked without flags: %s",
          !ok            ? err
          : sig[BIO_ECG] ? sig[BIO_ECG]->name
                         : "none");
    CHECK(!sig[BIO_RESP] && !sig[BIO_PPG], "nothing else guessed");
    if (ok && sig[BIO_ECG]) {
        bio_pipeline_config cfg;
        bio_pipeline_config_default(&cfg);
        cfg.rate_hz[BIO_ECG] = sig[BIO_ECG]->fs;
        bio_pipeline *p = bio_pipeline_new(&cfg);
        beat_log log = {.n = 0};
        bio_pipeline_listener l = {.beat = on_beat, .ctx = &log};
        bio_pipeline_set_listener(p, &l);
        const bio_signal *e = sig[BIO_ECG];
        size_t step = (size_t)(e->fs / 10);
        for (size_t i = 0; i < e->n; i += step) {
            size_t n = e->n - i < step ? e->n - i : step;
            bio_pipeline_push_samples(p, BIO_ECG, e->samples + i, n, (double)(i + n - 1) / e->fs);
        }
        bio_pipeline_flush(p);
        bio_pipeline_free(p);
        double rate = log.n > 1 ? 60.0 * (log.n - 1) / (log.t[log.n - 1] - log.t[0]) : 0;
        printf("  test01_00s: ECG 1 analysed unnamed: %d beats, %.1f bpm\n", log.n, rate);
        /* 8 s of a resting adult (25 y): several beats at a human rate. */
        CHECK(log.n >= 5 && rate > 40 && rate < 150, "beats %d rate %.1f", log.n, rate);
    }
    bio_record_free(rec);
}

/* "16x1000" (EDF conversions: 1 Hz frames), a byte offset, and a format 0 signal. */
static void test_spf_offset_null(void)
{
    enum { SPF = 1000, FRAMES = 3 };
    int16_t buf[2 + SPF * FRAMES]; /* 4 bytes of preamble, then the samples */
    buf[0] = 0x5555;
    buf[1] = 0x5555;
    int64_t sum = 0;
    for (int i = 0; i < SPF * FRAMES; i++) {
        buf[2 + i] = (int16_t)((i * 37) % 2001 - 1000);
        sum += buf[2 + i];
    }
    write_file("spf.dat", buf, sizeof buf);
    char hea[512];
    snprintf(hea, sizeof hea,
             "spf 2 1 %d\nspf.dat 16x%d+4 100/uV 16 0 %d %d 0 ECG_1\n"
             "~ 0 200 16 0 0 0 0 Marker\n",
             FRAMES, SPF, buf[2], (int16_t)(uint16_t)((uint64_t)sum & 0xFFFF));
    write_text("spf.hea", hea);
    char err[512];
    bio_record *rec = NULL;
    bool ok = wfdb_record_read(tmp_path("spf.hea"), &rec, err, sizeof err);
    CHECK(ok, "16x1000+4: %s", err);
    if (!ok) return;
    CHECK(rec->warnings == NULL, "checksum of 16x1000+4: %s", rec->warnings ? rec->warnings : "");
    const bio_signal *g = &rec->signals[0];
    CHECK(g->fs == 1000.0 && g->n == SPF * FRAMES, "fs %g n %zu", g->fs, g->n);
    int same = 1;
    for (size_t i = 0; i < g->n; i++) same &= g->samples[i] == (float)(buf[2 + i] / 100.0);
    CHECK(same, "every sample after the 4-byte offset");
    CHECK(rec->signals[1].n == FRAMES && isnan(rec->signals[1].samples[0]),
          "format 0 signal: %zu samples, NaN", rec->signals[1].n);
    bio_record_free(rec);
}

/* Multi-segment records: fixed layout with a gap, and variable layout. */
static void test_multisegment(void)
{
    int16_t a[2 * 4] = {1, 10, 2, 20, 3, 30, 4, 40}; /* 4 frames of (A, B) */
    int16_t b[2 * 2] = {5, 50, 6, 60};
    int16_t c[3] = {7, 8, 9}; /* only B, variable layout */
    write_file("seg1.dat", a, sizeof a);
    write_file("seg2.dat", b, sizeof b);
    write_file("seg3.dat", c, sizeof c);
    write_text("seg1.hea",
               "seg1 2 100 4\nseg1.dat 16 1 16 0 1 10 0 A\nseg1.dat 16 10 16 0 10 100 0 B\n");
    write_text("seg2.hea",
               "seg2 2 100 2\nseg2.dat 16 1 16 0 5 11 0 A\nseg2.dat 16 10 16 0 50 110 0 B\n");
    write_text("seg3.hea", "seg3 1 100 3\nseg3.dat 16 1 16 0 7 24 0 B\n");
    write_text("multi.hea", "multi/3 2 100 9\nseg1 4\n~ 3\nseg2 2\n");
    char err[512];
    bio_record *rec = NULL;
    bool loaded = wfdb_record_read(tmp_path("multi.hea"), &rec, err, sizeof err);
    CHECK(loaded, "fixed layout: %s", err);
    if (loaded) {
        const bio_signal *A = bio_record_signal(rec, "A"), *B = bio_record_signal(rec, "B");
        CHECK(A && B && A->n == 9 && B->n == 9, "9 frames");
        if (A && B && A->n == 9) {
            const float wantA[9] = {1, 2, 3, 4, NAN, NAN, NAN, 5, 6};
            int ok = 1;
            for (int i = 0; i < 9; i++)
                ok &= isnan(wantA[i]) ? isnan(A->samples[i]) : A->samples[i] == wantA[i];
            CHECK(ok && B->samples[8] == 6.0f, "segments in place, gap NaN");
        }
        CHECK(rec->warnings == NULL, "fixed layout checksums: %s",
              rec->warnings ? rec->warnings : "");
        bio_record_free(rec);
    }
    write_text("layout.hea", "layout 2 100 0\n~ 0 1 16 0 0 0 0 A\n~ 0 10 16 0 0 0 0 B\n");
    write_text("vmulti.hea", "vmulti/3 2 100 7\nlayout 0\nseg1 4\nseg3 3\n");
    loaded = wfdb_record_read(tmp_path("vmulti.hea"), &rec, err, sizeof err);
    CHECK(loaded, "variable layout: %s", err);
    if (loaded) {
        const bio_signal *A = bio_record_signal(rec, "A"), *B = bio_record_signal(rec, "B");
        CHECK(A && B && A->n == 7 && B->n == 7, "7 frames");
        if (A && B && A->n == 7)
            CHECK(A->samples[3] == 4.0f && isnan(A->samples[4]) && B->samples[4] == 7.0f &&
                      B->samples[6] == 9.0f && B->samples[0] == 1.0f,
                  "B continues in segment 3 by name, A absent there: %g %g %g", A->samples[4],
                  B->samples[4], B->samples[6]);
        bio_record_free(rec);
    }
    /* A master header whose segment length does not match the segment. */
    write_text("lying.hea", "lying/2 2 100 9\nseg1 5\nseg2 2\n");
    loaded = wfdb_record_read(tmp_path("lying.hea"), &rec, err, sizeof err);
    CHECK(!loaded && strstr(err, "seg1.hea: segment has 4 samples") && strstr(err, "says 5"),
          "lying segment length: %s", err);
    write_text("nest.hea", "nest/1 2 100 9\nmulti 9\n");
    loaded = wfdb_record_read(tmp_path("nest.hea"), &rec, err, sizeof err);
    CHECK(!loaded && strstr(err, "multi-segment"), "nested segments refused: %s", err);
    write_text("slash.hea", "slash/1 2 100 9\n../etc/x 9\n");
    loaded = wfdb_record_read(tmp_path("slash.hea"), &rec, err, sizeof err);
    CHECK(!loaded && strstr(err, "slash.hea:2: expected a segment line"), "segment path: %s", err);
}

/* Hostile or wrong headers: each refused with a message naming file and line. */
static void test_bad_headers(void)
{
    static const struct {
        const char *hea;
        const char *must;
    } cases[] = {
        {"b1 1 100 10\nb.dat 16x0 200 16 0 0 0 0 A\n", "b1.hea:2: bad format field '16x0'"},
        {"b2 1 100 10\nb.dat 16x99999999 200 16 0 0 0 0 A\n", "b2.hea:2: bad format field"},
        {"b3 1 100 10\nb.dat 7 200 16 0 0 0 0 A\n", "b3.hea:2: signal format 7 is not"},
        {"b4 1 100 10\nb.dat 16 200 16 0 x 0 0 A\n", "b4.hea:2: bad initial value 'x'"},
        {"b5 1 100 10\nb.dat 16 200 16 0 0 99999 0 A\n", "b5.hea:2: bad checksum '99999'"},
        {"b6 1 100 10\n~ 16 200 16 0 0 0 0 A\n", "b6.hea:2: file '~'"},
        {"b7/0 1 100 10\n", "b7.hea:1: bad number of segments"},
        {"b8/2 1 100 10\nx 5\n", "b8.hea:2: header announces 2 segments but describes 1"},
        {"b9 1 100 10\nb9.flac 516+8 200 16 0 0 0 0 A\n", "b9.hea:2: a byte offset does not apply"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[16], err[512];
        snprintf(name, sizeof name, "b%zu.hea", i + 1);
        write_text(name, cases[i].hea);
        bio_record *rec = NULL;
        bool ok = wfdb_record_read(tmp_path(name), &rec, err, sizeof err);
        CHECK(!ok && rec == NULL && strstr(err, cases[i].must),
              "%s: error '%s' should contain '%s'", name, err, cases[i].must);
    }
    /* FLAC format on a file that is not FLAC: libsndfile's refusal, named. */
    write_text("nf.flac", "not a flac stream at all");
    write_text("nf.hea", "nf 1 100 10\nnf.flac 516 200 16 0 0 0 0 A\n");
    char err[512];
    bio_record *rec = NULL;
    bool ok = wfdb_record_read(tmp_path("nf.hea"), &rec, err, sizeof err);
    CHECK(!ok && strstr(err, "nf.flac"), "not FLAC: %s", err);
    /* A FLAC stream shorter than the header says. */
    write_text("fl.hea", "fl 3 200 600\n");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp %s/wfdb-formats/flacformats.d1 '%s'/short.d1", data_dir, tmp_dir);
    CHECK(system(cmd) == 0, "copy");
    write_text("fl.hea", "fl 1 200 600\nshort.d1 516 200 16 0 0 0 0 A\n");
    ok = wfdb_record_read(tmp_path("fl.hea"), &rec, err, sizeof err);
    CHECK(!ok && strstr(err, "short.d1: file is shorter than the 600 frames"), "short FLAC: %s",
          err);
    write_text("fl2.hea",
               "fl2 2 200 499\nshort.d1 516 200 16 0 0 0 0 A\nshort.d1 516 200 16 0 0 0 0 B\n");
    ok = wfdb_record_read(tmp_path("fl2.hea"), &rec, err, sizeof err);
    CHECK(!ok && strstr(err, "2 signals, the FLAC stream has 1 channels"), "channels: %s", err);
}

/* Reads a CSV back: returns rows, fills cells[row][col] (NaN when empty). */
static size_t read_csv(FILE *f, size_t ncol, double *cells, size_t max_rows, char *header,
                       size_t hcap)
{
    char line[8192];
    if (!fgets(line, sizeof line, f)) return 0;
    snprintf(header, hcap, "%s", line);
    size_t r = 0;
    while (r < max_rows && fgets(line, sizeof line, f)) {
        char *p = line;
        for (size_t c = 0; c < ncol; c++) {
            char *end;
            double v = strtod(p, &end);
            cells[r * ncol + c] = end == p ? NAN : v;
            p = strchr(end, ',');
            if (!p) break;
            p++;
        }
        r++;
    }
    return r;
}

/* `lull analyze --signals` (bio_record_write_signals_csv) against the decoded
 * samples: every cell, for every format, and a mixed-rate record. */
static void dump_matches(const char *path)
{
    char err[512];
    bio_record *rec = NULL;
    bool ok = bio_record_read(path, 0, &rec, err, sizeof err);
    CHECK(ok, "%s: %s", path, err);
    if (!ok) return;
    FILE *f = tmpfile();
    CHECK(f && bio_record_write_signals_csv(rec, f), "write csv");
    if (!f) {
        bio_record_free(rec);
        return;
    }
    rewind(f);
    size_t ncol = rec->nsig + 1, nmax = 0;
    double fs_max = 0;
    for (size_t s = 0; s < rec->nsig; s++)
        if (rec->signals[s].fs > fs_max) fs_max = rec->signals[s].fs, nmax = rec->signals[s].n;
    double *cells = malloc((nmax + 1) * ncol * sizeof *cells);
    char header[8192];
    size_t rows = read_csv(f, ncol, cells, nmax + 1, header, sizeof header);
    fclose(f);
    CHECK(rows == nmax, "%s: %zu rows, the fastest signal has %zu samples", path, rows, nmax);
    size_t mismatches = 0, compared = 0;
    size_t *next = calloc(rec->nsig, sizeof *next);
    for (size_t r = 0; r < rows; r++) {
        double t = cells[r * ncol];
        mismatches += fabs(t - (double)r / fs_max) > 0.5e-3 / fs_max;
        for (size_t s = 0; s < rec->nsig; s++) {
            const bio_signal *g = &rec->signals[s];
            double v = cells[r * ncol + 1 + s];
            /* Does this signal have a sample at this row's time? */
            if (next[s] < g->n && fabs((double)next[s] / g->fs - t) < 0.5 / fs_max) {
                float want = g->samples[next[s]++];
                compared++;
                mismatches += isnan(want) ? !isnan(v) : (float)v != want;
            } else {
                mismatches += !isnan(v);
            }
        }
    }
    for (size_t s = 0; s < rec->nsig; s++) mismatches += next[s] != rec->signals[s].n;
    printf("  --signals %s: %zu rows, %zu cells compared, %zu mismatches\n", rec->name, rows,
           compared, mismatches);
    CHECK(mismatches == 0, "%s: %zu cells differ from the decoded samples", path, mismatches);
    CHECK(strncmp(header, "time_s,", 7) == 0, "header '%.60s'", header);
    free(next);
    free(cells);
    bio_record_free(rec);
}

static void test_signals_dump(void)
{
    dump_matches(data_path("binformats.hea"));
    dump_matches(data_path("flacformats.hea"));
    dump_matches(data_path("test01_00s.hea"));
    char p[2048];
    snprintf(p, sizeof p, "%s/03700181.hea", data_dir); /* 500 and 125 Hz, skew */
    dump_matches(p);
    /* Names with commas are quoted. */
    bio_record *rec = NULL;
    char err[512];
    if (bio_record_read(data_path("binformats.hea"), 0, &rec, err, sizeof err)) {
        FILE *f = tmpfile();
        char line[1024] = "";
        if (f) {
            bio_record_write_signals_csv(rec, f);
            rewind(f);
            if (!fgets(line, sizeof line, f)) line[0] = '\0';
            fclose(f);
        }
        static const char want[] = "time_s,\"sig 0, fmt 8\",\"sig 1, fmt 16\",";
        CHECK(strncmp(line, want, sizeof want - 1) == 0, "quoted names: %.80s", line);
        bio_record_free(rec);
    }
}

/* A record of format 0 (not stored) signals only is all NaN of a length only the
 * header states: refused by name before anything is allocated (the fuzzer's
 * 3 x 65 million frames took 780 MB and 11 s), however long the header says. */
static void test_null_only_refused(void)
{
    write_text("null.hea", "null 3 250 65216666\n~ 0 200 16 0 0 0 0 A\n"
                           "~ 0 200 16 0 0 0 0 B\n~ 0 200 16 0 0 0 0 C\n");
    char err[512] = "";
    bio_record *rec = NULL;
    bool ok = wfdb_record_read(tmp_path("null.hea"), &rec, err, sizeof err);
    CHECK(!ok && rec == NULL && strstr(err, "null.hea") && strstr(err, "no signal is stored"),
          "null-only record: ok %d: %s", ok, err);
    bio_record_free(rec);
}

int main(void)
{
    snprintf(data_dir, sizeof data_dir, "%s", test_env("LULL_TEST_DATA"));
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_bio_record_formats.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    check_against_header("binformats", 10);
    check_against_header("flacformats", 3);
    test_checksum_warning();
    test_names();
    test_test01_unnamed();
    test_spf_offset_null();
    test_null_only_refused();
    test_multisegment();
    test_bad_headers();
    test_signals_dump();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return check_finish("test_bio_record_formats");
}
