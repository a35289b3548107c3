#define _GNU_SOURCE /* pthread_timedjoin_np */
#include "daemon/supervisor.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/atomic_float.h"
#include "core/log.h"
#include "core/rt.h"
#include "core/thread_name.h"
#include "drivers/jack_driver.h"

/* Seconds lulld waits at exit for the supervisor thread (supervisor_destroy). */
#define SUPERVISOR_JOIN_S 5

#define MAX_REMEMBERED 16
#define BACKOFF_MIN_S 0.25
#define BACKOFF_MAX_S 1.5 /* <= 2 s, with room for the open itself: back within 2 s */
#define TICK_S 0.05
#define SNAPSHOT_EVERY_S 0.5
/* After a (re)connect, ports that do not exist yet are tried again every
 * SNAPSHOT_EVERY_S for this long: under PipeWire the JACK server is back before
 * the session manager has brought the sink's ports back. */
#define CONNECT_RETRY_S 10.0

enum jack_state { JACK_DOWN = 0, JACK_UP = 1 };

struct supervisor {
    char client_name[64];
    char configured[MAX_REMEMBERED][128];
    size_t configured_count;
    engine_slot *slot;
    lull_engine_config engine_config;

    jack_driver *driver; /* supervisor thread only (and main before start) */
    /* The connections seen last, per side, restored after a reconnect. */
    char remembered[2][MAX_REMEMBERED][128];
    size_t remembered_count[2];
    bool have_remembered;
    double retry_until; /* rt_now_s() until which failed connections are
                                       retried; 0 = all made (supervisor thread only) */

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;

    atomic_int state;
    atomic_uint rate, period, xruns_base, xruns_now;
    atomic_uint load_bits, peak_bits;
};

static void sleep_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

supervisor *supervisor_create(const supervisor_config *c)
{
    supervisor *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    snprintf(s->client_name, sizeof s->client_name, "%s", c->client_name);
    for (size_t i = 0; i < c->connect_count && i < MAX_REMEMBERED; i++)
        snprintf(s->configured[i], sizeof s->configured[i], "%s", c->connect[i]);
    s->configured_count = c->connect_count < MAX_REMEMBERED ? c->connect_count : MAX_REMEMBERED;
    s->slot = c->slot;
    s->engine_config = c->engine_config;
    atomic_store(&s->state, JACK_DOWN);
    return s;
}

static bool try_open(supervisor *s)
{
    char err[256];
    s->driver = jack_driver_open(s->client_name, err, sizeof err);
    if (!s->driver) {
        log_debug("supervisor: %s", err);
        return false;
    }
    atomic_store(&s->rate, jack_driver_sample_rate(s->driver));
    atomic_store(&s->period, jack_driver_period(s->driver));
    return true;
}

unsigned supervisor_probe_rate(supervisor *s)
{
    if (!s->driver && !try_open(s)) return 0;
    return jack_driver_sample_rate(s->driver);
}

/* A new engine at the server's new rate, carrying over what the control side last
 * asked for (preset, volume, session, pacer) — not the audio thread's last
 * snapshot, which misses whatever was asked while no audio ran (a preset loaded
 * before JACK first came up, a session stopped during an outage). Called with no
 * client active. False when no engine can be built at that rate. */
static bool rebuild_engine(supervisor *s, unsigned rate)
{
    lull_engine *old = engine_slot_acquire(s->slot);
    lull_engine_settings set;
    lull_engine_get_settings(old, &set);
    lull_engine_config cfg = s->engine_config;
    cfg.sample_rate = rate;
    cfg.volume_db = set.volume_db;
    cfg.start_session = set.session_running;
    char err[256];
    lull_engine *fresh = lull_engine_create(&cfg, err, sizeof err);
    if (!fresh) {
        engine_slot_release(s->slot);
        log_error("supervisor: cannot rebuild the engine at %u Hz: %s", rate, err);
        return false;
    }
    if (set.preset[0] &&
        !lull_engine_load_preset(fresh, set.preset, 0.0f, NULL, NULL, err, sizeof err))
        log_error("supervisor: cannot reload preset '%s' at %u Hz: %s", set.preset, rate, err);
    if (set.pacer_set)
        lull_engine_set_pacer(fresh, set.pacer_mode, set.pacer_target, err, sizeof err);
    s->slot->engine = fresh;
    engine_slot_release(s->slot);
    lull_engine_destroy(old);
    log_info("supervisor: engine rebuilt at %u Hz, preset '%s'", rate, set.preset);
    return true;
}

