/* Fuzz harness: one UDP datagram through lulld's OSC control surface
 * (engine/src/osc/osc_server, osc_server_handle_datagram) with a real engine
 * (offline mode), the shipped device maps and the sensor queue, as the control
 * thread handles it after recvfrom. Each datagram arrives twice: from loopback
 * (allowed to control) and from a LAN address (sensors only, never answered).
 * Between datagrams the engine renders one block, so queued commands are applied,
 * and the sensor queue is drained, as the audio and biosignal threads would. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "fuzz_support.h"
#include "osc/device_map.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"

static lull_engine *engine;
static engine_slot slot;
static spsc_queue sensors;
static osc_server *server;
static struct sockaddr_in from_loopback, from_lan;
static device_map devices;

static void audio_status(void *ud, osc_audio_status *out)
{
    (void)ud;
    out->jack = "offline";
    out->rate = 48000;
    out->period = 256;
    out->dsp_load = 0;
    out->xruns = 0;
}

/* Replies go to the sender: a bound socket of ours that nobody reads would fill,
 * so the loopback "sender" is a socket we drain. */
static int sink_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[512];
    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.sample_rate = 48000;
    ec.threaded = false;
    ec.plugin_dirs[0] = fuzz_plugin_dir(); /* only these: fuzz_support.h says why */
    engine = lull_engine_create(&ec, err, sizeof err);
    if (!engine) {
        fprintf(stderr, "fuzz_osc: engine: %s\n", err);
        abort();
    }
    engine_slot_init(&slot, engine);
    if (!spsc_init(&sensors, 256, sizeof(sensor_msg))) abort();

    /* The shipped device maps, so device addresses are translated too. */
    device_map_init(&devices);
    const char *dir = device_map_dir();
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".map")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (!device_map_load(&devices, path, err, sizeof err))
            fprintf(stderr, "fuzz_osc: %s (skipped)\n", err);
    }
    if (d) closedir(d);

    osc_server_config oc = {.port = 0,
                            .bind = "127.0.0.1",
                            .engine = &slot,
                            .sensor_queue = &sensors,
                            .audio_status = audio_status,
                            .devices = &devices};
    net_filter_defaults(&oc.allow);
    server = osc_server_create(&oc, err, sizeof err);
    if (!server) {
        fprintf(stderr, "fuzz_osc: server: %s\n", err);
        abort();
    }

    sink_fd = socket(AF_INET, SOCK_DGRAM, 0);
    from_loopback.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &from_loopback.sin_addr);
    if (sink_fd < 0 || bind(sink_fd, (struct sockaddr *)&from_loopback, sizeof from_loopback))
        abort();
    socklen_t len = sizeof from_loopback;
    getsockname(sink_fd, (struct sockaddr *)&from_loopback, &len);
    from_lan.sin_family = AF_INET;
    from_lan.sin_port = htons(9);
    inet_pton(AF_INET, "192.168.1.20", &from_lan.sin_addr);
    return 0;
}

static void settle(void)
{
    float l[64], r[64];
    lull_engine_process(engine, l, r, 64);
    lull_engine_service(engine);
    sensor_msg m;
    while (spsc_pop(&sensors, &m)) {
    }
    char buf[65536];
    while (recv(sink_fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A UDP datagram carries at most 65507 bytes over IPv4. */
    if (size > 65507) return 0;
    osc_server_handle_datagram(server, data, size, (struct sockaddr *)&from_loopback,
                               sizeof from_loopback);
    settle();
    osc_server_handle_datagram(server, data, size, (struct sockaddr *)&from_lan, sizeof from_lan);
    settle();
    return 0;
}
