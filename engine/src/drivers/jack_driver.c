#include "drivers/jack_driver.h"

#include <errno.h>
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic_float.h"
#include "core/log.h"
#include "core/rt.h"
#include "core/thread_name.h"

struct jack_driver {
    jack_client_t *client;
    jack_port_t *out[2];
    lull_engine *engine; /* set before activation, never changed while active */
    bool active;

    atomic_bool dead;
    atomic_uint rate;
    atomic_uint period;
    atomic_uint xruns;
    atomic_uint load_bits; /* smoothed load, float bits */
    atomic_uint peak_bits; /* largest smoothed load since the last take */
    float load_state;      /* audio thread only */
    /* The process thread, published once by itself (a plain pthread_self(), no
     * system call) so that the supervisor can name it from outside. */
    pthread_t process_thread; /* audio thread, before process_seen is set */
    atomic_bool process_seen; /* audio thread sets it once */
    bool process_named;       /* supervisor thread only */
};

/* [audio] Render, then measure: the time spent here over the period. */
static int on_process(jack_nframes_t nframes, void *arg)
{
    jack_driver *d = arg;
    uint64_t t0 = rt_now_ns();
    if (__builtin_expect(!atomic_load_explicit(&d->process_seen, memory_order_relaxed), 0)) {
        d->process_thread = pthread_self();
        atomic_store_explicit(&d->process_seen, true, memory_order_release);
    }
    float *left = jack_port_get_buffer(d->out[0], nframes);
    float *right = jack_port_get_buffer(d->out[1], nframes);
    lull_engine_process(d->engine, left, right, nframes);
    uint64_t t1 = rt_now_ns();

    unsigned rate = atomic_load_explicit(&d->rate, memory_order_relaxed);
    if (rate > 0 && nframes > 0) {
        double period_ns = (double)nframes * 1e9 / rate;
        float load = (float)((double)(t1 - t0) / period_ns * 100.0);
        /* ~0.5 s time constant at 256 frames/48 kHz: steady enough to read. */
        d->load_state += 0.05f * (load - d->load_state);
        atomic_float_store(&d->load_bits, d->load_state);
        if (d->load_state > atomic_float_load(&d->peak_bits))
            atomic_float_store(&d->peak_bits, d->load_state);
    }
    return 0;
}

/* Once on each thread libjack starts for this client (the process thread among
 * them), before any callback: a one-time name for `top -H`; the process thread
 * is renamed "audio" by jack_driver_name_threads once it has run a period. */
static void on_thread_init(void *arg)
{
    (void)arg;
    rt_enable_ftz();
    thread_name_set(pthread_self(), "jack");
}

static int on_buffer_size(jack_nframes_t nframes, void *arg)
{
    jack_driver *d = arg;
    atomic_store(&d->period, nframes);
    return 0;
}

static int on_sample_rate(jack_nframes_t rate, void *arg)
{
    jack_driver *d = arg;
    atomic_store(&d->rate, rate);
    return 0;
}

static int on_xrun(void *arg)
{
    jack_driver *d = arg;
    atomic_fetch_add(&d->xruns, 1);
    return 0;
}

/* libjack forbids almost everything here; setting a flag is all we do. */
static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
    (void)code;
    (void)reason;
    jack_driver *d = arg;
    atomic_store(&d->dead, true);
}

static void on_plain_shutdown(void *arg) { on_shutdown(JackFailure, "", arg); }

static void jack_error_to_log(const char *msg) { log_debug("jack: %s", msg); }

void jack_driver_quiet_library_messages(void)
{
    jack_set_error_function(jack_error_to_log);
    jack_set_info_function(jack_error_to_log);
}