/* retry: a later attempt at the connections that failed, logged only when it
 * succeeds (the first attempt logged the failure). */
static void connect_ports(supervisor *s, bool retry)
{
    char err[256] = "";
    size_t made;
    if (s->have_remembered) {
        made = 0;
        for (int side = 0; side < 2; side++)
            for (size_t i = 0; i < s->remembered_count[side]; i++) {
                if (jack_driver_connect_side(s->driver, side, s->remembered[side][i]))
                    made++;
                else if (!err[0])
                    snprintf(err, sizeof err, "cannot restore the connection to %s",
                             s->remembered[side][i]);
            }
    } else if (s->configured_count > 0) {
        const char *list[MAX_REMEMBERED];
        for (size_t i = 0; i < s->configured_count; i++) list[i] = s->configured[i];
        made = jack_driver_connect(s->driver, list, s->configured_count, err, sizeof err);
    } else {
        made = jack_driver_connect_physical(s->driver, err, sizeof err);
    }
    if (!retry) {
        if (err[0]) log_warn("supervisor: %s; retrying for %.0f s", err, CONNECT_RETRY_S);
        log_info("supervisor: %zu output connection(s) made", made);
        s->retry_until = err[0] ? rt_now_s() + CONNECT_RETRY_S : 0.0;
    } else if (!err[0]) {
        log_info("supervisor: %zu output connection(s) made (the ports appeared late)", made);
        s->retry_until = 0.0;
    } else if (rt_now_s() >= s->retry_until) {
        log_warn("supervisor: %s; gave up after %.0f s (lulld plays unconnected)", err,
                 CONNECT_RETRY_S);
        s->retry_until = 0.0;
    }
}

static void snapshot_connections(supervisor *s)
{
    size_t n[2];
    char names[2][MAX_REMEMBERED][128];
    for (int side = 0; side < 2; side++)
        n[side] = jack_driver_connections(s->driver, side, names[side], MAX_REMEMBERED);
    /* A server going away disconnects everything before our shutdown flag is
     * seen: an empty snapshot must not erase what to restore. */
    if (n[0] + n[1] == 0) return;
    memcpy(s->remembered, names, sizeof names);
    s->remembered_count[0] = n[0];
    s->remembered_count[1] = n[1];
    s->have_remembered = true;
}

static bool activate(supervisor *s)
{
    unsigned rate = jack_driver_sample_rate(s->driver);
    lull_engine *e = engine_slot_acquire(s->slot);
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    engine_slot_release(s->slot);
    if (fabs(st.sample_rate - rate) > 0.5 && !rebuild_engine(s, rate))
        return false; /* never run an engine at the wrong rate */

    char err[256];
    e = engine_slot_acquire(s->slot);
    /* After an outage the output stage still holds the old lookahead and an open
     * gate: start again from silence with a fade-in, as at start-up. */
    lull_engine_restart_output(e);
    bool ok = jack_driver_start(s->driver, e, err, sizeof err);
    engine_slot_release(s->slot);
    if (!ok) {
        log_error("supervisor: %s", err);
        return false;
    }
    connect_ports(s, false);
    if (s->retry_until == 0.0) /* a partial set must not replace what to restore */
        snapshot_connections(s);
    atomic_store(&s->rate, rate);
    atomic_store(&s->period, jack_driver_period(s->driver));
    atomic_store(&s->state, JACK_UP);
    log_info("supervisor: jack up: %s at %u Hz, %u frames", s->client_name, rate,
             jack_driver_period(s->driver));
    return true;
}

static void drop_client(supervisor *s)
{
    atomic_fetch_add(&s->xruns_base, jack_driver_xruns(s->driver));
    atomic_store(&s->xruns_now, 0);
    jack_driver_close(s->driver);
    s->driver = NULL;
    atomic_store(&s->state, JACK_DOWN);
    atomic_float_store(&s->load_bits, 0.0f);
}

/* The audio thread can't log: say here when it muted a node for non-finite output. */
static void report_muted_nodes(supervisor *s, uint64_t *seen)
{
    lull_engine_status st;
    lull_engine *e = engine_slot_acquire(s->slot);
    lull_engine_get_status(e, &st);
    engine_slot_release(s->slot);
    if (st.nan_events > *seen)
        log_warn("node \"%s\" produced NaN/Inf and was muted (%llu such events so far)",
                 st.nan_node, (unsigned long long)st.nan_events);
    *seen = st.nan_events;
}

