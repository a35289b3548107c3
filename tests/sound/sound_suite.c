#include "sound_suite.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/loudness.h"
#include "audio_check.h"
#include "drivers/offline_driver.h"
#include "engine/engine.h"
#include "modulation/modulation.h"
#include "preset/preset.h"
#include "sim/offline_features.h"
#include "tempogram.h"

/* ---- Rendering ----------------------------------------------------------------- */

#define TRACE_HOP_S 0.5

static double finite_or_nan(float v) { return isfinite(v) ? (double)v : NAN; }

static void observe(void *ud, struct lull_engine *e, uint64_t first, const float *left,
                    const float *right, uint32_t n)
{
    ss_render *r = ud;
    for (uint32_t i = 0; i < n && first + i < r->n; i++) {
        r->left[first + i] = left[i];
        r->right[first + i] = right[i];
    }
    lull_engine_status s;
    lull_engine_get_status(e, &s);
    tg_clock_add(&r->clock, (double)first, n, s.tempo_bpm, r->rate);
    /* One status point each time the chunk crosses a TRACE_HOP_S boundary. */
    double t_end = (double)(first + n) / r->rate;
    if (r->trace_n < r->trace_cap && t_end >= (double)r->trace_n * TRACE_HOP_S) {
        ss_trace_point *p = &r->trace[r->trace_n++];
        p->t_s = t_end;
        p->tempo_bpm = finite_or_nan(s.tempo_bpm);
        p->pacer_rate = finite_or_nan(s.pacer_rate);
        p->heart_bpm = finite_or_nan(s.features.heart_rate);
        p->breath_rate = finite_or_nan(s.features.breath_rate);
        p->arousal = finite_or_nan(s.features.arousal);
    }
}

int ss_render_preset(const char *preset_path, const char *client, double seconds, ss_render *r,
                     char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    snprintf(r->client, sizeof r->client, "%s", client ? client : "none");
    r->rate = SS_RATE;
    r->n = (size_t)llround(seconds * SS_RATE);
    r->left = calloc(r->n, sizeof(float));
    r->right = calloc(r->n, sizeof(float));
    r->mono = calloc(r->n, sizeof(float));
    r->trace_cap = (size_t)(seconds / TRACE_HOP_S) + 4;
    r->trace = calloc(r->trace_cap, sizeof *r->trace);
    if (!r->left || !r->right || !r->mono || !r->trace) {
        snprintf(err, errlen, "out of memory for a %.0f s render", seconds);
        ss_render_free(r);
        return -1;
    }
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset_path;
    o.seconds = seconds;
    o.sample_rate = SS_RATE;
    o.out_path = NULL;
    o.fade_out_at_end = 0; /* the end is measured like the rest */
    o.observe = observe;
    o.observe_ud = r;
    /* Test presets (tests/data/presets) use the shipped sounds: look there too. */
    char sounds[1024];
    const char *dirs[2] = {NULL, NULL};
    const char *shipped = getenv("LULL_PRESET_DIR");
    if (shipped) {
        snprintf(sounds, sizeof sounds, "%s/sounds", shipped);
        dirs[0] = sounds;
        o.sound_dirs = dirs;
    }
    /* NULL or "none": no sensors at all (no features callback), as lulld without a
     * wearable. */
    if (!render_features_setup(NULL, client && strcmp(client, "none") ? client : NULL, &o, err,
                               errlen)) {
        ss_render_free(r);
        return -1;
    }
    offline_render_result res;
    int failed = !offline_render(&o, &res, err, errlen);
    render_features_teardown(&o);
    if (failed) {
        ss_render_free(r);
        return -1;
    }
    r->wall_s = res.wall_seconds;
    r->nan_events = (unsigned long long)res.nan_events;
    for (size_t i = 0; i < r->n; i++) r->mono[i] = 0.5f * (r->left[i] + r->right[i]);
    ss_analyze(r);
    return 0;
}

