/* gain, mixer and pan: exact arithmetic against the formulas, fixed port and
 * parameter ids, equal-power panning. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "node_harness.h"

#define RATE 48000.0
#define FRAMES 4800u

static uint64_t rng = 2024;
static float noise(void) /* uniform in [-1, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 4503599627370496.0 - 1.0);
}

static void fill_noise(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = noise();
}

static void check_ids(const lull_descriptor *d, const char *const *inputs, uint32_t ni,
                      const char *const *outputs, uint32_t no, const char *const *params,
                      uint32_t np)
{
    CHECK(d->input_count == ni && d->output_count == no && d->param_count == np,
          "%s: %u/%u/%u ports/params", d->id, d->input_count, d->output_count, d->param_count);
    for (uint32_t i = 0; i < ni && i < d->input_count; i++)
        CHECK(strcmp(d->inputs[i].id, inputs[i]) == 0, "%s: input %u is %s", d->id, i,
              d->inputs[i].id);
    for (uint32_t i = 0; i < no && i < d->output_count; i++)
        CHECK(strcmp(d->outputs[i].id, outputs[i]) == 0, "%s: output %u is %s", d->id, i,
              d->outputs[i].id);
    for (uint32_t i = 0; i < np && i < d->param_count; i++)
        CHECK(strcmp(d->params[i].id, params[i]) == 0, "%s: param %u is %s", d->id, i,
              d->params[i].id);
}

static void check_gain(void)
{
    float in[FRAMES], out[FRAMES], ramp[FRAMES];
    fill_noise(in, FRAMES);
    const float *ins[] = {in};
    float *outs[] = {out};
    node_harness *h = nh_open("gain", "gain", RATE, 1);
    check_ids(nh_descriptor(h), (const char *[]){"in"}, 1, (const char *[]){"out"}, 1,
              (const char *[]){"gain_db"}, 1);
    static const float dbs[] = {-80.0f, -20.0f, -6.0206f, 0.0f, 3.5f, 24.0f};
    for (size_t k = 0; k < sizeof dbs / sizeof dbs[0]; k++) {
        nh_set_param(h, "gain_db", dbs[k]);
        nh_run(h, ins, outs, FRAMES);
        double g = pow(10.0, dbs[k] / 20.0), worst = 0.0;
        for (size_t i = 0; i < FRAMES; i++) worst = fmax(worst, fabs(out[i] - in[i] * g) / g);
        CHECK(worst < 1e-6, "gain %g dB: off by %g (relative to the gain)", dbs[k], worst);
    }
    for (size_t i = 0; i < FRAMES; i++) ramp[i] = -80.0f + 104.0f * (float)i / FRAMES;
    nh_set_param_trajectory(h, "gain_db", ramp, FRAMES);
    nh_run(h, ins, outs, FRAMES);
    double worst = 0.0;
    for (size_t i = 0; i < FRAMES; i++) {
        double g = pow(10.0, ramp[i] / 20.0);
        worst = fmax(worst, fabs(out[i] - in[i] * g) / g);
    }
    CHECK(worst < 1e-6, "gain ramp -80..24 dB: off by %g (relative)", worst);
    nh_close(h);
}

static void check_mixer(void)
{
    static float in[4][FRAMES], levels[4][FRAMES], out[FRAMES];
    for (int c = 0; c < 4; c++) fill_noise(in[c], FRAMES);
    const float *ins[] = {in[0], in[1], in[2], in[3]};
    float *outs[] = {out};
    node_harness *h = nh_open("mixer", "mixer", RATE, 1);
    check_ids(nh_descriptor(h), (const char *[]){"in1", "in2", "in3", "in4"}, 4,
              (const char *[]){"out"}, 1, (const char *[]){"level1", "level2", "level3", "level4"},
              4);
    static const char *const ids[] = {"level1", "level2", "level3", "level4"};
    static const float fixed[] = {0.0f, 0.5f, 1.0f, 2.0f};
    for (int c = 0; c < 4; c++) nh_set_param(h, ids[c], fixed[c]);
    nh_run(h, ins, outs, FRAMES);
    double worst = 0.0;
    for (size_t i = 0; i < FRAMES; i++) {
        double expect = 0.0;
        for (int c = 0; c < 4; c++) expect += (double)in[c][i] * fixed[c];
        worst = fmax(worst, fabs(out[i] - expect));
    }
    CHECK(worst < 1e-6, "mixer levels 0/0.5/1/2: off by %g", worst);

    for (int c = 0; c < 4; c++) {
        for (size_t i = 0; i < FRAMES; i++)
            levels[c][i] = 1.0f + noise(); /* 0..2, a new value every frame */
        nh_set_param_trajectory(h, ids[c], levels[c], FRAMES);
    }
    nh_run(h, ins, outs, FRAMES);
    worst = 0.0;
    for (size_t i = 0; i < FRAMES; i++) {
        double expect = 0.0;
        for (int c = 0; c < 4; c++) expect += (double)in[c][i] * levels[c][i];
        worst = fmax(worst, fabs(out[i] - expect));
    }
    CHECK(worst < 1e-6, "mixer per-frame levels: off by %g", worst);

    /* Unconnected inputs are silent: only in2 at level 1. */
    for (int c = 0; c < 4; c++) nh_set_param(h, ids[c], 1.0f);
    const float *one[] = {NULL, in[1], NULL, NULL};
    nh_run(h, one, outs, FRAMES);
    CHECK(memcmp(out, in[1], sizeof out) == 0, "mixer with one input is not that input");
    nh_close(h);
}

