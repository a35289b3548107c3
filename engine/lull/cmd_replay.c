/* `lull replay FILE`: streams a recorded session (WFDB or CSV) to lulld over OSC
 * in real time (x speed), as the sensors would have sent it: each chosen signal
 * in batches at its own rate, in lull's addresses or a device's (--dialect).
 * Invalid samples (NaN) are not sent: the stream pauses there, as a sensor
 * that lost contact would. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "core/rt.h"
#include "records/record.h"
#include "records/record_pick.h"
#include "sim/sensor_sender.h"
#include "stream_pacing.h"

#define STEP_S 0.01

static void usage(FILE *to)
{
    fprintf(to,
            "usage: lull replay FILE [--target HOST:PORT] [--speed X] [--ecg NAME] [--ppg NAME]\n"
            "                   [--resp NAME] [--dialect NAME] [--rate HZ]\n"
            "FILE is a WFDB header (.hea; formats 16 and 212) or a CSV with a header row\n"
            "naming time_s and the signals (without time_s, give --rate). Signals are chosen\n"
            "by name; by default ECG: MLII, II, ECG, MCL1; PPG: PPG, PLETH; respiration:\n"
            "RESP, RSP, RESPIRATION.\n"
            "  --target   where lulld listens (default 127.0.0.1:9000)\n"
            "  --speed    time factor (default 1): at X lulld hears a client living X\n"
            "             times faster (rates announced x X)\n"
            "  --dialect  lull (default) or a device map name/file (see lull simulate)\n");
}

int cmd_replay(int argc, char **argv)
{
    const char *file = NULL, *target = "127.0.0.1:9000", *dialect = "lull";
    const char *names[BIO_WAVEFORMS] = {NULL};
    double speed = 1.0, csv_rate = 0.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (file) {
                fprintf(stderr, "lull replay: one FILE only (\"%s\" and \"%s\")\n", file, a);
                return 2;
            }
            file = a;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v) {
            fprintf(stderr, "lull replay: %s needs a value\n", a);
            return 2;
        }
        char *end;
        if (!strcmp(a, "--target")) {
            target = v;
        } else if (!strcmp(a, "--dialect")) {
            dialect = v;
        } else if (!strcmp(a, "--ecg")) {
            names[BIO_ECG] = v;
        } else if (!strcmp(a, "--ppg")) {
            names[BIO_PPG] = v;
        } else if (!strcmp(a, "--resp")) {
            names[BIO_RESP] = v;
        } else if (!strcmp(a, "--speed")) {
            speed = strtod(v, &end);
            if (end == v || *end || !isfinite(speed) || speed < 0.01 || speed > 1000) {
                fprintf(stderr, "lull replay: --speed must be a number 0.01..1000, got \"%s\"\n",
                        v);
                return 2;
            }
        } else if (!strcmp(a, "--rate")) {
            csv_rate = strtod(v, &end);
            if (end == v || *end || !isfinite(csv_rate) || csv_rate <= 0 || csv_rate > 100000) {
                fprintf(stderr, "lull replay: --rate must be a positive number of Hz, got \"%s\"\n",
                        v);
                return 2;
            }
        } else {
            fprintf(stderr, "lull replay: unknown option \"%s\"\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }
    char err[2048];
    bio_record *rec = NULL;
    if (!bio_record_read(file, csv_rate, &rec, err, sizeof err)) {
        fprintf(stderr, "lull replay: %s\n", err);
        return 1;
    }
    const bio_signal *sig[BIO_WAVEFORMS];
    if (!record_pick_signals(rec, file, names, sig, err, sizeof err)) {
        fprintf(stderr, "lull replay: %s\n", err);
        bio_record_free(rec);
        return 2;
    }
    double rates[BIO_WAVEFORMS] = {0};
    double duration = 0;
    for (int s = 0; s < BIO_WAVEFORMS; s++)
        if (sig[s]) {
            /* --speed compresses time (see lull simulate): rates announced x speed */
            rates[s] = sig[s]->fs * speed;
            duration = fmax(duration, sig[s]->n / sig[s]->fs);
        }
    sensor_sender *tx = sensor_sender_new(target, dialect, rates, err, sizeof err);
    if (!tx) {
        fprintf(stderr, "lull replay: %s\n", err);
        bio_record_free(rec);
        return 2;
    }
    int sent_streams = 0;
    for (int s = 0; s < BIO_WAVEFORMS; s++) {
        if (!sig[s]) continue;
        bool has = sensor_sender_has(tx, (bio_stream)s);
        sent_streams += has;
        fprintf(stderr, "lull replay: %s <- %s (%g Hz)%s\n", record_stream_name((bio_stream)s),
                sig[s]->name, sig[s]->fs,
                has ? "" : ": the dialect has no address for it, skipped");
    }
    if (!sent_streams) {
        fprintf(stderr, "lull replay: dialect %s sends none of the record's signals\n", dialect);
        sensor_sender_free(tx);
        bio_record_free(rec);
        return 2;
    }

    stream_stop_on_signals();
    sensor_sender_announce(tx);
    size_t pos[BIO_WAVEFORMS] = {0};
    bool in_gap = false;
    double wall0 = rt_now_s(), t = 0;
    for (t = STEP_S; !stream_stopped() && t < duration + STEP_S; t += STEP_S) {
        for (int s = 0; s < BIO_WAVEFORMS; s++) {
            if (!sig[s]) continue;
            while (pos[s] < sig[s]->n && pos[s] / sig[s]->fs < t) {
                float x = sig[s]->samples[pos[s]];
                double ts = pos[s] / sig[s]->fs;
                pos[s]++;
                if (!isfinite(x)) {
                    if (!in_gap) sensor_sender_gap(tx);
                    in_gap = true;
                    continue;
                }
                in_gap = false;
                sensor_sender_sample(tx, (bio_stream)s, x, ts / speed);
            }
        }
        stream_sleep_until(wall0 + t / speed);
    }
    sensor_sender_flush(tx);
    sensor_sender_counters c;
    sensor_sender_counters_get(tx, &c);
    fprintf(stderr,
            "lull replay: %s: %.1f of %.1f s sent in %.1f s, %llu messages, %llu send "
            "errors\n",
            file, fmin(t, duration), duration, rt_now_s() - wall0, (unsigned long long)c.messages,
            (unsigned long long)c.errors);
    sensor_sender_free(tx);
    bio_record_free(rec);
    return c.errors && !c.messages ? 1 : 0;
}