void ss_render_free(ss_render *r)
{
    free(r->left), free(r->right), free(r->mono), free(r->trace), free(r->onsets), free(r->events);
    tg_clock_free(&r->clock);
    memset(r, 0, sizeof *r);
}

/* ---- Whole-render analysis -------------------------------------------------------- */

static void analyze_loudness(ss_render *r)
{
    char err[256];
    r->integrated_lufs = r->true_peak_dbtp = r->range_lu = r->max_rise_lu = NAN;
    r->max_rise_at_s = NAN;
    loudness_meter *m = loudness_new(2, r->rate, 0.1, err, sizeof err);
    if (!m) return;
    loudness_add(m, r->left, r->right, r->n);
    if (!loudness_failed(m)) {
        loudness_summary s;
        loudness_get_summary(m, &s);
        r->integrated_lufs = s.integrated_lufs;
        r->true_peak_dbtp = s.true_peak_dbtp;
        r->range_lu = s.range_lu;
        size_t np;
        const loudness_point *p = loudness_series(m, &np);
        r->max_rise_lu = loudness_max_rise(p, np, SS_RISE_WINDOW_S, SS_SKIP_S);
        /* Where the largest rise ends, for the message (loudness_max_rise's rule:
         * silence counts as -70 LUFS). */
        double best = -INFINITY;
        for (size_t j = 0; j < np; j++) {
            if (p[j].t_s < SS_SKIP_S) continue;
            double sj = isfinite(p[j].shortterm_lufs) ? p[j].shortterm_lufs : -70.0;
            for (size_t i = j; i-- > 0;) {
                if (p[i].t_s < SS_SKIP_S || p[j].t_s - p[i].t_s > SS_RISE_WINDOW_S) break;
                double si = isfinite(p[i].shortterm_lufs) ? p[i].shortterm_lufs : -70.0;
                if (sj - si > best) best = sj - si, r->max_rise_at_s = p[j].t_s;
            }
        }
    }
    loudness_free(m);
}

static void analyze_onsets(ss_render *r)
{
    size_t cap = 4096;
    r->onsets = malloc(cap * sizeof *r->onsets);
    r->events = malloc(SS_MAX_EVENTS * sizeof *r->events);
    r->onset_n = r->event_n = 0;
    r->fast_onsets = 0;
    r->min_rise_ms = r->min_rise_at_s = NAN;
    if (!r->onsets || !r->events) return;
    sq_onset_opts opts;
    sq_onset_defaults(&opts);
    opts.threshold_db = SS_ONSET_OVER_DB;
    opts.hold_ms = SS_ONSET_HOLD_MS;
    size_t found = sq_onsets(r->mono, r->n, r->rate, &opts, r->onsets, cap);
    r->onset_n = found < cap ? found : cap;
    for (size_t i = 0; i < r->onset_n; i++) {
        const sq_onset *o = &r->onsets[i];
        if (o->time_s < SS_SKIP_S) continue;
        if (!(o->rise_ms >= r->min_rise_ms))
            r->min_rise_ms = o->rise_ms, r->min_rise_at_s = o->time_s;
        if (o->rise_ms < SS_MIN_RISE_MS) r->fast_onsets++;
    }
    /* Events for tempo and density: spectral flux (sound_quality.h). */
    found = sq_flux_events(r->mono, r->n, r->rate, NULL, r->events, SS_MAX_EVENTS);
    r->event_n = found < SS_MAX_EVENTS ? found : SS_MAX_EVENTS;
}

