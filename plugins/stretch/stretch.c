/* stretch: plays a host-loaded sound in a loop at a speed that follows the tempo
 * clock, with its pitch unchanged: a phase vocoder with identity phase locking.
 *
 * Algorithm (Laroche & Dolson 1999, "Improved phase vocoder time-scale
 * modification of audio", IEEE Trans. Speech and Audio Processing 7(3) 323-332):
 * - Analysis frames of N points (2048 at 44.1/48 kHz, scaled with the rate), Hann
 *   window, read from the looped sound every Ha = speed * Hs source frames; the
 *   synthesis hop is fixed, Hs = N/4 (overlap 4: Hann analysis times Hann
 *   synthesis sums to a constant 3/2 at that hop, so a steady input comes out at
 *   unity gain).
 * - Per frame, peaks of the magnitude spectrum (a bin above its two neighbours on
 *   each side) get the phase-vocoder rule: synthesis phase = previous synthesis
 *   phase + Hs * instantaneous frequency. Every other bin belongs to the region
 *   of the nearest peak (boundary at the lowest bin between two peaks) and keeps
 *   its analysis phase relation to that peak ("identity phase locking"): the
 *   whole region is rotated by the peak's phase correction.
 * - The instantaneous frequency comes from the previous analysis frame when the
 *   analysis hop is at most N/2 (speed <= 2; at speed 1 this reproduces the input
 *   exactly), otherwise from an extra analysis frame Hs/2 later (unambiguous to
 *   +-4 bins whatever the speed).
 * - At an onset (found in the sound once, in activate: onsets.c) the frame whose
 *   centre first passes it copies the analysis phases, so attacks stay sharp;
 *   frames whose centre has not reached it yet are faded out just before it, so
 *   the attack is not smeared ahead of itself (pre-echo). Peaks are local maxima
 *   (one lower neighbour each side; see analyze()).
 * - Stereo: the phase rule runs on the mid spectrum (L + R), and both channels
 *   are rotated by the same per-bin correction, which keeps every inter-channel
 *   phase difference of the source (the image does not smear). A source whose
 *   channels cancel in L + R (one channel polarity-inverted) has no usable mid and
 *   then takes the left channel's phase only through the weak residue; mono it.
 *
 * Speed = ratio * (tempo_bpm / ref_bpm)^tempo_follow, clamped to 1/16..8 and
 * slew-limited to 1 octave per second (a tempo step becomes a glide). The loop
 * region [start, loop_end) is read as a periodic signal of period
 * loop_end - start - crossfade whose first `crossfade` seconds are an equal-power
 * crossfade from the region's tail into its head: no discontinuity at the seam.
 *
 * Realtime: all FFTW plans are made in activate() (FFTW_ESTIMATE: deterministic,
 * so two instances render the same bits). process() spreads one hop's work over
 * the calls of that hop: steps (gather+FFT per channel, peak analysis, phase
 * correction in two halves, inverse FFT+overlap-add per channel) run as the hop's
 * frames are rendered, so no call does more than about one FFT's worth. The
 * price is one synthesis hop of latency (Hs frames, reported through
 * lull.latency/1): the frame started at hop k is heard from hop k+1 on. */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lull/plugin.h"
#include "onsets.h"

enum { P_RATIO, P_FOLLOW, P_REF_BPM, P_GAIN, P_START, P_LOOP_END, P_CROSSFADE, P_COUNT };

enum step {
    ST_BEGIN,    /* read parameters, place the frame, gather+FFT channel 0 */
    ST_GATHER1,  /* gather+FFT channel 1 (stereo) */
    ST_GATHER_D, /* gather+FFT the mid signal Hs/2 later (analysis hop > N/2 only) */
    ST_ANALYZE,  /* mid spectrum, magnitudes, peaks and their regions */
    ST_PHASE_A,  /* phase corrections of every peak; rotate the first half */
    ST_PHASE_B,  /* rotate the second half */
    ST_SYNTH0,   /* inverse FFT + window + overlap-add, channel 0 */
    ST_SYNTH1,   /* the same, channel 1 */
};

#define MAX_CH 2
/* FFT size at 48 kHz; other rates use the nearest power of two to the same
 * duration (42.7 ms): long enough to resolve partials 2 bins apart down to
 * ~50 Hz, short enough to keep transients and latency modest. */
#define FFT_48K 2048.0
/* Effective speed range after the tempo factor (source s per output s). */
#define SPEED_MIN (1.0 / 16.0)
#define SPEED_MAX 8.0
/* Slew limit of the speed, octaves per second: a tempo step of 10 % glides over
 * 0.14 s; a slow glide of the parameters passes unchanged (no lag). */
