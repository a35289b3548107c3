/* Field cases (issue 11) and our own variants of each kind of fault:
 *  1. detectors recover from artifacts (burst mid-record, pop at the start, bursts
 *     of other sizes, a 10x gain step up and down): ECG beats resume <= 3 s after
 *     the artifact ends, PPG within a few beats, and the artifact reads low quality;
 *  2. noise (white, pink, brown, band-limited) never gives a confident heart rate;
 *  3. T waves taller than R are not beats;
 *  4. beat times between samples: RMSSD error <= 3 ms at 25 Hz, <= 1 ms at 100 Hz
 *     and above (PPG and ECG);
 *  5. a CSV with a UTF-8 byte order mark and CRLF reads like plain CSV.
 * The right answers of the shared cases are in tests/data/README.md. Records are
 * fed like `lull analyze` does: 100 ms batches stamped with their exact times. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/bio_pipeline.h"
#include "check.h"
#include "records/record.h"

#define FRAME_S 0.1
#define MAX_BEATS 4096
#define MAX_FRAMES 4096

typedef struct run_out {
    double beat[MAX_BEATS];
    size_t n_beats;
    lull_features frame[MAX_FRAMES];
    size_t n_frames;
} run_out;

static void on_beat(void *ctx, bio_stream src, const beat_result *r)
{
    (void)src;
    run_out *o = ctx;
    if (o->n_beats < MAX_BEATS) o->beat[o->n_beats++] = r->time_s;
}

/* Runs one waveform through a pipeline in 100-ms batches. */
static void run_signal(bio_stream s, const float *x, size_t n, double fs, run_out *o)
{
    bio_pipeline_config cfg;
    bio_pipeline_config_default(&cfg);
    cfg.rate_hz[s] = fs;
    bio_pipeline *p = bio_pipeline_new(&cfg);
    bio_pipeline_listener l = {NULL, on_beat, o};
    bio_pipeline_set_listener(p, &l);
    o->n_beats = o->n_frames = 0;
    size_t done = 0;
    for (long frame = 1;; frame++) {
        double t = frame * FRAME_S;
        size_t upto = (size_t)fmin((double)n, ceil(t * fs - 1e-9));
        if (upto > done) {
            bio_pipeline_push_samples(p, s, x + done, upto - done, (double)(upto - 1) / fs);
            done = upto;
        }
        if (t > (double)n / fs + 1e-9) break;
        if (o->n_frames < MAX_FRAMES) bio_pipeline_features(p, t, &o->frame[o->n_frames++]);
    }
    bio_pipeline_flush(p);
    bio_pipeline_free(p);
}

/* One-to-one matches of detections to true beats within tol, among true beats in [t0, t1]. */
static size_t matched(const double *det, size_t nd, const double *truth, size_t nt, double t0,
                      double t1, double tol)
{
    size_t tp = 0, j = 0;
    for (size_t i = 0; i < nt; i++) {
        if (truth[i] < t0 || truth[i] > t1) continue;
        while (j < nd && det[j] < truth[i] - tol) j++;
        if (j < nd && fabs(det[j] - truth[i]) <= tol) {
            tp++;
            j++;
        }
    }
    return tp;
}

static size_t count_in(const double *t, size_t n, double t0, double t1)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += t[i] >= t0 && t[i] <= t1;
    return c;
}

static double rmssd_of(const double *beat, size_t n)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 2; i < n; i++) {
        double d = (beat[i] - beat[i - 1]) - (beat[i - 1] - beat[i - 2]);
        s += d * d;
        k++;
    }
    return k ? 1000.0 * sqrt(s / (double)k) : NAN;
}

static size_t read_column(const char *rel, double *out, size_t max)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cases/%s", test_env("LULL_TEST_DATA"), rel);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return 0;
    char line[256];
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) n = 0; /* header */
    while (n < max && fgets(line, sizeof line, f)) out[n++] = strtod(line, NULL);
    fclose(f);
    return n;
}

static const bio_signal *load_case(const char *rel, bio_record **rec)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/cases/%s", test_env("LULL_TEST_DATA"), rel);
    bool ok = bio_record_read(path, 0, rec, err, sizeof err);
    CHECK(ok, "reading %s: %s", path, err);
    if (!ok) return NULL;
    return &(*rec)->signals[0];
}

static run_out g_out;

/* ---- the shared field cases ---------------------------------------------------- */

