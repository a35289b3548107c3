/* lulld's OSC control surface: the control thread of docs/design.md.
 *
 * The server owns its UDP socket (IPv6 dual-stack, or the --bind address) and
 * reads every datagram itself with recvfrom, so the sender's address is checked
 * against the allow list BEFORE a single byte is parsed: a disallowed packet is
 * counted and dropped, never decoded and never answered. A sender allowed to
 * send sensors but not to control (by default every non-loopback address: the
 * tablet comes through lull-web) never gets a reply: its control messages are
 * dropped and counted in net_dropped too. Allowed datagrams are
 * decoded with liblo (lo_message_deserialise, which validates the type tags,
 * string padding and lengths), bundles are unpacked here and their messages
 * dispatched at once (timetags are ignored: a scheduled message could outlive the
 * sender check). Replies are serialised with liblo and sent back to the sender's
 * address and port from the same socket.
 *
 * Control addresses answer /lull/done or /lull/fail s:address s:reason; sensor
 * addresses (/lull/bio/...) never answer: valid samples go onto the sensor queue,
 * anything else is dropped and counted. Subscribers get /lull/state every
 * interval from a timer in this thread. */
#ifndef LULL_OSC_OSC_SERVER_H
#define LULL_OSC_OSC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "engine/engine_slot.h"
#include "osc/device_map.h"
#include "osc/net_filter.h"
#include "queue/spsc_queue.h"

typedef struct osc_server osc_server;

/* What the audio side reports for /lull/status (filled by the daemon). */
typedef struct osc_audio_status {
    const char *jack; /* "up", "down" or "offline" */
    int rate;         /* Hz; 0 when unknown */
    int period;       /* frames per JACK period; 0 when unknown */
    float dsp_load;   /* percent of the period */
    int xruns;
} osc_audio_status;

typedef void (*osc_audio_status_fn)(void *ud, osc_audio_status *out);

typedef struct osc_server_config {
    int port;                        /* UDP port (0 = any free port, see osc_server_port) */
    const char *bind;                /* NULL or "" = all interfaces */
    net_filter allow;                /* who may send at all (sensors); copied */
    const net_filter *allow_control; /* who among those may control and subscribe;
                                      copied; NULL = loopback only (the default) */
    engine_slot *engine;             /* shared engine */
    spsc_queue *sensor_queue;        /* of sensor_msg; this server is its only producer */
    osc_audio_status_fn audio_status;
    void *audio_status_ud;
    const device_map *devices; /* NULL or empty: only lull's own addresses; copied */
} osc_server_config;

typedef struct osc_server_counters {
    uint64_t net_dropped;    /* datagrams from disallowed addresses, and control
                                      messages from senders allowed only sensors */
    uint64_t malformed;      /* datagrams liblo could not decode */
    uint64_t failed;         /* control messages answered with /lull/fail */
    uint64_t sensor_samples; /* sensor values queued */
    uint64_t sensor_dropped; /* sensor messages dropped (invalid or queue full) */
} osc_server_counters;

/* [main] Opens the socket. NULL with a message when the port cannot be bound. */
osc_server *osc_server_create(const osc_server_config *c, char *err, size_t errlen);
/* [main] Starts the control thread. */
bool osc_server_start(osc_server *s, char *err, size_t errlen);
/* [main] Stops the thread (within ~50 ms) and closes the socket. */
void osc_server_destroy(osc_server *s);

/* [any] The bound UDP port. */
int osc_server_port(const osc_server *s);
/* [any] Counters (atomic reads). */
void osc_server_get_counters(const osc_server *s, osc_server_counters *out);

/* [control] Handles one datagram as if it arrived from `from` (the receive loop calls this;
 * exposed so that tests can drive the dispatcher without a network). */
void osc_server_handle_datagram(osc_server *s, const void *data, size_t size,
                                const struct sockaddr *from, socklen_t from_len);

/* [control] Checks a preset (or node/parameter) name sent over the network: 1..63
 * chars of [A-Za-z0-9._ -] (core/names.h, NAME_OSC_CHARS), not starting with '.',
 * no "..". False + reason otherwise. */
bool osc_name_is_safe(const char *name, char *why, size_t whylen);

#endif
