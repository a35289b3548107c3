#include "analysis/render_trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/plot.h"
#include "engine/engine.h"

/* The engine's state at one loudness point; NaN where a sensor is not OK. */
typedef struct trace_sample {
    float breath_rate, pacer_rate, heart_rate, tempo_bpm, arousal;
} trace_sample;

struct render_trace {
    loudness_meter *loud;
    spectrogram *spec;
    trace_sample *samples;
    size_t count, cap;
    bool failed;
};

render_trace *render_trace_new(double sample_rate, double seconds, const spectrogram_opts *spec,
                               char *err, size_t errlen)
{
    render_trace *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(t->loud = loudness_new(2, sample_rate, 0.1, err, errlen)) ||
        (spec && !(t->spec = spectrogram_new(spec, sample_rate, seconds, err, errlen)))) {
        render_trace_free(t);
        return NULL;
    }
    return t;
}

void render_trace_free(render_trace *t)
{
    if (!t) return;
    loudness_free(t->loud);
    spectrogram_free(t->spec);
    free(t->samples);
    free(t);
}

static float ok_or_nan(float v, int ok) { return ok && isfinite(v) ? v : NAN; }

static void observe(void *ud, struct lull_engine *e, uint64_t first, const float *left,
                    const float *right, uint32_t n)
{
    (void)first;
    render_trace *t = ud;
    if (t->failed) return;
    if (t->spec) spectrogram_add(t->spec, left, right, n);
    if (!loudness_add(t->loud, left, right, n)) {
        t->failed = true;
        return;
    }
    size_t points;
    loudness_series(t->loud, &points);
    if (points == t->count) return;
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    trace_sample s = {
        .breath_rate =
            ok_or_nan(st.features.breath_rate, st.features.breath_state == LULL_SENSOR_OK),
        .pacer_rate = ok_or_nan(st.pacer_rate, st.pacer_mode != PACER_OFF),
        .heart_rate = ok_or_nan(st.features.heart_rate, st.features.heart_state == LULL_SENSOR_OK),
        .tempo_bpm = ok_or_nan(st.tempo_bpm, 1),
        .arousal = ok_or_nan(st.features.arousal, 1),
    };
    if (points > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        while (cap < points) cap *= 2;
        trace_sample *p = realloc(t->samples, cap * sizeof *p);
        if (!p) {
            t->failed = true;
            return;
        }
        t->samples = p;
        t->cap = cap;
    }
    /* A chunk is shorter than the 0.1 s hop, so this is one point in practice. */
    while (t->count < points) t->samples[t->count++] = s;
}

void render_trace_attach(render_trace *t, offline_render_opts *o)
{
    o->observe = observe;
    o->observe_ud = t;
}

const loudness_meter *render_trace_loudness(const render_trace *t) { return t->loud; }

bool render_trace_write_spectrogram(const render_trace *t, const char *path, const char *title,
                                    char *err, size_t errlen)
{
    if (!t->spec) {
        snprintf(err, errlen, "%s: no spectrogram was recorded", path);
        return false;
    }
    return spectrogram_write_png(t->spec, path, title, err, errlen);
}

bool render_trace_write_plot(const render_trace *t, const char *path, const char *title,
                             double target_lufs, char *err, size_t errlen)
{
    if (t->failed || loudness_failed(t->loud)) {
        snprintf(err, errlen, "%s: the loudness measurement failed (out of memory?)", path);
        return false;
    }
    size_t n;
    const loudness_point *pts = loudness_series(t->loud, &n);
    if (n > t->count) n = t->count;
    double *time = malloc((n ? n : 1) * sizeof *time);
    float *col = malloc((n ? n : 1) * 7 * sizeof *col);
    if (!time || !col) {
        free(time), free(col);
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    float *st = col, *mo = col + n, *br = col + 2 * n, *pr = col + 3 * n, *hr = col + 4 * n,
          *tb = col + 5 * n, *ar = col + 6 * n;
    for (size_t i = 0; i < n; i++) {
        time[i] = pts[i].t_s;
        st[i] = pts[i].shortterm_lufs;
        mo[i] = pts[i].momentary_lufs;
        br[i] = t->samples[i].breath_rate;
        pr[i] = t->samples[i].pacer_rate;
        hr[i] = t->samples[i].heart_rate;
        tb[i] = t->samples[i].tempo_bpm;
        ar[i] = t->samples[i].arousal;
    }
    char ref[64];
    snprintf(ref, sizeof ref, "target %.1f LUFS", target_lufs);
    const plot_panel panels[] = {
        {.y_label = "loudness (LUFS)",
         .line_count = 2,
         .clip_min = -70,
         .ref_y = target_lufs,
         .ref_label = ref,
         .lines = {{"short-term (3 s)", st}, {"momentary (0.4 s)", mo}}},
        {.y_label = "breaths/min",
         .line_count = 2,
         .clip_min = -HUGE_VAL,
         .ref_y = NAN,
         .lines = {{"breath rate (measured)", br}, {"pacer rate", pr}}},
        {.y_label = "beats/min",
         .line_count = 2,
         .clip_min = -HUGE_VAL,
         .ref_y = NAN,
         .lines = {{"heart rate (measured)", hr}, {"tempo (bpm)", tb}}},
        {.y_label = "arousal",
         .line_count = 1,
         .y_min = -1,
         .y_max = 1,
         .clip_min = -HUGE_VAL,
         .ref_y = 0,
         .ref_label = "baseline",
         .empty = "no data (no biosignal, or its baseline still learning: 180 s of good data)",
         .lines = {{"arousal (-1..1)", ar}}},
    };
    bool ok = plot_write_png(path, RENDER_PLOT_WIDTH, RENDER_PLOT_HEIGHT, title, time, n, panels,
                             (int)(sizeof panels / sizeof panels[0]), err, errlen);
    free(time), free(col);
    return ok;
}

bool render_trace_write(const render_trace *t, const char *preset, double target_lufs,
                        const char *spec_path, const char *plot_path, char *err, size_t errlen)
{
    const char *base = strrchr(preset, '/');
    base = base ? base + 1 : preset;
    if (spec_path && !render_trace_write_spectrogram(t, spec_path, base, err, errlen)) return false;
    if (!plot_path) return true;
    loudness_summary s;
    loudness_get_summary(t->loud, &s);
    char title[256];
    snprintf(title, sizeof title, "%s  -  integrated %.1f LUFS, LRA %.1f LU, true peak %.1f dBTP",
             base, s.integrated_lufs, s.range_lu, s.true_peak_dbtp);
    return render_trace_write_plot(t, plot_path, title, target_lufs, err, errlen);
}