static void analyze_clicks(ss_render *r)
{
    size_t from = (size_t)(SS_SKIP_S * r->rate);
    r->ac_ratio = 0, r->ac_at_s = NAN;
    r->ar_clicks = r->ar_periodic = 0, r->ar_max_ratio = r->ar_max_click = 0;
    r->ar_first_at_s = NAN;
    if (r->n <= from + 1024) return;
    const size_t cap = 1 << 18;
    sq_click *cl = malloc(cap * sizeof *cl);
    if (!cl) return;
    for (int ch = 0; ch < 2; ch++) {
        const float *x = (ch ? r->right : r->left) + from;
        size_t len = r->n - from;
        ac_click c = ac_click_detect(x, len, 480, 1e-4);
        if (c.ratio > r->ac_ratio)
            r->ac_ratio = c.ratio, r->ac_at_s = (double)(from + c.index) / r->rate;
        double ratio = 0;
        size_t k = sq_clicks(x, len, NULL, cl, cap, &ratio);
        if (k > cap) k = cap;
        /* A click is isolated (sq_clicks_isolated: recurring peaks are a tone's
         * period, not clicks). */
        size_t periodic;
        k = sq_clicks_isolated(cl, k, (size_t)(SQ_CLICK_ISOLATION_S * r->rate), &periodic);
        r->ar_periodic += periodic;
        for (size_t i = 0; i < k; i++) {
            double at = (double)(from + cl[i].index) / r->rate;
            if (!(at >= r->ar_first_at_s)) r->ar_first_at_s = at;
            r->ar_clicks++;
            if (cl[i].ratio > r->ar_max_click) r->ar_max_click = cl[i].ratio;
        }
        if (ratio > r->ar_max_ratio) r->ar_max_ratio = ratio;
    }
    free(cl);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ss_analyze(ss_render *r)
{
    double t0 = now_s();
    analyze_loudness(r);
    double t1 = now_s();
    analyze_onsets(r);
    double t2 = now_s();
    analyze_clicks(r);
    r->analysis_s[0] = t1 - t0, r->analysis_s[1] = t2 - t1, r->analysis_s[2] = now_s() - t2;
}

/* ---- Windows --------------------------------------------------------------------- */

static double trace_mean(const ss_render *r, double from_s, double to_s, size_t field)
{
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < r->trace_n; i++) {
        const ss_trace_point *p = &r->trace[i];
        if (p->t_s < from_s || p->t_s > to_s) continue;
        double v = *(const double *)((const char *)p + field);
        if (isfinite(v)) sum += v, k++;
    }
    return k ? sum / (double)k : NAN;
}

void ss_window_measure(const ss_render *r, const ss_declared *d, double from_s, double to_s,
                       ss_window *w)
{
    memset(w, 0, sizeof *w);
    w->from_s = from_s;
    w->to_s = to_s;
    size_t a = (size_t)(from_s * r->rate), b = (size_t)(to_s * r->rate);
    if (b > r->n) b = r->n;
    w->centroid_hz = b > a ? sq_spectral_centroid(r->mono + a, b - a, r->rate) : NAN;
    w->pace_bpm = w->pace_spread = w->pace_prominence = NAN;
    w->pace_envelope = -1;
    if (d && d->tempo_floor > 0 && d->tempo_ceiling > d->tempo_floor && b > a) {
        tg_pace_result p;
        if (tg_pace(r->mono + a, b - a, r->rate, d->tempo_floor, d->tempo_ceiling, NULL, &p) == 0)
            w->pace_bpm = p.bpm, w->pace_spread = p.spread, w->pace_prominence = p.prominence,
            w->pace_envelope = p.envelope;
    }
    w->lock_ratio = NAN;
    w->lock_envelope = -1;
    tg_pace_opts po;
    tg_pace_defaults(&po);
    size_t frames = (size_t)((double)(b - a) / (po.frame_s * r->rate));
    double *beat = r->clock.n && b > a ? malloc((frames + 1) * sizeof *beat) : NULL;
    if (beat) {
        for (size_t k = 0; k < frames; k++)
            beat[k] =
                tg_clock_beat(&r->clock, (double)a + (double)k * (size_t)(po.frame_s * r->rate));
        tg_lock_result lk;
        if (tg_lock(r->mono + a, b - a, r->rate, beat, &po, &lk) == 0)
            w->lock_ratio = lk.ratio, w->lock_envelope = lk.envelope,
            w->lock_half_beat = lk.half_beat;
        free(beat);
    }
    size_t count = 0;
    for (size_t i = 0; i < r->event_n; i++)
        if (r->events[i].time_s >= from_s && r->events[i].time_s < to_s) count++;
    w->events = count;
    w->events_per_min = count / ((to_s - from_s) / 60.0);
    w->engine_bpm = trace_mean(r, from_s, to_s, offsetof(ss_trace_point, tempo_bpm));
    w->heart_bpm = trace_mean(r, from_s, to_s, offsetof(ss_trace_point, heart_bpm));
    w->breath_rate = trace_mean(r, from_s, to_s, offsetof(ss_trace_point, breath_rate));
    w->arousal = trace_mean(r, from_s, to_s, offsetof(ss_trace_point, arousal));
}

