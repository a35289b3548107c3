/* The engine end to end, offline: any host buffer size gives the same audio,
 * preset crossfades are click- and gap-free, a node that emits NaN is muted and
 * reported, a cutoff jump is smoothed without zipper noise, failed loads leave the
 * current preset playing, and volume is capped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_check.h"
#include "check.h"
#include "engine_fixture.h"

#define RATE 48000.0

static float *buf(size_t n) { return calloc(n, sizeof(float)); }

/* A 200 Hz sine through a low-pass, to the output. */
static const char *k_tone =
    "{\"lull_preset\": 1, \"nodes\": ["
    " {\"name\": \"tone\", \"type\": \"osc\", \"params\": {\"freq\": 200, \"level\": 0.3}},"
    " {\"name\": \"lp\", \"type\": \"svf\", \"params\": {\"cutoff\": 400, \"q\": 0.707}}],"
    " \"connections\": [{\"from\": \"tone:out\", \"to\": \"lp:in\"},"
    "  {\"from\": \"lp:out\", \"to\": \"out:left\"}, {\"from\": \"lp:out\", \"to\": "
    "\"out:right\"}],"
    " \"pacer\": {\"mode\": \"off\"}}";

static void test_host_block_sizes(void)
{
    const size_t frames = (size_t)(RATE * 3);
    const uint32_t sizes[] = {64, 93, 256, 441, 1024, 1};
    float *ref_l = buf(frames), *ref_r = buf(frames), *l = buf(frames), *r = buf(frames);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        lull_engine *e = fx_engine(RATE, false);
        char why[1024];
        CHECK(fx_load(e, "surf", 0.0f, why, sizeof why), "surf: %s", why);
        fx_render(e, i == 0 ? ref_l : l, i == 0 ? ref_r : r, frames, sizes[i]);
        lull_engine_destroy(e);
        if (i == 0) {
            CHECK(ac_rms(ref_l, frames) > 1e-3, "surf is not silent (rms %g)",
                  ac_rms(ref_l, frames));
            continue;
        }
        CHECK(memcmp(ref_l, l, frames * sizeof(float)) == 0 &&
                  memcmp(ref_r, r, frames * sizeof(float)) == 0,
              "host block %u renders differently from 64", sizes[i]);
    }
    free(ref_l), free(ref_r), free(l), free(r);
}

static void test_crossfade(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, "surf", 0.0f, why, sizeof why), "surf: %s", why);
    const size_t before = (size_t)(RATE * 4), fade = (size_t)(RATE * 2), after = (size_t)(RATE * 3);
    const size_t total = before + fade + after;
    float *l = buf(total), *r = buf(total);
    fx_render(e, l, r, before, 256);
    CHECK(fx_load(e, "drone", 2.0f, why, sizeof why), "drone: %s", why);
    fx_render(e, l + before, r + before, fade + after, 256);
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    CHECK(strcmp(st.preset, "drone") == 0, "preset after the crossfade is \"%s\"", st.preset);
    CHECK(!st.crossfading, "the crossfade did not finish");

    /* No click anywhere from the end of the fade-in to the end. */
    size_t from = (size_t)(RATE * 2.5);
    ac_click c = ac_click_detect(l + from, total - from, 480, 1e-4);
    CHECK(c.ratio < 10, "click at %.3f s (ratio %.1f)", (from + c.index) / RATE, c.ratio);
    /* No gap: the 50 ms RMS never dips more than 6 dB below the quieter of the
     * two presets' levels on either side of the crossfade. */
    double rms_a = ac_rms(l + before - (size_t)RATE, (size_t)RATE);
    double rms_b = ac_rms(l + total - (size_t)RATE, (size_t)RATE);
    double floor_rms = fmin(rms_a, rms_b) * 0.5;
    size_t win = (size_t)(RATE * 0.05);
    double lowest = 1e9;
    for (size_t i = before - (size_t)RATE; i + win < before + fade + (size_t)RATE; i += win / 2)
        lowest = fmin(lowest, ac_rms(l + i, win));
    CHECK(lowest > floor_rms, "gap in the crossfade: 50 ms RMS %.1f dB vs presets %.1f / %.1f dB",
          ac_db(lowest), ac_db(rms_a), ac_db(rms_b));
    CHECK(ac_peak(l, total) <= powf(10, -6 / 20.0f) * 1.0012f, "peak %.2f dBFS above the ceiling",
          ac_db(ac_peak(l, total)));
    free(l), free(r);
    lull_engine_destroy(e);
}