static void case_burst(void)
{
    bio_record *rec = NULL;
    const bio_signal *s = load_case("ecg-noisy-start/ecg_burst_mid.csv", &rec);
    if (!s) return;
    run_signal(BIO_ECG, s->samples, s->n, s->fs, &g_out);
    static double truth[512];
    size_t nt = read_column("ecg-noisy-start/truth_beats_burst.csv", truth, 512);
    size_t want = count_in(truth, nt, 47.0, 120.0);
    size_t got = matched(g_out.beat, g_out.n_beats, truth, nt, 47.0, 120.0, 0.150);
    /* first matched beat after the burst ends (42 s) */
    double first = NAN;
    for (size_t i = 0; i < nt && isnan(first); i++)
        if (truth[i] > 42.0 && matched(g_out.beat, g_out.n_beats, truth + i, 1, 0, 1e9, 0.150))
            first = truth[i];
    float qmax = 0;
    for (size_t f = 0; f < g_out.n_frames; f++)
        if (g_out.frame[f].time_s >= 40.3 && g_out.frame[f].time_s <= 42.0)
            qmax = fmaxf(qmax, g_out.frame[f].heart_quality);
    printf("ecg burst at 40-42 s: %zu of %zu true beats in 47-120 s, first beat after the burst "
           "at %.2f s (%.2f s after its end), heart quality during the burst max %.2f\n",
           got, want, first, first - 42.0, qmax);
    CHECK(want == 86 && got >= 85, "%zu of %zu beats after the burst", got, want);
    CHECK(first - 42.0 <= 3.0, "beats resume %.2f s after the burst", first - 42.0);
    CHECK(qmax < 0.5, "burst reads quality %.2f", qmax);
    bio_record_free(rec);
}

static void case_noise(void)
{
    bio_record *rec = NULL;
    const bio_signal *s = load_case("ecg-noise-only/ecg_noise.csv", &rec);
    if (!s) return;
    run_signal(BIO_ECG, s->samples, s->n, s->fs, &g_out);
    size_t confident = 0;
    float qmax = 0;
    for (size_t f = 0; f < g_out.n_frames; f++) {
        confident += g_out.frame[f].heart_quality >= 0.5f;
        qmax = fmaxf(qmax, g_out.frame[f].heart_quality);
    }
    printf("ecg noise only (180 s): %zu detections, %zu of %zu frames with quality >= 0.5 "
           "(max %.3f)\n",
           g_out.n_beats, confident, g_out.n_frames, qmax);
    CHECK(confident == 0, "%zu confident frames from noise", confident);
    bio_record_free(rec);
}

static void case_tall_t(void)
{
    bio_record *rec = NULL;
    const bio_signal *s = load_case("ecg-tall-t/ecg_tall_t_2.csv", &rec);
    if (!s) return;
    run_signal(BIO_ECG, s->samples, s->n, s->fs, &g_out);
    static double truth[512];
    size_t nt = read_column("ecg-tall-t/truth_beats.csv", truth, 512);
    size_t got = matched(g_out.beat, g_out.n_beats, truth, nt, 0, 1e9, 0.150);
    float hr = g_out.frame[g_out.n_frames - 1].heart_rate;
    size_t doubled = 0;
    for (size_t f = 0; f < g_out.n_frames; f++)
        doubled += g_out.frame[f].heart_quality >= 0.5f && g_out.frame[f].heart_rate > 100.0f;
    printf("ecg tall T (T 2.0 mV, R 0.8 mV): %zu detections, %zu of %zu true beats, heart rate "
           "%.1f bpm, confident frames above 100 bpm: %zu\n",
           g_out.n_beats, got, nt, hr, doubled);
    CHECK(nt == 133 && got >= 132 && g_out.n_beats <= 135, "%zu of %zu, %zu detections", got, nt,
          g_out.n_beats);
    CHECK(fabsf(hr - 66.5f) < 3.0f, "heart rate %.1f", hr);
    CHECK(doubled == 0, "%zu confident doubled frames", doubled);
    bio_record_free(rec);
}

static void case_ppg_25hz(void)
{
    bio_record *rec = NULL;
    const bio_signal *s = load_case("ppg-25hz/ppg_25hz.csv", &rec);
    if (!s) return;
    run_signal(BIO_PPG, s->samples, s->n, s->fs, &g_out);
    static double rr[512];
    size_t nr = read_column("ppg-25hz/truth_rr.csv", rr, 512);
    double sd = 0;
    for (size_t i = 1; i < nr; i++) sd += (rr[i] - rr[i - 1]) * (rr[i] - rr[i - 1]);
    double true_rmssd = sqrt(sd / (double)(nr - 1));
    double got = rmssd_of(g_out.beat, g_out.n_beats);
    const lull_features *last = &g_out.frame[g_out.n_frames - 1];
    printf("ppg 25 Hz: %zu pulses, RMSSD of the beat times %.2f ms (true %.2f), pipeline "
           "RMSSD %.2f ms, heart rate %.2f bpm, quality %.2f\n",
           g_out.n_beats, got, true_rmssd, last->rmssd, last->heart_rate, last->heart_quality);
    CHECK(fabs(got - true_rmssd) <= 3.0, "RMSSD %.2f for %.2f", got, true_rmssd);
    CHECK(fabs(last->rmssd - true_rmssd) <= 3.0, "pipeline RMSSD %.2f", last->rmssd);
    CHECK(fabsf(last->heart_rate - 70.0f) <= 0.5f, "heart rate %.2f", last->heart_rate);
    bio_record_free(rec);
}

