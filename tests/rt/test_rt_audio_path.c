/* Proof that the audio path allocates nothing and takes no lock: the allocator and
 * pthread_mutex_lock are interposed (core/alloc_guard) and this thread, acting as
 * the audio thread, is armed around every lull_engine_process call, while a control
 * thread fires every kind of command (parameter sets, volume, session stop/start,
 * pacer modes, preset loads that crossfade and retire plans, among them switches
 * between two presets that play sound files, whose loading, conversion and freeing
 * must all stay off the audio thread) and a biosignal thread publishes features.
 * Any allocation, free or lock inside a process call fails. */
#include <math.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdint.h>
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
static atomic_int g_sound_loads_ok;
static char g_sound_dir[256];
static const char *g_sound_presets[2];

static void on_done(void *ud, bool ok, const char *name, const char *message)
{
    if (ok) atomic_fetch_add(&g_loads_ok, 1);
    if (ud) {
        if (ok)
            atomic_fetch_add(&g_sound_loads_ok, 1);
        else
            fprintf(stderr, "sound preset refused: %s\n", message);
    }
}

/* Two sound files (a 44.1 kHz stereo FLAC, so the load converts, and a 48 kHz mono
 * WAV) and two presets that play them through tests/plugins/sound_probe. */
static void make_sound_presets(void)
{
    snprintf(g_sound_dir, sizeof g_sound_dir, "/tmp/lull-rt-sounds-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(g_sound_dir)) exit(2);
    const struct {
        const char *name;
        int rate, channels, format;
        double hz;
    } files[] = {{"waves.flac", 44100, 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 220.0},
                 {"bell.wav", 48000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 660.0}};
    for (int k = 0; k < 2; k++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", g_sound_dir, files[k].name);
        SF_INFO info = {
            .samplerate = files[k].rate, .channels = files[k].channels, .format = files[k].format};
        SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
        if (!sf) exit(2);
        float frame[2];
        for (int f = 0; f < files[k].rate; f++) {
            frame[0] = frame[1] = (float)(0.3 * sin(2 * M_PI * files[k].hz * f / files[k].rate));
            sf_writef_float(sf, frame, 1);
        }
        sf_close(sf);
    }
    static char json[2][1024];
    for (int k = 0; k < 2; k++) {
        snprintf(json[k], sizeof json[k],
                 "{\"lull_preset\": 1, \"sounds\": {\"s\": \"%s\"},\n"
                 " \"nodes\": [{\"name\": \"p\", \"type\": \"sound_probe\", \"sounds\": "
                 "{\"sound\": \"s\"}}],\n"
                 " \"connections\": [{\"from\": \"p:left\", \"to\": \"out:left\"},\n"
                 "                 {\"from\": \"p:right\", \"to\": \"out:right\"}]}\n",
                 files[k].name);
        g_sound_presets[k] = fx_preset_file(json[k]);
    }
}

static lull_engine *engine_with_sounds(void)
{
    static char probe_dir[4200];
    const char *tp = getenv("LULL_TEST_PLUGIN_DIR");
    if (tp && *tp)
        snprintf(probe_dir, sizeof probe_dir, "%s/sound", tp);
    else
        snprintf(probe_dir, sizeof probe_dir, "%s/../test-plugins/sound",
                 test_env("LULL_PLUGIN_DIR"));
    lull_engine_config c;
    lull_engine_config_defaults(&c);
    c.sample_rate = RATE;
    c.threaded = true;
    c.plugin_dirs[0] = test_env("LULL_PLUGIN_DIR");
    c.plugin_dirs[1] = probe_dir;
    c.sound_dirs[0] = g_sound_dir;
    static char shipped_sounds[4200]; /* the shipped presets' own sound files */
    snprintf(shipped_sounds, sizeof shipped_sounds, "%s/sounds", test_env("LULL_PRESET_DIR"));
    c.sound_dirs[1] = shipped_sounds;
    char err[1024];
    lull_engine *e = lull_engine_create(&c, err, sizeof err);
    if (!e) {
        fprintf(stderr, "engine: %s\n", err);
        exit(2);
    }
    return e;
}

/* Every shipped preset (so every shipped node and every sound file they play) is
 * loaded, crossfaded to and retired while the guard is armed. */
static char g_shipped[64][64];
static size_t g_shipped_count;
static atomic_int g_shipped_ok[64];

static void on_shipped_done(void *ud, bool ok, const char *name, const char *message)
{
    on_done(NULL, ok, name, message);
    if (!ok) fprintf(stderr, "shipped preset %s refused: %s\n", name, message);
    if (ok) atomic_fetch_add(&g_shipped_ok[(size_t)(uintptr_t)ud], 1);
}

static char g_all_nodes[4200];
static atomic_int g_all_nodes_ok;

static void on_all_nodes_done(void *ud, bool ok, const char *name, const char *message)
{
    on_done(NULL, ok, name, message);
    if (!ok) fprintf(stderr, "rt_all_nodes refused: %s\n", message);
    if (ok) atomic_fetch_add(&g_all_nodes_ok, 1);
}

static void *control_main(void *arg)
{
    lull_engine *e = arg;
    char err[512];
    for (int i = 0; !atomic_load(&g_stop); i++) {
        if (i % 40 == 0) {
            size_t k = (size_t)(i / 40) % g_shipped_count;
            lull_engine_load_preset(e, g_shipped[k], 0.2f, on_shipped_done, (void *)(uintptr_t)k,
                                    err, sizeof err);
        }
        /* Sound presets in between: each switch loads (or shares) a file and the
         * retired plan's release frees the other one on the worker. */
        if (i % 40 == 20 && (i / 40) % 3 != 2)
            lull_engine_load_preset_file(e, g_sound_presets[(i / 40) % 2], 0.2f, on_done,
                                         &g_sound_loads_ok, err, sizeof err);
        /* and a graph with one instance of every shipped node type */
        if (i % 40 == 20 && (i / 40) % 3 == 2)
            lull_engine_load_preset_file(e, g_all_nodes, 0.2f, on_all_nodes_done, NULL, err,
                                         sizeof err);
        lull_engine_set_param(e, "shore", "cutoff", 300.0f + (float)(i % 50) * 40.0f, err,
                              sizeof err);
        lull_engine_set_volume(e, -6.0f - (float)(i % 10), NULL);
        if (i % 25 == 0) lull_engine_session(e, (i / 25) % 2 == 0);
        if (i % 30 == 0)
            lull_engine_set_pacer(e, (enum pacer_mode)((i / 30) % 4), 6.0f, err, sizeof err);
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
    make_sound_presets();
    lull_engine *e = engine_with_sounds();
    char why[512];
    CHECK(fx_load(e, "surf", 0.0f, why, sizeof why), "surf: %s", why);
    snprintf(g_all_nodes, sizeof g_all_nodes, "%s/presets/rt_all_nodes.json",
             test_env("LULL_TEST_DATA"));
    g_shipped_count = lull_engine_list_presets(e, g_shipped, 64);
    CHECK(g_shipped_count >= 3, "only %zu shipped presets listed", g_shipped_count);

    pthread_t ctl, bio;
    pthread_create(&ctl, NULL, control_main, e);
    pthread_create(&bio, NULL, bio_main, e);

    /* Host buffers of odd sizes, as PipeWire hands out. */
    const uint32_t sizes[] = {64, 93, 256, 441, 1024};
    float l[1024], r[1024];
    unsigned long violations = 0;
    const char *what = "";
    uint64_t frames = 0;
    /* Long enough for every shipped preset to be loaded at least twice. */
    const double seconds = 8.0 + 2.0 * (double)g_shipped_count;
    for (int i = 0; frames < (uint64_t)(RATE * seconds); i++) {
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
    CHECK(violations == 0, "the audio path made %lu allocator/lock calls (last: %s)", violations,
          what);
    CHECK(atomic_load(&g_loads_ok) >= 3, "only %d preset loads completed during the run",
          atomic_load(&g_loads_ok));
    CHECK(atomic_load(&g_sound_loads_ok) >= 4,
          "only %d loads of presets with sound files completed during the run",
          atomic_load(&g_sound_loads_ok));
    fprintf(stderr,
            "%d preset loads, %d of them with sound files, %lu allocator/lock calls "
            "on the audio thread\n",
            atomic_load(&g_loads_ok), atomic_load(&g_sound_loads_ok), violations);
    CHECK(atomic_load(&g_all_nodes_ok) >= 2, "the every-node preset loaded %d times",
          atomic_load(&g_all_nodes_ok));
    for (size_t k = 0; k < g_shipped_count; k++)
        CHECK(atomic_load(&g_shipped_ok[k]) >= 1, "shipped preset %s never loaded during the run",
              g_shipped[k]);
    CHECK(st.frames >= (uint64_t)(RATE * seconds) - 1024, "rendered only %llu frames",
          (unsigned long long)st.frames);
    /* The guard itself works on this thread: a deliberate malloc is caught. */
    alloc_guard_arm();
    char *volatile p = malloc(16); /* volatile: the compiler may not elide the pair */
    unsigned long caught = alloc_guard_disarm();
    free(p);
    CHECK(caught >= 1, "the guard missed a malloc on the audio thread");
    lull_engine_destroy(e);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_sound_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_sound_dir);
    return check_finish("test_rt_audio_path");
}
