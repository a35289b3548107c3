/* The daemon's threads, all at once, in one process (lulld's layout without JACK):
 *   [audio]   a thread rendering 256-frame blocks of a threaded engine,
 *   [worker]  the engine's own worker, building and retiring preset graphs,
 *   [control] the OSC server's thread, fed real UDP datagrams by this test,
 *   [bio]     a thread taking the sensor queue into the biosignal pipeline and
 *             publishing feature frames through the engine slot, as lulld's
 *             bio_thread.c does,
 *   [main]    the client: preset loads, volume, parameters, pacer, status and
 *             sensor batches, as fast as the control thread answers.
 * Its purpose is ThreadSanitizer (ctest -L tsan): every handoff between those
 * threads happens here thousands of times. Without TSan it still checks that the
 * output stays finite, every preset load completes and sensor values arrive. */
#include <arpa/inet.h>
#include <lo/lo.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bio/bio_pipeline.h"
#include "check.h"
#include "core/rt.h"
#include "engine/engine.h"
#include "engine/engine_slot.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"

#define RATE 48000
#define BLOCK 256
#define RUN_SECONDS 4.0

static atomic_bool stop;

/* ---- [audio] ------------------------------------------------------------------- */

typedef struct audio_run {
    lull_engine *e;
    uint64_t blocks, nonfinite;
} audio_run;

static void *audio_thread(void *arg)
{
    audio_run *a = arg;
    float l[BLOCK], r[BLOCK];
    /* Faster than real time (a quarter period's sleep) so more blocks race the
     * other threads, but still yielding the CPU as a JACK callback would. */
    struct timespec nap = {0, (long)(1e9 * BLOCK / RATE / 4)};
    while (!atomic_load(&stop)) {
        lull_engine_process(a->e, l, r, BLOCK);
        for (int i = 0; i < BLOCK; i++)
            if (!isfinite(l[i]) || !isfinite(r[i])) a->nonfinite++;
        a->blocks++;
        nanosleep(&nap, NULL);
    }
    return NULL;
}

/* ---- [bio] --------------------------------------------------------------------- */

typedef struct bio_run {
    spsc_queue *sensors;
    engine_slot *slot;
    bio_pipeline *pipeline;
    uint64_t messages, frames;
} bio_run;

