/* The JACK driver: one JACK client with a stereo output (out_left, out_right)
 * whose process callback renders the engine. It never starts a server
 * (JackNoStartServer). The supervisor (daemon/supervisor.h) opens, starts and
 * closes it, and re-opens it when the server comes back.
 *
 * Threads: open/start/connect/close from [main] (the supervisor); the getters from
 * any thread (atomics). The process callback calls lull_engine_process and times
 * itself with rt_now_ns(), nothing else. */
#ifndef LULL_DRIVERS_JACK_DRIVER_H
#define LULL_DRIVERS_JACK_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

typedef struct jack_driver jack_driver;

/* [main] Opens the client and registers the ports; does not activate. NULL with a
 * message when no server is reachable or the ports cannot be registered. */
jack_driver *jack_driver_open(const char *client_name, char *err, size_t errlen);
/* [main] The engine must be created at jack_driver_sample_rate(); starts processing. */
bool jack_driver_start(jack_driver *d, lull_engine *engine, char *err, size_t errlen);
/* [main] Deactivates (if the server still lives) and closes the client. */
void jack_driver_close(jack_driver *d);

/* [main] Connects one of our outputs (0 = left, 1 = right) to a port. */
bool jack_driver_connect_side(jack_driver *d, int side, const char *port);
/* [main] Connects out_left to ports[0], out_right to ports[1], then alternating. Returns
 * the number of connections made; `err` names the first one that failed. */
size_t jack_driver_connect(jack_driver *d, const char *const *ports, size_t count, char *err,
                           size_t errlen);
/* [main] Connects to the first two physical playback ports (one port: both sides to it). */
size_t jack_driver_connect_physical(jack_driver *d, char *err, size_t errlen);
/* [main] Current connections of out_left (side 0) or out_right (side 1): up to max port
 * names of up to namelen chars. Returns the count. */
size_t jack_driver_connections(jack_driver *d, int side, char (*names)[128], size_t max);

/* [main] True once the server shut the client down (server gone, or it kicked us). */
bool jack_driver_is_dead(const jack_driver *d);
/* [any] */
uint32_t jack_driver_sample_rate(const jack_driver *d);
/* [any] */
uint32_t jack_driver_period(const jack_driver *d);
/* [any] Smoothed DSP load: time in the process callback, percent of the period. */
float jack_driver_dsp_load(const jack_driver *d);
/* [any] Peak of the smoothed load since the last call (for benchmarks). */
float jack_driver_take_peak_load(jack_driver *d);

/* [main] Names JACK's process thread "audio" (core/thread_name.h) once it has run
 * a period; call it periodically (the supervisor's tick). Cheap after the first
 * success. */
void jack_driver_name_threads(jack_driver *d);
/* [any] */
uint32_t jack_driver_xruns(const jack_driver *d);
/* [any] The full JACK name of our port (side 0 = left, 1 = right). */
const char *jack_driver_port_name(const jack_driver *d, int side);

/* [main] Route libjack's own messages into our log (debug level: a missing server is
 * reported once by the supervisor, not by every failed attempt). */
void jack_driver_quiet_library_messages(void);

#endif
