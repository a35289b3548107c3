/* `lull simulate`: streams a synthetic client (sim/client_model.h) to lulld over
 * OSC in real time (x speed): respiration, ECG and PPG in batches, an RR
 * interval at each beat, the heart rate each second, in lull's own addresses or
 * a device's (--dialect). The follower profile subscribes to /lull/state from
 * its own port and breathes after the pacer it reports. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <lo/lo.h>

#include "commands.h"
#include "core/rt.h"
#include "sim/client_model.h"
#include "sim/sensor_sender.h"
#include "stream_pacing.h"

#define STEP_S 0.01 /* model time produced between clock checks */

static void usage(FILE *to)
{
    fprintf(to,
            "usage: lull simulate [--target HOST:PORT] [--profile NAME] [--dialect NAME]\n"
            "                     [--speed X] [--seconds N] [--seed N]\n"
            "  --target   where lulld listens (default 127.0.0.1:9000)\n"
            "  --profile  %s (default steady), optionally\n"
            "             with :heart=BPM and/or :breath=RATE (e.g. steady:heart=84)\n"
            "  --dialect  lull (default), emotibit, mindmonitor, openbci, polar2osc,\n"
            "             bitalino, riot, or a FILE.map: send with that device's addresses\n"
            "  --speed    time factor (default 1; the follower needs 1): at X the\n"
            "             client lives X times faster (rates announced x X)\n"
            "  --seconds  simulated seconds to send (default: until interrupted)\n"
            "  --seed     random seed (default 1)\n",
            client_profile_names());
}

typedef struct pacer_listener {
    client_model *model;
    double model_t; /* model time now, for stamping the pacer report */
    int reports;
} pacer_listener;

/* /lull/state: flat key/value pairs; we want pacer (rate) and pacer_phase. */
static int on_state(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg,
                    void *ud)
{
    (void)path;
    (void)msg;
    pacer_listener *l = ud;
    double rate = NAN, phase = NAN;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (types[i] != LO_STRING) continue;
        /* argument pointers are 4-byte aligned only: copy the bytes */
        double v = NAN;
        if (types[i + 1] == LO_FLOAT) {
            float f;
            memcpy(&f, argv[i + 1], sizeof f);
            v = f;
        }
        if (!strcmp(&argv[i]->s, "pacer")) rate = v;
        if (!strcmp(&argv[i]->s, "pacer_phase")) phase = v;
    }
    if (isfinite(rate) && isfinite(phase) && rate > 0) {
        client_model_set_pacer(l->model, l->model_t, rate, phase);
        l->reports++;
    }
    return 0;
}

static int on_other(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg,
                    void *ud)
{
    (void)types, (void)argv, (void)argc, (void)msg, (void)ud;
    if (!strcmp(path, "/lull/fail")) fprintf(stderr, "lull simulate: lulld answered /lull/fail\n");
    return 0;
}

