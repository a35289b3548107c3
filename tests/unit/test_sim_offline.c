/* Offline feature driving (`lull render --bio FILE | --simulate PROFILE`): a real
 * recording's heart rate against its reference beat labels, the dropouts client
 * through the pipeline (stale during gaps, right when back), and the render
 * setup's errors and a short render with a simulated client. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "records/record.h"
#include "records/wfdb_record.h"
#include "sim/offline_features.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n ? v[n / 2] : NAN;
}

/* MIT-BIH 100: heart rate from the ECG against the cardiologists' beat labels. */
static void test_record(void)
{
    char path[1024], err[1024] = "";
    snprintf(path, sizeof path, "%s/100.hea", test_env("LULL_TEST_DATA"));
    offline_features *o = offline_features_from_record(path, 0, NULL, err, sizeof err);
    CHECK(o != NULL, "record source: %s", err);
    if (!o) return;
    static double hr[3000];
    int n = 0, ok = 0, frames = 0;
    for (int i = 0; i <= 3000; i++) {
        double t = i * 0.1;
        lull_features f;
        offline_features_fn(o, t, &f);
        if (t < 60) continue;
        frames++;
        if (f.heart_state == LULL_SENSOR_OK && isfinite(f.heart_rate)) {
            hr[n++] = f.heart_rate;
            ok++;
        }
    }
    CHECK(ok > frames * 95 / 100, "heart ok in %d of %d frames", ok, frames);
    double got = median(hr, n);

    /* Reference: labelled beats between 60 and 300 s. */
    bio_record *rec = NULL;
    char ann[1100];
    snprintf(ann, sizeof ann, "%s/100.atr", test_env("LULL_TEST_DATA"));
    bool loaded = bio_record_read(path, 0, &rec, err, sizeof err);
    if (loaded) loaded = wfdb_annotations_read(ann, rec->signals[0].fs, rec, err, sizeof err);
    CHECK(loaded, "reference: %s", err);
    if (loaded) {
        int beats = 0;
        for (size_t i = 0; i < rec->nann; i++) {
            double t = rec->ann[i].sample / rec->ann_fs;
            beats += t >= 60 && t < 300 && wfdb_code_is_beat(rec->ann[i].code);
        }
        double want = beats / 4.0; /* per minute over 240 s */
        CHECK(fabs(got - want) < 3.0, "heart rate %.1f bpm vs %.1f from the labels", got, want);
    }
    bio_record_free(rec);
    offline_features_free(o);

    const char *bad_names[BIO_WAVEFORMS] = {[BIO_ECG] = "V9"};
    o = offline_features_from_record(path, 0, bad_names, err, sizeof err);
    CHECK(!o && strstr(err, "no signal named \"V9\"") && strstr(err, "MLII"),
          "unknown signal named, available listed: %s", err);
    offline_features_free(o);
}

/* The dropouts client: stale through gaps, back and right afterwards. */
static void test_dropouts(void)
{
    char err[256];
    offline_features *o = offline_features_from_model(CLIENT_DROPOUTS, 2, err, sizeof err);
    CHECK(o != NULL, "%s", err);
    if (!o) return;
    static double br[3000], hr[3000];
    int nb = 0, nh = 0, stale = 0, frames = 0;
    for (int i = 0; i < 3000; i++) {
        double t = i * 0.1;
        lull_features f;
        offline_features_fn(o, t, &f);
        if (t < 60) continue;
        frames++;
        stale += f.breath_state == LULL_SENSOR_STALE;
        if (f.breath_state == LULL_SENSOR_OK && isfinite(f.breath_rate)) br[nb++] = f.breath_rate;
        if (f.heart_state == LULL_SENSOR_OK && isfinite(f.heart_rate)) hr[nh++] = f.heart_rate;
    }
    bio_pipeline_counters c;
    offline_features_counters(o, &c);
    CHECK(c.gaps[BIO_ECG] >= 3, "%llu gaps seen by the pipeline",
          (unsigned long long)c.gaps[BIO_ECG]);
    CHECK(stale > frames / 100, "breath stale in %d of %d frames (gaps)", stale, frames);
    CHECK(nb > frames * 6 / 10 && nh > frames * 6 / 10,
          "ok most of the time: breath %d heart %d of %d", nb, nh, frames);
    double b = median(br, nb), h = median(hr, nh);
    CHECK(fabs(b - 12.0) < 1.0, "breath %.2f/min through dropouts", b);
    CHECK(fabs(h - 68.0) < 4.0, "heart %.1f bpm through dropouts", h);
    offline_features_free(o);
}

static void test_render_setup(void)
{
    offline_render_opts o;
    offline_render_defaults(&o);
    char err[1024] = "";
    CHECK(!render_features_setup("x.hea", "steady", &o, err, sizeof err) && strstr(err, "exclude"),
          "--bio and --simulate together: %s", err);
    CHECK(!render_features_setup(NULL, "sleepy", &o, err, sizeof err) &&
              strstr(err, "unknown client profile \"sleepy\""),
          "unknown profile: %s", err);
    CHECK(!render_features_setup("/nonexistent.hea", NULL, &o, err, sizeof err) &&
              strstr(err, "/nonexistent"),
          "missing file: %s", err);
    CHECK(o.features == NULL, "nothing set on failure");
    CHECK(render_features_setup(NULL, NULL, &o, err, sizeof err) && !o.features,
          "neither: neutral features");

    CHECK(render_features_setup(NULL, "relaxing", &o, err, sizeof err) && o.features,
          "relaxing: %s", err);
    o.preset = "default";
    o.seconds = 20;
    o.sample_rate = 24000;
    o.out_path = NULL;
    offline_render_result res;
    bool ok = offline_render(&o, &res, err, sizeof err);
    CHECK(ok && res.frames >= 20 * 24000, "render with a simulated client: %s", err);
    CHECK(res.nan_events == 0 && res.peak > 0.0f, "sound, no NaN (peak %g)", res.peak);
    render_features_teardown(&o);
    CHECK(o.features == NULL && o.features_ud == NULL, "teardown clears");
}

int main(void)
{
    test_record();
    test_dropouts();
    test_render_setup();
    return check_finish("test_sim_offline");
}
