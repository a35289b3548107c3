/* lull loudness: renders presets offline exactly as `lull render` does (same
 * driver, same feature sources) and measures each with EBU R128 (analysis/
 * loudness.h), comparing the integrated loudness with the preset's declared
 * "loudness" target. Exit 1 when a preset misses its target by more than
 * LOUDNESS_TOLERANCE_LU or cannot be rendered. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/render_trace.h"
#include "commands.h"
#include "drivers/offline_driver.h"
#include "engine/engine.h"
#include "plugin/registry.h"
#include "sim/offline_features.h"

/* A preset's integrated loudness may sit this far from its declared target (LU).
 * EBU R128 allows +-1 LU for live programmes where exact normalisation is not
 * possible (EBU R 128, 2020, section 2.3 / note 5). */
#define LOUDNESS_TOLERANCE_LU 1.0
/* The window of the "max rise" column: a swell that climbs this much within 10 s
 * reads as a surge, not as breathing. */
#define RISE_WINDOW_S 10.0

static const char k_usage[] =
    "usage: lull loudness [--simulate PROFILE | --bio FILE] [--seconds N] [--rate HZ] PRESET...\n";

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "lull loudness: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", k_usage);
    return 2;
}

static void cell(char *buf, size_t n, double v, int plus)
{
    if (isfinite(v))
        snprintf(buf, n, plus ? "%+.1f" : "%.1f", v);
    else
        snprintf(buf, n, v < 0 ? "-inf" : "-");
}

/* Renders one preset and prints its row. Returns 0 within tolerance (or no
 * target), 1 outside it or on failure. */
static int measure(const char *preset, double seconds, double rate, const char *bio,
                   const char *profile, double skip_s)
{
    char err[1024];
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset;
    o.seconds = seconds;
    o.sample_rate = rate;
    render_trace *t = render_trace_new(rate, seconds, NULL, err, sizeof err);
    if (!t || !render_features_setup(bio, profile, &o, err, sizeof err)) {
        fprintf(stderr, "lull loudness: %s\n", err);
        render_trace_free(t);
        return 1;
    }
    render_trace_attach(t, &o);
    offline_render_result res;
    int failed = !offline_render(&o, &res, err, sizeof err);
    render_features_teardown(&o);
    if (failed || loudness_failed(render_trace_loudness(t))) {
        fprintf(stderr, "lull loudness: %s: %s\n", preset, failed ? err : "measurement failed");
        printf("%-20s  render failed\n", preset);
        render_trace_free(t);
        return 1;
    }
    double target = res.preset_loudness_lufs; /* what the rendered preset declares */
    loudness_summary s;
    loudness_get_summary(render_trace_loudness(t), &s);
    size_t np;
    const loudness_point *pts = loudness_series(render_trace_loudness(t), &np);
    double rise = loudness_max_rise(pts, np, RISE_WINDOW_S, skip_s);
    double dev = isfinite(target) ? s.integrated_lufs - target : NAN;
    int bad = isfinite(target) && !(fabs(dev) <= LOUDNESS_TOLERANCE_LU);
    char c[6][16];
    cell(c[0], 16, s.integrated_lufs, 0);
    cell(c[1], 16, target, 0);
    cell(c[2], 16, dev, 1);
    cell(c[3], 16, s.true_peak_dbtp, 0);
    cell(c[4], 16, s.range_lu, 0);
    cell(c[5], 16, rise, 0);
    const char *base = strrchr(preset, '/');
    printf("%-20s %10s %8s %9s %9s %6s %9s%s\n", base ? base + 1 : preset, c[0], c[1], c[2], c[3],
           c[4], c[5], bad ? "  OFF TARGET" : "");
    if (res.nan_events)
        fprintf(stderr, "lull loudness: %s: warning: %llu node(s) produced non-finite output\n",
                preset, (unsigned long long)res.nan_events);
    render_trace_free(t);
    return bad;
}

int cmd_loudness(int argc, char **argv)
{
    double seconds = 60, rate = 48000;
    const char *bio = NULL, *profile = NULL;
    int first_preset = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s", k_usage);
            printf(
                "Renders each preset offline (default 60 s, no biosignals) and prints its EBU "
                "R128\n"
                "integrated loudness, declared target, deviation, true peak, loudness range and\n"
                "the largest short-term rise within 10 s. Exits 1 if a preset is more than\n"
                "%.0f LU from its target.\n",
                LOUDNESS_TOLERANCE_LU);
            return 0;
        } else if (strcmp(a, "--seconds") == 0 && v) {
            if (!cli_parse_number("loudness", a, v, 1, 86400, &seconds)) return 2;
            i++;
        } else if (strcmp(a, "--rate") == 0 && v) {
            if (!cli_parse_number("loudness", a, v, 8000, 384000, &rate)) return 2;
            i++;
        } else if (strcmp(a, "--bio") == 0 && v) {
            bio = v;
            i++;
        } else if (strcmp(a, "--simulate") == 0 && v) {
            profile = v;
            i++;
        } else if (a[0] == '-') {
            return bad_usage(v ? "unknown option" : "missing value for", a);
        } else {
            first_preset = i;
            break;
        }
    }
    if (first_preset >= argc) return bad_usage("no preset given", NULL);
    if (bio && profile) return bad_usage("--bio and --simulate exclude each other", NULL);
    for (int i = first_preset; i < argc; i++)
        if (argv[i][0] == '-') return bad_usage("options must come before the presets", argv[i]);

    char err[1024];
    /* Plugins that cannot load are a usage problem (exit 2), found before any render. */
    plugin_registry *reg = registry_load_default(err, sizeof err);
    if (!reg) {
        fprintf(stderr, "lull loudness: cannot load the plugins: %s\n", err);
        return 2;
    }
    registry_free(reg);
    /* The max-rise column skips the engine's fade-in and the first 3 s window that
     * still reaches back before it. */
    lull_engine_config cfg;
    lull_engine_config_defaults(&cfg);
    double skip_s = cfg.fade_in_s + 3.0;

    printf("%-20s %10s %8s %9s %9s %6s %9s\n", "preset", "integr.", "target", "deviation",
           "true peak", "LRA", "max rise");
    printf("%-20s %10s %8s %9s %9s %6s %9s\n", "", "LUFS", "LUFS", "LU", "dBTP", "LU", "LU/10s");
    int status = 0;
    for (int i = first_preset; i < argc; i++) {
        fflush(stdout);
        if (measure(argv[i], seconds, rate, bio, profile, skip_s)) status = 1;
    }
    return status;
}
