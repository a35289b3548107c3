/* lulld: the headless JACK daemon. Wiring only: settings -> engine (threaded) ->
 * biosignal thread -> OSC control thread -> JACK supervisor; then the main thread
 * waits for signals (sigwait: no work in a signal handler) and shuts down. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef LULL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "bio_thread.h"
#include "core/log.h"
#include "core/rt.h"
#include "daemon/config.h"
#include "daemon/memory_lock.h"
#include "daemon/nsm_client.h"
#include "daemon/supervisor.h"
#include "drivers/jack_driver.h"
#include "engine/engine_slot.h"
#include "net/mdns.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"
#include "session/session_paths.h"
#include "session/session_recorder.h"

#define SENSOR_QUEUE_ITEMS 4096
#define DEFAULT_RATE 48000.0
/* Long enough for a start preset whose sound files need converting (about 3.5 s
 * per minute of stereo 44.1 kHz audio to 48 kHz; tools/bench/bench_sounds). */
#define INITIAL_LOAD_TIMEOUT_S 120.0

static void notify_systemd(const char *state)
{
#ifdef LULL_HAVE_SYSTEMD
    sd_notify(0, state);
#else
    (void)state;
#endif
}

/* The first preset load: main waits for its outcome so that a wrong --preset is
 * a clear start-up error rather than silence. */
typedef struct initial_load {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool finished, ok;
    char message[256];
} initial_load;

static void on_initial_load(void *ud, bool ok, const char *name, const char *message)
{
    initial_load *l = ud;
    pthread_mutex_lock(&l->lock);
    l->finished = true;
    l->ok = ok;
    snprintf(l->message, sizeof l->message, "%s", message);
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

static bool load_initial_preset(lull_engine *e, const char *name, char *err, size_t errlen)
{
    initial_load l = {.finished = false};
    pthread_mutex_init(&l.lock, NULL);
    pthread_cond_init(&l.cond, NULL);
    bool ok = lull_engine_load_preset(e, name, 0.0f, on_initial_load, &l, err, errlen);
    if (ok) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += (time_t)INITIAL_LOAD_TIMEOUT_S;
        pthread_mutex_lock(&l.lock);
        while (!l.finished)
            if (pthread_cond_timedwait(&l.cond, &l.lock, &deadline) != 0) break;
        bool finished = l.finished;
        ok = finished && l.ok;
        if (!finished)
            snprintf(err, errlen, "loading took longer than %.0f s", INITIAL_LOAD_TIMEOUT_S);
        else if (!l.ok)
            snprintf(err, errlen, "%s", l.message);
        pthread_mutex_unlock(&l.lock);
        if (!finished) {
            /* the callback still holds &l: keep it alive (leak, then exit) */
            return false;
        }
    }
    pthread_cond_destroy(&l.cond);
    pthread_mutex_destroy(&l.lock);
    return ok;
}

/* NSM save: the current preset goes into the instance's config file. */
typedef struct nsm_state {
    lulld_config *cfg;
    engine_slot *slot;
} nsm_state;

static bool nsm_save(void *ud, const char *path, char *err, size_t errlen)
{
    nsm_state *n = ud;
    lull_engine_status st;
    lull_engine *e = engine_slot_acquire(n->slot);
    lull_engine_get_status(e, &st);
    engine_slot_release(n->slot);
    lulld_config copy = *n->cfg;
    if (st.preset[0]) snprintf(copy.preset, sizeof copy.preset, "%s", st.preset);
    return lulld_config_save_file(&copy, path, err, errlen);
}

/* SIGTERM/SIGINT: fade to silence, then stop. Waits for the engine's gate to
 * close, unless no audio is flowing (JACK down), which would never close it. */