/* ---- Declarations ------------------------------------------------------------------ */

enum role { ROLE_BRIGHT, ROLE_DENSITY };

/* Parameters whose rise makes the sound brighter (raises the spectral centroid) or
 * makes more events; every one is a shipped node's parameter (docs/nodes.md). */
static const struct param_role {
    const char *node, *param;
    enum role role;
    int sign;
} k_roles[] = {
    {"svf", "cutoff", ROLE_BRIGHT, +1},     /* any mode: the passband moves up */
    {"reverb", "damping", ROLE_BRIGHT, +1}, /* high-frequency damping corner */
    {"delay", "damping", ROLE_BRIGHT, +1},
    {"delay", "highpass", ROLE_BRIGHT, +1},
    {"bowl", "hardness", ROLE_BRIGHT, +1}, /* harder mallet: more upper partials */
    {"pattern", "register", ROLE_BRIGHT, +1},
    {"osc", "freq", ROLE_BRIGHT, +1},
    {"grain", "pitch", ROLE_BRIGHT, +1},
    {"sampler", "speed", ROLE_BRIGHT, +1}, /* varispeed: pitch follows */
    {"pattern", "density", ROLE_DENSITY, +1},
    {"pattern", "rest", ROLE_DENSITY, -1},
};

static int source_sign(const lull_preset *p, enum mod_source s)
{
    switch (s) {
    case MOD_HEART_RATE:
    case MOD_BREATH_RATE:
    case MOD_AROUSAL: return +1;
    case MOD_HEART_RMSSD:
    case MOD_HEART_COHERENCE: return -1;
    case MOD_TEMPO_BPM: return p->tempo.heart_ratio > 0 ? +1 : 0;
    default: return 0;
    }
}

static int sgn(double v) { return (v > 0) - (v < 0); }

static void add_term(int *dir, int term)
{
    if (!term || *dir == SS_MIXED) return;
    if (*dir == 0 || *dir == term)
        *dir = term;
    else
        *dir = SS_MIXED;
}

static void append(char *buf, size_t n, const char *node, const char *param, const char *src,
                   int term)
{
    size_t len = strlen(buf);
    if (len < n)
        snprintf(buf + len, n - len, "%s%s:%s%c%s", len ? " " : "", node, param,
                 term > 0 ? '+' : '-', src);
}

static uint32_t param_index(const lull_descriptor *desc, const char *id)
{
    for (uint32_t k = 0; k < desc->param_count; k++)
        if (!strcmp(desc->params[k].id, id)) return k;
    return UINT32_MAX;
}

/* The largest value parameter `param` of node `node` can take: the engine's rule
 * for combining its mappings (modulation.h, mod_combine) over the top of each
 * mapping's output range (a multiplier below 0 taken as 0, which only lowers it),
 * clamped to the parameter's range. */