static void case_bom(void)
{
    bio_record *rec = NULL;
    const bio_signal *s = load_case("csv-bom/ecg_bom.csv", &rec);
    if (!s) return;
    CHECK(rec->nsig == 1 && !strcmp(s->name, "ECG"), "signal '%s'", s->name);
    CHECK(fabs(s->fs - 250.0) < 1e-6, "rate %g", s->fs);
    run_signal(BIO_ECG, s->samples, s->n, s->fs, &g_out);
    static double truth[128];
    size_t nt = read_column("csv-bom/truth_beats.csv", truth, 128);
    size_t got = matched(g_out.beat, g_out.n_beats, truth, nt, 0, 1e9, 0.150);
    printf("csv with BOM and CRLF: %zu samples at %g Hz, %zu of %zu beats\n", s->n, s->fs, got, nt);
    CHECK(nt == 35 && got == 35, "%zu of %zu beats", got, nt);
    bio_record_free(rec);
}

/* ---- our own variants --------------------------------------------------------- */

static uint64_t rng_state;
static double uniform(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2.0 * log(uniform())) * cos(2.0 * M_PI * uniform()); }

/* A synthetic ECG: P, QRS (Q, R, S) and T as Gaussians, RR around rr_s with a
 * slow sinusoidal change and a little jitter; true R times to truth. */
static size_t synth_ecg(float *x, size_t n, double fs, double rr_s, double t_amp, double t_sigma,
                        double *truth, size_t max_truth, uint64_t seed)
{
    rng_state = seed;
    memset(x, 0, n * sizeof(float));
    size_t nt = 0;
    double t = 0.5;
    while (t < (double)n / fs && nt < max_truth) {
        truth[nt++] = t;
        const struct {
            double at, amp, sigma;
        } w[] = {
            {-0.16, 0.12, 0.025}, {-0.025, -0.1, 0.008},  {0.0, 1.0, 0.010},
            {0.03, -0.25, 0.010}, {0.28, t_amp, t_sigma},
        };
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++) {
            double c = t + w[k].at;
            long lo = (long)floor((c - 5 * w[k].sigma) * fs),
                 hi = (long)ceil((c + 5 * w[k].sigma) * fs);
            for (long i = lo < 0 ? 0 : lo; i <= hi && i < (long)n; i++) {
                double d = ((double)i / fs - c) / w[k].sigma;
                x[i] += (float)(w[k].amp * exp(-0.5 * d * d));
            }
        }
        t += rr_s * (1.0 + 0.05 * sin(2 * M_PI * t / 10.0)) + 0.004 * gauss();
    }
    for (size_t i = 0; i < n; i++) x[i] += (float)(0.01 * gauss());
    return nt;
}

/* A synthetic PPG: per beat a systolic wave rising with sigma 70 ms and falling
 * with sigma 140 ms, a diastolic wave 0.35 s later; steady 70 bpm with a slow
 * change and 4 ms of interval jitter; true systolic peak times to truth. */
static size_t synth_ppg(float *x, size_t n, double fs, double *truth, size_t max_truth,
                        uint64_t seed)
{
    rng_state = seed;
    memset(x, 0, n * sizeof(float));
    size_t nt = 0;
    double t = 0.6;
    while (t < (double)n / fs - 0.1 && nt < max_truth) {
        truth[nt++] = t;
        long lo = (long)floor((t - 0.4) * fs), hi = (long)ceil((t + 0.9) * fs);
        for (long i = lo < 0 ? 0 : lo; i <= hi && i < (long)n; i++) {
            double d = (double)i / fs - t;
            double sys = exp(-0.5 * (d / (d < 0 ? 0.07 : 0.14)) * (d / (d < 0 ? 0.07 : 0.14)));
            double dd = (d - 0.35) / 0.1;
            x[i] += (float)(sys + 0.35 * exp(-0.5 * dd * dd));
        }
        t += 0.857 * (1.0 + 0.02 * sin(2 * M_PI * t / 30.0)) + 0.004 * gauss();
    }
    for (size_t i = 0; i < n; i++) x[i] += (float)(0.003 * gauss());
    return nt;
}