static void on_lo_error(int num, const char *m, const char *where)
{
    fprintf(stderr, "lull simulate: OSC error %d: %s (%s)\n", num, m ? m : "", where ? where : "");
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int cmd_simulate(int argc, char **argv)
{
    const char *target = "127.0.0.1:9000", *profile_name = "steady", *dialect = "lull";
    double speed = 1.0, seconds = 0.0, seed = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!v && a[0] == '-') {
            fprintf(stderr, "lull simulate: %s needs a value\n", a);
            return 2;
        } else if (!strcmp(a, "--target")) {
            target = v;
        } else if (!strcmp(a, "--profile")) {
            profile_name = v;
        } else if (!strcmp(a, "--dialect")) {
            dialect = v;
        } else if (!strcmp(a, "--speed")) {
            if (!parse_double(v, 0.01, 1000.0, &speed)) {
                fprintf(stderr, "lull simulate: --speed must be a number 0.01..1000, got \"%s\"\n",
                        v);
                return 2;
            }
        } else if (!strcmp(a, "--seconds")) {
            if (!parse_double(v, 0.0, 1e7, &seconds)) {
                fprintf(stderr, "lull simulate: --seconds must be a number >= 0, got \"%s\"\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            if (!parse_double(v, 0.0, 1e15, &seed) || seed != floor(seed)) {
                fprintf(stderr, "lull simulate: --seed must be a whole number >= 0, got \"%s\"\n",
                        v);
                return 2;
            }
        } else {
            takes = false;
            fprintf(stderr, "lull simulate: unknown argument \"%s\"\n", a);
            usage(stderr);
            return 2;
        }
        if (takes) i++;
    }
    client_spec spec;
    char why[256];
    if (!client_spec_parse(profile_name, &spec, why, sizeof why)) {
        fprintf(stderr, "lull simulate: %s\n", why);
        return 2;
    }
    client_profile profile = spec.profile;
    if (profile == CLIENT_FOLLOWER && speed != 1.0)
        fprintf(stderr,
                "lull simulate: warning: the follower reads lulld's pacer in real time; "
                "at --speed %g it cannot keep in step\n",
                speed);

    /* --speed compresses time: the stream is what a sensor on a client living X times
     * faster would send in real time (lulld stamps samples on arrival), so every
     * rate is announced X times higher and intervals are X times shorter; a device
     * dialect keeps its own rate and is resampled. */
    const double rates[BIO_WAVEFORMS] = {[BIO_RESP] = CLIENT_RESP_FS * speed,
                                         [BIO_ECG] = CLIENT_ECG_FS * speed,
                                         [BIO_PPG] = CLIENT_PPG_FS * speed};
    char err[1024];
    sensor_sender *tx = sensor_sender_new(target, dialect, rates, err, sizeof err);
    if (!tx) {
        fprintf(stderr, "lull simulate: %s\n", err);
        return 2;
    }
    client_model model;
    client_model_init_spec(&model, &spec, (uint64_t)seed);
    pacer_listener listener = {.model = &model};
    lo_server srv = NULL;
    if (profile == CLIENT_FOLLOWER) {
        srv = lo_server_new(NULL, on_lo_error);
        if (!srv) {
            fprintf(stderr, "lull simulate: cannot open a UDP port for /lull/state\n");
            sensor_sender_free(tx);
            return 1;
        }
        lo_server_add_method(srv, "/lull/state", NULL, on_state, &listener);
        lo_server_add_method(srv, NULL, NULL, on_other, NULL);
        sensor_sender_use_server(tx, srv);
        lo_message m = lo_message_new();
        lo_message_add_int32(m, 100);
        sensor_sender_control(tx, "/lull/subscribe", m);
    }

    stream_stop_on_signals();

    fprintf(stderr, "lull simulate: %s client -> %s (dialect %s, x%g)%s\n", profile_name, target,
            dialect, speed, seconds > 0 ? "" : ", until interrupted");
    sensor_sender_announce(tx);
    double wall0 = rt_now_s(), cpu0 = cpu_seconds();
    double next_hr = 1.0, last_report = 0.0, last_subscribe = rt_now_s();
    bool sending = true;
    client_tick k;
    while (!stream_stopped() && (seconds <= 0 || model.n / CLIENT_ECG_FS < seconds)) {
        double step_end = (model.n / CLIENT_ECG_FS) + STEP_S;
        while (model.n / CLIENT_ECG_FS < step_end - 1e-9) {
            listener.model_t = (model.n + 1) / CLIENT_ECG_FS;
            client_model_tick(&model, &k);
            if (!k.sending) {
                if (sending) sensor_sender_gap(tx);
                sending = false;
                continue;
            }
            sending = true;
            sensor_sender_sample(tx, BIO_ECG, k.ecg, k.t / speed);
            if (k.has_resp) sensor_sender_sample(tx, BIO_RESP, k.resp, k.t / speed);
            if (k.has_ppg) sensor_sender_sample(tx, BIO_PPG, k.ppg, k.t / speed);
            if (k.beat) sensor_sender_rr(tx, (float)(k.rr_ms / speed));
            if (k.t >= next_hr) {
                sensor_sender_hr(tx, (float)(k.heart_rate * speed));
                next_hr += 1.0;
            }
        }
        stream_sleep_until(wall0 + step_end / speed);
        if (srv) {
            while (lo_server_recv_noblock(srv, 0) > 0) {
            }
            /* Subscriptions are leased (60 s): renew well before the lease runs out. */
            if (rt_now_s() - last_subscribe >= 20.0) {
                lo_message m = lo_message_new();
                lo_message_add_int32(m, 100);
                sensor_sender_control(tx, "/lull/subscribe", m);
                last_subscribe = rt_now_s();
            }
        }
        if (model.n / CLIENT_ECG_FS - last_report >= 10.0) {
            last_report = model.n / CLIENT_ECG_FS;
            fprintf(stderr, "lull simulate: t=%.0f s  breath %.1f/min  heart %.0f bpm%s\n",
                    last_report, k.breath_rate, k.heart_rate,
                    srv ? (listener.reports ? "  (following the pacer)" : "  (no pacer heard)")
                        : "");
        }
    }
    sensor_sender_flush(tx);
    if (srv) {
        sensor_sender_control(tx, "/lull/unsubscribe", lo_message_new());
        lo_server_free(srv);
    }
    double wall = rt_now_s() - wall0, cpu = cpu_seconds() - cpu0;
    sensor_sender_counters c;
    sensor_sender_counters_get(tx, &c);
    fprintf(stderr,
            "lull simulate: sent %.1f s of signals in %.1f s: %llu messages, %llu samples, "
            "%llu send errors; CPU %.2f s (%.2f %% of one core)\n",
            model.n / CLIENT_ECG_FS, wall, (unsigned long long)c.messages,
            (unsigned long long)c.samples, (unsigned long long)c.errors, cpu,
            wall > 0 ? 100.0 * cpu / wall : 0.0);
    sensor_sender_free(tx);
    return c.errors && !c.messages ? 1 : 0;
}