static void *supervise(void *arg)
{
    supervisor *s = arg;
    double backoff = BACKOFF_MIN_S;
    double next_snapshot = 0;
    uint64_t nan_seen = 0;
    bool reported_down = false;
    while (!atomic_load(&s->stop)) {
        if (!s->driver) {
            if (!try_open(s)) {
                if (!reported_down) {
                    log_warn("supervisor: jack down: no JACK server; retrying");
                    reported_down = true;
                }
                for (double waited = 0; waited < backoff && !atomic_load(&s->stop);
                     waited += TICK_S)
                    sleep_s(TICK_S);
                backoff = fmin(backoff * 2.0, BACKOFF_MAX_S);
                continue;
            }
        }
        if (atomic_load(&s->state) == JACK_DOWN) {
            if (!activate(s)) {
                drop_client(s);
                sleep_s(backoff);
                continue;
            }
            reported_down = false;
            backoff = BACKOFF_MIN_S;
        }
        if (jack_driver_is_dead(s->driver)) {
            log_warn("supervisor: jack down: the server shut the client down; reconnecting");
            reported_down = true;
            drop_client(s);
            continue;
        }
        if (jack_driver_sample_rate(s->driver) != atomic_load(&s->rate)) {
            /* The server changed its rate under us (PipeWire can): reconnect, and
             * activate() rebuilds the engine at the new rate. */
            log_warn("supervisor: the server's sample rate changed to %u Hz; restarting",
                     jack_driver_sample_rate(s->driver));
            drop_client(s);
            continue;
        }
        atomic_float_store(&s->load_bits, jack_driver_dsp_load(s->driver));
        float peak = jack_driver_take_peak_load(s->driver);
        if (peak > atomic_float_load(&s->peak_bits)) atomic_float_store(&s->peak_bits, peak);
        atomic_store(&s->xruns_now, jack_driver_xruns(s->driver));
        jack_driver_name_threads(s->driver);
        atomic_store(&s->period, jack_driver_period(s->driver));
        double now = rt_now_s();
        if (now >= next_snapshot) {
            if (s->retry_until > 0.0)
                connect_ports(s, true);
            else
                snapshot_connections(s);
            report_muted_nodes(s, &nan_seen);
            next_snapshot = now + SNAPSHOT_EVERY_S;
        }
        sleep_s(TICK_S);
    }
    return NULL;
}

bool supervisor_start(supervisor *s, char *err, size_t errlen)
{
    int rc = pthread_create(&s->thread, NULL, supervise, s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the supervisor thread: %s", strerror(rc));
        return false;
    }
    s->thread_started = true;
    thread_name_set(s->thread, "supervisor");
    return true;
}

bool supervisor_destroy(supervisor *s)
{
    if (!s) return true;
    atomic_store(&s->stop, true);
    if (s->thread_started) {
        /* The supervisor only sleeps in short steps, but it also calls into libjack,
         * which can block for good around a dying server: once in CI, an
         * integration test's cleanup killed lulld and jackd at once and the
         * supervisor's jack_client_close of the dead client (libjack 1.9.21) waited
         * forever on a lock of libjack's own. lulld exits anyway. (Closing such a
         * client on a thread of its own instead crashed inside libjack.) */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SUPERVISOR_JOIN_S;
        if (pthread_timedjoin_np(s->thread, NULL, &until) != 0) {
            log_error("supervisor: stuck in libjack for %d s at exit; exiting without it",
                      SUPERVISOR_JOIN_S);
            return false; /* its memory goes with the process */
        }
    }
    if (s->driver) jack_driver_close(s->driver);
    free(s);
    return true;
}

void supervisor_audio_status(void *supervisor_ptr, osc_audio_status *out)
{
    supervisor *s = supervisor_ptr;
    bool up = atomic_load(&s->state) == JACK_UP;
    out->jack = up ? "up" : "down";
    out->rate = (int)atomic_load(&s->rate);
    out->period = up ? (int)atomic_load(&s->period) : 0;
    out->dsp_load = up ? atomic_float_load(&s->load_bits) : 0.0f;
    out->xruns = (int)(atomic_load(&s->xruns_base) + atomic_load(&s->xruns_now));
}

float supervisor_take_peak_load(supervisor *s)
{
    return atomic_float_exchange(&s->peak_bits, 0.0f);
}
