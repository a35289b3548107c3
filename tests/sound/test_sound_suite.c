/* The sound-quality suite over every shipped preset (every .json in presets/, or the files
 * given as arguments): each is rendered offline with the simulated clients
 * `relaxing` (300 s: its heart and breath slow, and after the 3 min baseline its
 * arousal falls), `stressed` (300 s), `dropouts` (60 s: sensor gaps and motion
 * artifacts) and with no sensors at all (120 s, as lulld without a wearable), and
 * every render must pass the per-render checks (loudness, true
 * peak, short-term rise, gentle onsets, clicks); the relaxing client's late window
 * must be darker than its early one, and stressed vs relaxed must differ in
 * centroid, tempo and event density in the directions the preset declares
 * (sound_suite.h, docs/presets.md "Sound-quality tests"). Prints a table of every
 * measured figure and one of the verdicts. Label `sound`. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plugin/registry.h"
#include "sound_suite.h"
#include "tempogram.h"

/* Render lengths and the windows compared (seconds). The relaxing client's
 * baseline is learned over its first 180 s of good data, so its arousal only
 * leaves 0 after ~200 s: the late window sits at the end of a 300 s render.
 * The stressed render is as long and is judged over the same window, because a
 * preset's planned pauses (a slow `rest` LFO of a few minutes' period on its
 * event density) start at the preset load: only windows at the same time meet
 * the same pause, so what differs between them is the client. */
#define RELAX_S 300.0
#define STRESS_S 300.0
#define DROPOUT_S 60.0
/* No sensors at all: what lulld plays when no wearable is on the client (the pacer
 * guides at the preset's rate; every mapping sits at its neutral value). Judged
 * per render only (loudness, peak, rise, onsets, clicks): nothing follows a body. */
#define NONE_S 120.0
#define CLIENTS 4
#define EARLY_FROM 10.0
#define EARLY_TO 70.0
#define LATE_FROM 240.0
#define LATE_TO 300.0
#define STRESS_FROM LATE_FROM
#define STRESS_TO LATE_TO
#define DROP_FROM 20.0
#define DROP_TO 60.0

#define MAX_PRESETS 64

typedef struct row {
    char preset[64];
    ss_declared decl;
    int rendered;
    ss_render r[CLIENTS]; /* relaxing, stressed, dropouts, none (analysis kept, audio freed) */
    ss_window w[4];       /* relaxing early, relaxing late, stressed, dropouts */
    ss_verdict v[CLIENTS][SS_CHECK_COUNT];
    ss_verdict pv[SS_CHECK_COUNT];
    char fail[1024]; /* the first failing figures, for the summary */
} row;

static const char *const k_clients[CLIENTS] = {"relaxing", "stressed", "dropouts", "none"};
static const double k_seconds[CLIENTS] = {RELAX_S, STRESS_S, DROPOUT_S, NONE_S};

static void note_fail(row *w, const char *what, const char *why)
{
    size_t len = strlen(w->fail);
    if (len < sizeof w->fail - 1)
        snprintf(w->fail + len, sizeof w->fail - len, "%s  %s: %s\n", len ? "" : "", what, why);
}