static void check_pan(void)
{
    float in[FRAMES], left[FRAMES], right[FRAMES], sweep[FRAMES];
    fill_noise(in, FRAMES);
    const float *ins[] = {in};
    float *outs[] = {left, right};
    node_harness *h = nh_open("pan", "pan", RATE, 1);
    check_ids(nh_descriptor(h), (const char *[]){"in"}, 1, (const char *[]){"left", "right"}, 2,
              (const char *[]){"pan"}, 1);
    /* Equal power: L^2 + R^2 = in^2 everywhere, including a per-frame sweep. */
    for (size_t i = 0; i < FRAMES; i++) sweep[i] = -1.0f + 2.0f * (float)i / (FRAMES - 1);
    nh_set_param_trajectory(h, "pan", sweep, FRAMES);
    nh_run(h, ins, outs, FRAMES);
    double worst = 0.0;
    for (size_t i = 0; i < FRAMES; i++) {
        double p = (double)left[i] * left[i] + (double)right[i] * right[i];
        double x = (double)in[i] * in[i];
        worst = fmax(worst, fabs(p - x));
        /* and the sine/cosine law itself */
        double angle = (sweep[i] + 1.0) * M_PI / 4.0;
        worst = fmax(worst, fabs(left[i] - in[i] * cos(angle)));
        worst = fmax(worst, fabs(right[i] - in[i] * sin(angle)));
    }
    CHECK(worst < 1e-6, "pan sweep: power or law off by %g", worst);

    static const struct {
        float pan, left, right;
    } points[] = {{-1.0f, 1.0f, 0.0f}, {0.0f, 0.70710678f, 0.70710678f}, {1.0f, 0.0f, 1.0f}};
    for (size_t k = 0; k < 3; k++) {
        nh_set_param(h, "pan", points[k].pan);
        nh_run(h, ins, outs, FRAMES);
        double wl = 0.0, wr = 0.0;
        for (size_t i = 0; i < FRAMES; i++) {
            wl = fmax(wl, fabs(left[i] - in[i] * points[k].left));
            wr = fmax(wr, fabs(right[i] - in[i] * points[k].right));
        }
        CHECK(wl < 1e-6 && wr < 1e-6, "pan %g: left off by %g, right by %g", points[k].pan, wl, wr);
    }
    nh_close(h);
}

int main(void)
{
    check_gain();
    check_mixer();
    check_pan();
    return check_finish("test_node_levels");
}