static void *bio_thread(void *arg)
{
    bio_run *b = arg;
    sensor_msg m;
    while (!atomic_load(&stop)) {
        while (spsc_pop(b->sensors, &m)) {
            b->messages++;
            if (m.kind == SENSOR_RESP)
                bio_pipeline_push_samples(b->pipeline, BIO_RESP, m.values, m.count, m.arrival_s);
            else if (m.kind == SENSOR_ECG)
                bio_pipeline_push_samples(b->pipeline, BIO_ECG, m.values, m.count, m.arrival_s);
            else if (m.kind == SENSOR_RR)
                bio_pipeline_push_rr(b->pipeline, m.values, m.count, m.arrival_s);
            else if (m.kind == SENSOR_HR)
                bio_pipeline_push_hr(b->pipeline, m.values[0], m.arrival_s);
        }
        lull_features f;
        bio_pipeline_features(b->pipeline, rt_now_s(), &f);
        lull_engine *e = engine_slot_acquire(b->slot);
        lull_engine_publish_features(e, &f);
        engine_slot_release(b->slot);
        b->frames++;
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    return NULL;
}

/* ---- [main]: the client ---------------------------------------------------------- */

static int client_fd;
static struct sockaddr_in server_addr;

static void send_msg(const char *path, lo_message m)
{
    static char buf[8192];
    size_t len = sizeof buf;
    if (lo_message_serialise(m, path, buf, &len))
        sendto(client_fd, buf, len, 0, (struct sockaddr *)&server_addr, sizeof server_addr);
    lo_message_free(m);
}

typedef struct replies {
    int done_loads, done_other, fails, other;
} replies;

/* Reads every reply that has arrived (waits up to wait_ms for the first). */
static void collect(replies *r, int wait_ms)
{
    static char buf[65536];
    struct timeval tv = {0, wait_ms * 1000};
    setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (;;) {
        ssize_t n = recv(client_fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        int result;
        lo_message m = lo_message_deserialise(buf, (size_t)n, &result);
        if (!m) continue;
        if (!strcmp(buf, "/lull/done")) {
            const char *what = lo_message_get_argc(m) > 0 && lo_message_get_types(m)[0] == 's'
                                   ? (const char *)lo_message_get_argv(m)[0]
                                   : "";
            if (!strcmp(what, "/lull/preset/load"))
                r->done_loads++;
            else
                r->done_other++;
        } else if (!strcmp(buf, "/lull/fail")) {
            r->fails++;
        } else {
            r->other++;
        }
        lo_message_free(m);
        tv.tv_usec = 1000;
        setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
}

static void audio_status(void *ud, osc_audio_status *out)
{
    (void)ud;
    out->jack = "offline";
    out->rate = RATE;
    out->period = BLOCK;
    out->dsp_load = 0;
    out->xruns = 0;
}

int main(void)
{
    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.sample_rate = RATE;
    ec.threaded = true;
    char err[512];
    lull_engine *e = lull_engine_create(&ec, err, sizeof err);
    CHECK(e != NULL, "engine: %s", err);
    if (!e) return check_finish("test_threads_daemon");
    engine_slot slot;
    engine_slot_init(&slot, e);
    spsc_queue sensors;
    CHECK(spsc_init(&sensors, 256, sizeof(sensor_msg)), "sensor queue");

    osc_server_config oc = {.port = 0,
                            .bind = "127.0.0.1",
                            .engine = &slot,
                            .sensor_queue = &sensors,
                            .audio_status = audio_status};
    net_filter_defaults(&oc.allow);
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return check_finish("test_threads_daemon");

    audio_run audio = {.e = e};
    bio_run bio = {.sensors = &sensors, .slot = &slot, .pipeline = bio_pipeline_new(NULL)};
    CHECK(bio.pipeline != NULL, "bio pipeline");
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, audio_thread, &audio) == 0, "audio thread");
    CHECK(pthread_create(&tb, NULL, bio_thread, &bio) == 0, "bio thread");
    CHECK(osc_server_start(s, err, sizeof err), "control thread: %s", err);

    client_fd = socket(AF_INET, SOCK_DGRAM, 0);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)osc_server_port(s));
    inet_pton(AF_INET, "127.0.0.1", &server_addr.sin_addr);

    const char *presets[] = {"default", "drone", "surf", "holding"};
    replies rep = {0};
    int loads = 0, round = 0;
    double t0 = rt_now_s();
    lo_message m = lo_message_new();
    lo_message_add_int32(m, 50);
    send_msg("/lull/subscribe", m);
    while (rt_now_s() - t0 < RUN_SECONDS) {
        /* Every round: sensors and control; every 8th round a preset switch with a
         * short crossfade, so graphs are built, crossfaded and retired meanwhile. */
        m = lo_message_new();
        for (int i = 0; i < 32; i++) lo_message_add_float(m, sinf((float)(round * 32 + i) * 0.01f));
        send_msg("/lull/bio/resp", m);
        m = lo_message_new();
        for (int i = 0; i < 64; i++) lo_message_add_float(m, (i % 50) == 0 ? 1.0f : 0.0f);
        send_msg("/lull/bio/ecg", m);
        m = lo_message_new();
        lo_message_add_float(m, 800.0f + (float)(round % 7) * 20.0f);
        send_msg("/lull/bio/rr", m);
        m = lo_message_new();
        lo_message_add_float(m, -12.0f - (float)(round % 5));
        send_msg("/lull/volume", m);
        m = lo_message_new();
        lo_message_add_string(m, (round & 1) ? "follow" : "guide");
        send_msg("/lull/pacer/mode", m);
        send_msg("/lull/status", lo_message_new());
        /* One load in flight at a time, as a therapist's tablet does (the engine
         * refuses loads beyond its queue: that is not what this test is about). */
        if (round % 8 == 0 && rep.done_loads + rep.fails == loads) {
            m = lo_message_new();
            lo_message_add_string(m, presets[loads % 4]);
            lo_message_add_float(m, 0.05f);
            send_msg("/lull/preset/load", m);
            loads++;
        }
        lull_engine_status st;
        lull_engine *ge = engine_slot_acquire(&slot);
        lull_engine_get_status(ge, &st);
        engine_slot_release(&slot);
        collect(&rep, 5);
        round++;
    }
    /* Let the last load finish before stopping the threads. */
    double t1 = rt_now_s();
    while (rep.done_loads + rep.fails < loads && rt_now_s() - t1 < 10) collect(&rep, 50);
    m = lo_message_new();
    send_msg("/lull/unsubscribe", m);
    collect(&rep, 50);

    atomic_store(&stop, true);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    osc_server_counters c;
    osc_server_get_counters(s, &c);
    osc_server_destroy(s);
    close(client_fd);

    printf("%d rounds in %.1f s: %llu audio blocks (%.1f s of audio), %d/%d preset loads "
           "done, %d other done, %d fail, %d other replies (status/state); %llu sensor "
           "values queued, %llu dropped, %llu sensor messages and %llu feature frames on "
           "the bio thread\n",
           round, rt_now_s() - t0, (unsigned long long)audio.blocks,
           (double)audio.blocks * BLOCK / RATE, rep.done_loads, loads, rep.done_other, rep.fails,
           rep.other, (unsigned long long)c.sensor_samples, (unsigned long long)c.sensor_dropped,
           (unsigned long long)bio.messages, (unsigned long long)bio.frames);
    CHECK(audio.nonfinite == 0, "%llu non-finite output samples",
          (unsigned long long)audio.nonfinite);
    CHECK(audio.blocks > 100, "only %llu audio blocks rendered", (unsigned long long)audio.blocks);
    CHECK(loads >= 2 && rep.done_loads == loads, "%d of %d preset loads answered /lull/done",
          rep.done_loads, loads);
    CHECK(rep.fails == 0, "%d control messages failed", rep.fails);
    CHECK(c.sensor_samples > 0 && bio.messages > 0, "no sensor values reached the bio thread");
    CHECK(rep.other > 0, "no status or state replies");

    bio_pipeline_free(bio.pipeline);
    spsc_destroy(&sensors);
    lull_engine_destroy(e);
    engine_slot_destroy(&slot);
    return check_finish("test_threads_daemon");
}
