/* The supervisor keeps lulld's JACK client alive across server restarts.
 *
 * Its thread opens the client (never starting a server), and when the server goes
 * away reports jack "down" and retries with backoff: 0.25 s doubling to 1.5 s (so
 * that, open included, it is back within 2 s of the server's return). When
 * the server returns it re-opens the client, re-registers the ports, restores the
 * connections seen last (or the configured ones), and keeps the current preset.
 * When the server returns at another sample rate it builds a new engine at that
 * rate and reloads the current preset and volume into it.
 *
 * The engine lives in an engine_slot shared with the control and biosignal
 * threads; the swap happens under the slot's lock while no client is active. */
#ifndef LULL_DAEMON_SUPERVISOR_H
#define LULL_DAEMON_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "engine/engine_slot.h"
#include "osc/osc_server.h"

typedef struct supervisor supervisor;

typedef struct supervisor_config {
    const char *client_name;
    const char *const *connect; /* configured ports (NULL/0 = physical playback) */
    size_t connect_count;
    engine_slot *slot;
    /* For rebuilding the engine at a new rate (sample_rate is replaced). The
     * string arrays must stay valid for the supervisor's life. */
    lull_engine_config engine_config;
} supervisor_config;

/* [main] Copies the configuration; does not touch JACK yet. */
supervisor *supervisor_create(const supervisor_config *c);
/* [main] One synchronous attempt to open the client, so that main can create the
 * first engine at the server's rate. Returns the rate, or 0 when no server. */
unsigned supervisor_probe_rate(supervisor *s);
/* [main] Starts the supervising thread (activates the client opened by the probe). */
bool supervisor_start(supervisor *s, char *err, size_t errlen);
/* [main] Stops the thread and closes the client. False when libjack did not let go
 * within a few seconds (a server that died under the client, jack_driver.c): the
 * audio thread may then still run, so the caller must not free the engine and
 * should leave with _exit once its own files are closed. */
bool supervisor_destroy(supervisor *s);

/* [any] For /lull/status. */
void supervisor_audio_status(void *supervisor_ptr, osc_audio_status *out);
/* [any] Smoothed DSP load peak since the last call, percent (benchmarks, logs). */
float supervisor_take_peak_load(supervisor *s);

#endif
