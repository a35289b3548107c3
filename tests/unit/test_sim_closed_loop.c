/* The closed loop, offline: a one-node preset whose pacer guides, the follower
 * client -> raw respiration, ECG and PPG -> biosignal pipeline -> features ->
 * engine -> pacer state -> follower. Guided, the client's breathing must come
 * down from ~14 to 7 breaths/min or less within 15 simulated minutes, and the
 * features must have tracked it on the way. Unguided (pacer off), it must not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "engine_fixture.h"
#include "sim/offline_features.h"

#define RATE 48000.0
#define FRAME_S 0.1
#define MINUTES 15

static const char *k_preset =
    "{\"name\": \"loop\", \"lull_preset\": 1,\n"
    " \"nodes\": [{\"name\": \"hush\", \"type\": \"noise\", \"params\": {\"color\": \"pink\", "
    "\"level\": 0.1}}],\n"
    " \"connections\": [{\"from\": \"hush:out\", \"to\": \"out:left\"},\n"
    "                 {\"from\": \"hush:out\", \"to\": \"out:right\"}],\n"
    " \"pacer\": {\"mode\": \"%s\", \"rate\": 6, \"target\": 6, \"inhale_fraction\": 0.4},\n"
    " \"modulations\": [{\"source\": \"pacer.breath\", \"target\": \"hush:level\", "
    "\"out\": [0.05, 0.1]}]}\n";

typedef struct minute {
    double true_rate, measured, pacer;
    int n, n_measured;
} minute;

/* Runs the loop; fills per-minute means; returns the true rate of the last minute. */
static double run_loop(const char *mode, int minutes, minute *mins, double *wall_s)
{
    char json[1024], why[1024];
    snprintf(json, sizeof json, k_preset, mode);
    lull_engine *e = fx_engine(RATE, false);
    bool ok = fx_load(e, fx_preset_file(json), 0.0f, why, sizeof why);
    CHECK(ok, "preset loads: %s", why);
    char err[256];
    offline_features *src = offline_features_from_model(CLIENT_FOLLOWER, 11, err, sizeof err);
    CHECK(src != NULL, "model source: %s", err);
    if (!ok || !src) return NAN;
    offline_features_set_engine(src, e);
    const client_model *m = offline_features_model(src);

    uint32_t frames = (uint32_t)lround(RATE * FRAME_S);
    float *l = malloc(frames * sizeof *l), *r = malloc(frames * sizeof *r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int steps = (int)lround(minutes * 60 / FRAME_S);
    for (int i = 0; i < steps; i++) {
        double t = i * FRAME_S;
        lull_features f;
        offline_features_fn(src, t, &f);
        lull_engine_publish_features(e, &f);
        lull_engine_process(e, l, r, frames);
        lull_engine_service(e);
        lull_engine_status st;
        lull_engine_get_status(e, &st);
        minute *mm = &mins[(int)(t / 60)];
        mm->true_rate += m->rate;
        mm->pacer += st.pacer_rate;
        mm->n++;
        if (f.breath_state == LULL_SENSOR_OK && isfinite(f.breath_rate)) {
            mm->measured += f.breath_rate;
            mm->n_measured++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *wall_s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    for (int i = 0; i < minutes; i++) {
        mins[i].true_rate /= mins[i].n;
        mins[i].pacer /= mins[i].n;
        mins[i].measured = mins[i].n_measured ? mins[i].measured / mins[i].n_measured : NAN;
    }
    free(l);
    free(r);
    offline_features_free(src);
    lull_engine_destroy(e);
    return mins[minutes - 1].true_rate;
}

int main(void)
{
    minute guided[MINUTES] = {0}, alone[MINUTES] = {0};
    double wall_guided = 0, wall_alone = 0;
    double end_guided = run_loop("guide", MINUTES, guided, &wall_guided);
    printf("minute  true  measured  pacer   (guide, %.1f s wall)\n", wall_guided);
    for (int i = 0; i < MINUTES; i++)
        printf("%6d %5.2f %9.2f %6.2f\n", i + 1, guided[i].true_rate, guided[i].measured,
               guided[i].pacer);
    CHECK(fabs(guided[0].true_rate - 14.0) < 1.0, "starts near 14/min: %.2f", guided[0].true_rate);
    CHECK(end_guided <= 7.0, "guided down to %.2f/min in %d minutes (want <= 7)", end_guided,
          MINUTES);
    /* The features followed the client all the way (the loop ran on measured data). */
    int tracked = 0;
    for (int i = 1; i < MINUTES; i++)
        tracked += fabs(guided[i].measured - guided[i].true_rate) < 1.0;
    CHECK(tracked >= MINUTES - 2, "measured rate within 1/min of the truth in %d of %d minutes",
          tracked, MINUTES - 1);
    CHECK(guided[MINUTES - 1].pacer <= 7.0, "pacer ends at %.2f", guided[MINUTES - 1].pacer);
    /* Monotone enough: never climbing back by more than 1/min from one minute to the next. */
    for (int i = 1; i < MINUTES; i++)
        CHECK(guided[i].true_rate < guided[i - 1].true_rate + 1.0, "minute %d: %.2f after %.2f",
              i + 1, guided[i].true_rate, guided[i - 1].true_rate);

    /* Control: with the pacer off the client is never told to slow down (5 min). */
    double end_alone = run_loop("off", 5, alone, &wall_alone);
    printf("unguided: last minute %.2f/min (%.1f s wall)\n", end_alone, wall_alone);
    CHECK(end_alone > 12.0, "unguided the client stays near 14: %.2f", end_alone);
    return check_finish("test_sim_closed_loop");
}
