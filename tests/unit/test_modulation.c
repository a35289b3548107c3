/* Modulation: curves and ranges map as documented, and when a sensor goes stale
 * the mapped parameter glides to the preset's neutral value (and back when the
 * sensor returns) over stale_glide seconds — audibly smooth, never a jump. */
#include <math.h>
#include <stdlib.h>

#include "audio_check.h"
#include "check.h"
#include "engine_fixture.h"
#include "modulation/modulation.h"

#define RATE 48000.0

static void test_curves(void)
{
    preset_modulation m = {.in_min = 0, .in_max = 10, .out_min = 100, .out_max = 1000};
    m.curve = MOD_CURVE_LINEAR;
    CHECK(fabsf(mod_map(&m, 5) - 550) < 1e-3, "linear midpoint %g", mod_map(&m, 5));
    CHECK(mod_map(&m, -5) == 100 && mod_map(&m, 50) == 1000, "input not clamped");
    m.curve = MOD_CURVE_EXP;
    CHECK(fabsf(mod_map(&m, 5) - 316.2278f) < 0.01, "exp midpoint %g (geometric mean)", mod_map(&m, 5));
    m.curve = MOD_CURVE_SMOOTH;
    CHECK(fabsf(mod_map(&m, 5) - 550) < 1e-3 && mod_map(&m, 1) < 100 + 0.1f * 900,
          "smoothstep shape");
    m.curve = MOD_CURVE_LOG;
    CHECK(mod_map(&m, 5) > 550 && fabsf(mod_map(&m, 10) - 1000) < 1e-3, "log shape");
}

/* The level of a sine follows heart.rate: 60 bpm -> level 0.05, 100 bpm -> 0.4.
 * Neutral heart rate 60. */
static const char *k_preset =
    "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\","
    "  \"params\": {\"freq\": 300, \"level\": 0.1}}],"
    " \"connections\": [{\"from\": \"tone:out\", \"to\": \"out:left\"},"
    "  {\"from\": \"tone:out\", \"to\": \"out:right\"}],"
    " \"pacer\": {\"mode\": \"off\"}, \"stale_glide\": 4, \"neutral\": {\"heart.rate\": 60},"
    " \"modulations\": [{\"source\": \"heart.rate\", \"target\": \"tone:level\", \"in\": [60, 100],"
    "  \"out\": [0.05, 0.4], \"smoothing\": 0.05}]}";

static double level_at(const float *l, double t)
{
    size_t w = (size_t)(RATE * 0.02);
    return ac_rms(l + (size_t)(t * RATE), w) * sqrt(2.0);
}

static void test_stale_glide(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, fx_preset_file(k_preset), 0.0f, why, sizeof why), "preset: %s", why);
    lull_features f;
    lull_features_init(&f);
    f.heart_state = LULL_SENSOR_OK;
    f.heart_rate = 100;
    lull_engine_publish_features(e, &f);
    const size_t total = (size_t)(RATE * 24);
    float *l = calloc(total, sizeof(float)), *r = calloc(total, sizeof(float));
    fx_render(e, l, r, (size_t)(RATE * 8), 256);          /* 0..8 s: live, 100 bpm */
    f.heart_state = LULL_SENSOR_STALE;
    lull_engine_publish_features(e, &f);
    fx_render(e, l + (size_t)(RATE * 8), r + (size_t)(RATE * 8), (size_t)(RATE * 8), 256);   /* stale */
    f.heart_state = LULL_SENSOR_OK;
    lull_engine_publish_features(e, &f);
    fx_render(e, l + (size_t)(RATE * 16), r + (size_t)(RATE * 16), (size_t)(RATE * 8), 256); /* back */

    /* The safety stage's volume (-6 dB) scales everything: compare ratios. */
    double live = level_at(l, 7.5), neutral = level_at(l, 15.5), back = level_at(l, 23.5);
    CHECK(fabs(neutral / live - 0.05 / 0.4) < 0.01, "stale level ratio %.3f, want %.3f", neutral / live,
          0.05 / 0.4);
    CHECK(fabs(back / live - 1) < 0.01, "level after the sensor returned: ratio %.3f", back / live);
    /* Halfway through the glide the level is between the two, not at either end. */
    double mid = level_at(l, 10.0);
    CHECK(mid < 0.8 * live && mid > 1.5 * neutral, "no glide: level at 2 s into staleness %.3f "
          "(live %.3f, neutral %.3f)", mid, live, neutral);
    /* No jump: 20 ms levels never change by more than 2 % of the live level per step. */
    double worst = 0;
    for (double t = 2.0; t < 23.9; t += 0.02) worst = fmax(worst, fabs(level_at(l, t + 0.02) - level_at(l, t)));
    CHECK(worst < 0.02 * live, "level jumped by %.4f (live %.4f) within 20 ms", worst, live);
    ac_click c = ac_click_detect(l + (size_t)(RATE * 2), total - (size_t)(RATE * 2), 480, 1e-5);
    CHECK(c.ratio < 10, "click (ratio %.1f) at %.3f s", c.ratio, 2 + c.index / RATE);
    free(l), free(r);
    lull_engine_destroy(e);
}

int main(void)
{
    test_curves();
    test_stale_glide();
    return check_finish("test_modulation");
}
