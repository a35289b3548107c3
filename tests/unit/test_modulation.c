/* Modulation: curves and ranges map as documented, and when a sensor goes stale
 * the mapped parameter glides to the preset's neutral value (and back when the
 * sensor returns) over stale_glide seconds — audibly smooth, never a jump. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    CHECK(fabsf(mod_map(&m, 5) - 316.2278f) < 0.01, "exp midpoint %g (geometric mean)",
          mod_map(&m, 5));
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
    fx_render(e, l, r, (size_t)(RATE * 8), 256); /* 0..8 s: live, 100 bpm */
    f.heart_state = LULL_SENSOR_STALE;
    lull_engine_publish_features(e, &f);
    fx_render(e, l + (size_t)(RATE * 8), r + (size_t)(RATE * 8), (size_t)(RATE * 8),
              256); /* stale */
    f.heart_state = LULL_SENSOR_OK;
    lull_engine_publish_features(e, &f);
    fx_render(e, l + (size_t)(RATE * 16), r + (size_t)(RATE * 16), (size_t)(RATE * 8),
              256); /* back */

    /* The safety stage's volume (-6 dB) scales everything: compare ratios. */
    double live = level_at(l, 7.5), neutral = level_at(l, 15.5), back = level_at(l, 23.5);
    CHECK(fabs(neutral / live - 0.05 / 0.4) < 0.01, "stale level ratio %.3f, want %.3f",
          neutral / live, 0.05 / 0.4);
    CHECK(fabs(back / live - 1) < 0.01, "level after the sensor returned: ratio %.3f", back / live);
    /* Halfway through the glide the level is between the two, not at either end. */
    double mid = level_at(l, 10.0);
    CHECK(mid < 0.8 * live && mid > 1.5 * neutral,
          "no glide: level at 2 s into staleness %.3f "
          "(live %.3f, neutral %.3f)",
          mid, live, neutral);
    /* No jump: 20 ms levels never change by more than 2 % of the live level per step. */
    double worst = 0;
    for (double t = 2.0; t < 23.9; t += 0.02)
        worst = fmax(worst, fabs(level_at(l, t + 0.02) - level_at(l, t)));
    CHECK(worst < 0.02 * live, "level jumped by %.4f (live %.4f) within 20 ms", worst, live);
    ac_click c = ac_click_detect(l + (size_t)(RATE * 2), total - (size_t)(RATE * 2), 480, 1e-5);
    CHECK(c.ratio < 10, "click (ratio %.1f) at %.3f s", c.ratio, 2 + c.index / RATE);
    free(l), free(r);
    lull_engine_destroy(e);
}

/* LFOs: a sine has its period; the random drifts stay in -1..1, move without
 * steps (noise2 also without kinks) and repeat for a seed. */
static void test_lfo_shapes(void)
{
    const double dt = 32.0 / RATE; /* one engine block */
    lfo_def sine = {"s", LFO_SINE, 0.25, 0.0};
    lfo_state st;
    lfo_init(&st, &sine, 1);
    int ups = 0;
    float prev = st.value;
    for (int i = 0; i < (int)(42.0 / dt); i++) { /* up-crossings at 4, 8, ... 40 s */
        float v = lfo_advance(&st, &sine, dt);
        ups += prev < 0 && v >= 0;
        prev = v;
    }
    CHECK(ups == 10, "sine at 0.25 Hz crossed zero upwards %d times in 40 s", ups);

    for (int shape = LFO_NOISE1; shape <= LFO_NOISE2; shape++) {
        lfo_def d = {"n", (enum lfo_shape)shape, 2.0, 0.0};
        lfo_state a, b, c;
        lfo_init(&a, &d, 7);
        lfo_init(&b, &d, 7);
        lfo_init(&c, &d, 8);
        float lo = 1, hi = -1, prev_v = a.value, prev_d = 0, max_step = 0, max_kink = 0;
        bool same = true, differs = false;
        for (int i = 0; i < (int)(60.0 / dt); i++) {
            float v = lfo_advance(&a, &d, dt);
            same &= v == lfo_advance(&b, &d, dt);
            differs |= v != lfo_advance(&c, &d, dt);
            lo = fminf(lo, v), hi = fmaxf(hi, v);
            float dv = v - prev_v;
            max_step = fmaxf(max_step, fabsf(dv));
            if (i > 0) max_kink = fmaxf(max_kink, fabsf(dv - prev_d));
            prev_v = v, prev_d = dv;
        }
        CHECK(lo >= -1 && hi <= 1 && hi - lo > 1.0f, "%s range [%.2f, %.2f]",
              lfo_shape_name(d.shape), lo, hi);
        CHECK(same && differs, "%s: same seed repeats, another differs", lfo_shape_name(d.shape));
        /* at 2 points/s a line between two values 2 apart moves <= 4/s: per block 4*dt */
        CHECK(max_step <= 4.0f * (float)dt * 1.6f, "%s step per block %.5f",
              lfo_shape_name(d.shape), max_step);
        if (shape == LFO_NOISE2) /* slope continuous: the change of slope per block is tiny */
            CHECK(max_kink < 0.05f * max_step, "noise2 kink %.6f vs step %.5f", max_kink, max_step);
    }
}