#define SPEED_SLEW_OCT_PER_S 1.0
/* Shortest loop region, s: shorter requests are widened (a sound shorter than
 * this loops whole). */
#define MIN_LOOP_S 0.05
/* Points of the equal-power crossfade table sin(pi/2 x), x in [0, 1]. */
#define XFADE_POINTS 1024
/* Spectra quieter than this (|X|^2 of the mid peak) count as silence: the frame
 * copies its analysis phases. */
#define SILENCE_MAG2 1e-24f

typedef struct stretch_node {
    const lull_host *host;
    const lull_sound *sound;
    const float *src[MAX_CH];
    uint32_t channels; /* 1 or 2 */
    int64_t sound_frames;
    double rate;

    uint32_t n, hs, bins, dhop; /* FFT size, synthesis hop N/4, N/2+1, Hs/2 */
    uint32_t ring_mask;         /* overlap-add ring of 2N frames */
    float *win;                 /* analysis Hann, N */
    float *swin;                /* synthesis Hann / (1.5 N) */
    float xfade[XFADE_POINTS + 2];
    float *time;                   /* N, FFT scratch */
    fftwf_complex *spec[MAX_CH];   /* X of each channel, rotated in place into Y */
    fftwf_complex *mid, *mid_prev; /* analysis mid spectrum, this and the previous frame */
    fftwf_complex *mid_d;          /* mid spectrum Hs/2 later */
    fftwf_complex *ymid_prev;      /* synthesis mid spectrum of the previous frame */
    float *mag2;                   /* |mid|^2 */
    uint32_t *peak, *region_end;   /* peaks and the end (exclusive) of each one's region */
    float (*rot)[2];               /* each peak's phase correction (unit phasor) */
    uint32_t peak_count;
    float *ring[MAX_CH];
    fftwf_plan fwd, inv;
    uint64_t *onsets;
    size_t onset_count;

    /* Pipeline */
    uint8_t steps[8];
    uint32_t step_count, step; /* the hop's step list and the next to run */
    bool frame_open;
    uint64_t t;     /* frames output since activate()/reset() */
    uint64_t frame; /* index of the frame in progress */

    /* Playhead (virtual coordinates: source frames consumed since the start,
     * unwrapped; a loop coordinate is start + (v mod period)). */
    double v;     /* consumed at the start of the current hop */
    double speed; /* speed of the current hop */
    double log_speed;
    bool speed_set;
    int64_t a;              /* analysis frame start (virtual) */
    int64_t hop_a;          /* a - previous a, 0 when not contiguous */
    bool have_prev;         /* a previous frame exists and the region is unchanged */
    bool phase_reset;       /* this frame copies its analysis phases */
    bool use_dhop;          /* this frame estimates frequency from mid_d */
    uint32_t gate;          /* frame offset of an onset after the centre (n: none) */
    int64_t ls, lp, lx, le; /* loop start, period, crossfade, end (frames) */
} stretch_node;

/* ---------------------------------------------------------------------------- */

static void stretch_log(const stretch_node *s, enum lull_log_level level, const char *msg)
{
    if (s->host && s->host->log) s->host->log(s->host, level, msg);
}

static void *stretch_create(const lull_descriptor *desc, const lull_host *host)
{
    stretch_node *s = calloc(1, sizeof *s);
    if (s) s->host = host;
    return s;
}

static void stretch_free_buffers(stretch_node *s)
{
    if (s->fwd) fftwf_destroy_plan(s->fwd);
    if (s->inv) fftwf_destroy_plan(s->inv);
    s->fwd = s->inv = NULL;
    fftwf_free(s->win);
    fftwf_free(s->swin);
    fftwf_free(s->time);
    for (int c = 0; c < MAX_CH; c++) {
        fftwf_free(s->spec[c]);
        fftwf_free(s->ring[c]);
        s->spec[c] = NULL;
        s->ring[c] = NULL;
    }
    fftwf_free(s->mid);
    fftwf_free(s->mid_prev);
    fftwf_free(s->mid_d);
    fftwf_free(s->ymid_prev);
    fftwf_free(s->mag2);
    free(s->peak);
    free(s->region_end);
    free(s->rot);
    free(s->onsets);
    s->win = s->swin = s->time = s->mag2 = NULL;
    s->mid = s->mid_prev = s->mid_d = s->ymid_prev = NULL;
    s->peak = s->region_end = NULL;
    s->rot = NULL;
    s->onsets = NULL;
    s->onset_count = 0;
}

