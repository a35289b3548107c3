/* Large sensor batches (issue 11): a device sending 1-s batches at 1 kHz or more
 * puts thousands of values in one OSC message. Up to SENSOR_MAX_VALUES (8192) are
 * taken whole, in order, split into fixed-size queue batches; one more is dropped
 * whole and counted. Over a real UDP socket with a real engine. */
#include <arpa/inet.h>
#include <lo/lo.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "engine/engine.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"

static int client_fd;
static struct sockaddr_in server_addr;

static void send_values(const char *path, int count)
{
    lo_message m = lo_message_new();
    for (int i = 0; i < count; i++) lo_message_add_float(m, (float)(i % 1000) * 0.001f);
    static char buf[65536];
    size_t len = sizeof buf;
    CHECK(lo_message_serialise(m, path, buf, &len) != NULL, "%d values do not serialise", count);
    ssize_t sent =
        sendto(client_fd, buf, len, 0, (struct sockaddr *)&server_addr, sizeof server_addr);
    CHECK(sent == (ssize_t)len, "sent %zd of %zu bytes", sent, len);
    lo_message_free(m);
}

static void audio_status(void *ud, osc_audio_status *out)
{
    (void)ud;
    out->jack = "offline";
    out->rate = 48000;
    out->period = 0;
    out->dsp_load = 0;
    out->xruns = 0;
}

/* Pops everything; returns the number of values, checking their order. */
static int drain(spsc_queue *q, bool *ordered, int *batches)
{
    sensor_msg sm;
    int values = 0;
    *ordered = true;
    *batches = 0;
    while (spsc_pop(q, &sm)) {
        for (int i = 0; i < sm.count; i++)
            *ordered &= sm.values[i] == (float)((values + i) % 1000) * 0.001f;
        values += sm.count;
        (*batches)++;
    }
    return values;
}

int main(void)
{
    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.sample_rate = 48000;
    ec.threaded = false;
    char err[256];
    lull_engine *e = lull_engine_create(&ec, err, sizeof err);
    CHECK(e != NULL, "engine: %s", err);
    if (!e) return check_finish("test_osc_sensor_batch");
    engine_slot slot;
    engine_slot_init(&slot, e);
    spsc_queue q;
    spsc_init(&q, 1024, sizeof(sensor_msg));
    osc_server_config oc = {.port = 0,
                            .bind = "127.0.0.1",
                            .engine = &slot,
                            .sensor_queue = &q,
                            .audio_status = audio_status};
    net_filter_defaults(&oc.allow);
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return check_finish("test_osc_sensor_batch");
    CHECK(osc_server_start(s, err, sizeof err), "start: %s", err);
    client_fd = socket(AF_INET, SOCK_DGRAM, 0);
    int sndbuf = 1 << 20;
    setsockopt(client_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)osc_server_port(s));
    inet_pton(AF_INET, "127.0.0.1", &server_addr.sin_addr);

    const int sizes[] = {1000, 4096, SENSOR_MAX_VALUES};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        osc_server_counters before, after;
        osc_server_get_counters(s, &before);
        send_values("/lull/bio/ecg", sizes[k]);
        usleep(300000);
        osc_server_get_counters(s, &after);
        bool ordered;
        int batches;
        int got = drain(&q, &ordered, &batches);
        printf(
            "%d ECG values in one message: %d arrived in %d batches, in order %d, dropped %llu\n",
            sizes[k], got, batches, ordered,
            (unsigned long long)(after.sensor_dropped - before.sensor_dropped));
        CHECK(got == sizes[k] && ordered, "%d values: %d arrived", sizes[k], got);
        CHECK(after.sensor_dropped == before.sensor_dropped, "%d values: dropped", sizes[k]);
    }
    /* One more than the limit: dropped whole and counted. */
    osc_server_counters before, after;
    osc_server_get_counters(s, &before);
    send_values("/lull/bio/ecg", SENSOR_MAX_VALUES + 1);
    usleep(300000);
    osc_server_get_counters(s, &after);
    bool ordered;
    int batches;
    int got = drain(&q, &ordered, &batches);
    printf("%d values: %d arrived, dropped %llu\n", SENSOR_MAX_VALUES + 1, got,
           (unsigned long long)(after.sensor_dropped - before.sensor_dropped));
    CHECK(got == 0 && after.sensor_dropped - before.sensor_dropped == 1,
          "over the limit: %d arrived", got);

    osc_server_destroy(s);
    close(client_fd);
    spsc_destroy(&q);
    lull_engine_destroy(e);
    return check_finish("test_osc_sensor_batch");
}