static double param_max(const lull_preset *p, uint32_t node, uint32_t param)
{
    mod_combine c = mod_combine_start(p->nodes[node].param_values[param]);
    for (size_t i = 0; i < p->modulation_count; i++) {
        const preset_modulation *m = &p->modulations[i];
        if (m->node != node || m->param != param) continue;
        float top = fmaxf(m->out_min, m->out_max);
        mod_combine_take(&c, m->mode, m->mode == MOD_MODE_MUL ? fmaxf(top, 0.0f) : top);
    }
    const lull_param_info *info = &p->nodes[node].desc->params[param];
    return fmin(fmax(mod_combine_value(&c), info->min), info->max);
}

/* Events a minute the preset's pattern nodes play at most: notes per step at full
 * density x the highest density x steps per beat x the fastest tempo. */
static double pattern_rate_max(const lull_preset *p)
{
    double tempo = p->tempo.heart_ratio > 0 ? p->tempo.ceiling_bpm : p->tempo.bpm;
    double rate = 0.0;
    for (uint32_t i = 0; i < p->node_count; i++) {
        const lull_descriptor *desc = p->nodes[i].desc;
        if (strcmp(desc->id, "pattern")) continue;
        uint32_t dens = param_index(desc, "density"), sub = param_index(desc, "subdivision");
        if (dens == UINT32_MAX || sub == UINT32_MAX) continue;
        rate += SS_PATTERN_NOTES_PER_STEP * param_max(p, i, dens) * param_max(p, i, sub) * tempo;
    }
    return rate;
}

int ss_declare(const struct plugin_registry *reg, const char *preset_path, ss_declared *d,
               char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    lull_preset *p = preset_load_file(preset_path, reg, err, errlen);
    if (!p) return -1;
    d->loudness_lufs = p->loudness_lufs;
    d->tempo_floor = p->tempo.floor_bpm;
    d->tempo_ceiling = p->tempo.ceiling_bpm;
    for (size_t i = 0; i < p->node_count; i++)
        if (!strcmp(p->nodes[i].desc->id, "pattern")) d->event_layer = 1;
    d->event_rate_max = pattern_rate_max(p);
    d->tempo = p->tempo.heart_ratio > 0 ? +1 : 0;
    add_term(&d->density, d->tempo);
    if (d->tempo) snprintf(d->density_by, sizeof d->density_by, "tempo+heart.rate");
    for (size_t i = 0; i < p->modulation_count; i++) {
        const preset_modulation *m = &p->modulations[i];
        int s = source_sign(p, m->source);
        if (!s) continue;
        const lull_descriptor *desc = p->nodes[m->node].desc;
        const char *param = desc->params[m->param].id;
        for (size_t k = 0; k < sizeof k_roles / sizeof k_roles[0]; k++) {
            if (strcmp(k_roles[k].node, desc->id) || strcmp(k_roles[k].param, param)) continue;
            int term = s * k_roles[k].sign * sgn((double)m->out_max - m->out_min) *
                       sgn((double)m->in_max - m->in_min);
            const char *src = mod_source_name(m->source);
            if (k_roles[k].role == ROLE_BRIGHT) {
                add_term(&d->brightness, term);
                append(d->brightness_by, sizeof d->brightness_by, desc->id, param, src, term);
            } else {
                add_term(&d->density, term);
                append(d->density_by, sizeof d->density_by, desc->id, param, src, term);
            }
        }
    }
    preset_free(p);
    return 0;
}

/* ---- Judgement --------------------------------------------------------------------- */

const char *ss_verdict_name(ss_verdict v)
{
    return v == SS_PASS ? "pass" : v == SS_FAIL ? "FAIL" : "n/a";
}

const char *ss_check_name(enum ss_check c)
{
    static const char *const names[SS_CHECK_COUNT] = {
        "loudness",  "true peak", "rise",  "onsets",  "clicks",
        "darkening", "centroid",  "tempo", "density",
    };
    return c < SS_CHECK_COUNT ? names[c] : "?";
}

