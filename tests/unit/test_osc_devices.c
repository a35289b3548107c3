/* Device dialects in the daemon's OSC server: with the shipped polar2osc and Mind
 * Monitor maps loaded, a device's own messages are translated (units, argument
 * choice), validated and queued for the biosignal thread exactly like lull's own
 * sensor addresses; the maps' sampling rates are announced up front; a device
 * message that does not fit its rule is dropped and counted, never answered. */
#include <arpa/inet.h>
#include <lo/lo.h>
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "daemon/engine_slot.h"
#include "osc/osc_server.h"

static void audio_status(void *ud, osc_audio_status *out) { (void)ud, (void)out; }

static void deliver(osc_server *s, const char *path, lo_message m)
{
    char pkt[512];
    size_t len = sizeof pkt;
    lo_message_serialise(m, path, pkt, &len);
    lo_message_free(m);
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "127.0.0.1", &from.sin_addr);
    osc_server_handle_datagram(s, pkt, len, (struct sockaddr *)&from, sizeof from);
}

int main(void)
{
    char err[512], path[1024];
    device_map map;
    device_map_init(&map);
    const char *src = test_env("LULL_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tools/devices/polar2osc.map", src);
    CHECK(device_map_load(&map, path, err, sizeof err) == 0, "%s", err);
    snprintf(path, sizeof path, "%s/tools/devices/mindmonitor.map", src);
    CHECK(device_map_load(&map, path, err, sizeof err) == 0, "%s", err);

    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.threaded = false;
    lull_engine *e = lull_engine_create(&ec, err, sizeof err);
    CHECK(e != NULL, "engine: %s", err);
    if (!e) return check_finish("test_osc_devices");
    engine_slot slot;
    engine_slot_init(&slot, e);
    spsc_queue q;
    spsc_init(&q, 64, sizeof(sensor_msg));
    osc_server_config oc = {.port = 0, .bind = "127.0.0.1", .engine = &slot, .sensor_queue = &q,
                            .audio_status = audio_status, .devices = &map};
    net_filter_defaults(&oc.allow);
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return check_finish("test_osc_devices");

    /* Mind Monitor's PPG rate (64 Hz) is announced before anything arrives. */
    sensor_msg m;
    CHECK(spsc_pop(&q, &m) && m.kind == SENSOR_RATE && m.signal == SENSOR_PPG && m.values[0] == 64.0f,
          "PPG rate not announced");

    /* polar2osc sends beat intervals in 1/1024 s as integers. */
    lo_message ibi = lo_message_new();
    lo_message_add_int32(ibi, 870);
    deliver(s, "/polar/1/ibi", ibi);
    CHECK(spsc_pop(&q, &m) && m.kind == SENSOR_RR && m.count == 1 &&
              fabsf(m.values[0] - 849.609375f) < 1e-3f,
          "polar ibi 870/1024 s not queued as 849.6 ms (kind %d, %g)", m.kind, m.values[0]);

    /* Mind Monitor: /muse/ppg carries ambient, infrared, red: the map takes arg 1. */
    lo_message ppg = lo_message_new();
    lo_message_add_float(ppg, 11.0f);
    lo_message_add_float(ppg, 2222.0f);
    lo_message_add_float(ppg, 33.0f);
    deliver(s, "/muse/ppg", ppg);
    CHECK(spsc_pop(&q, &m) && m.kind == SENSOR_PPG && m.count == 1 && m.values[0] == 2222.0f,
          "Mind Monitor infrared not picked (kind %d, %g)", m.kind, m.values[0]);

    /* A device message that does not fit its rule, and an absurd interval: dropped
     * and counted, nothing queued. */
    osc_server_counters before, after;
    osc_server_get_counters(s, &before);
    lo_message bad = lo_message_new();
    lo_message_add_float(bad, 1.0f);
    deliver(s, "/muse/ppg", bad);
    lo_message absurd = lo_message_new();
    lo_message_add_int32(absurd, 100000);
    deliver(s, "/polar/1/ibi", absurd);
    osc_server_get_counters(s, &after);
    CHECK(after.sensor_dropped == before.sensor_dropped + 2, "bad device messages not counted (%llu)",
          (unsigned long long)(after.sensor_dropped - before.sensor_dropped));
    CHECK(!spsc_pop(&q, &m), "a bad device message was queued");

    osc_server_destroy(s);
    spsc_destroy(&q);
    engine_slot_destroy(&slot);
    lull_engine_destroy(e);
    return check_finish("test_osc_devices");
}
