#include "bio/beat_template.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bio/bio_biquad.h"

#define TPL_BEATS 8     /* windows averaged into the template */
#define TPL_MIN_BEATS 4 /* scores before this many are 0: no evidence yet */
#define TPL_RING_S 4.0  /* signal history: the longest beat-reporting delay + window */
#define TPL_PENDING 16  /* beats waiting for the end of their window */
#define TPL_HP_HZ 1.0

struct beat_template {
    double fs;
    int pre, post, len; /* window: len = pre + 1 + post samples */
    int ring_len;
    double *ring;
    int64_t n;          /* samples pushed */
    int64_t valid_from; /* first index after the last gap */
    bio_biquad hp;
    bool hp_started;
    double *windows; /* TPL_BEATS x len, a ring of the last windows */
    double *tpl;     /* len: their sum (the template, unscaled) */
    int win_head, win_count;
    double corr[TPL_BEATS];
    int64_t pending[TPL_PENDING];
    int n_pending;
    double score;
};

beat_template *beat_template_new(double fs, double pre_s, double post_s)
{
    if (!(fs > 0 && pre_s > 0 && post_s > 0 && pre_s + post_s <= 2.0)) return NULL;
    beat_template *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->fs = fs;
    t->pre = (int)lround(pre_s * fs);
    t->post = (int)lround(post_s * fs);
    t->len = t->pre + 1 + t->post;
    t->ring_len = (int)ceil(TPL_RING_S * fs) + t->len;
    t->ring = calloc((size_t)t->ring_len, sizeof(double));
    t->windows = calloc((size_t)TPL_BEATS * (size_t)t->len, sizeof(double));
    t->tpl = calloc((size_t)t->len, sizeof(double));
    if (!t->ring || !t->windows || !t->tpl) {
        beat_template_free(t);
        return NULL;
    }
    bio_biquad_highpass(&t->hp, fs, TPL_HP_HZ);
    return t;
}

void beat_template_free(beat_template *t)
{
    if (!t) return;
    free(t->ring);
    free(t->windows);
    free(t->tpl);
    free(t);
}

void beat_template_gap(beat_template *t)
{
    t->valid_from = t->n;
    t->hp_started = false;
    t->win_count = t->win_head = 0;
    t->n_pending = 0;
    t->score = 0.0;
}

/* Pearson correlation of two windows of len samples. */
static double correlate(const double *a, const double *b, int len)
{
    double ma = 0, mb = 0;
    for (int i = 0; i < len; i++) ma += a[i], mb += b[i];
    ma /= len;
    mb /= len;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < len; i++) {
        double x = a[i] - ma, y = b[i] - mb;
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}

static void score_beat(beat_template *t, int64_t at)
{
    double *w = t->windows + (size_t)t->win_head * (size_t)t->len;
    for (int i = 0; i < t->len; i++) w[i] = t->ring[(size_t)((at - t->pre + i) % t->ring_len)];
    t->win_head = (t->win_head + 1) % TPL_BEATS;
    if (t->win_count < TPL_BEATS) t->win_count++;
    if (t->win_count < TPL_MIN_BEATS) {
        t->score = 0.0;
        return;
    }
    /* Template: the mean of the windows kept; score: their mean correlation with it. */
    memset(t->tpl, 0, (size_t)t->len * sizeof(double));
    for (int k = 0; k < t->win_count; k++)
        for (int i = 0; i < t->len; i++)
            t->tpl[i] += t->windows[(size_t)k * (size_t)t->len + (size_t)i];
    double c[TPL_BEATS];
    for (int k = 0; k < t->win_count; k++)
        c[k] = correlate(t->windows + (size_t)k * (size_t)t->len, t->tpl, t->len);
    /* The median: one odd beat (ectopic, a missed R) must not sink the score. */
    for (int i = 1; i < t->win_count; i++)
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            double tmp = c[j];
            c[j] = c[j - 1];
            c[j - 1] = tmp;
        }
    int h = t->win_count / 2;
    t->score = t->win_count % 2 ? c[h] : 0.5 * (c[h - 1] + c[h]);
}

void beat_template_push(beat_template *t, double x)
{
    if (!t->hp_started) {
        bio_biquad_settle(&t->hp, x);
        t->hp_started = true;
    }
    t->ring[(size_t)(t->n % t->ring_len)] = bio_biquad_run(&t->hp, x);
    t->n++;
    /* Score the beats whose window is now complete, oldest first. */
    int keep = 0;
    for (int i = 0; i < t->n_pending; i++) {
        int64_t at = t->pending[i];
        if (at + t->post < t->n)
            score_beat(t, at);
        else
            t->pending[keep++] = at;
    }
    t->n_pending = keep;
}

void beat_template_beat(beat_template *t, double index)
{
    int64_t at = (int64_t)llround(index);
    /* The window must lie after the last gap and still be in the ring. */
    if (at - t->pre < t->valid_from || at - t->pre <= t->n - t->ring_len) return;
    if (t->n_pending == TPL_PENDING) return;
    t->pending[t->n_pending++] = at;
}

double beat_template_correlation(const beat_template *t) { return t->score; }
