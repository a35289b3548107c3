/* The sound-quality suite's checks can fail: deliberately flawed presets in
 * tests/data/presets/sq_*.json, rendered and judged exactly as the shipped ones
 * (sound_suite.h), are caught by the check they were built to trip:
 *   sq_clicky      a sine gated with 1 ms edges            -> clicks, onsets
 *   sq_fast_onset  an 8 ms attack, smooth otherwise        -> onsets (not clicks)
 *   sq_surge       a swell from silence, declared -40 LUFS -> rise, loudness
 *   sq_wrong_way   declares darkening, brightens as calm   -> darkening, centroid
 *   sq_events      heart-following strikes: passes tempo, density and centroid,
 *                  and fails all three with the clients swapped;
 *   sq_deaf_pace   the tempo clock follows the heart, but the hum it should pace
 *                  is stretched at a fixed speed -> tempo, both ways round.
 * Label `sound`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "plugin/registry.h"
#include "sound_suite.h"

static char g_dir[512];
static plugin_registry *g_reg;

static void path_of(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/presets/%s.json", g_dir, name);
}

/* Renders `name` for `seconds` with `client` and expects each check in `fail` to
 * fail and each in `pass` to pass (lists end with SS_CHECK_COUNT). */
static void expect_render(const char *name, const char *client, double seconds,
                          const enum ss_check *fail, const enum ss_check *pass)
{
    char path[600], err[1024], why[512];
    path_of(name, path, sizeof path);
    ss_declared d;
    ss_render r;
    CHECK(ss_declare(g_reg, path, &d, err, sizeof err) == 0, "%s", err);
    if (ss_render_preset(path, client, seconds, &r, err, sizeof err)) {
        CHECK(0, "%s: %s", name, err);
        return;
    }
    for (const enum ss_check *c = fail; *c != SS_CHECK_COUNT; c++) {
        ss_verdict v = ss_judge_render(&d, &r, *c, why, sizeof why);
        printf("%s: %s: %s (must fail): %s\n", name, ss_check_name(*c),
               v == SS_FAIL ? "FAIL" : "pass", why);
        CHECK(v == SS_FAIL, "%s: the %s check let it through: %s", name, ss_check_name(*c), why);
    }
    for (const enum ss_check *c = pass; *c != SS_CHECK_COUNT; c++) {
        ss_verdict v = ss_judge_render(&d, &r, *c, why, sizeof why);
        printf("%s: %s: %s (must pass): %s\n", name, ss_check_name(*c),
               v == SS_FAIL ? "FAIL" : "pass", why);
        CHECK(v != SS_FAIL, "%s: %s: %s", name, ss_check_name(*c), why);
    }
    ss_render_free(&r);
}

#define PAIR_S 120.0
#define PAIR_FROM 60.0

/* Relaxing vs stressed over the same late window, judged both ways round. */
static void expect_pair(const char *name, const enum ss_check *checks, ss_verdict want,
                        ss_verdict want_swapped)
{
    char path[600], err[1024], why[512];
    path_of(name, path, sizeof path);
    ss_declared d;
    ss_render relax, stress;
    CHECK(ss_declare(g_reg, path, &d, err, sizeof err) == 0, "%s", err);
    if (ss_render_preset(path, "relaxing", PAIR_S, &relax, err, sizeof err)) {
        CHECK(0, "%s: %s", name, err);
        return;
    }
    if (ss_render_preset(path, "stressed", PAIR_S, &stress, err, sizeof err)) {
        CHECK(0, "%s: %s", name, err);
        ss_render_free(&relax);
        return;
    }
    ss_window calm, aroused;
    ss_window_measure(&relax, &d, PAIR_FROM, PAIR_S, &calm);
    ss_window_measure(&stress, &d, PAIR_FROM, PAIR_S, &aroused);
    printf("%s: relaxing %.0f Hz, pace %.1f bpm (engine %.1f), %.1f events/min, heart %.1f; "
           "stressed %.0f Hz, pace %.1f bpm (engine %.1f), %.1f events/min, heart %.1f\n",
           name, calm.centroid_hz, calm.pace_bpm, calm.engine_bpm, calm.events_per_min,
           calm.heart_bpm, aroused.centroid_hz, aroused.pace_bpm, aroused.engine_bpm,
           aroused.events_per_min, aroused.heart_bpm);
    for (const enum ss_check *c = checks; *c != SS_CHECK_COUNT; c++) {
        /* Darkening compares the relaxing render's late window with its early one;
         * the 120 s render is too short for that, so the proof uses stressed as
         * the aroused state for every check. */
        ss_verdict v = ss_judge_pair(&d, &calm, &aroused, *c, why, sizeof why);
        printf("%s: %s: %s: %s\n", name, ss_check_name(*c), ss_verdict_name(v), why);
        CHECK(v == want, "%s: %s: want %s: %s", name, ss_check_name(*c),
              want == SS_FAIL ? "FAIL" : "pass", why);
        v = ss_judge_pair(&d, &aroused, &calm, *c, why, sizeof why);
        printf("%s swapped: %s: %s: %s\n", name, ss_check_name(*c), ss_verdict_name(v), why);
        CHECK(v == want_swapped, "%s swapped: %s: want %s: %s", name, ss_check_name(*c),
              want_swapped == SS_FAIL ? "FAIL" : "pass", why);
    }
    ss_render_free(&relax);
    ss_render_free(&stress);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "%s", test_env("LULL_TEST_DATA"));
    char err[1024];
    g_reg = registry_new();
    CHECK(registry_load_dir(g_reg, test_env("LULL_PLUGIN_DIR"), err, sizeof err) > 0, "plugins: %s",
          err);
    const enum ss_check none[] = {SS_CHECK_COUNT};
    expect_render("sq_clicky", NULL, 30,
                  (const enum ss_check[]){SS_CLICKS, SS_ONSETS, SS_CHECK_COUNT}, none);
    expect_render("sq_fast_onset", NULL, 30, (const enum ss_check[]){SS_ONSETS, SS_CHECK_COUNT},
                  (const enum ss_check[]){SS_CLICKS, SS_TRUE_PEAK, SS_CHECK_COUNT});
    expect_render("sq_surge", NULL, 40,
                  (const enum ss_check[]){SS_RISE, SS_LOUDNESS, SS_CHECK_COUNT},
                  (const enum ss_check[]){SS_CLICKS, SS_CHECK_COUNT});
    expect_pair("sq_wrong_way", (const enum ss_check[]){SS_DARKENING, SS_CENTROID, SS_CHECK_COUNT},
                SS_FAIL, SS_PASS);
    expect_pair("sq_events",
                (const enum ss_check[]){SS_CENTROID, SS_TEMPO, SS_DENSITY, SS_CHECK_COUNT}, SS_PASS,
                SS_FAIL);
    /* The tempo clock follows the heart but nothing audible does: no direction
     * either way round. */
    expect_pair("sq_deaf_pace", (const enum ss_check[]){SS_TEMPO, SS_CHECK_COUNT}, SS_FAIL,
                SS_FAIL);
    registry_free(g_reg);
    return check_finish("test_sound_checks");
}