static void test_failed_load_keeps_playing(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, "surf", 0.0f, why, sizeof why), "surf: %s", why);
    const size_t n = (size_t)RATE;
    float *l = buf(4 * n), *r = buf(4 * n);
    fx_render(e, l, r, 3 * n, 512);
    CHECK(!fx_load(e, "no_such_preset", 1.0f, why, sizeof why), "a missing preset loaded");
    CHECK(strstr(why, "no_such_preset") != NULL, "reason does not name the preset: %s", why);
    /* a typo, and a name given with its file extension, are answered with the name */
    CHECK(!lull_engine_load_preset(e, "srf", 1.0f, NULL, NULL, why, sizeof why) &&
              strstr(why, "did you mean \"surf\"") != NULL,
          "a typo gets no suggestion: %s", why);
    CHECK(!lull_engine_load_preset(e, "surf.json", 1.0f, NULL, NULL, why, sizeof why) &&
              strstr(why, "did you mean \"surf\"") != NULL,
          "surf.json gets no suggestion: %s", why);
    printf("unknown preset: %s\n", why);
    CHECK(!lull_engine_load_preset(e, "../etc/passwd", 1.0f, NULL, NULL, why, sizeof why),
          "path traversal accepted as a preset name");
    CHECK(!fx_load(e, fx_preset_file("{\"lull_preset\": 1, \"nodes\": [}"), 1.0f, why, sizeof why),
          "a broken preset loaded");
    fx_render(e, l + 3 * n, r + 3 * n, n, 512);
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    CHECK(strcmp(st.preset, "surf") == 0, "current preset changed to \"%s\"", st.preset);
    double before = ac_rms(l + 2 * n, n), after = ac_rms(l + 3 * n, n);
    CHECK(fabs(ac_db(after) - ac_db(before)) < 6, "level changed from %.1f to %.1f dB",
          ac_db(before), ac_db(after));
    free(l), free(r);
    lull_engine_destroy(e);
}

/* A cutoff jump 400 Hz -> 8 kHz on a 200 Hz tone: the host ramps it over the
 * parameter's smoothing time, so the output changes smoothly (no click) and no
 * energy appears far above the tone (zipper noise would be broadband). */
static void test_cutoff_jump_smooth(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, fx_preset_file(k_tone), 0.0f, why, sizeof why), "tone: %s", why);
    const size_t pre = (size_t)(RATE * 3), post = (size_t)(RATE * 1);
    float *l = buf(pre + post), *r = buf(pre + post);
    fx_render(e, l, r, pre, 256);
    CHECK(lull_engine_set_param(e, "lp", "cutoff", 8000, why, sizeof why), "set: %s", why);
    fx_render(e, l + pre, r + pre, post, 256);
    ac_click c = ac_click_detect(l + pre - 4800, 9600, 480, 1e-4);
    CHECK(c.ratio < 10, "click at the cutoff jump (ratio %.1f)", c.ratio);
    /* Spectrum over the 100 ms around the jump: everything above 2 kHz is at
     * least 80 dB below the tone. */
    ac_spectrum *s = ac_spectrum_new(l + pre - 1024, 8192, 8192, RATE);
    double tone = ac_band_power(s, 150, 250), hf = ac_band_power(s, 2000, 20000);
    CHECK(10 * log10(hf / tone) < -80, "zipper: HF %.1f dB re tone", 10 * log10(hf / tone));
    ac_spectrum_free(s);
    free(l), free(r);
    lull_engine_destroy(e);
}

static void test_param_errors(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(!lull_engine_set_param(e, "lp", "cutoff", 1000, why, sizeof why), "set before a preset");
    CHECK(fx_load(e, fx_preset_file(k_tone), 0.0f, why, sizeof why), "tone: %s", why);
    CHECK(!lull_engine_set_param(e, "nope", "cutoff", 1000, why, sizeof why) && strstr(why, "nope"),
          "unknown node: %s", why);
    CHECK(!lull_engine_set_param(e, "lp", "nope", 1000, why, sizeof why) && strstr(why, "nope"),
          "unknown param: %s", why);
    CHECK(!lull_engine_set_param(e, "lp", "cutoff", NAN, why, sizeof why), "NaN accepted");
    CHECK(!lull_engine_set_param(e, "lp", "cutoff", 1e9f, why, sizeof why) &&
              strstr(why, "outside"),
          "out of range: %s", why);
    CHECK(!lull_engine_set_param(e, "lp", "mode", 0.5f, why, sizeof why),
          "fractional stepped value");
    CHECK(lull_engine_set_param(e, "lp", "mode", 2, why, sizeof why), "stepped value: %s", why);
    float applied = NAN;
    CHECK(lull_engine_set_volume(e, 12.0f, &applied) && applied == 0.0f,
          "volume not capped at max_volume_db (%g)", applied);
    CHECK(lull_engine_set_volume(e, -20.0f, &applied) && applied == -20.0f, "volume not applied");
    lull_engine_destroy(e);
}

/* Session stop fades to silence; start fades back in, without clicks. */
static void test_session_fades(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, fx_preset_file(k_tone), 0.0f, why, sizeof why), "tone: %s", why);
    const size_t n = (size_t)RATE;
    float *l = buf(10 * n), *r = buf(10 * n);
    fx_render(e, l, r, 3 * n, 128);
    lull_engine_session(e, false);
    fx_render(e, l + 3 * n, r + 3 * n, 3 * n, 128);
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    CHECK(st.faded_out && !st.session_running, "not faded out after 3 s");
    CHECK(ac_peak(l + 5 * n + n / 2, n / 2) == 0.0, "sound after the fade-out: %g",
          ac_peak(l + 5 * n + n / 2, n / 2));
    lull_engine_session(e, true);
    fx_render(e, l + 6 * n, r + 6 * n, 4 * n, 128);
    CHECK(ac_rms(l + 9 * n, n) > 0.5 * ac_rms(l + 2 * n, n), "did not fade back in");
    ac_click c = ac_click_detect(l + n, 9 * n, 480, 1e-5);
    CHECK(c.ratio < 10, "click at %.3f s (ratio %.1f)", (n + c.index) / RATE, c.ratio);
    free(l), free(r);
    lull_engine_destroy(e);
}