static void run_preset(const plugin_registry *reg, const char *path, row *w)
{
    char err[1024], why[512];
    const char *base = strrchr(path, '/');
    snprintf(w->preset, sizeof w->preset, "%.63s", base ? base + 1 : path);
    char *dot = strstr(w->preset, ".json");
    if (dot) *dot = '\0';
    CHECK(ss_declare(reg, path, &w->decl, err, sizeof err) == 0, "%s: %s", path, err);
    for (int c = 0; c < CLIENTS; c++) {
        int ok = ss_render_preset(path, k_clients[c], k_seconds[c], &w->r[c], err, sizeof err) == 0;
        CHECK(ok, "%s with %s: %s", w->preset, k_clients[c], err);
        if (!ok) return;
        fprintf(stderr,
                "  %s / %s: %.0f s rendered in %.1f s, measured in %.1f + %.1f + %.1f s "
                "(loudness, onsets, clicks)\n",
                w->preset, k_clients[c], k_seconds[c], w->r[c].wall_s, w->r[c].analysis_s[0],
                w->r[c].analysis_s[1], w->r[c].analysis_s[2]);
        if (getenv("LULL_SOUND_ONSETS")) /* diagnostics: every onset found */
            for (size_t i = 0; i < w->r[c].onset_n; i++)
                fprintf(stderr,
                        "    onset %.3f s: rise %.1f ms, %.1f dB over background, %.1f dBFS\n",
                        w->r[c].onsets[i].time_s, w->r[c].onsets[i].rise_ms,
                        w->r[c].onsets[i].over_db, w->r[c].onsets[i].level_dbfs);
        if (getenv("LULL_SOUND_EVENTS")) /* diagnostics: every spectral-flux event */
            for (size_t i = 0; i < w->r[c].event_n; i++)
                fprintf(stderr, "    event %.3f s: flux %.1f sigma over its threshold\n",
                        w->r[c].events[i].time_s, w->r[c].events[i].over_db);
        CHECK(w->r[c].nan_events == 0, "%s with %s: %llu node(s) muted for non-finite output",
              w->preset, k_clients[c], w->r[c].nan_events);
        for (int k = SS_LOUDNESS; k <= SS_CLICKS; k++) {
            w->v[c][k] = ss_judge_render(&w->decl, &w->r[c], (enum ss_check)k, why, sizeof why);
            CHECK(w->v[c][k] != SS_FAIL, "%s with %s: %s: %s", w->preset, k_clients[c],
                  ss_check_name((enum ss_check)k), why);
            if (w->v[c][k] == SS_FAIL) {
                char what[96];
                snprintf(what, sizeof what, "%s/%s", k_clients[c], ss_check_name((enum ss_check)k));
                note_fail(w, what, why);
            }
        }
    }
    w->rendered = 1;
    ss_window_measure(&w->r[0], &w->decl, EARLY_FROM, EARLY_TO, &w->w[0]);
    ss_window_measure(&w->r[0], &w->decl, LATE_FROM, LATE_TO, &w->w[1]);
    ss_window_measure(&w->r[1], &w->decl, STRESS_FROM, STRESS_TO, &w->w[2]);
    ss_window_measure(&w->r[2], &w->decl, DROP_FROM, DROP_TO, &w->w[3]);
    for (int k = SS_DARKENING; k <= SS_DENSITY; k++) {
        /* Darkening: the relaxing client late (calm) vs early; the rest: relaxing
         * late (calm) vs stressed. */
        const ss_window *aroused = k == SS_DARKENING ? &w->w[0] : &w->w[2];
        w->pv[k] = ss_judge_pair(&w->decl, &w->w[1], aroused, (enum ss_check)k, why, sizeof why);
        printf("%s: %s: %s: %s\n", w->preset, ss_check_name((enum ss_check)k),
               ss_verdict_name(w->pv[k]), why);
        CHECK(w->pv[k] != SS_FAIL, "%s: %s: %s", w->preset, ss_check_name((enum ss_check)k), why);
        if (w->pv[k] == SS_FAIL) note_fail(w, ss_check_name((enum ss_check)k), why);
    }
    /* The audio is not needed any more: keep the figures, free the samples. */
    for (int c = 0; c < CLIENTS; c++) {
        free(w->r[c].left), free(w->r[c].right), free(w->r[c].mono);
        w->r[c].left = w->r[c].right = w->r[c].mono = NULL;
    }
}

static void fmt(char *b, size_t n, const char *f, double v)
{
    if (isfinite(v))
        snprintf(b, n, f, v);
    else
        snprintf(b, n, "-");
}

