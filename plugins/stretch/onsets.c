/* Onset detection for the stretch node: spectral flux of log-compressed
 * magnitudes with an adaptive threshold (see onsets.h for the references). */
#include "onsets.h"

#include <fftw3.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Analysis frame: 1024 points at 48 kHz (21 ms), hop a quarter of it (5.3 ms):
 * short enough to place an onset well inside a stretch frame (2048 points). */
#define ONSET_FFT_48K 1024.0
/* Log compression log(1 + GAMMA |X|) with |X| scaled to sine amplitude: a bin at
 * -60 dBFS reads log 2, one at 0 dBFS log 1001; quiet bins barely count. */
#define ONSET_GAMMA 1000.0f
/* A flux peak is an onset when it exceeds DELTA plus LAMBDA times the mean flux
 * over +-CONTEXT frames (about +-70 ms): steady tones and stationary noise then
 * give none, a struck note gives one. Mean flux per bin, in log units. */
#define ONSET_DELTA 0.08f
#define ONSET_LAMBDA 2.0f
#define ONSET_CONTEXT 12
/* Two onsets closer than this are one attack. */
#define ONSET_MIN_GAP_S 0.05

size_t stretch_onsets_first(const uint64_t *onsets, size_t count, int64_t lo)
{
    size_t a = 0, b = count;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if ((int64_t)onsets[m] < lo)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

size_t stretch_onsets_in(const uint64_t *onsets, size_t count, int64_t lo, int64_t hi)
{
    if (hi <= lo || count == 0) return 0;
    return stretch_onsets_first(onsets, count, hi) - stretch_onsets_first(onsets, count, lo);
}

/* Where in [from, from + span) the attack starts: the 32-frame block whose
 * energy most exceeds that of the two blocks before it. The flux of log
 * magnitudes peaks as soon as an attack enters a frame's tail, up to half a
 * frame early; this puts the onset within a block of the rise. */
#define REFINE_BLOCK 32
static uint64_t refine(const float *const *data, uint32_t channels, uint64_t frames, uint64_t from,
                       uint64_t span)
{
    double e1 = 0.0, e2 = 0.0, best = -1.0, floor_e = 1e-12 * REFINE_BLOCK;
    uint64_t at = from;
    for (uint64_t b = from; b + REFINE_BLOCK <= from + span && b + REFINE_BLOCK <= frames;
         b += REFINE_BLOCK) {
        double e = 0.0;
        for (uint64_t i = b; i < b + REFINE_BLOCK; i++) {
            double v = 0.0;
            for (uint32_t c = 0; c < channels; c++) v += data[c][i];
            e += v * v;
        }
        double jump = e / (e1 + e2 + floor_e);
        if (b >= from + 2 * REFINE_BLOCK && jump > best) {
            best = jump;
            at = b;
        }
        e2 = e1;
        e1 = e;
    }
    return at;
}

int stretch_find_onsets(const float *const *data, uint32_t channels, uint64_t frames,
                        double sample_rate, uint64_t **onsets, size_t *count)
{
    *onsets = NULL;
    *count = 0;
    uint32_t m = 64;
    while (m < 4096 && m * 1.5 < ONSET_FFT_48K * sample_rate / 48000.0) m *= 2;
    uint32_t hop = m / 4, bins = m / 2 + 1;
    size_t nframes = (size_t)(frames / hop) + 1;

    float *x = fftwf_malloc(m * sizeof *x);
    fftwf_complex *spec = fftwf_malloc(bins * sizeof *spec);
    float *win = malloc(m * sizeof *win);
    float *logmag = calloc(2 * (size_t)bins, sizeof *logmag);
    float *flux = calloc(nframes, sizeof *flux);
    fftwf_plan plan = x && spec ? fftwf_plan_dft_r2c_1d((int)m, x, spec, FFTW_ESTIMATE) : NULL;
    int rc = -1;
    if (!x || !spec || !win || !logmag || !flux || !plan) goto out;

    double wsum = 0.0;
    for (uint32_t j = 0; j < m; j++) {
        win[j] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * j / m));
        wsum += win[j];
    }
    const float scale = (float)(2.0 / wsum) * ONSET_GAMMA;
    /* Frame k is centred on frame index k*hop; its flux is the log-magnitude rise
     * from frame k-1, so an onset is placed half a hop before that centre. */
    for (size_t k = 0; k < nframes; k++) {
        int64_t c0 = (int64_t)(k * hop) - (int64_t)(m / 2);
        for (uint32_t j = 0; j < m; j++) {
            int64_t i = c0 + j;
            float v = 0.0f;
            if (i >= 0 && (uint64_t)i < frames)
                for (uint32_t c = 0; c < channels; c++) v += data[c][i];
            x[j] = v * win[j];
        }
        fftwf_execute(plan);
        float *cur = logmag + (k & 1) * bins, *prev = logmag + ((k + 1) & 1) * bins;
        double rise = 0.0;
        for (uint32_t i = 0; i < bins; i++) {
            float mag = sqrtf(spec[i][0] * spec[i][0] + spec[i][1] * spec[i][1]);
            cur[i] = log1pf(scale * mag);
            float d = cur[i] - prev[i];
            if (d > 0.0f && k > 0) rise += d;
        }
        flux[k] = (float)(rise / bins);
    }

    /* Count, then store, the flux peaks above the adaptive threshold. */
    uint64_t min_gap = (uint64_t)(ONSET_MIN_GAP_S * sample_rate);
    for (int pass = 0; pass < 2; pass++) {
        size_t n = 0;
        uint64_t last = 0;
        bool any = false;
        for (size_t k = 1; k < nframes; k++) {
            float f = flux[k];
            if (f <= flux[k - 1] || (k + 1 < nframes && f < flux[k + 1])) continue;
            /* The sound's first frames rise out of the zeros before it: not an
             * attack (it would reset the phases at every pass of a loop that
             * starts there); nor is its end, cut off into zeros. */
            if ((k - 1) * hop < m / 2 || k * hop + m / 2 > frames) continue;
            double mean = 0.0;
            size_t lo = k > ONSET_CONTEXT ? k - ONSET_CONTEXT : 0;
            size_t hi = k + ONSET_CONTEXT < nframes ? k + ONSET_CONTEXT : nframes - 1;
            for (size_t j = lo; j <= hi; j++) mean += flux[j];
            mean /= (double)(hi - lo + 1);
            if (f < ONSET_DELTA + ONSET_LAMBDA * mean) continue;
            uint64_t at = refine(data, channels, frames, k * hop - hop - 2 * REFINE_BLOCK,
                                 hop + m / 2 + 2 * REFINE_BLOCK);
            if (any && at - last < min_gap) continue;
            if (pass == 1) (*onsets)[n] = at;
            n++;
            last = at;
            any = true;
        }
        if (pass == 0) {
            if (n == 0) break;
            *onsets = malloc(n * sizeof **onsets);
            if (!*onsets) goto out;
        }
        *count = n;
    }
    rc = 0;
out:
    if (plan) fftwf_destroy_plan(plan);
    fftwf_free(x);
    fftwf_free(spec);
    free(win);
    free(logmag);
    free(flux);
    return rc;
}