ss_verdict ss_judge_render(const ss_declared *d, const ss_render *r, enum ss_check c, char *why,
                           size_t n)
{
    switch (c) {
    case SS_LOUDNESS:
        if (!isfinite(d->loudness_lufs)) {
            snprintf(why, n, "%.1f LUFS, but the preset declares no \"loudness\" target",
                     r->integrated_lufs);
            return SS_FAIL;
        }
        snprintf(why, n, "integrated %.2f LUFS, target %.1f (%+.2f LU, tolerance +-%.0f)",
                 r->integrated_lufs, d->loudness_lufs, r->integrated_lufs - d->loudness_lufs,
                 SS_LOUDNESS_TOL_LU);
        return fabs(r->integrated_lufs - d->loudness_lufs) <= SS_LOUDNESS_TOL_LU ? SS_PASS
                                                                                 : SS_FAIL;
    case SS_TRUE_PEAK:
        snprintf(why, n, "true peak %.2f dBTP, ceiling %.1f", r->true_peak_dbtp, SS_CEILING_DBTP);
        return r->true_peak_dbtp <= SS_CEILING_DBTP ? SS_PASS : SS_FAIL;
    case SS_RISE:
        snprintf(why, n,
                 "short-term loudness rises %.2f LU within %.0f s (ending at %.1f s), "
                 "limit %.0f",
                 r->max_rise_lu, SS_RISE_WINDOW_S, r->max_rise_at_s, SS_RISE_LU);
        return r->max_rise_lu <= SS_RISE_LU ? SS_PASS : SS_FAIL;
    case SS_ONSETS:
        if (!isfinite(r->min_rise_ms)) {
            snprintf(why, n, "no event %.0f dB over its background", SS_ONSET_OVER_DB);
            return SS_PASS;
        }
        snprintf(why, n, "%zu of %zu events rise faster than %.0f ms; fastest %.1f ms at %.2f s",
                 r->fast_onsets, r->onset_n, SS_MIN_RISE_MS, r->min_rise_ms, r->min_rise_at_s);
        return r->fast_onsets == 0 ? SS_PASS : SS_FAIL;
    case SS_CLICKS:
        snprintf(why, n,
                 "second-difference ratio %.1f at %.3f s (limit %.0f); %zu isolated "
                 "AR-residual click(s) (first at %.3f s, largest %.1f sigma), %zu periodic "
                 "residual peaks, largest residual %.1f sigma",
                 r->ac_ratio, r->ac_at_s, SS_AC_CLICK_RATIO, r->ar_clicks, r->ar_first_at_s,
                 r->ar_max_click, r->ar_periodic, r->ar_max_ratio);
        return r->ac_ratio < SS_AC_CLICK_RATIO && r->ar_clicks == 0 ? SS_PASS : SS_FAIL;
    default: snprintf(why, n, "not a per-render check"); return SS_NA;
    }
}

static const char *dir_word(int dir)
{
    return dir == SS_MIXED ? "mixed"
           : dir > 0       ? "rises with arousal"
           : dir < 0       ? "falls with arousal"
                           : "not declared";
}

/* The relative change from calm to aroused must be at least `least` in the
 * declared direction `dir`. */
static ss_verdict directional(int dir, double calm, double aroused, double least, const char *what,
                              const char *unit, char *why, size_t n)
{
    double rel = (aroused - calm) / calm;
    snprintf(why, n, "%s %.1f %s calm vs %.1f %s aroused (%+.1f %%); declared: %s; need %.0f %%",
             what, calm, unit, aroused, unit, 100 * rel, dir_word(dir), 100 * least);
    if (dir == 0 || dir == SS_MIXED) return SS_NA;
    if (!isfinite(rel)) return SS_FAIL;
    return dir * rel >= least ? SS_PASS : SS_FAIL;
}