static void variant_artifacts(void)
{
    const double fs = 250.0, seconds = 90.0;
    size_t n = (size_t)(fs * seconds);
    float *x = malloc(n * sizeof(float));
    static double truth[256];
    struct {
        const char *what;
        double start, len, sd, gain;
    } v[] = {
        {"pop at the start (50 mV spike)", 0.3, 0.02, 50.0, 1.0},
        {"burst 1 s, sd 2 mV", 30.0, 1.0, 2.0, 1.0},
        {"burst 3 s, sd 20 mV", 30.0, 3.0, 20.0, 1.0},
        {"burst 2 s, sd 8 mV, pink", 30.0, 2.0, -8.0, 1.0},
        {"gain x10 from 30 s", 30.0, 0.0, 0.0, 10.0},
        {"gain x0.1 from 30 s", 30.0, 0.0, 0.0, 0.1},
    };
    for (size_t c = 0; c < sizeof v / sizeof v[0]; c++) {
        size_t nt = synth_ecg(x, n, fs, 0.85, 0.25, 0.06, truth, 256, 100 + c);
        size_t a = (size_t)(v[c].start * fs), b = (size_t)((v[c].start + v[c].len) * fs);
        double pink = 0;
        for (size_t i = a; i < b && i < n; i++) {
            double g = gauss();
            pink = 0.97 * pink + 0.25 * g; /* one-pole: more low-frequency noise */
            x[i] += (float)(v[c].sd < 0 ? -v[c].sd * pink : v[c].sd * g);
        }
        if (v[c].gain != 1.0)
            for (size_t i = a; i < n; i++) x[i] *= (float)v[c].gain;
        run_signal(BIO_ECG, x, n, fs, &g_out);
        double end = v[c].start + v[c].len;
        double first = NAN;
        for (size_t i = 0; i < nt && isnan(first); i++)
            if (truth[i] > end && matched(g_out.beat, g_out.n_beats, truth + i, 1, 0, 1e9, 0.15))
                first = truth[i];
        size_t want = count_in(truth, nt, end + 3.0, seconds - 1.0);
        size_t got = matched(g_out.beat, g_out.n_beats, truth, nt, end + 3.0, seconds - 1.0, 0.15);
        float qmax = 0;
        for (size_t f = 0; f < g_out.n_frames; f++)
            if (v[c].len > 0.5 && g_out.frame[f].time_s >= v[c].start + 0.3 &&
                g_out.frame[f].time_s <= end)
                qmax = fmaxf(qmax, g_out.frame[f].heart_quality);
        printf("ecg %s: first beat %.2f s after it, %zu of %zu beats from 3 s after to the end, "
               "quality during it max %.2f\n",
               v[c].what, first - end, got, want, qmax);
        CHECK(first - end <= 3.0, "%s: beats resume after %.2f s", v[c].what, first - end);
        CHECK((double)got >= 0.97 * (double)want, "%s: %zu of %zu", v[c].what, got, want);
        CHECK(qmax < 0.5, "%s: quality %.2f during the artifact", v[c].what, qmax);
    }
    free(x);
}

static void variant_noise_colours(void)
{
    const double fs = 250.0;
    size_t n = (size_t)(fs * 120.0);
    float *x = malloc(n * sizeof(float));
    const char *names[] = {"white", "pink (one-pole)", "brown", "band 5-15 Hz", "white at 500 Hz"};
    for (int c = 0; c < 5; c++) {
        rng_state = 77 + (uint64_t)c;
        double y = 0, b1 = 0, b2 = 0, rate = c == 4 ? 500.0 : fs;
        size_t m = c == 4 ? n : n;
        for (size_t i = 0; i < m; i++) {
            double g = gauss();
            switch (c) {
            case 0:
            case 4: y = g; break;
            case 1: y = 0.9 * y + g; break;
            case 2: y = 0.999 * y + 0.1 * g; break;
            default: /* crude band-pass: difference of two one-pole low-passes */
                b1 += 0.3 * (g - b1);
                b2 += 0.12 * (g - b2);
                y = 4.0 * (b1 - b2);
            }
            x[i] = (float)y;
        }
        run_signal(BIO_ECG, x, m, rate, &g_out);
        size_t confident = 0;
        float qmax = 0;
        for (size_t f = 0; f < g_out.n_frames; f++) {
            confident += g_out.frame[f].heart_quality >= 0.5f;
            qmax = fmaxf(qmax, g_out.frame[f].heart_quality);
        }
        printf("ecg %s noise: %zu detections, confident frames %zu of %zu (max quality %.3f)\n",
               names[c], g_out.n_beats, confident, g_out.n_frames, qmax);
        CHECK(confident == 0, "%s noise: %zu confident frames", names[c], confident);
        /* the same noise as PPG */
        run_signal(BIO_PPG, x, m, c == 4 ? 500.0 : 64.0, &g_out);
        confident = 0;
        qmax = 0;
        for (size_t f = 0; f < g_out.n_frames; f++) {
            confident += g_out.frame[f].heart_quality >= 0.5f;
            qmax = fmaxf(qmax, g_out.frame[f].heart_quality);
        }
        printf("ppg %s noise: %zu detections, confident frames %zu (max quality %.3f)\n", names[c],
               g_out.n_beats, confident, qmax);
        CHECK(confident == 0, "ppg %s noise: %zu confident frames", names[c], confident);
    }
    free(x);
}