/* [audio] Back to the state right after activate(). */
static void stretch_clear(stretch_node *s)
{
    for (uint32_t c = 0; c < s->channels; c++)
        memset(s->ring[c], 0, 2 * (size_t)s->n * sizeof(float));
    memset(s->ymid_prev, 0, s->bins * sizeof(fftwf_complex));
    memset(s->mid_prev, 0, s->bins * sizeof(fftwf_complex));
    s->frame_open = false;
    s->step = 0;
    s->t = 0;
    s->frame = 0;
    s->v = 0.0;
    s->speed = 1.0;
    s->speed_set = false;
    s->have_prev = false;
    s->a = 0;
    s->hop_a = 0;
    s->ls = 0;
    s->lp = 1;
    s->lx = 0;
    s->le = 1;
}

static bool stretch_activate(void *self, double sample_rate, uint32_t max_frames)
{
    stretch_node *s = self;
    const lull_host *host = s->host;
    char msg[320];
    const lull_host_sounds *sounds = NULL;
    if (host->struct_size >= offsetof(lull_host, get_extension) + sizeof(void *) &&
        host->get_extension)
        sounds = host->get_extension(host, LULL_HOST_EXT_SOUNDS);
    if (!sounds || !sounds->get) {
        stretch_log(s, LULL_LOG_ERROR,
                    "stretch: the host offers no sound service (" LULL_HOST_EXT_SOUNDS
                    "); sound slot \"source\" cannot be read");
        return false;
    }
    const lull_sound *snd = sounds->get(host, 0);
    if (!snd) {
        stretch_log(s, LULL_LOG_ERROR,
                    "stretch: sound slot \"source\" is not bound to a sound (bind it in the "
                    "preset's node, e.g. \"sounds\": {\"source\": \"pad\"})");
        return false;
    }
    if (snd->channels < 1 || snd->channels > 2 || snd->frames < 1 || !snd->data || !snd->data[0] ||
        (snd->channels == 2 && !snd->data[1])) {
        snprintf(msg, sizeof msg,
                 "stretch: sound slot \"source\" (%s): %u channels, %llu frames; need 1 or 2 "
                 "channels and at least one frame",
                 snd->path ? snd->path : "?", snd->channels, (unsigned long long)snd->frames);
        stretch_log(s, LULL_LOG_ERROR, msg);
        return false;
    }
    if (fabs(snd->sample_rate - sample_rate) > 1e-6 * sample_rate) {
        snprintf(msg, sizeof msg, "stretch: sound slot \"source\" (%s) is at %g Hz, node at %g Hz",
                 snd->path ? snd->path : "?", snd->sample_rate, sample_rate);
        stretch_log(s, LULL_LOG_ERROR, msg);
        return false;
    }
    s->sound = snd;
    s->channels = snd->channels;
    s->src[0] = snd->data[0];
    s->src[1] = snd->channels == 2 ? snd->data[1] : snd->data[0];
    s->sound_frames = (int64_t)snd->frames;
    s->rate = sample_rate;

    uint32_t n = 256;
    while (n < 16384 && n * 1.5 < FFT_48K * sample_rate / 48000.0) n *= 2;
    s->n = n;
    s->hs = n / 4;
    s->dhop = s->hs / 2;
    s->bins = n / 2 + 1;
    s->ring_mask = 2 * n - 1;

    /* The FFTW planner is not thread-safe; this installs FFTW's own lock around
     * planning and plan destruction for every user of libfftw3f in the process
     * (idempotent). Planning is then safe whichever thread activates a node. */
    fftwf_make_planner_thread_safe();

    size_t cb = s->bins * sizeof(fftwf_complex);
    s->win = fftwf_malloc(n * sizeof(float));
    s->swin = fftwf_malloc(n * sizeof(float));
    s->time = fftwf_malloc(n * sizeof(float));
    for (uint32_t c = 0; c < s->channels; c++) {
        s->spec[c] = fftwf_malloc(cb);
        s->ring[c] = fftwf_malloc(2 * (size_t)n * sizeof(float));
    }
    s->mid = fftwf_malloc(cb);
    s->mid_prev = fftwf_malloc(cb);
    s->mid_d = fftwf_malloc(cb);
    s->ymid_prev = fftwf_malloc(cb);
    s->mag2 = fftwf_malloc(s->bins * sizeof(float));
    s->peak = malloc(s->bins * sizeof *s->peak);
    s->region_end = malloc(s->bins * sizeof *s->region_end);
    s->rot = malloc(s->bins * sizeof *s->rot);
    bool ok = s->win && s->swin && s->time && s->spec[0] && s->ring[0] && s->mid && s->mid_prev &&
              s->mid_d && s->ymid_prev && s->mag2 && s->peak && s->region_end && s->rot &&
              (s->channels == 1 || (s->spec[1] && s->ring[1]));
    if (ok) {
        s->fwd = fftwf_plan_dft_r2c_1d((int)n, s->time, s->spec[0], FFTW_ESTIMATE);
        s->inv =
            fftwf_plan_dft_c2r_1d((int)n, s->spec[0], s->time, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
        ok = s->fwd && s->inv;
    }
    if (ok)
        ok = stretch_find_onsets(s->src, s->channels, snd->frames, sample_rate, &s->onsets,
                                 &s->onset_count) == 0;
    if (!ok) {
        stretch_log(s, LULL_LOG_ERROR, "stretch: out of memory (FFT buffers, plans or onsets)");
        stretch_free_buffers(s);
        return false;
    }
    /* Hann (periodic) analysis and synthesis windows; their product sums to 3/2
     * at hop N/4, and FFTW's inverse is scaled by N. */
    for (uint32_t j = 0; j < n; j++) {
        double w = 0.5 - 0.5 * cos(2.0 * M_PI * j / n);
        s->win[j] = (float)w;
        s->swin[j] = (float)(w / (1.5 * n));
    }
    for (int j = 0; j <= XFADE_POINTS; j++) s->xfade[j] = (float)sin(0.5 * M_PI * j / XFADE_POINTS);
    s->xfade[XFADE_POINTS + 1] = 1.0f;

    int k = 0;
    s->steps[k++] = ST_BEGIN;
    if (s->channels == 2) s->steps[k++] = ST_GATHER1;
    s->steps[k++] = ST_GATHER_D;
    s->steps[k++] = ST_ANALYZE;
    s->steps[k++] = ST_PHASE_A;
    s->steps[k++] = ST_PHASE_B;
    s->steps[k++] = ST_SYNTH0;
    if (s->channels == 2) s->steps[k++] = ST_SYNTH1;
    s->step_count = (uint32_t)k;
    stretch_clear(s);
    return true;
}

static void stretch_deactivate(void *self)
{
    stretch_node *s = self;
    stretch_free_buffers(s);
    s->sound = NULL;
}

static void stretch_destroy(void *self) { free(self); }

static void stretch_reset(void *self) { stretch_clear(self); }

/* ---------------------------------------------------------------------------- */
/* The looped source */

static double clampd(double x, double lo, double hi)
{
    return x > lo ? (x < hi ? x : hi) : lo; /* NaN -> lo */
}

/* Loop region from the parameters; true when it differs from the one in use. */
static bool set_region(stretch_node *s, double start_s, double end_s, double xfade_s)
{
    int64_t f = s->sound_frames;
    int64_t st = (int64_t)llround(clampd(start_s, 0.0, 3600.0) * s->rate);
    if (st > f - 1) st = f - 1;
    double e_s = clampd(end_s, 0.0, 3600.0);
    int64_t en = e_s > 0.0 ? (int64_t)llround(e_s * s->rate) : f;
    if (en > f) en = f;
    int64_t min_len = (int64_t)(MIN_LOOP_S * s->rate);
    if (min_len > f) min_len = f;
    if (en - st < min_len) {
        en = st + min_len < f ? st + min_len : f;
        st = en - min_len;
    }
    int64_t x = (int64_t)llround(clampd(xfade_s, 0.0, 10.0) * s->rate);
    if (x > (en - st) / 2) x = (en - st) / 2;
    bool changed = st != s->ls || en != s->le || x != s->lx;
    s->ls = st;
    s->le = en;
    s->lx = x;
    s->lp = en - st - x; /* >= 1: en - st >= 1 and x <= half of it */
    return changed;
}

/* Loop coordinate (a frame index into the sound) of virtual position v. */
static int64_t loop_coord(const stretch_node *s, int64_t v)
{
    int64_t m = v % s->lp;
    if (m < 0) m += s->lp;
    return s->ls + m;
}

/* Frames faded out before an onset that the frame's centre has not reached. */
#define GATE_RAMP 32
/* Gate only when the speed differs from 1 by more than this. */
#define GATE_MIN_SPEED_DEVIATION 0.05

/* N windowed frames of the looped source from virtual position v0: channel `ch`,
 * or the sum of the channels when ch < 0. Frames from `gate` on are silenced: an
 * attack still ahead of the frame's centre would otherwise be spread by phase
 * propagation into a pre-echo; it is heard from the frame that resets on it. */
static void gather(const stretch_node *s, int ch, int64_t v0, float *dst, uint32_t gate)
{
    const float *a = s->src[ch < 0 ? 0 : ch];
    const float *b = s->src[1];
    bool sum = ch < 0 && s->channels == 2;
    int64_t u = loop_coord(s, v0), end = s->ls + s->lp, xend = s->ls + s->lx;
    const float xscale = s->lx > 0 ? (float)XFADE_POINTS / (float)s->lx : 0.0f;
    for (uint32_t j = 0; j < s->n; j++) {
        float v;
        if (u < xend) {
            /* Head of the region fading in over the tail fading out. */
            float pos = (float)(u - s->ls) * xscale;
            int i = (int)pos;
            float fr = pos - (float)i;
            float gin = s->xfade[i] + fr * (s->xfade[i + 1] - s->xfade[i]);
            float po = (float)XFADE_POINTS - pos;
            int io = (int)po;
            float fo = po - (float)io;
            float gout = s->xfade[io] + fo * (s->xfade[io + 1] - s->xfade[io]);
            v = gin * a[u] + gout * a[u + s->lp];
            if (sum) v += gin * b[u] + gout * b[u + s->lp];
        } else {
            v = a[u];
            if (sum) v += b[u];
        }
        dst[j] = v * s->win[j];
        if (++u == end) u = s->ls;
    }
    if (gate < s->n) {
        for (uint32_t j = gate; j < s->n; j++) dst[j] = 0.0f;
        uint32_t r0 = gate > GATE_RAMP ? gate - GATE_RAMP : 0;
        for (uint32_t j = r0; j < gate; j++) dst[j] *= (float)(gate - j) / (float)(GATE_RAMP + 1);
    }
}

/* Offset in the frame starting at virtual a of the first onset after its centre,
 * or n. (Onsets beyond the loop's end, across the wrap, are not looked for.) */
static uint32_t gate_offset(const stretch_node *s, int64_t a)
{
    if (s->onset_count == 0) return s->n;
    int64_t half = s->n / 2;
    int64_t uc = loop_coord(s, a + half);
    size_t i = stretch_onsets_first(s->onsets, s->onset_count, uc + 1);
    if (i == s->onset_count) return s->n;
    int64_t o = (int64_t)s->onsets[i];
    if (o >= s->ls + s->lp || o - uc >= half) return s->n;
    return (uint32_t)(half + (o - uc));
}

/* Any onset in the loop between virtual positions (v0, v1]? */
static bool onset_between(const stretch_node *s, int64_t v0, int64_t v1)
{
    if (s->onset_count == 0 || v1 <= v0) return false;
    if (v1 - v0 >= s->lp) /* the span covers the whole loop */
        return stretch_onsets_in(s->onsets, s->onset_count, s->ls, s->le) > 0;
    int64_t u0 = loop_coord(s, v0 + 1), u1 = loop_coord(s, v1) + 1; /* [u0, u1) */
    int64_t end = s->ls + s->lp;
    /* An onset at o in the tail [end, le) sounds at o - lp (in the crossfade). */
    int64_t lo[2] = {u0, s->ls}, hi[2] = {u1, u1};
    int spans = 1;
    if (u1 <= u0) { /* wraps: [u0, end) and [ls, u1) */
        hi[0] = end;
        spans = 2;
    }
    for (int i = 0; i < spans; i++) {
        if (stretch_onsets_in(s->onsets, s->onset_count, lo[i], hi[i])) return true;
        int64_t tlo = lo[i] + s->lp, thi = hi[i] + s->lp < s->le ? hi[i] + s->lp : s->le;
        if (stretch_onsets_in(s->onsets, s->onset_count, tlo, thi)) return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------- */
/* One hop's steps */

static void begin_frame(stretch_node *s, const lull_process *ctx, uint32_t off)
{
    if (off >= ctx->frames) off = ctx->frames - 1;
    bool moved = set_region(s, ctx->params[P_START][off], ctx->params[P_LOOP_END][off],
                            ctx->params[P_CROSSFADE][off]);

    /* Consumption over the hop that just ended, at the speed it had. */
    if (s->speed_set) s->v += s->speed * s->hs;
    double ratio = clampd(ctx->params[P_RATIO][off], 0.25, 4.0);
    double follow = clampd(ctx->params[P_FOLLOW][off], 0.0, 1.0);
    double ref = clampd(ctx->params[P_REF_BPM][off], 20.0, 240.0);
    double bpm = ctx->clocks->tempo_bpm;
    if (!(bpm > 1.0 && bpm < 1000.0)) bpm = ref;
    double target =
        clampd(log2(ratio) + follow * log2(bpm / ref), log2(SPEED_MIN), log2(SPEED_MAX));
    if (!s->speed_set) {
        s->log_speed = target;
        s->speed_set = true;
    } else {
        double step = SPEED_SLEW_OCT_PER_S * s->hs / s->rate;
        s->log_speed += clampd(target - s->log_speed, -step, step);
    }
    s->speed = exp2(s->log_speed);

    /* Centre the analysis window on where the playhead will be at the synthesis
     * window's centre, N/2 output frames on: the latency is then Hs whatever the
     * speed. */
    int64_t a = (int64_t)llround(s->v + (s->speed - 1.0) * 0.5 * s->n);
    bool contiguous = s->have_prev && !moved;
    s->hop_a = contiguous ? a - s->a : 0;
    s->phase_reset =
        !contiguous || onset_between(s, s->a + s->n / 2, a + s->n / 2) || s->hop_a <= 0;
    s->use_dhop = !s->phase_reset && s->hop_a > (int64_t)(2 * s->hs);
    s->a = a;
    s->have_prev = true;
    /* Near speed 1 propagated phases stay close to the analysis ones and an
     * attack adds up coherently across frames (exactly at speed 1): no gate. */
    s->gate = fabs(s->speed - 1.0) > GATE_MIN_SPEED_DEVIATION ? gate_offset(s, a) : s->n;

    gather(s, 0, a, s->time, s->gate);
    fftwf_execute_dft_r2c(s->fwd, s->time, s->spec[0]);
}

static void analyze(stretch_node *s)
{
    const uint32_t bins = s->bins;
    fftwf_complex *mid = s->mid;
    if (s->channels == 2) {
        for (uint32_t i = 0; i < bins; i++) {
            mid[i][0] = s->spec[0][i][0] + s->spec[1][i][0];
            mid[i][1] = s->spec[0][i][1] + s->spec[1][i][1];
        }
    } else {
        memcpy(mid, s->spec[0], bins * sizeof *mid);
    }
    float *m2 = s->mag2, top = 0.0f;
    for (uint32_t i = 0; i < bins; i++) {
        m2[i] = mid[i][0] * mid[i][0] + mid[i][1] * mid[i][1];
        top = m2[i] > top ? m2[i] : top;
    }
    uint32_t np = 0;
    if (top > SILENCE_MAG2) {
        /* Peaks: local maxima. Laroche & Dolson (sec. 3.2) ask for two lower
         * neighbours on each side; at N = 2048 that merges partials 2 bins
         * (47 Hz) apart, common in low chords, and a partial rotated with its
         * neighbour's correction drifts in phase from frame to frame and partly
         * cancels in the overlap-add (measured: -0.9 LU on the test pad at half
         * speed). One neighbour each side keeps them apart. */
        for (uint32_t i = 0; i < bins; i++) {
            float m = m2[i];
            if ((i >= 1 && m <= m2[i - 1]) || (i + 1 < bins && m < m2[i + 1])) continue;
            s->peak[np++] = i;
        }
        /* Regions: each ends after the lowest bin between its peak and the next. */
        for (uint32_t j = 0; j + 1 < np; j++) {
            uint32_t lo = s->peak[j] + 1, best = lo;
            for (uint32_t i = lo + 1; i < s->peak[j + 1]; i++)
                if (m2[i] < m2[best]) best = i;
            s->region_end[j] = best + 1;
        }
        if (np) s->region_end[np - 1] = bins;
    }
    if (np == 0) { /* silence: one region, no rotation */
        s->peak[0] = 0;
        s->region_end[0] = bins;
        np = 1;
        s->phase_reset = true;
    }
    s->peak_count = np;
}

/* Wrap to [-pi, pi). */
static float princarg(float x)
{
    return x - 2.0f * (float)M_PI * floorf(x / (2.0f * (float)M_PI) + 0.5f);
}

static void peak_rotations(stretch_node *s)
{
    const float two_pi_n = 2.0f * (float)M_PI / (float)s->n;
    for (uint32_t j = 0; j < s->peak_count; j++) {
        uint32_t p = s->peak[j];
        float xr = s->mid[p][0], xi = s->mid[p][1];
        float xm = xr * xr + xi * xi;
        float yr = s->ymid_prev[p][0], yi = s->ymid_prev[p][1];
        float ym = yr * yr + yi * yi;
        if (s->phase_reset || xm < 1e-30f || ym < 1e-30f) {
            s->rot[j][0] = 1.0f;
            s->rot[j][1] = 0.0f;
            continue;
        }
        /* Phase deviation from bin p's own frequency over the estimation hop. */
        float dev;
        float hop;
        if (s->use_dhop) {
            float dr = s->mid_d[p][0], di = s->mid_d[p][1];
            float ph = atan2f(di * xr - dr * xi, dr * xr + di * xi);
            hop = (float)s->dhop;
            dev = princarg(ph - two_pi_n * (float)(((uint64_t)p * s->dhop) % s->n));
        } else {
            float pr = s->mid_prev[p][0], pi = s->mid_prev[p][1];
            float ph = atan2f(xi * pr - xr * pi, xr * pr + xi * pi);
            hop = (float)s->hop_a;
            dev = princarg(ph - two_pi_n * (float)(((uint64_t)p * (uint64_t)s->hop_a) % s->n));
        }
        /* Synthesis advance Hs * omega: bin part (p Hs mod N) 2 pi / N exactly, plus
         * the deviation scaled from the estimation hop to Hs. */
        float adv = two_pi_n * (float)(((uint64_t)p * s->hs) % s->n) + dev * ((float)s->hs / hop);
        float ca = cosf(adv), sa = sinf(adv);
        float yn = 1.0f / sqrtf(ym), xn = 1.0f / sqrtf(xm);
        /* z = unit(Y_prev[p]) e^{j adv}; rot = z conj(unit(X[p])) */
        float zr = (yr * ca - yi * sa) * yn, zi = (yr * sa + yi * ca) * yn;
        float ur = xr * xn, ui = xi * xn;
        s->rot[j][0] = zr * ur + zi * ui;
        s->rot[j][1] = zi * ur - zr * ui;
    }
}

static void rotate_regions(stretch_node *s, uint32_t j0, uint32_t j1)
{
    for (uint32_t j = j0; j < j1; j++) {
        uint32_t i0 = j ? s->region_end[j - 1] : 0, i1 = s->region_end[j];
        float cr = s->rot[j][0], ci = s->rot[j][1];
        for (uint32_t c = 0; c < s->channels; c++) {
            fftwf_complex *x = s->spec[c];
            for (uint32_t i = i0; i < i1; i++) {
                float r = x[i][0], m = x[i][1];
                x[i][0] = r * cr - m * ci;
                x[i][1] = r * ci + m * cr;
            }
        }
        for (uint32_t i = i0; i < i1; i++) {
            float r = s->mid[i][0], m = s->mid[i][1];
            s->ymid_prev[i][0] = r * cr - m * ci;
            s->ymid_prev[i][1] = r * ci + m * cr;
        }
    }
}

static void synth(stretch_node *s, uint32_t c)
{
    fftwf_execute_dft_c2r(s->inv, s->spec[c], s->time);
    float *ring = s->ring[c];
    uint64_t base = s->frame * s->hs;
    for (uint32_t j = 0; j < s->n; j++) ring[(base + j) & s->ring_mask] += s->time[j] * s->swin[j];
}

static void run_step(stretch_node *s, const lull_process *ctx, uint32_t off)
{
    switch (s->steps[s->step]) {
    case ST_BEGIN: begin_frame(s, ctx, off); break;
    case ST_GATHER1:
        gather(s, 1, s->a, s->time, s->gate);
        fftwf_execute_dft_r2c(s->fwd, s->time, s->spec[1]);
        break;
    case ST_GATHER_D:
        if (s->use_dhop) {
            gather(s, -1, s->a + s->dhop, s->time, s->gate >= s->n ? s->n : s->gate - s->dhop);
            fftwf_execute_dft_r2c(s->fwd, s->time, s->mid_d);
        }
        break;
    case ST_ANALYZE: analyze(s); break;
    case ST_PHASE_A:
        peak_rotations(s);
        rotate_regions(s, 0, s->peak_count / 2);
        break;
    case ST_PHASE_B: {
        rotate_regions(s, s->peak_count / 2, s->peak_count);
        fftwf_complex *tmp = s->mid_prev;
        s->mid_prev = s->mid;
        s->mid = tmp;
        break;
    }
    case ST_SYNTH0: synth(s, 0); break;
    case ST_SYNTH1: synth(s, 1); break;
    }
    s->step++;
}

static void run_steps(stretch_node *s, const lull_process *ctx, uint32_t off, uint32_t target)
{
    if (!s->frame_open) return;
    while (s->step < target && s->step < s->step_count) run_step(s, ctx, off);
}

static void stretch_process(void *self, const lull_process *ctx)
{
    stretch_node *s = self;
    float *outl = ctx->outputs[0], *outr = ctx->outputs[1];
    const float *gain_db = ctx->params[P_GAIN];
    const bool gain_static = ctx->params_static[P_GAIN] != 0;
    float g = powf(10.0f, clampd(gain_db[0], -60.0, 12.0) / 20.0f);
    uint32_t done = 0;
    while (done < ctx->frames) {
        uint32_t phase = (uint32_t)(s->t % s->hs);
        if (phase == 0) {
            /* The frame begun a hop ago is heard from now on: finish it. */
            run_steps(s, ctx, done, s->step_count);
            s->frame = s->t / s->hs;
            s->step = 0;
            s->frame_open = true;
        }
        uint32_t seg = ctx->frames - done;
        if (seg > s->hs - phase) seg = s->hs - phase;
        /* Output: the overlap-add ring one hop behind, cleared as it is read. */
        uint64_t r = s->t + s->ring_mask + 1 - s->hs;
        for (uint32_t i = 0; i < seg; i++, r++) {
            uint32_t k = (uint32_t)(r & s->ring_mask);
            if (!gain_static) g = powf(10.0f, clampd(gain_db[done + i], -60.0, 12.0) / 20.0f);
            float l = s->ring[0][k], rr = s->channels == 2 ? s->ring[1][k] : l;
            s->ring[0][k] = 0.0f;
            if (s->channels == 2) s->ring[1][k] = 0.0f;
            l *= g;
            rr *= g;
            outl[done + i] = fabsf(l) < 1e-30f ? 0.0f : l;
            outr[done + i] = fabsf(rr) < 1e-30f ? 0.0f : rr;
        }
        /* Spread the hop's steps evenly over its frames (rounded up: all done by
         * the end of the hop). */
        uint32_t target = (uint32_t)(((uint64_t)s->step_count * (phase + seg) + s->hs - 1) / s->hs);
        run_steps(s, ctx, done, target);
        s->t += seg;
        done += seg;
    }
}

/* ---------------------------------------------------------------------------- */

static uint32_t stretch_latency(void *self)
{
    const stretch_node *s = self;
    return s->hs;
}

static const lull_ext_latency stretch_latency_ext = {stretch_latency};

static const void *stretch_get_extension(void *self, const char *name)
{
    if (strcmp(name, LULL_EXT_LATENCY) == 0) return &stretch_latency_ext;
    return NULL;
}

static const lull_port_info stretch_outputs[] = {{"left"}, {"right"}};
static const lull_port_info stretch_sounds[] = {{"source"}};
static const lull_param_info stretch_params[P_COUNT] = {
    [P_RATIO] = {"ratio", "Ratio", "", 0.25f, 4.0f, 1.0f, 200.0f,
                 LULL_PARAM_LOGARITHMIC | LULL_PARAM_MODULATABLE, NULL},
    [P_FOLLOW] = {"tempo_follow", "Tempo follow", "", 0.0f, 1.0f, 0.0f, 200.0f,
                  LULL_PARAM_MODULATABLE, NULL},
    [P_REF_BPM] = {"ref_bpm", "Reference tempo", "bpm", 20.0f, 240.0f, 60.0f, 200.0f,
                   LULL_PARAM_LOGARITHMIC, NULL},
    [P_GAIN] = {"gain_db", "Gain", "dB", -60.0f, 12.0f, 0.0f, 50.0f, LULL_PARAM_MODULATABLE, NULL},
    [P_START] = {"start", "Loop start", "s", 0.0f, 3600.0f, 0.0f, 20.0f, 0, NULL},
    [P_LOOP_END] = {"loop_end", "Loop end (0: end of sound)", "s", 0.0f, 3600.0f, 0.0f, 20.0f, 0,
                    NULL},
    [P_CROSSFADE] = {"crossfade", "Loop crossfade", "s", 0.01f, 2.0f, 0.1f, 20.0f, 0, NULL},
};

static const lull_descriptor stretch_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "stretch",
    .name = "Time stretch loop",
    .version = "1.0.0",
    .description = "Loops a sound at a speed that follows the tempo clock, pitch unchanged "
                   "(phase vocoder with identity phase locking and phase reset at onsets).",
    .input_count = 0,
    .inputs = NULL,
    .output_count = 2,
    .outputs = stretch_outputs,
    .param_count = P_COUNT,
    .params = stretch_params,
    .create = stretch_create,
    .activate = stretch_activate,
    .process = stretch_process,
    .reset = stretch_reset,
    .deactivate = stretch_deactivate,
    .destroy = stretch_destroy,
    .get_extension = stretch_get_extension,
    .sound_slot_count = 1,
    .sound_slots = stretch_sounds,
};

LULL_PLUGIN_ENTRY(&stretch_desc)