ss_verdict ss_judge_pair(const ss_declared *d, const ss_window *calm, const ss_window *aroused,
                         enum ss_check c, char *why, size_t n)
{
    switch (c) {
    case SS_DARKENING: {
        /* Every preset must darken as arousal falls (issue 8: "adapts filtering to
         * the body"): declared brightening with arousal, and measured. */
        ss_verdict v = directional(d->brightness, calm->centroid_hz, aroused->centroid_hz,
                                   SS_DARKENING_DIFF, "centroid", "Hz", why, n);
        if (d->brightness != 1) {
            size_t len = strlen(why);
            snprintf(why + len, n - len, " (a preset must declare brightening with arousal)");
            return SS_FAIL;
        }
        return v;
    }
    case SS_CENTROID:
        return directional(d->brightness, calm->centroid_hz, aroused->centroid_hz, SS_CENTROID_DIFF,
                           "centroid", "Hz", why, n);
    case SS_TEMPO: {
        if (!d->tempo) {
            snprintf(why, n, "the tempo does not follow the heart (no \"follow_heart\")");
            return SS_NA;
        }
        /* The audible layers must follow the tempo clock in both windows (tg_lock:
         * their envelope's phase holds to the clock's beat over the whole window,
         * which pins the pace heard to the clock's within ~0.5 bpm), and the clock
         * must move in the declared direction. The pace from the audio alone
         * (tg_pace) is printed beside it. */
        const ss_window *ws[2] = {calm, aroused};
        for (int i = 0; i < 2; i++)
            if (!(ws[i]->lock_ratio >= SS_LOCK_MIN)) {
                snprintf(why, n,
                         "the audio does not follow the tempo clock %s: beat salience %.2f x "
                         "chance (need %.1f); engine tempo %.1f bpm, heard (audio alone) %.1f",
                         i ? "aroused" : "calm", ws[i]->lock_ratio, SS_LOCK_MIN, ws[i]->engine_bpm,
                         ws[i]->pace_bpm);
                return SS_FAIL;
            }
        ss_verdict v = directional(d->tempo, calm->engine_bpm, aroused->engine_bpm, SS_TEMPO_DIFF,
                                   "pace (locked to the clock)", "bpm", why, n);
        size_t len = strlen(why);
        snprintf(why + len, n - len,
                 "; beat salience %.1f and %.1f x chance; heard (audio alone) %.1f vs %.1f bpm",
                 calm->lock_ratio, aroused->lock_ratio, calm->pace_bpm, aroused->pace_bpm);
        return v;
    }
    case SS_DENSITY:
        if (!d->event_layer) {
            snprintf(why, n,
                     "no event layer (no pattern node): the pace is a pulse or swell, judged "
                     "by tempo");
            return SS_NA;
        }
        /* Near-silence by declaration (the preset's patterns cannot play
         * SS_MIN_EVENTS in a window at their densest, fastest): too few to count,
         * whatever is heard; its pace is judged by tempo. */
        double window_min = (aroused->to_s - aroused->from_s) / 60.0;
        if (d->event_rate_max * window_min < SS_MIN_EVENTS) {
            snprintf(why, n,
                     "near-silent by declaration: its patterns play at most %.1f events/min "
                     "(%.1f in a %.0f s window, fewer than %d to count); judged by tempo",
                     d->event_rate_max, d->event_rate_max * window_min, window_min * 60.0,
                     SS_MIN_EVENTS);
            return SS_NA;
        }
        /* A preset with an event layer must let its events be heard: too few
         * spectral-flux events is a failure, not "not measured". */
        if (calm->events < SS_MIN_EVENTS || aroused->events < SS_MIN_EVENTS) {
            snprintf(why, n,
                     "%zu and %zu spectral-flux events: the event layer is not heard over "
                     "its texture (need %d per window)",
                     calm->events, aroused->events, SS_MIN_EVENTS);
            return SS_FAIL;
        }
        return directional(d->density, calm->events_per_min, aroused->events_per_min,
                           SS_DENSITY_DIFF, "events", "/min", why, n);
    default: snprintf(why, n, "not a pair check"); return SS_NA;
    }
}
