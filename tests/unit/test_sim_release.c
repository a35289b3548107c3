/* Release moments and the guide pacer, offline, on the simulated clients:
 *  - `release` (sighs at 90, 200, 420, 600 s, sobbing 260-320 s with the heart
 *    18 bpm faster, a breath held 15 s after 480 s): every one of them is found as
 *    a release with the right evidence, and nothing else is;
 *  - `steady` and `relaxing`: no release at all;
 *  - `dropouts` and `stressed`: what they show is printed (motion bursts must not
 *    read as sighs: no sigh evidence on `dropouts`);
 *  - closed loop (client -> pipeline -> engine with a guiding pacer): while a
 *    release is in progress the pacer never steps down below the client, and it
 *    guides again afterwards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bio/release_detector.h"
#include "check.h"
#include "engine_fixture.h"
#include "sim/offline_features.h"

#define FRAME_S 0.1
#define MAX_EPISODES 64

typedef struct episode {
    double start, end;
    unsigned evidence;
} episode;

typedef struct outcome {
    episode ep[MAX_EPISODES];
    int n;
    long release_frames, frames;
    /* closed loop */
    int steps_down_in_release, steps_down_outside;
} outcome;

static void track(outcome *o, const lull_features *f)
{
    o->frames++;
    bool on = f->release >= 0.5f;
    o->release_frames += on;
    episode *last = o->n ? &o->ep[o->n - 1] : NULL;
    if (on && (!last || isfinite(last->end)) && o->n < MAX_EPISODES) {
        o->ep[o->n++] = (episode){f->time_s, NAN, f->release_evidence};
    } else if (on && last) {
        last->evidence |= f->release_evidence;
    } else if (!on && last && !isfinite(last->end)) {
        last->end = f->time_s;
    }
}

static void print_episodes(const char *name, const outcome *o)
{
    printf("%s: %d release(s), %.1f %% of frames\n", name, o->n,
           100.0 * (double)o->release_frames / (double)o->frames);
    for (int i = 0; i < o->n; i++) {
        char why[64];
        release_evidence_text(o->ep[i].evidence, why, sizeof why);
        printf("  %7.1f .. %7.1f s  %s\n", o->ep[i].start, o->ep[i].end, why);
    }
}

/* Open loop: the features of a client, frames every 100 ms. */
static void run_open(client_profile p, double seconds, uint64_t seed, outcome *o)
{
    char err[256];
    offline_features *src = offline_features_from_model(p, seed, err, sizeof err);
    CHECK(src != NULL, "model source: %s", err);
    if (!src) return;
    long steps = (long)lround(seconds / FRAME_S);
    for (long i = 1; i <= steps; i++) {
        lull_features f;
        offline_features_fn(src, i * FRAME_S, &f);
        track(o, &f);
    }
    if (o->n && !isfinite(o->ep[o->n - 1].end)) o->ep[o->n - 1].end = seconds;
    offline_features_free(src);
}

/* The truth of the release profile (client_model.c): start, end, expected bit. */
static const struct {
    double start, end;
    unsigned bit;
} k_truth[] = {
    {90, 100, RELEASE_SIGH},  {200, 210, RELEASE_SIGH}, {260, 320, RELEASE_IRREGULAR},
    {420, 430, RELEASE_SIGH}, {480, 500, RELEASE_HOLD}, {600, 610, RELEASE_SIGH},
};
#define TRUTHS ((int)(sizeof k_truth / sizeof k_truth[0]))

static void test_release_profile(void)
{
    static outcome o;
    run_open(CLIENT_RELEASE, 660.0, 5, &o);
    print_episodes("release", &o);
    /* Each true moment overlaps a detected release carrying its evidence. */
    for (int k = 0; k < TRUTHS; k++) {
        bool found = false;
        for (int i = 0; i < o.n && !found; i++)
            found = o.ep[i].start <= k_truth[k].end + 15.0 && o.ep[i].end >= k_truth[k].start &&
                    (o.ep[i].evidence & k_truth[k].bit);
        CHECK(found, "release at %.0f-%.0f s (%s) found", k_truth[k].start, k_truth[k].end,
              release_evidence_name(k_truth[k].bit));
    }
    /* Every detected release starts near a true one (it may last SETTLE_S after). */
    for (int i = 0; i < o.n; i++) {
        bool explained = false;
        for (int k = 0; k < TRUTHS; k++)
            explained |=
                o.ep[i].start >= k_truth[k].start - 35.0 && o.ep[i].start <= k_truth[k].end + 15.0;
        CHECK(explained, "release at %.1f s matches no release of the client", o.ep[i].start);
    }
    /* The heart surge of the sobbing episode is seen. */
    unsigned all = 0;
    for (int i = 0; i < o.n; i++) all |= o.ep[i].evidence;
    CHECK(all & RELEASE_HEART_SURGE, "heart surge during sobbing seen");
}

