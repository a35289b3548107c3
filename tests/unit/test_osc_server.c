/* The OSC control surface over a real UDP socket with a real engine: replies go
 * to the sender, every control error is a /lull/fail naming the problem, sensor
 * samples reach the queue intact (split into fixed-size batches), a full queue
 * drops and counts, subscriptions tick at their interval, and packets from a
 * disallowed address are counted and never answered. */
#include <arpa/inet.h>
#include <lo/lo.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/rt.h"
#include "engine/engine.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"

static int client_fd;
static struct sockaddr_in server_addr;

static void send_msg(const char *path, lo_message m)
{
    char buf[8192];
    size_t len = sizeof buf;
    lo_message_serialise(m, path, buf, &len);
    sendto(client_fd, buf, len, 0, (struct sockaddr *)&server_addr, sizeof server_addr);
    lo_message_free(m);
}

/* The next reply, or NULL after timeout_ms. *path_out points into a static buffer. */
static lo_message receive(int timeout_ms, const char **path_out)
{
    static char buf[65536];
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = recv(client_fd, buf, sizeof buf, 0);
    if (n <= 0) return NULL;
    int result;
    lo_message m = lo_message_deserialise(buf, (size_t)n, &result);
    *path_out = buf;
    return m;
}

static void drain(void)
{
    const char *p;
    lo_message m;
    while ((m = receive(50, &p))) lo_message_free(m);
}

/* Sends and expects one reply on `want`; for /lull/fail, its reason must contain
 * `mention`. Returns the reply (caller frees) or NULL. */
static lo_message expect(const char *want, const char *mention, const char *path, lo_message m)
{
    send_msg(path, m);
    const char *got;
    lo_message r = receive(2000, &got);
    CHECK(r != NULL, "%s: no reply", path);
    if (!r) return NULL;
    CHECK(!strcmp(got, want), "%s: reply %s, expected %s", path, got, want);
    if (mention && lo_message_get_argc(r) >= 2 && lo_message_get_types(r)[1] == 's') {
        const char *reason = (const char *)lo_message_get_argv(r)[1];
        CHECK(strstr(reason, mention) != NULL, "%s: reason '%s' lacks '%s'", path, reason, mention);
    }
    return r;
}

static lo_message msg_f(float f)
{
    lo_message m = lo_message_new();
    lo_message_add_float(m, f);
    return m;
}