static void fade_out(engine_slot *slot, supervisor *sup, float fade_s)
{
    lull_engine *e = engine_slot_acquire(slot);
    lull_engine_session(e, false);
    engine_slot_release(slot);
    double deadline = rt_now_s() + fade_s + 2.0;
    while (rt_now_s() < deadline) {
        osc_audio_status au;
        supervisor_audio_status(sup, &au);
        lull_engine_status st;
        e = engine_slot_acquire(slot);
        lull_engine_get_status(e, &st);
        engine_slot_release(slot);
        if (st.faded_out) {
            log_info("faded out");
            return;
        }
        if (strcmp(au.jack, "up") != 0) {
            log_info("jack down: nothing to fade");
            return;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    log_warn("fade-out did not complete in time");
}

/* [avahi] mDNS notes and warnings go to lulld's log. */
static void lulld_mdns_log(int level, const char *message)
{
    if (level)
        log_warn("%s", message);
    else
        log_info("%s", message);
}

int main(int argc, char **argv)
{
    static lulld_config cfg; /* large; lives for the whole run (the supervisor keeps pointers) */
    char err[512];
    switch (lulld_config_from_args(&cfg, argc, argv, err, sizeof err)) {
    case LULLD_CONFIG_EXIT_OK: return 0;
    case LULLD_CONFIG_ERROR: fprintf(stderr, "lulld: %s\n", err); return 2;
    case LULLD_CONFIG_RUN: break;
    }
    log_set_level(cfg.log_level);

    /* Before any other thread exists, so that every stack is locked too. */
    if (cfg.mlock) {
        if (memory_lock_all(err, sizeof err))
            log_info("memory locked (mlockall)");
        else
            log_warn("%s", err);
    }

    /* Every thread created from here on inherits the blocked set: only the main
     * thread's sigwait sees these signals. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    nsm_client *nsm = NULL;
    const char *nsm_url = getenv("NSM_URL");
    if (nsm_url && nsm_url[0]) {
        char client_id[64], conf[600];
        nsm = nsm_client_start(nsm_url, argv[0], 10.0, client_id, sizeof client_id, conf,
                               sizeof conf, err, sizeof err);
        if (!nsm) {
            fprintf(stderr, "lulld: %s\n", err);
            return 1;
        }
        FILE *probe = fopen(conf, "r");
        if (probe) {
            fclose(probe);
            if (!lulld_config_load_file(&cfg, conf, err, sizeof err))
                log_error("nsm: %s (using defaults)", err);
        }
        snprintf(cfg.jack_name, sizeof cfg.jack_name, "%s", client_id);
    }

    jack_driver_quiet_library_messages();

    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.threaded = true;
    ec.max_volume_db = cfg.max_volume_db;
    if (ec.volume_db > cfg.max_volume_db) ec.volume_db = cfg.max_volume_db;
    for (size_t i = 0; i < cfg.preset_dir_count; i++) ec.preset_dirs[i] = cfg.preset_dirs[i];
    if (cfg.preset_dir_count) ec.preset_dirs[cfg.preset_dir_count] = NULL;
    for (size_t i = 0; i < cfg.plugin_dir_count; i++) ec.plugin_dirs[i] = cfg.plugin_dirs[i];
    if (cfg.plugin_dir_count) ec.plugin_dirs[cfg.plugin_dir_count] = NULL;
    for (size_t i = 0; i < cfg.sound_dir_count; i++) ec.sound_dirs[i] = cfg.sound_dirs[i];
    if (cfg.sound_dir_count) ec.sound_dirs[cfg.sound_dir_count] = NULL;

    static engine_slot slot;
    const char *connect[LULLD_MAX_CONNECT];
    for (size_t i = 0; i < cfg.connect_count; i++) connect[i] = cfg.connect[i];
    supervisor_config sc = {.client_name = cfg.jack_name,
                            .connect = connect,
                            .connect_count = cfg.connect_count,
                            .slot = &slot,
                            .engine_config = ec};
    supervisor *sup = supervisor_create(&sc);
    if (!sup) {
        fprintf(stderr, "lulld: out of memory\n");
        return 1;
    }
    unsigned rate = supervisor_probe_rate(sup);
    if (!rate)
        log_warn("jack down: no JACK server yet; starting at %.0f Hz and waiting for one",
                 DEFAULT_RATE);
    ec.sample_rate = rate ? rate : DEFAULT_RATE;

    lull_engine *engine = lull_engine_create(&ec, err, sizeof err);
    if (!engine) {
        fprintf(stderr, "lulld: %s\n", err);
        supervisor_destroy(sup);
        return 1;
    }
    engine_slot_init(&slot, engine);

    /* Without --preset: the preset named "default" (docs/presets.md), found as a load
     * finds it, else the first one, alphabetically. */
    char first[1][64];
    preset_info default_info;
    const char *preset = cfg.preset;
    if (!preset[0]) {
        if (lull_engine_preset_info(engine, "default", &default_info, err, sizeof err)) {
            preset = "default";
        } else if (lull_engine_list_presets(engine, first, 1) == 0) {
            fprintf(stderr, "lulld: no presets found in the preset directories\n");
            return 1;
        } else {
            preset = first[0];
        }
    }
    if (!load_initial_preset(engine, preset, err, sizeof err)) {
        fprintf(stderr, "lulld: preset '%s': %s\n", preset, err);
        return 1;
    }

    static spsc_queue sensors;
    if (!spsc_init(&sensors, SENSOR_QUEUE_ITEMS, sizeof(sensor_msg))) {
        fprintf(stderr, "lulld: out of memory\n");
        return 1;
    }
    /* The session record: its own writer thread; a store that cannot be written
     * is reported in status and the log, never a reason not to play. */
    session_recorder *sessions = NULL;
    if (strcmp(cfg.session_db, "off") != 0) {
        char db[LULLD_PATH_MAX];
        if (cfg.session_db[0])
            snprintf(db, sizeof db, "%s", cfg.session_db);
        else if (!session_default_db_path(db, sizeof db))
            snprintf(db, sizeof db, "%s", SESSION_SERVICE_DB);
        session_recorder_config rc = {
            .path = db, .room = cfg.room, .retention_days = cfg.session_retention_days};
        sessions = session_recorder_create(&rc, err, sizeof err);
        if (!sessions) {
            fprintf(stderr, "lulld: %s\n", err);
            return 1;
        }
        session_recorder_set_global(sessions);
        log_info("sessions: recording into %s", db);
    }
    bio_thread *bio = bio_thread_start(&sensors, &slot, sessions, err, sizeof err);
    if (!bio) {
        fprintf(stderr, "lulld: %s\n", err);
        return 1;
    }

    osc_server_config oc = {.port = cfg.osc_port,
                            .bind = cfg.bind,
                            .allow = cfg.allow,
                            .allow_control = &cfg.allow_control,
                            .engine = &slot,
                            .sensor_queue = &sensors,
                            .audio_status = supervisor_audio_status,
                            .audio_status_ud = sup,
                            .devices = &cfg.devices};
    osc_server *osc = osc_server_create(&oc, err, sizeof err);
    if (!osc || !osc_server_start(osc, err, sizeof err)) {
        fprintf(stderr, "lulld: %s\n", err);
        return 1;
    }
    if (!supervisor_start(sup, err, sizeof err)) {
        fprintf(stderr, "lulld: %s\n", err);
        return 1;
    }
    static nsm_state nsm_st;
    nsm_st.cfg = &cfg;
    nsm_st.slot = &slot;
    if (nsm) nsm_client_set_save(nsm, nsm_save, &nsm_st);

    log_info("lulld %s: OSC on UDP port %d, JACK client '%s'", LULL_VERSION, osc_server_port(osc),
             cfg.jack_name);
    notify_systemd("READY=1");
    /* DNS-SD: OSC apps (TouchOSC, ...) list the room by itself; no Avahi daemon
     * is a warning and nothing else (docs/tablet.md). */
    char room[LULLD_NAME_MAX] = "lull";
    if (cfg.room[0])
        snprintf(room, sizeof room, "%s", cfg.room);
    else
        gethostname(room, sizeof room - 1);
    static const char *const mdns_txt[] = {"lull=1", NULL};
    mdns_service *mdns =
        mdns_publish(room, "_osc._udp", osc_server_port(osc), mdns_txt, lulld_mdns_log);

    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) continue;
        if (sig == SIGHUP) {
            /* Presets are listed by scanning the directories on every request, so
             * new or changed files are already visible. */
            log_info("SIGHUP: preset directories are rescanned on every request");
            continue;
        }
        log_info("%s: fading out", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    notify_systemd("STOPPING=1");
    /* No command may reopen the gate during the fade: the control surface goes first. */
    mdns_stop(mdns);
    osc_server_destroy(osc);
    fade_out(&slot, sup, ec.fade_out_s);

    nsm_client_stop(nsm);
    /* Closes the JACK client: the audio thread is gone, unless libjack hung. */
    bool jack_closed = supervisor_destroy(sup);
    bio_thread_stop(bio);
    session_recorder_set_global(NULL); /* the OSC thread is gone already */
    session_recorder_destroy(sessions);
    if (!jack_closed) {
        /* The engine may still be in use by a thread libjack keeps, and libjack's
         * exit-time destructors would run under its stuck lock: leave now, the
         * session store is closed. */
        log_info("stopped (without waiting for libjack)");
        _exit(0);
    }
    lull_engine_destroy(slot.engine);
    engine_slot_destroy(&slot);
    spsc_destroy(&sensors);
    log_info("stopped");
    return 0;
}