static void print_tables(const row *rows, size_t count)
{
    printf(
        "\n## Measured (relaxing %.0f s, stressed %.0f s, dropouts %.0f s; loudness, peak, "
        "rise, onsets and clicks over the whole render from %.0f s; the rest over the window)\n\n",
        RELAX_S, STRESS_S, DROPOUT_S, SS_SKIP_S);
    printf(
        "| preset | client | LUFS (target) | dBTP | LRA | max 10 s rise | onsets (flux events) "
        "| fastest rise ms "
        "(n < %.0f) | d2 click ratio | AR clicks (max sigma) | window s | centroid Hz | heard pace "
        "bpm (spread %%, prominence, envelope) | lock x chance (envelope) | flux events /min | "
        "engine "
        "bpm | heart bpm | breath /min "
        "| arousal |\n",
        SS_MIN_RISE_MS);
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < count; i++) {
        const row *w = &rows[i];
        if (!w->rendered) {
            printf("| %s | render failed |\n", w->preset);
            continue;
        }
        for (int k = 0; k < 4; k++) {
            int c = k == 0 || k == 1 ? 0 : k - 1;
            const ss_render *r = &w->r[c];
            const ss_window *x = &w->w[k];
            char lufs[32], tp[16], lra[16], rise[16], fast[32], cen[16], bpm[16], hr[16], br[16],
                ar[16];
            char tgt[16];
            fmt(tgt, sizeof tgt, "%.0f", w->decl.loudness_lufs);
            snprintf(lufs, sizeof lufs, "%.1f (%s)", r->integrated_lufs, tgt);
            fmt(tp, sizeof tp, "%.1f", r->true_peak_dbtp);
            fmt(lra, sizeof lra, "%.1f", r->range_lu);
            fmt(rise, sizeof rise, "%.1f", r->max_rise_lu);
            if (isfinite(r->min_rise_ms))
                snprintf(fast, sizeof fast, "%.1f (%zu)", r->min_rise_ms, r->fast_onsets);
            else
                snprintf(fast, sizeof fast, "-");
            fmt(cen, sizeof cen, "%.0f", x->centroid_hz);
            char pace[64];
            if (isfinite(x->pace_bpm))
                snprintf(pace, sizeof pace, "%.1f (%.1f, %.2f, %s%.0f)", x->pace_bpm,
                         100 * x->pace_spread, x->pace_prominence,
                         x->pace_envelope >= TG_BANDS ? "onsets " : "rms ",
                         62.5 * pow(2.0, x->pace_envelope % TG_BANDS));
            else
                snprintf(pace, sizeof pace, "-");
            char lock[64];
            if (isfinite(x->lock_ratio) && x->lock_envelope < 0)
                snprintf(lock, sizeof lock, "0 (no envelope has the beat as its periodicity)");
            else if (isfinite(x->lock_ratio))
                snprintf(lock, sizeof lock, "%.1f (%s%.0f%s)", x->lock_ratio,
                         x->lock_envelope >= TG_BANDS ? "onsets " : "rms ",
                         62.5 * pow(2.0, x->lock_envelope % TG_BANDS),
                         x->lock_half_beat ? ", half-beat" : "");
            else
                snprintf(lock, sizeof lock, "-");
            fmt(bpm, sizeof bpm, "%.1f", x->engine_bpm);
            fmt(hr, sizeof hr, "%.1f", x->heart_bpm);
            fmt(br, sizeof br, "%.1f", x->breath_rate);
            fmt(ar, sizeof ar, "%+.2f", x->arousal);
            int whole = k != 1; /* the late row repeats the relaxing render's figures */
            char ons[32];
            snprintf(ons, sizeof ons, "%zu (%zu)", r->onset_n, r->event_n);
            printf(
                "| %s | %s%s | %s | %s | %s | %s | %s | %s | %.1f | %zu (%.1f) | %.0f-%.0f | %s | "
                "%s | %s | %.1f | %s | %s | %s | %s |\n",
                k ? "" : w->preset, k_clients[c],
                k == 0   ? " early"
                : k == 1 ? " late"
                         : "",
                whole ? lufs : "", whole ? tp : "", whole ? lra : "", whole ? rise : "",
                whole ? ons : "", whole ? fast : "", whole ? r->ac_ratio : 0.0,
                whole ? r->ar_clicks : 0, whole ? r->ar_max_ratio : 0.0, x->from_s, x->to_s, cen,
                pace, lock, x->events_per_min, bpm, hr, br, ar);
        }
    }
    printf("\n## No sensors (%.0f s: the pacer guides at the preset's rate, mappings at "
           "neutral)\n\n| preset | LUFS (target) | dBTP | LRA | max 10 s rise | onsets | "
           "fastest rise ms | d2 click ratio | AR clicks (max sigma) |\n"
           "|---|---|---|---|---|---|---|---|---|\n",
           NONE_S);
    for (size_t i = 0; i < count; i++) {
        const ss_render *r = &rows[i].r[CLIENTS - 1];
        if (!rows[i].rendered) continue;
        char fast[32];
        fmt(fast, sizeof fast, "%.1f", r->min_rise_ms);
        printf("| %s | %.1f (%.0f) | %.1f | %.1f | %.1f | %zu | %s | %.1f | %zu (%.1f) |\n",
               rows[i].preset, r->integrated_lufs, rows[i].decl.loudness_lufs, r->true_peak_dbtp,
               r->range_lu, r->max_rise_lu, r->onset_n, fast, r->ac_ratio, r->ar_clicks,
               r->ar_max_ratio);
    }
    printf("\n## Verdicts (per render: relaxing / stressed / dropouts / none)\n\n");
    printf("| preset | declares (brightness; density) |");
    for (int k = 0; k < SS_CHECK_COUNT; k++) printf(" %s |", ss_check_name((enum ss_check)k));
    printf("\n|---|---|");
    for (int k = 0; k < SS_CHECK_COUNT; k++) printf("---|");
    printf("\n");
    for (size_t i = 0; i < count; i++) {
        const row *w = &rows[i];
        if (!w->rendered) continue;
        printf("| %s | %s; %s |", w->preset, w->decl.brightness_by[0] ? w->decl.brightness_by : "-",
               w->decl.density_by[0] ? w->decl.density_by : "-");
        for (int k = SS_LOUDNESS; k <= SS_CLICKS; k++)
            printf(" %s/%s/%s/%s |", ss_verdict_name(w->v[0][k]), ss_verdict_name(w->v[1][k]),
                   ss_verdict_name(w->v[2][k]), ss_verdict_name(w->v[3][k]));
        for (int k = SS_DARKENING; k <= SS_DENSITY; k++) printf(" %s |", ss_verdict_name(w->pv[k]));
        printf("\n");
    }
    printf("\n");
    for (size_t i = 0; i < count; i++)
        if (rows[i].fail[0]) printf("%s failed:\n%s", rows[i].preset, rows[i].fail);
    fflush(stdout);
}

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

