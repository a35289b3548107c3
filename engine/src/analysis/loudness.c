#include "analysis/loudness.h"

#include <ebur128.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_FRAMES 4096u
/* libebur128's absolute gate (BS.1770-4): quieter blocks do not count. */
#define SILENT_LUFS (-70.0)

struct loudness_meter {
    ebur128_state *st;
    unsigned channels;
    double rate;
    uint64_t hop;        /* frames between series points */
    uint64_t fed;        /* frames fed */
    uint64_t next_point; /* frame count at which the next point is taken */
    float *scratch;      /* interleaved */
    loudness_point *pts;
    size_t count, cap;
    double momentary_max, shortterm_max;
    bool failed;
};

loudness_meter *loudness_new(unsigned channels, double sample_rate, double hop_s, char *err,
                             size_t errlen)
{
    if (channels < 1 || channels > 2) {
        snprintf(err, errlen, "loudness: %u channels (1 or 2 supported)", channels);
        return NULL;
    }
    if (!(sample_rate >= 8000 && sample_rate <= 384000)) {
        snprintf(err, errlen, "loudness: sample rate %g Hz is outside 8000..384000", sample_rate);
        return NULL;
    }
    if (!(hop_s > 0)) hop_s = 0.1;
    loudness_meter *m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->channels = channels;
    m->rate = sample_rate;
    m->hop = (uint64_t)llround(hop_s * sample_rate);
    if (m->hop < 1) m->hop = 1;
    m->next_point = m->hop;
    m->momentary_max = m->shortterm_max = -HUGE_VAL;
    /* Block-list (not histogram) gating: exact to the spec, at one double per
     * 100 ms of signal (about 0.3 MB per hour). */
    m->st = ebur128_init(channels, (unsigned long)llround(sample_rate),
                         EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_S | EBUR128_MODE_M |
                             EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
    m->scratch = malloc(SCRATCH_FRAMES * channels * sizeof(float));
    if (!m->st || !m->scratch) goto oom;
    if (channels == 1) ebur128_set_channel(m->st, 0, EBUR128_LEFT); /* a front channel */
    return m;
oom:
    snprintf(err, errlen, "loudness: out of memory");
    loudness_free(m);
    return NULL;
}

void loudness_free(loudness_meter *m)
{
    if (!m) return;
    if (m->st) ebur128_destroy(&m->st);
    free(m->scratch);
    free(m->pts);
    free(m);
}

bool loudness_failed(const loudness_meter *m) { return m->failed; }

static double lufs_or_silent(double v)
{
    /* libebur128 returns -HUGE_VAL for silence; keep that, but never NaN. */
    return isnan(v) ? -HUGE_VAL : v;
}

static bool take_point(loudness_meter *m)
{
    double s = -HUGE_VAL, mo = -HUGE_VAL;
    if (ebur128_loudness_shortterm(m->st, &s) != EBUR128_SUCCESS ||
        ebur128_loudness_momentary(m->st, &mo) != EBUR128_SUCCESS)
        return false;
    s = lufs_or_silent(s);
    mo = lufs_or_silent(mo);
    if (m->count == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        loudness_point *p = realloc(m->pts, cap * sizeof *p);
        if (!p) return false;
        m->pts = p;
        m->cap = cap;
    }
    m->pts[m->count++] = (loudness_point){
        .t_s = (double)m->fed / m->rate, .shortterm_lufs = (float)s, .momentary_lufs = (float)mo};
    if (s > m->shortterm_max) m->shortterm_max = s;
    if (mo > m->momentary_max) m->momentary_max = mo;
    return true;
}

bool loudness_add(loudness_meter *m, const float *left, const float *right, size_t n)
{
    if (m->failed) return false;
    size_t done = 0;
    while (done < n) {
        size_t k = n - done;
        if (k > SCRATCH_FRAMES) k = SCRATCH_FRAMES;
        /* Stop at the next series point so that it sees exactly the frames before it. */
        if (m->next_point - m->fed < k) k = (size_t)(m->next_point - m->fed);
        const float *src;
        if (m->channels == 1) {
            src = left + done;
        } else {
            for (size_t i = 0; i < k; i++) {
                m->scratch[2 * i] = left[done + i];
                m->scratch[2 * i + 1] = right[done + i];
            }
            src = m->scratch;
        }
        if (ebur128_add_frames_float(m->st, src, k) != EBUR128_SUCCESS) goto fail;
        m->fed += k;
        done += k;
        if (m->fed == m->next_point) {
            if (!take_point(m)) goto fail;
            m->next_point += m->hop;
        }
    }
    return true;
fail:
    m->failed = true;
    return false;
}

void loudness_get_summary(const loudness_meter *m, loudness_summary *s)
{
    memset(s, 0, sizeof *s);
    s->seconds = (double)m->fed / m->rate;
    double v = -HUGE_VAL;
    s->integrated_lufs =
        ebur128_loudness_global(m->st, &v) == EBUR128_SUCCESS ? lufs_or_silent(v) : -HUGE_VAL;
    v = 0;
    s->range_lu = ebur128_loudness_range(m->st, &v) == EBUR128_SUCCESS && isfinite(v) ? v : 0.0;
    double tp = 0, sp = 0;
    for (unsigned c = 0; c < m->channels; c++) {
        double x = 0;
        if (ebur128_true_peak(m->st, c, &x) == EBUR128_SUCCESS && x > tp) tp = x;
        x = 0;
        if (ebur128_sample_peak(m->st, c, &x) == EBUR128_SUCCESS && x > sp) sp = x;
    }
    s->true_peak_dbtp = tp > 0 ? 20 * log10(tp) : -HUGE_VAL;
    s->sample_peak_dbfs = sp > 0 ? 20 * log10(sp) : -HUGE_VAL;
    s->momentary_max_lufs = m->momentary_max;
    s->shortterm_max_lufs = m->shortterm_max;
}

const loudness_point *loudness_series(const loudness_meter *m, size_t *count)
{
    *count = m->count;
    return m->pts;
}

double loudness_max_rise(const loudness_point *pts, size_t count, double window_s, double from_s)
{
    double best = 0.0;
    for (size_t i = 0; i < count; i++) {
        if (pts[i].t_s < from_s) continue;
        double a = pts[i].shortterm_lufs > SILENT_LUFS ? pts[i].shortterm_lufs : SILENT_LUFS;
        for (size_t j = i + 1; j < count && pts[j].t_s - pts[i].t_s <= window_s + 1e-9; j++) {
            double b = pts[j].shortterm_lufs > SILENT_LUFS ? pts[j].shortterm_lufs : SILENT_LUFS;
            if (b - a > best) best = b - a;
        }
    }
    return best;
}