/* Three mappings onto one level: set by heart.rate (0.4 at 100 bpm), times an LFO
 * mapped to 0.5..1 over a 4 s sine, plus a small constant offset from tempo.bpm.
 * The rendered level follows (0.4 + 0.05) x (0.5..1). */
static const char *k_combined =
    "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\","
    "  \"params\": {\"freq\": 300, \"level\": 0.1}}],"
    " \"connections\": [{\"from\": \"tone:out\", \"to\": \"out:left\"},"
    "  {\"from\": \"tone:out\", \"to\": \"out:right\"}],"
    " \"pacer\": {\"mode\": \"off\"}, \"tempo\": {\"bpm\": 60},"
    " \"lfos\": {\"tide\": {\"shape\": \"sine\", \"period\": 4}},"
    " \"modulations\": ["
    "  {\"source\": \"heart.rate\", \"target\": \"tone:level\", \"in\": [60, 100], \"out\": [0.05, "
    "0.4], \"smoothing\": 0},"
    "  {\"source\": \"lfo.tide\", \"target\": \"tone:level\", \"in\": [-1, 1], \"out\": [0.5, 1], "
    "\"mode\": \"multiply\", \"smoothing\": 0},"
    "  {\"source\": \"tempo.bpm\", \"target\": \"tone:level\", \"in\": [0, 60], \"out\": [0, "
    "0.05], \"mode\": \"add\", \"smoothing\": 0}]}";

static void test_combined(void)
{
    lull_engine *e = fx_engine(RATE, false);
    char why[1024];
    CHECK(fx_load(e, fx_preset_file(k_combined), 0.0f, why, sizeof why), "preset: %s", why);
    lull_features f;
    lull_features_init(&f);
    f.heart_state = LULL_SENSOR_OK;
    f.heart_rate = 100;
    lull_engine_publish_features(e, &f);
    const size_t total = (size_t)(RATE * 12);
    float *l = calloc(total, sizeof(float)), *r = calloc(total, sizeof(float));
    fx_render(e, l, r, total, 256);
    double lo = 1e9, hi = 0;
    for (double t = 4.0; t < 11.9; t += 0.02) {
        double v = level_at(l, t);
        lo = fmin(lo, v), hi = fmax(hi, v);
    }
    CHECK(fabs(lo / hi - 0.5) < 0.02, "LFO multiply swings the level by %.3f (want 0.5)", lo / hi);
    /* the peak level is 0.45 x the safety volume; a second render without the add
     * mapping would be 0.4: compare with the set value alone via the ratio to 0.45 */
    double vol = pow(10.0, -6.0 / 20.0);
    CHECK(fabs(hi / vol - 0.45) < 0.01, "peak level %.4f, want (0.4 + 0.05) x 1", hi / vol);
    free(l), free(r);
    lull_engine_destroy(e);
}

/* Refusals, each at its place. */
static void test_refusals(void)
{
    static const struct {
        const char *mods, *lfos, *want;
    } k_cases[] = {
        {"{\"source\": \"arousal\", \"target\": \"tone:level\", \"out\": [0, 1]},"
         "{\"source\": \"heart.rate\", \"target\": \"tone:level\", \"out\": [0, 1]}",
         "", "one \"set\" mapping"},
        {"{\"source\": \"lfo.nope\", \"target\": \"tone:level\", \"out\": [0, 1]}", "",
         "unknown LFO \"nope\""},
        {"{\"source\": \"lfo.a\", \"target\": \"tone:level\", \"out\": [0, 17], \"mode\": "
         "\"multiply\"}",
         ", \"lfos\": {\"a\": {\"rate\": 1}}", "mode multiply"},
        {"{\"source\": \"lfo.a\", \"target\": \"tone:level\", \"out\": [0, 1]}",
         ", \"lfos\": {\"a\": {\"rate\": 1, \"period\": 2}}", "exactly one of"},
        {"{\"source\": \"lfo.a\", \"target\": \"tone:level\", \"out\": [0, 1]}",
         ", \"lfos\": {\"a\": {\"shape\": \"square\", \"rate\": 1}}", "unknown LFO shape"},
        {"{\"source\": \"lfo.a\", \"target\": \"tone:level\", \"out\": [0, 1]}",
         ", \"lfos\": {\"a\": {\"rate\": 50}}", "lfos.a.rate"},
    };
    lull_engine *e = fx_engine(RATE, false);
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        char text[2048], why[1024] = "";
        snprintf(text, sizeof text,
                 "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\"}],"
                 " \"connections\": [{\"from\": \"tone:out\", \"to\": \"out:left\"},"
                 "  {\"from\": \"tone:out\", \"to\": \"out:right\"}]%s,"
                 " \"modulations\": [%s]}",
                 k_cases[i].lfos, k_cases[i].mods);
        bool ok = fx_load(e, fx_preset_file(text), 0.0f, why, sizeof why);
        CHECK(!ok && strstr(why, k_cases[i].want) && strstr(why, ":"),
              "case %zu refused with \"%s\": %s", i, k_cases[i].want, why);
    }
    lull_engine_destroy(e);
}

int main(void)
{
    test_curves();
    test_lfo_shapes();
    test_combined();
    test_refusals();
    test_stale_glide();
    return check_finish("test_modulation");
}
