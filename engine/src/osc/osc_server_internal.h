/* The OSC control surface's private parts, shared by its files (one section each):
 *   osc_server.c   the socket and the control thread, datagram and bundle decoding,
 *                  and the address space: one route table, one lookup
 *   osc_args.c     replies (/lull/done, /lull/fail) and argument decoding
 *   osc_control.c  control handlers and /lull/state subscriptions
 *   osc_sensors.c  sensor handlers: lull's own addresses and device maps
 * Everything here runs on the [control] thread (core/threads.h) unless it says
 * otherwise. Not for use outside osc/: the public interface is osc_server.h. */
#ifndef LULL_OSC_OSC_SERVER_INTERNAL_H
#define LULL_OSC_OSC_SERVER_INTERNAL_H

#include <lo/lo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/log_limit.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"
#include "preset/preset_catalog.h"

#define MAX_SUBSCRIBERS 8
/* A subscription lasts this long unless renewed by another /lull/subscribe: a
 * (possibly spoofed) single request cannot start an endless stream. */
#define SUBSCRIPTION_LEASE_S 60.0
#define MAX_BUNDLE_DEPTH 4
#define MAX_DATAGRAM 65536
#define MAX_PRESETS_LISTED 128
#define REPLY_MAX 16384
/* Refused commands are logged at most once per second per reason (the rest counted
 * and summarised): a mistyped command always shows, a flood costs a line a second. */
#define REFUSAL_LOG_INTERVAL_S 1.0
/* Dropped sensor messages, likewise per reason but every 10 s: a device that keeps
 * sending out-of-range values all day should not write a line every second. */
#define SENSOR_DROP_LOG_INTERVAL_S 10.0

typedef struct subscriber {
    struct sockaddr_storage addr;
    socklen_t len;
    unsigned interval_ms;
    double next_s;
    double since_s;   /* to replace the oldest when the table is full */
    double expires_s; /* lease end; renewed by each /lull/subscribe */
    uint32_t seq;     /* /lull/state messages sent since it subscribed */
    bool used;
} subscriber;

/* Each group of fields says which thread owns (writes) it. */
struct osc_server {
    /* [main] set at creation (osc_server_start), read-only after; the socket is
     * read by the control thread and written to by control and worker replies */
    int fd;
    int port;
    net_filter allow;
    net_filter allow_control; /* of `allow`, who may control and subscribe */
    device_map devices;
    engine_slot *engine;
    spsc_queue *sensor_queue;
    osc_audio_status_fn audio_status;
    void *audio_status_ud;

    /* [main] the control thread's lifecycle (start, stop) */
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    /* [control] [worker] atomic: control counts a load in, its done() (worker) out */
    atomic_int pending_loads; /* preset loads whose done() has not run yet */

    subscriber subs[MAX_SUBSCRIBERS]; /* [control] only */
    double started_s;                 /* [main] set at creation */

    /* [control] atomic: read by [any] through osc_server_get_counters */
    atomic_uint_fast64_t net_dropped, malformed, failed, sensor_samples, sensor_dropped;

    /* [control] Scratch for one sensor message's values: a device
     * sending 1-s batches at 1 kHz or more fills thousands of arguments, too many
     * for the thread's stack, and the hot path must not allocate. */
    double sensor_values[SENSOR_MAX_VALUES];
    float device_values[SENSOR_MAX_VALUES];

    /* [control] Scratch for /lull/preset/list and /lull/preset/info:
     * 8 kB of names and a preset_info, too large for the stack of a handler. */
    char preset_names[MAX_PRESETS_LISTED][64];
    preset_info preset_info;

    /* [control] The datagram being read: the largest UDP payload. */
    unsigned char datagram[MAX_DATAGRAM];

    /* [control] Rate-limited log lines (core/log_limit.h). */
    log_limiter refusals;     /* refused control commands and senders */
    log_limiter sensor_drops; /* dropped sensor messages */
};

/* One datagram's sender, for replies. */
typedef struct request {
    osc_server *s;
    const struct sockaddr *from;
    socklen_t from_len;
    double arrival_s;
    unsigned *fail_replies; /* /lull/fail replies sent for this datagram so far */
    bool control_ok;        /* the sender may control, subscribe and get replies */
} request;

/* A control address's handler: answers with osc_send_done or osc_send_fail. */
typedef void (*osc_control_fn)(const request *r, const char *address, const char *types,
                               lo_arg **argv, int argc);