jack_driver *jack_driver_open(const char *client_name, char *err, size_t errlen)
{
    jack_status_t status = 0;
    jack_client_t *client = jack_client_open(client_name, JackNoStartServer, &status);
    if (!client) {
        snprintf(err, errlen, "cannot connect to the JACK server (status 0x%x%s)", (unsigned)status,
                 (status & JackServerFailed) ? ": no server running" : "");
        return NULL;
    }
    jack_driver *d = calloc(1, sizeof *d);
    if (!d) {
        jack_client_close(client);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->client = client;
    atomic_store(&d->rate, jack_get_sample_rate(client));
    atomic_store(&d->period, jack_get_buffer_size(client));
    static const char *const names[2] = {"out_left", "out_right"};
    for (int i = 0; i < 2; i++) {
        d->out[i] = jack_port_register(client, names[i], JACK_DEFAULT_AUDIO_TYPE,
                                       JackPortIsOutput | JackPortIsTerminal, 0);
        if (!d->out[i]) {
            snprintf(err, errlen, "cannot register JACK port %s", names[i]);
            jack_client_close(client);
            free(d);
            return NULL;
        }
    }
    jack_set_process_callback(client, on_process, d);
    jack_set_thread_init_callback(client, on_thread_init, d);
    jack_set_buffer_size_callback(client, on_buffer_size, d);
    jack_set_sample_rate_callback(client, on_sample_rate, d);
    jack_set_xrun_callback(client, on_xrun, d);
    /* Both: JACK2 calls only the info one when both are set, while PipeWire's
     * libjack (0.3.65, Debian 12) calls only the plain one when the PipeWire
     * daemon goes away; with the info one alone lulld never noticed
     * (tests/integration/test_daemon_pipewire.sh). */
    jack_on_shutdown(client, on_plain_shutdown, d);
    jack_on_info_shutdown(client, on_shutdown, d);
    if (strcmp(jack_get_client_name(client), client_name) != 0)
        log_warn("jack: client name '%s' was taken; using '%s'", client_name,
                 jack_get_client_name(client));
    return d;
}

bool jack_driver_start(jack_driver *d, lull_engine *engine, char *err, size_t errlen)
{
    d->engine = engine;
    if (jack_activate(d->client) != 0) {
        snprintf(err, errlen, "cannot activate the JACK client");
        return false;
    }
    d->active = true;
    return true;
}

void jack_driver_close(jack_driver *d)
{
    if (!d) return;
    /* After a server shutdown the client is a zombie: closing it frees libjack's
     * side without talking to the (gone) server. */
    if (d->active && !atomic_load(&d->dead)) jack_deactivate(d->client);
    jack_client_close(d->client);
    free(d);
}

bool jack_driver_connect_side(jack_driver *d, int side, const char *port)
{
    int rc = jack_connect(d->client, jack_port_name(d->out[side & 1]), port);
    return rc == 0 || rc == EEXIST;
}

size_t jack_driver_connect(jack_driver *d, const char *const *ports, size_t count, char *err,
                           size_t errlen)
{
    size_t made = 0;
    bool reported = false;
    for (size_t i = 0; i < count; i++) {
        if (jack_driver_connect_side(d, (int)(i % 2), ports[i])) {
            made++;
        } else if (!reported) {
            snprintf(err, errlen, "cannot connect %s to %s", jack_port_name(d->out[i % 2]),
                     ports[i]);
            reported = true;
        }
    }
    return made;
}

size_t jack_driver_connect_physical(jack_driver *d, char *err, size_t errlen)
{
    const char **ports = jack_get_ports(d->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
                                        JackPortIsPhysical | JackPortIsInput);
    if (!ports || !ports[0]) {
        snprintf(err, errlen, "no physical playback ports");
        if (ports) jack_free(ports);
        return 0;
    }
    const char *pair[2] = {ports[0], ports[1] ? ports[1] : ports[0]};
    size_t made = jack_driver_connect(d, pair, 2, err, errlen);
    jack_free(ports);
    return made;
}

size_t jack_driver_connections(jack_driver *d, int side, char (*names)[128], size_t max)
{
    const char **conns = jack_port_get_all_connections(d->client, d->out[side & 1]);
    size_t n = 0;
    if (!conns) return 0;
    for (; conns[n] && n < max; n++) snprintf(names[n], 128, "%s", conns[n]);
    jack_free(conns);
    return n;
}

bool jack_driver_is_dead(const jack_driver *d) { return atomic_load(&((jack_driver *)d)->dead); }
uint32_t jack_driver_sample_rate(const jack_driver *d)
{
    return atomic_load(&((jack_driver *)d)->rate);
}
uint32_t jack_driver_period(const jack_driver *d)
{
    return atomic_load(&((jack_driver *)d)->period);
}
uint32_t jack_driver_xruns(const jack_driver *d) { return atomic_load(&((jack_driver *)d)->xruns); }

float jack_driver_dsp_load(const jack_driver *d)
{
    return atomic_float_load(&((jack_driver *)d)->load_bits);
}

float jack_driver_take_peak_load(jack_driver *d)
{
    return atomic_float_exchange(&d->peak_bits, 0.0f);
}

const char *jack_driver_port_name(const jack_driver *d, int side)
{
    return jack_port_name(d->out[side & 1]);
}

void jack_driver_name_threads(jack_driver *d)
{
    if (d->process_named || !atomic_load_explicit(&d->process_seen, memory_order_acquire)) return;
    /* libjack calls the thread-init callback on more threads than the process one,
     * so the name is given here, to the thread that actually ran a period. */
    thread_name_set(d->process_thread, "audio");
    d->process_named = true;
}