/* Tempo follows the heart within the preset's slew limit. */
static void test_tempo_follows_heart(void)
{
    const char *json = "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\"}],"
                       " \"connections\": [{\"from\": \"tone:out\", \"to\": \"out:left\"},"
                       "  {\"from\": \"tone:out\", \"to\": \"out:right\"}],"
                       " \"tempo\": {\"bpm\": 60, \"follow_heart\": 0.5, \"floor\": 30, "
                       "\"ceiling\": 80, \"slew\": 6}}";
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, fx_preset_file(json), 0.0f, why, sizeof why), "preset: %s", why);
    lull_features f;
    lull_features_init(&f);
    f.heart_state = LULL_SENSOR_OK;
    f.heart_rate = 100; /* target 50 bpm: 10 below, at 6 bpm/min takes 100 s */
    lull_engine_publish_features(e, &f);
    const size_t n = (size_t)RATE;
    float *l = buf(n), *r = buf(n);
    double prev = 60;
    double max_rate = 0;
    for (int s = 0; s < 120; s++) {
        fx_render(e, l, r, n, 512);
        lull_engine_status st;
        lull_engine_get_status(e, &st);
        max_rate = fmax(max_rate, fabs(st.tempo_bpm - prev) * 60.0);
        prev = st.tempo_bpm;
    }
    CHECK(fabs(prev - 50) < 0.01, "tempo %.2f did not reach 50 bpm", prev);
    CHECK(max_rate <= 6.0 * 1.01, "tempo moved %.2f bpm/min, slew limit 6", max_rate);
    free(l), free(r);
    lull_engine_destroy(e);
}

/* A node that emits NaN is muted and reported; the rest of the graph plays on and
 * the output stays finite. bad_nan (tests/plugins) turns inputs beyond +-1.41 into NaN. */
static void test_nan_node_muted(void)
{
    char test_plugins[1024];
    snprintf(test_plugins, sizeof test_plugins, "%s/../test-plugins", test_env("LULL_PLUGIN_DIR"));
    lull_engine_config c;
    lull_engine_config_defaults(&c);
    c.threaded = false;
    c.plugin_dirs[0] = test_env("LULL_PLUGIN_DIR");
    c.plugin_dirs[1] = test_plugins;
    char why[1024];
    lull_engine *e = lull_engine_create(&c, why, sizeof why);
    CHECK(e != NULL, "engine: %s", why);
    if (!e) return;
    const char *json = "{\"lull_preset\": 1, \"nodes\": ["
                       " {\"name\": \"tone\", \"type\": \"osc\", \"params\": {\"level\": 0.5}},"
                       " {\"name\": \"boost\", \"type\": \"gain\", \"params\": {\"gain_db\": 12}},"
                       " {\"name\": \"broken\", \"type\": \"bad_nan\"}],"
                       " \"connections\": [{\"from\": \"tone:out\", \"to\": \"boost:in\"},"
                       "  {\"from\": \"boost:out\", \"to\": \"broken:in\"},"
                       "  {\"from\": \"broken:out\", \"to\": \"out:left\"}, {\"from\": "
                       "\"tone:out\", \"to\": \"out:left\"},"
                       "  {\"from\": \"tone:out\", \"to\": \"out:right\"}]}";
    CHECK(fx_load(e, fx_preset_file(json), 0.0f, why, sizeof why), "preset: %s", why);
    const size_t n = (size_t)(RATE * 4);
    float *l = buf(n), *r = buf(n);
    fx_render(e, l, r, n, 256);
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    CHECK(st.nan_events >= 1, "no NaN reported");
    CHECK(strcmp(st.nan_node, "broken") == 0, "NaN reported for node \"%s\"", st.nan_node);
    CHECK(ac_all_finite(l, n) && ac_all_finite(r, n), "non-finite output");
    double tail_l = ac_rms(l + n - (size_t)RATE, (size_t)RATE),
           tail_r = ac_rms(r + n - (size_t)RATE, (size_t)RATE);
    CHECK(tail_l > 0.01 && fabs(ac_db(tail_l) - ac_db(tail_r)) < 1.0,
          "the healthy branch stopped: left %.1f dB, right %.1f dB", ac_db(tail_l), ac_db(tail_r));
    free(l), free(r);
    lull_engine_destroy(e);
}

int main(void)
{
    test_nan_node_muted();
    test_host_block_sizes();
    test_crossfade();
    test_failed_load_keeps_playing();
    test_cutoff_jump_smooth();
    test_param_errors();
    test_session_fades();
    test_tempo_follows_heart();
    return check_finish("test_engine");
}