static void test_quiet_profiles(void)
{
    static outcome steady, relaxing, dropouts, stressed;
    run_open(CLIENT_STEADY, 600.0, 2, &steady);
    run_open(CLIENT_RELAXING, 600.0, 3, &relaxing);
    run_open(CLIENT_DROPOUTS, 600.0, 4, &dropouts);
    run_open(CLIENT_STRESSED, 600.0, 6, &stressed);
    print_episodes("steady", &steady);
    print_episodes("relaxing", &relaxing);
    print_episodes("dropouts", &dropouts);
    print_episodes("stressed", &stressed);
    CHECK(steady.n == 0, "steady: %d false releases", steady.n);
    CHECK(relaxing.n == 0, "relaxing: %d false releases", relaxing.n);
    unsigned sighs = 0;
    for (int i = 0; i < dropouts.n; i++) sighs |= dropouts.ep[i].evidence & RELEASE_SIGH;
    CHECK(!sighs, "dropouts: motion bursts read as sighs");
}

static const char *k_preset =
    "{\"name\": \"loop\", \"lull_preset\": 1,\n"
    " \"nodes\": [{\"name\": \"hush\", \"type\": \"noise\", \"params\": {\"color\": \"pink\", "
    "\"level\": 0.1}}],\n"
    " \"connections\": [{\"from\": \"hush:out\", \"to\": \"out:left\"},\n"
    "                 {\"from\": \"hush:out\", \"to\": \"out:right\"}],\n"
    " \"pacer\": {\"mode\": \"guide\", \"rate\": 6, \"target\": 6, \"inhale_fraction\": 0.4},\n"
    " \"modulations\": [{\"source\": \"release\", \"target\": \"hush:level\", "
    "\"out\": [0.1, 0.05]}]}\n";

/* Closed loop through the engine: the pacer during and outside releases. */
static void run_loop(client_profile p, double seconds, uint64_t seed, outcome *o)
{
    char why[1024], err[256];
    lull_engine *e = fx_engine(48000.0, false);
    bool ok = fx_load(e, fx_preset_file(k_preset), 0.0f, why, sizeof why);
    CHECK(ok, "preset with a release modulation loads: %s", why);
    offline_features *src = offline_features_from_model(p, seed, err, sizeof err);
    CHECK(src != NULL, "model source: %s", err);
    if (!ok || !src) return;
    offline_features_set_engine(src, e);
    uint32_t frames = 4800;
    float *l = malloc(frames * sizeof *l), *r = malloc(frames * sizeof *r);
    double prev_pacer = NAN;
    long steps = (long)lround(seconds / FRAME_S);
    for (long i = 1; i <= steps; i++) {
        lull_features f;
        offline_features_fn(src, i * FRAME_S, &f);
        lull_engine_publish_features(e, &f);
        lull_engine_process(e, l, r, frames);
        lull_engine_service(e);
        lull_engine_status st;
        lull_engine_get_status(e, &st);
        track(o, &f);
        /* A step down below the client's rate: guiding. */
        if (isfinite(prev_pacer) && st.pacer_rate < prev_pacer - 1e-6 &&
            !(isfinite(f.breath_rate) && st.pacer_rate >= f.breath_rate - 0.01)) {
            if (f.release >= 0.5f)
                o->steps_down_in_release++;
            else
                o->steps_down_outside++;
        }
        prev_pacer = st.pacer_rate;
    }
    free(l);
    free(r);
    offline_features_free(src);
    lull_engine_destroy(e);
}

static void test_closed_loop(void)
{
    static outcome rel, drop, stress;
    run_loop(CLIENT_RELEASE, 660.0, 5, &rel);
    run_loop(CLIENT_DROPOUTS, 300.0, 4, &drop);
    run_loop(CLIENT_STRESSED, 300.0, 6, &stress);
    printf("closed loop (guide): release: %d releases, pacer steps down below the client "
           "%d times in a release, %d outside; dropouts: %d releases, steps %d / %d; "
           "stressed: %d releases, steps %d / %d\n",
           rel.n, rel.steps_down_in_release, rel.steps_down_outside, drop.n,
           drop.steps_down_in_release, drop.steps_down_outside, stress.n,
           stress.steps_down_in_release, stress.steps_down_outside);
    CHECK(rel.n >= 4, "closed loop: %d releases", rel.n);
    CHECK(rel.steps_down_in_release == 0 && drop.steps_down_in_release == 0 &&
              stress.steps_down_in_release == 0,
          "the pacer stepped down during a release (%d, %d, %d)", rel.steps_down_in_release,
          drop.steps_down_in_release, stress.steps_down_in_release);
    CHECK(rel.steps_down_outside > 0, "the pacer guides again outside releases");
}

int main(void)
{
    test_release_profile();
    test_quiet_profiles();
    test_closed_loop();
    return check_finish("test_sim_release");
}