/* One OSC address lull answers to. Control addresses have a handler; sensor
 * addresses (/lull/bio/...) describe what they carry instead. */
typedef struct osc_route {
    const char *path;
    osc_control_fn control; /* NULL for a sensor address */
    enum sensor_kind kind;  /* sensor: what it carries */
    uint8_t signal;         /* sensor: for SENSOR_RATE the waveform kind, else = kind */
    double lo, hi;          /* sensor: valid value range */
    int max_values;         /* sensor: 0 = any count */
} osc_route;

/* ---- osc_server.c: the address space ---- */
/* [any] The route of an address, or NULL when lull has none (a device's address). */
const osc_route *osc_route_find(const char *path);
/* [any] The sensor route that carries `kind` samples (kind == signal), or NULL. */
const osc_route *osc_route_for_sensor(enum sensor_kind kind);

/* ---- osc_args.c: replies and argument decoding ---- */
/* [control] [worker] Serialises m and sends it to `to` from the server's socket
 * (the worker sends a preset load's late reply). */
void osc_send_message_to(osc_server *s, const struct sockaddr *to, socklen_t to_len,
                         const char *path, lo_message m);
/* [control] Sends m to the request's sender when it may get replies; frees m. */
void osc_reply(const request *r, const char *path, lo_message m);
/* [control] Counts, logs (rate limited) and answers /lull/fail s:address s:reason, at most
 * once per datagram. */
void osc_send_fail(const request *r, const char *address, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* [control] Answers /lull/done s:address s:detail. */
void osc_send_done(const request *r, const char *address, const char *detail);
/* [any] "a.b.c.d:port" or "[x::y]:port" for logs, written into buf. */
const char *osc_sender_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);
/* [any] OSC number type tags (f d i h) and their values as double. */
bool osc_is_number_type(char t);
double osc_number_value(char t, const lo_arg *a);
/* [control] Argument checks: true, or false after answering /lull/fail with what was wrong. */
bool osc_arg_number(const request *r, const char *address, const char *types, lo_arg **argv, int i,
                    const char *what, double lo, double hi, double *out);
bool osc_arg_string(const request *r, const char *address, const char *types, lo_arg **argv, int i,
                    const char *what, const char **out);
bool osc_arg_count(const request *r, const char *address, int argc, int min, int max,
                   const char *signature);

/* ---- osc_control.c: control handlers and subscriptions ---- */
/* [control] The control addresses' handlers (osc_control_fn, in the route table). */
void osc_on_status(const request *r, const char *address, const char *types, lo_arg **argv,
                   int argc);
void osc_on_preset_list(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc);
void osc_on_preset_load(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc);
void osc_on_preset_info(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc);
void osc_on_param_set(const request *r, const char *address, const char *types, lo_arg **argv,
                      int argc);
void osc_on_volume(const request *r, const char *address, const char *types, lo_arg **argv,
                   int argc);
void osc_on_session_start(const request *r, const char *address, const char *types, lo_arg **argv,
                          int argc);
void osc_on_session_stop(const request *r, const char *address, const char *types, lo_arg **argv,
                         int argc);
void osc_on_session_mark(const request *r, const char *address, const char *types, lo_arg **argv,
                         int argc);
void osc_on_pacer_mode(const request *r, const char *address, const char *types, lo_arg **argv,
                       int argc);
void osc_on_subscribe(const request *r, const char *address, const char *types, lo_arg **argv,
                      int argc);
void osc_on_unsubscribe(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc);
/* [control] Sends /lull/state to every subscriber that is due; drops expired leases. */
void osc_send_state(osc_server *s, double now);
/* [control] Milliseconds until the next subscriber is due (at most 50: the stop latency). */
int osc_next_timer_ms(const osc_server *s, double now);

/* ---- osc_sensors.c: sensor handlers ---- */
/* [control] Counts, logs (rate limited) and reports to the engine one dropped sensor message. */
void osc_drop_sensor(osc_server *s, const char *path, const char *why);
/* [control] A message to a sensor route: validated and queued for the [bio] thread whole,
 * or dropped whole. Never answered. */
void osc_handle_sensor(const request *r, const osc_route *route, const char *path,
                       const char *types, lo_arg **argv, int argc);
/* [control] A device's own address under the loaded device map; false when no rule knows it. */
bool osc_handle_device(const request *r, const char *path, const char *types, lo_arg **argv,
                       int argc);

#endif