static lo_message msg_s(const char *s)
{
    lo_message m = lo_message_new();
    lo_message_add_string(m, s);
    return m;
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

int main(void)
{
    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.sample_rate = 48000;
    ec.threaded = false;
    char err[256];
    lull_engine *e = lull_engine_create(&ec, err, sizeof err);
    CHECK(e != NULL, "engine: %s", err);
    if (!e) return check_finish("test_osc_server");
    engine_slot slot;
    engine_slot_init(&slot, e);
    spsc_queue q;
    spsc_init(&q, 64, sizeof(sensor_msg));

    osc_server_config oc = {.port = 0,
                            .bind = "127.0.0.1",
                            .engine = &slot,
                            .sensor_queue = &q,
                            .audio_status = audio_status};
    net_filter_defaults(&oc.allow);
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return check_finish("test_osc_server");
    CHECK(osc_server_start(s, err, sizeof err), "start: %s", err);

    client_fd = socket(AF_INET, SOCK_DGRAM, 0);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)osc_server_port(s));
    inet_pton(AF_INET, "127.0.0.1", &server_addr.sin_addr);

    /* Status: every contract key, in key/value pairs. */
    lo_message r = expect("/lull/status.reply", NULL, "/lull/status", lo_message_new());
    if (r) {
        const char *keys[] = {"version", "jack",  "rate",   "period", "dsp_load", "xruns", "preset",
                              "tempo",   "pacer", "breath", "heart",  "dropped",  "uptime"};
        const char *types = lo_message_get_types(r);
        lo_arg **argv = lo_message_get_argv(r);
        int argc = lo_message_get_argc(r);
        CHECK(argc % 2 == 0, "odd status length %d", argc);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            bool found = false;
            for (int i = 0; i + 1 < argc; i += 2)
                found |= types[i] == 's' && !strcmp((const char *)argv[i], keys[k]);
            CHECK(found, "status lacks %s", keys[k]);
        }
        lo_message_free(r);
    }

    /* Control failures name the problem; the engine state is untouched. */
    lo_message_free(expect("/lull/fail", "unknown address", "/lull/nothing", lo_message_new()));
    lo_message_free(expect("/lull/fail", "must be a number", "/lull/volume", msg_s("x")));
    lo_message_free(expect("/lull/fail", "not a finite", "/lull/volume", msg_f(NAN)));
    lo_message_free(expect("/lull/fail", "out of range", "/lull/volume", msg_f(500.0f)));
    /* a path is never a name: it matches no file name and no display name */
    lo_message_free(expect("/lull/fail", "no preset is named or displayed as \"../secret\"",
                           "/lull/preset/load", msg_s("../secret")));
    lo_message_free(
        expect("/lull/fail", "control character", "/lull/preset/load", msg_s("bad\nname")));
    /* Preset info: flat key/value pairs with the card's fields. */
    r = expect("/lull/preset/info.reply", NULL, "/lull/preset/info", msg_s("default"));
    if (r) {
        const char *keys[] = {"name", "display_name", "description", "tags"};
        const char *types = lo_message_get_types(r);
        lo_arg **argv = lo_message_get_argv(r);
        int argc = lo_message_get_argc(r);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            bool found = false;
            for (int i = 0; i + 1 < argc; i += 2)
                found |= types[i] == 's' && !strcmp((const char *)argv[i], keys[k]);
            CHECK(found, "preset info lacks %s", keys[k]);
        }
        CHECK(argc >= 2 && !strcmp((const char *)argv[1], "default"), "info names the preset");
        lo_message_free(r);
    }
    lo_message_free(expect("/lull/fail", "no preset is named", "/lull/preset/info", msg_s("nope")));
    /* Without a name: one reply per listed preset. */
    {
        static char names[256][64];
        /* Under the slot's lock: the control thread may be in the catalog too
         * (one [control] caller at a time; ThreadSanitizer found the race). */
        engine_slot_acquire(&slot);
        size_t listed = lull_engine_list_presets(e, names, 256);
        engine_slot_release(&slot);
        send_msg("/lull/preset/info", lo_message_new());
        size_t replies = 0;
        const char *got;
        lo_message m;
        while ((m = receive(300, &got))) {
            replies += !strcmp(got, "/lull/preset/info.reply");
            lo_message_free(m);
        }
        CHECK(listed >= 3 && replies == listed, "%zu info replies for %zu presets", replies,
              listed);
    }
    lo_message_free(expect("/lull/fail", "no_such", "/lull/preset/load", msg_s("no_such")));
    lo_message_free(expect("/lull/fail", "unknown pacer mode", "/lull/pacer/mode", msg_s("x")));
    /* Volume above the cap is clamped, and the reply says what was applied. */
    r = expect("/lull/done", NULL, "/lull/volume", msg_f(30.0f));
    if (r) {
        CHECK(atof((const char *)lo_message_get_argv(r)[1]) <= ec.max_volume_db + 1e-3,
              "volume not clamped: %s", (const char *)lo_message_get_argv(r)[1]);
        lo_message_free(r);
    }

    /* Sensors: never answered; 40 ECG samples arrive as 32 + 8, in order. */
    lo_message m = lo_message_new();
    for (int i = 0; i < 40; i++) lo_message_add_float(m, (float)i * 0.5f);
    send_msg("/lull/bio/ecg", m);
    const char *p;
    r = receive(300, &p);
    CHECK(r == NULL, "a sensor message was answered");
    if (r) lo_message_free(r);
    sensor_msg sm;
    int batches = 0, values = 0;
    bool ordered = true;
    while (spsc_pop(&q, &sm)) {
        CHECK(sm.kind == SENSOR_ECG, "kind %d", sm.kind);
        for (int i = 0; i < sm.count; i++) ordered &= sm.values[i] == (float)(values + i) * 0.5f;
        values += sm.count;
        batches++;
    }
    CHECK(batches == 2 && values == 40 && ordered, "batches %d values %d ordered %d", batches,
          values, ordered);
    send_msg("/lull/bio/resp/rate", msg_f(50.0f));
    usleep(200000);
    CHECK(spsc_pop(&q, &sm) && sm.kind == SENSOR_RATE && sm.signal == SENSOR_RESP &&
              sm.values[0] == 50.0f,
          "rate message");

    /* A full queue drops and counts (capacity 64, nobody consumes here). */
    osc_server_counters before, after;
    osc_server_get_counters(s, &before);
    for (int i = 0; i < 100; i++) send_msg("/lull/bio/hr", msg_f(60.0f));
    usleep(300000);
    osc_server_get_counters(s, &after);
    CHECK(after.sensor_samples - before.sensor_samples == 64, "queued %llu of 100",
          (unsigned long long)(after.sensor_samples - before.sensor_samples));
    CHECK(after.sensor_dropped - before.sensor_dropped == 36, "dropped %llu",
          (unsigned long long)(after.sensor_dropped - before.sensor_dropped));
    while (spsc_pop(&q, &sm)) {
    }

    /* Subscription: /lull/state every 100 ms until unsubscribed. */
    lo_message sub = lo_message_new();
    lo_message_add_int32(sub, 100);
    lo_message_free(expect("/lull/done", NULL, "/lull/subscribe", sub));
    int states = 0;
    double t0 = rt_now_s();
    while (rt_now_s() - t0 < 1.0) {
        r = receive(50, &p);
        if (r) {
            states += !strcmp(p, "/lull/state");
            lo_message_free(r);
        }
    }
    CHECK(states >= 8 && states <= 12, "%d state messages in 1 s at 100 ms", states);
    lo_message_free(expect("/lull/done", NULL, "/lull/unsubscribe", lo_message_new()));
    drain();
    r = receive(400, &p);
    CHECK(r == NULL, "state after unsubscribe");
    if (r) lo_message_free(r);

    /* A bundle of many malformed elements gets one /lull/fail, not one per element
     * (a forged sender must not turn one packet into thousands of replies). */
    drain();
    {
        unsigned char pkt[16 + 200 * 8];
        memcpy(pkt, "#bundle\0\0\0\0\0\0\0\0\1", 16);
        for (int i = 0; i < 200; i++) {
            static const unsigned char element[8] = {0, 0, 0, 4, 0, 0, 0, 0};
            memcpy(pkt + 16 + 8 * i, element, 8);
        }
        sendto(client_fd, pkt, sizeof pkt, 0, (struct sockaddr *)&server_addr, sizeof server_addr);
        int replies = 0;
        const char *reply_path;
        lo_message reply_msg;
        while ((reply_msg = receive(300, &reply_path))) {
            replies++;
            lo_message_free(reply_msg);
        }
        CHECK(replies == 1, "a bundle of 200 bad elements got %d replies", replies);
    }

    /* A disallowed source: counted, never answered, nothing decoded. */
    osc_server_get_counters(s, &before);
    lull_engine_status es_before, es;
    lull_engine_get_status(e, &es_before);
    struct sockaddr_in outsider = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "8.8.8.8", &outsider.sin_addr);
    char pkt[64];
    size_t len = sizeof pkt;
    lo_message st = lo_message_new();
    lo_message_serialise(st, "/lull/session/stop", pkt, &len);
    lo_message_free(st);
    osc_server_handle_datagram(s, pkt, len, (struct sockaddr *)&outsider, sizeof outsider);
    osc_server_get_counters(s, &after);
    CHECK(after.net_dropped == before.net_dropped + 1, "outsider not counted");
    lull_engine_get_status(e, &es);
    CHECK(es.dropped == es_before.dropped && es.session_running == es_before.session_running,
          "an outsider's packet reached the engine");
    /* The same packet from loopback does reach it (the check above can fail). */
    struct sockaddr_in insider = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "127.0.0.1", &insider.sin_addr);
    osc_server_get_counters(s, &before);
    osc_server_handle_datagram(s, pkt, len, (struct sockaddr *)&insider, sizeof insider);
    osc_server_get_counters(s, &after);
    CHECK(after.net_dropped == before.net_dropped, "loopback refused");

    CHECK(osc_name_is_safe("pad_1", err, sizeof err), "pad_1 refused");
    CHECK(!osc_name_is_safe("a/b", err, sizeof err) && !osc_name_is_safe("..", err, sizeof err) &&
              !osc_name_is_safe(".x", err, sizeof err) && !osc_name_is_safe("", err, sizeof err),
          "unsafe names accepted");

    close(client_fd);
    osc_server_destroy(s);
    spsc_destroy(&q);
    engine_slot_destroy(&slot);
    lull_engine_destroy(e);
    return check_finish("test_osc_server");
}
