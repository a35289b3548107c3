/* Sends sensor data over OSC the way a device would (`lull simulate`, `lull
 * replay`): lull's own addresses (dialect "lull") or a device's, through its
 * address map (tools/devices/NAME.map, osc/device_map.h).
 *
 * Waveform samples are batched 10 to a message (or one per message when the
 * device sends one sample with several channels, e.g. Mind Monitor), and
 * resampled by linear interpolation when the device's map declares another rate
 * than the source's. Dialect "lull" announces each waveform's rate with
 * /lull/bio/<signal>/rate first; a device's rates come from its map on the
 * receiving side. Streams the device does not send (no rule in its map) are
 * skipped. Single-threaded. */
#ifndef LULL_SIM_SENSOR_SENDER_H
#define LULL_SIM_SENSOR_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lo/lo.h>

#include "bio/bio_pipeline.h"

#define SENSOR_SENDER_BATCH 10

typedef struct sensor_sender sensor_sender;

/* [main] target "HOST:PORT" (or "PORT" for 127.0.0.1; "[v6]:PORT"); dialect "lull" or a
 * map name or file (device_map_path_for); src_rate[s]: the rate samples of stream
 * s are given at (0 = stream not given). NULL with a message on failure. */
sensor_sender *sensor_sender_new(const char *target, const char *dialect,
                                 const double src_rate[BIO_WAVEFORMS], char *err, size_t errlen);
void sensor_sender_free(sensor_sender *s);

/* [main] Send from this server's socket (so that replies, e.g. /lull/state, come back
 * to it); NULL = liblo's own socket. */
void sensor_sender_use_server(sensor_sender *s, lo_server srv);

/* [main] True when the dialect sends this stream / RR / HR. */
bool sensor_sender_has(const sensor_sender *s, bio_stream st);
bool sensor_sender_has_rr(const sensor_sender *s);
bool sensor_sender_has_hr(const sensor_sender *s);
/* [main] The rate the device sends stream st at (Hz). */
double sensor_sender_rate(const sensor_sender *s, bio_stream st);

/* [main] Dialect "lull": sends /lull/bio/<signal>/rate for every stream given. */
void sensor_sender_announce(sensor_sender *s);

/* [main] One waveform sample taken at time t (seconds, increasing per stream). */
void sensor_sender_sample(sensor_sender *s, bio_stream st, float x, double t);
void sensor_sender_rr(sensor_sender *s, float ms);
void sensor_sender_hr(sensor_sender *s, float bpm);
/* [main] Sends what is batched. */
void sensor_sender_flush(sensor_sender *s);
/* [main] The stream stops here (a dropout): flush, and restart resampling afterwards. */
void sensor_sender_gap(sensor_sender *s);
/* [main] Sends a control message to the same target (e.g. /lull/subscribe). */
void sensor_sender_control(sensor_sender *s, const char *path, lo_message m);

typedef struct sensor_sender_counters {
    uint64_t messages, samples, errors;
} sensor_sender_counters;
/* [main] */
void sensor_sender_counters_get(const sensor_sender *s, sensor_sender_counters *out);

#endif