int main(int argc, char **argv)
{
    static char paths[MAX_PRESETS][512];
    size_t count = 0;
    if (argc > 1) {
        for (int i = 1; i < argc && count < MAX_PRESETS; i++)
            snprintf(paths[count++], sizeof paths[0], "%s", argv[i]);
    } else {
        const char *dir = test_env("LULL_PRESET_DIR");
        DIR *d = opendir(dir);
        CHECK(d != NULL, "cannot open the preset directory %s", dir);
        struct dirent *de;
        while (d && (de = readdir(d)) && count < MAX_PRESETS) {
            size_t len = strlen(de->d_name);
            if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
            snprintf(paths[count++], sizeof paths[0], "%s/%s", dir, de->d_name);
        }
        if (d) closedir(d);
        qsort(paths, count, sizeof paths[0], by_name);
        /* Issue 8, "done means": eight or more shipped presets pass this suite. */
        CHECK(count >= 8, "%zu presets shipped in %s, want at least 8", count, dir);
    }
    char err[1024];
    plugin_registry *reg = registry_new();
    CHECK(registry_load_dir(reg, test_env("LULL_PLUGIN_DIR"), err, sizeof err) > 0, "plugins: %s",
          err);
    row *rows = calloc(count ? count : 1, sizeof *rows);
    for (size_t i = 0; i < count; i++) run_preset(reg, paths[i], &rows[i]);
    print_tables(rows, count);
    for (size_t i = 0; i < count; i++)
        for (int c = 0; c < CLIENTS; c++) ss_render_free(&rows[i].r[c]);
    free(rows);
    registry_free(reg);
    return check_finish("test_sound_suite");
}
