/* The sensor sender behind `lull simulate` and `lull replay`, over real UDP on
 * loopback: lull's dialect announces rates and batches 10 samples a message;
 * a device dialect resamples to the map's rate (EmotiBit PPG 125 -> 25 Hz keeps
 * a ramp on its line), plays Mind Monitor one sample per message, converts RR to
 * polar2osc's 1/1024 s units, and refuses an unknown dialect. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lo/lo.h>

#include "check.h"
#include "sim/sensor_sender.h"

#define MAXV 4096

typedef struct inbox {
    int messages;
    char last_path[128];
    char paths[64][128];
    int npaths;
    float values[MAXV];
    int nvalues;
    int max_args;
} inbox;

static float arg_value(char t, const lo_arg *a)
{
    if (t == 'i') {
        int32_t v;
        memcpy(&v, a, sizeof v);
        return (float)v;
    }
    float f;
    memcpy(&f, a, sizeof f);
    return f;
}

static int on_any(const char *path, const char *types, lo_arg **argv, int argc, lo_message m,
                  void *ud)
{
    (void)m;
    inbox *in = ud;
    in->messages++;
    snprintf(in->last_path, sizeof in->last_path, "%s", path);
    int known = 0;
    for (int i = 0; i < in->npaths; i++) known |= !strcmp(in->paths[i], path);
    if (!known && in->npaths < 64) snprintf(in->paths[in->npaths++], 128, "%s", path);
    if (argc > in->max_args) in->max_args = argc;
    for (int i = 0; i < argc && in->nvalues < MAXV; i++) {
        /* Mind Monitor: keep only the infrared channel (index 1). */
        if (argc == 3 && i != 1) continue;
        in->values[in->nvalues++] = arg_value(types[i], argv[i]);
    }
    return 0;
}

static void drain(lo_server srv)
{
    for (int idle = 0; idle < 20;) idle = lo_server_recv_noblock(srv, 5) > 0 ? 0 : idle + 1;
}

static sensor_sender *open_sender(lo_server srv, const char *dialect, const double rates[3])
{
    char target[64], err[512] = "";
    snprintf(target, sizeof target, "127.0.0.1:%d", lo_server_get_port(srv));
    sensor_sender *s = sensor_sender_new(target, dialect, rates, err, sizeof err);
    CHECK(s != NULL, "%s: %s", dialect, err);
    return s;
}

static void test_lull_dialect(lo_server srv, inbox *in)
{
    const double rates[BIO_WAVEFORMS] = {[BIO_ECG] = 250};
    memset(in, 0, sizeof *in);
    sensor_sender *s = open_sender(srv, "lull", rates);
    if (!s) return;
    sensor_sender_announce(s);
    for (int i = 0; i < 95; i++) sensor_sender_sample(s, BIO_ECG, (float)i, i / 250.0);
    sensor_sender_flush(s);
    sensor_sender_rr(s, 812.5f);
    drain(srv);
    CHECK(in->messages == 1 + 10 + 1, "rate + 10 batches + rr: %d messages", in->messages);
    CHECK(in->values[0] == 250.0f, "rate announced first: %g", in->values[0]);
    int ramp = 1;
    for (int i = 0; i < 95; i++) ramp &= in->values[1 + i] == (float)i;
    CHECK(ramp, "samples arrive in order, unchanged");
    CHECK(in->max_args == SENSOR_SENDER_BATCH, "batches of %d", in->max_args);
    CHECK(!strcmp(in->last_path, "/lull/bio/rr") && in->values[96] == 812.5f, "rr sent in ms");
    sensor_sender_free(s);
}

static void test_resample(lo_server srv, inbox *in)
{
    const double rates[BIO_WAVEFORMS] = {[BIO_PPG] = 125, [BIO_ECG] = 250};
    memset(in, 0, sizeof *in);
    sensor_sender *s = open_sender(srv, "emotibit", rates);
    if (!s) return;
    CHECK(!sensor_sender_has(s, BIO_ECG) && sensor_sender_has(s, BIO_PPG) &&
              sensor_sender_rate(s, BIO_PPG) == 25.0,
          "EmotiBit sends PPG at 25 Hz and no ECG");
    for (int i = 0; i < 250; i++) {
        double t = i / 125.0;
        sensor_sender_sample(s, BIO_PPG, (float)(3.0 * t), t);
        sensor_sender_sample(s, BIO_ECG, 1.0f, t);
    }
    sensor_sender_flush(s);
    drain(srv);
    CHECK(in->nvalues == 50, "2 s at 25 Hz: %d samples", in->nvalues);
    double worst = 0;
    for (int k = 0; k < in->nvalues; k++) worst = fmax(worst, fabs(in->values[k] - 3.0 * k / 25.0));
    CHECK(worst < 1e-4, "resampled ramp on its line (worst %.2g)", worst);
    CHECK(in->npaths == 1 && !strcmp(in->paths[0], "/EmotiBit/0/PPG:IR"), "only %s",
          in->npaths ? in->paths[0] : "(nothing)");
    sensor_sender_free(s);
}

static void test_devices(lo_server srv, inbox *in)
{
    const double rates[BIO_WAVEFORMS] = {[BIO_PPG] = 64};
    memset(in, 0, sizeof *in);
    sensor_sender *s = open_sender(srv, "mindmonitor", rates);
    if (s) {
        for (int i = 0; i < 5; i++) sensor_sender_sample(s, BIO_PPG, (float)(i + 1), i / 64.0);
        drain(srv);
        CHECK(in->messages == 5 && in->max_args == 3 && in->values[4] == 5.0f,
              "one 3-channel message per sample: %d messages", in->messages);
        sensor_sender_free(s);
    }
    const double none[BIO_WAVEFORMS] = {0};
    memset(in, 0, sizeof *in);
    s = open_sender(srv, "polar2osc", none);
    if (s) {
        sensor_sender_rr(s, 1000.0f);
        sensor_sender_hr(s, 61.6f);
        drain(srv);
        CHECK(in->messages == 2 && in->values[0] == 1024.0f && in->values[1] == 62.0f,
              "polar2osc: rr %g (1/1024 s), hr %g", in->values[0], in->values[1]);
        sensor_sender_free(s);
    }
    char err[512] = "";
    s = sensor_sender_new("127.0.0.1:9", "fitbit", rates, err, sizeof err);
    CHECK(!s && strstr(err, "unknown dialect \"fitbit\""), "unknown dialect: %s", err);
    sensor_sender_free(s);
    s = sensor_sender_new("127.0.0.1:70000", "lull", rates, err, sizeof err);
    CHECK(!s && strstr(err, "bad port"), "bad port: %s", err);
    sensor_sender_free(s);
}

int main(void)
{
    lo_server srv = lo_server_new_with_proto(NULL, LO_UDP, NULL);
    CHECK(srv != NULL, "a loopback UDP port");
    if (!srv) return check_finish("test_sim_sender");
    inbox in;
    lo_server_add_method(srv, NULL, NULL, on_any, &in);
    test_lull_dialect(srv, &in);
    test_resample(srv, &in);
    test_devices(srv, &in);
    lo_server_free(srv);
    return check_finish("test_sim_sender");
}