static void variant_tall_t(void)
{
    const double fs = 360.0;
    size_t n = (size_t)(fs * 60.0);
    float *x = malloc(n * sizeof(float));
    static double truth[256];
    const double t_amp[] = {1.5, 2.5}, t_sig[] = {0.04, 0.06};
    for (int c = 0; c < 2; c++) {
        size_t nt = synth_ecg(x, n, fs, 0.8, t_amp[c], t_sig[c], truth, 256, 300 + (uint64_t)c);
        run_signal(BIO_ECG, x, n, fs, &g_out);
        size_t got = matched(g_out.beat, g_out.n_beats, truth, nt, 0, 1e9, 0.15);
        printf("ecg at 360 Hz, T %.1f x R (sigma %.0f ms): %zu detections, %zu of %zu beats\n",
               t_amp[c], 1000 * t_sig[c], g_out.n_beats, got, nt);
        CHECK(got + 1 >= nt && g_out.n_beats <= nt + 2, "tall T: %zu of %zu, %zu detections", got,
              nt, g_out.n_beats);
    }
    free(x);
}

/* Interval accuracy: RMSSD of the detected beats against the true one. */
static void variant_subsample(void)
{
    static double truth[512];
    /* ECG at several rates */
    const double rates[] = {100.0, 250.0, 500.0};
    for (int c = 0; c < 3; c++) {
        size_t n = (size_t)(rates[c] * 200.0);
        float *x = malloc(n * sizeof(float));
        size_t nt = synth_ecg(x, n, rates[c], 0.9, 0.3, 0.06, truth, 512, 500 + (uint64_t)c);
        run_signal(BIO_ECG, x, n, rates[c], &g_out);
        double t = rmssd_of(truth, nt), d = rmssd_of(g_out.beat, g_out.n_beats);
        printf("ecg %g Hz: %zu of %zu beats, RMSSD %.2f ms (true %.2f, error %.2f)\n", rates[c],
               g_out.n_beats, nt, d, t, d - t);
        CHECK(g_out.n_beats == nt && fabs(d - t) <= 1.0, "ecg %g Hz RMSSD %.2f for %.2f", rates[c],
              d, t);
        free(x);
    }
    /* PPG at 25 (EmotiBit), 32 and 100 Hz: an asymmetric pulse (fast rise, slow
     * fall, diastolic wave) whose peaks are exactly known */
    const double prates[] = {25.0, 32.0, 100.0};
    for (int c = 0; c < 3; c++) {
        double fs = prates[c];
        size_t n = (size_t)(fs * 200.0);
        float *x = malloc(n * sizeof(float));
        size_t nt = synth_ppg(x, n, fs, truth, 512, 700 + (uint64_t)c);
        run_signal(BIO_PPG, x, n, fs, &g_out);
        double t = rmssd_of(truth, nt), d = rmssd_of(g_out.beat, g_out.n_beats);
        double limit = fs < 50 ? 3.0 : 1.0;
        printf("ppg %g Hz: %zu of %zu pulses, RMSSD %.2f ms (true %.2f, error %.2f)\n", fs,
               g_out.n_beats, nt, d, t, d - t);
        CHECK(g_out.n_beats + 1 >= nt && fabs(d - t) <= limit, "ppg %g Hz RMSSD %.2f for %.2f", fs,
              d, t);
        free(x);
    }
}

int main(void)
{
    case_burst();
    case_noise();
    case_tall_t();
    case_ppg_25hz();
    case_bom();
    variant_artifacts();
    variant_noise_colours();
    variant_tall_t();
    variant_subsample();
    return check_finish("test_bio_cases");
}
