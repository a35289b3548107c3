/* Proof that the audio path allocates nothing and takes no lock: the allocator and
 * pthread_mutex_lock are interposed (core/alloc_guard) and this thread, acting as
 * the audio thread, is armed around every lull_engine_process call, while a control
 * thread fires every kind of command (parameter sets, volume, session stop/start,
 * pacer modes, preset loads that crossfade and retire plans) and a biosignal thread
 * publishes features. Any allocation, free or lock inside a process call fails. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/alloc_guard.h"
#include "engine_fixture.h"

#define RATE 48000.0

static atomic_int g_stop;
static atomic_int g_loads_ok;

static void on_done(void *ud, bool ok, const char *name, const char *message)
{
    if (ok) atomic_fetch_add(&g_loads_ok, 1);
}

static void *control_main(void *arg)
{
    lull_engine *e = arg;
    const char *presets[] = {"drone", "surf", "default"};
    char err[512];
    for (int i = 0; !atomic_load(&g_stop); i++) {
        if (i % 40 == 0) lull_engine_load_preset(e, presets[(i / 40) % 3], 0.2f, on_done, NULL, err, sizeof err);
        lull_engine_set_param(e, "shore", "cutoff", 300.0f + (float)(i % 50) * 40.0f, err, sizeof err);
        lull_engine_set_volume(e, -6.0f - (float)(i % 10), NULL);
        if (i % 25 == 0) lull_engine_session(e, (i / 25) % 2 == 0);
        if (i % 30 == 0) lull_engine_set_pacer(e, (enum pacer_mode)((i / 30) % 4), 6.0f, err, sizeof err);
        usleep(2000);
    }
    return NULL;
}

static void *bio_main(void *arg)
{
    lull_engine *e = arg;
    lull_features f;
    lull_features_init(&f);
    for (int i = 0; !atomic_load(&g_stop); i++) {
        f.breath_state = (i / 50) % 3 == 2 ? LULL_SENSOR_STALE : LULL_SENSOR_OK;
        f.heart_state = LULL_SENSOR_OK;
        f.breath_rate = 12.0f - (float)(i % 100) * 0.05f;
        f.breath_phase = (float)(i % 50) / 50.0f;
        f.heart_rate = 60.0f + (float)(i % 20);
        f.arousal = 0.1f;
        lull_engine_publish_features(e, &f);
        usleep(5000);
    }
    return NULL;
}

int main(void)
{
    if (!alloc_guard_available()) {
        fprintf(stderr, "alloc guard unavailable in this build\n");
        return 1;
    }
    lull_engine *e = fx_engine(RATE, true);
    char why[512];
    CHECK(fx_load(e, "surf", 0.0f, why, sizeof why), "surf: %s", why);

    pthread_t ctl, bio;
    pthread_create(&ctl, NULL, control_main, e);
    pthread_create(&bio, NULL, bio_main, e);

    /* Host buffers of odd sizes, as PipeWire hands out. */
    const uint32_t sizes[] = {64, 93, 256, 441, 1024};
    float l[1024], r[1024];
    unsigned long violations = 0;
    const char *what = "";
    uint64_t frames = 0;
    for (int i = 0; frames < (uint64_t)(RATE * 8); i++) {
        uint32_t n = sizes[i % 5];
        alloc_guard_arm();
        lull_engine_process(e, l, r, n);
        unsigned long v = alloc_guard_disarm();
        if (v) {
            violations += v;
            what = alloc_guard_last();
        }
        frames += n;
        /* Pace roughly like a sound card (about 4x realtime) so the other threads
         * interleave with many blocks. */
        usleep((useconds_t)(n / RATE * 1e6 / 4));
    }
    atomic_store(&g_stop, 1);
    pthread_join(ctl, NULL);
    pthread_join(bio, NULL);

    lull_engine_status st;
    lull_engine_get_status(e, &st);
    CHECK(violations == 0, "the audio path made %lu allocator/lock calls (last: %s)", violations, what);
    CHECK(atomic_load(&g_loads_ok) >= 3, "only %d preset loads completed during the run",
          atomic_load(&g_loads_ok));
    CHECK(st.frames >= (uint64_t)(RATE * 8) - 1024, "rendered only %llu frames",
          (unsigned long long)st.frames);
    /* The guard itself works on this thread: a deliberate malloc is caught. */
    alloc_guard_arm();
    char *volatile p = malloc(16);  /* volatile: the compiler may not elide the pair */
    unsigned long caught = alloc_guard_disarm();
    free(p);
    CHECK(caught >= 1, "the guard missed a malloc on the audio thread");
    lull_engine_destroy(e);
    return check_finish("test_rt_audio_path");
}
