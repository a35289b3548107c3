/* Device dialects in the daemon's OSC server: with the shipped polar2osc and Mind
 * Monitor maps loaded, a device's own messages are translated (units, argument
 * choice), validated and queued for the biosignal thread exactly like lull's own
 * sensor addresses; the maps' sampling rates are announced up front; a device
 * message that does not fit its rule is dropped and counted, never answered.
 *
 * Then each shipped dialect's message stream (the .osc files in tests/data/devices/, written
 * from the apps' and firmwares' sources by make_fixtures.py: a heart at 75 bpm,
 * breathing at 15/min) is replayed through the server with its map into the
 * biosignal pipeline, the way lulld's bio thread takes the queue, and the
 * signals must arrive with the right rates and values: bitalino-max (one float
 * per message at 1000 Hz), the R-IoT (one 11-int message feeding ECG and
 * respiration), OpenBCI GUI (bpm only, the resent ibi ignored), EmotiBit
 * Oscilloscope (PPG and HR, no BI by default). */
#include <arpa/inet.h>
#include <lo/lo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/bio_pipeline.h"
#include "check.h"
#include "engine/engine_slot.h"
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

/* ---- replaying a dialect's recorded stream -------------------------------- */

typedef struct fixture_msg {
    double t;
    char address[64];
    char types[16];
    double args[16];
} fixture_msg;

typedef struct fixture {
    double loop_s;
    fixture_msg *msgs;
    size_t n;
} fixture;

/* "T ADDRESS TYPES ARG..." lines, "%loop SECONDS", "# comments". */
static bool fixture_load(const char *name, fixture *fx)
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/tests/data/devices/%s", test_env("LULL_SOURCE_DIR"), name);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return false;
    size_t cap = 0;
    *fx = (fixture){0};
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (!strncmp(line, "%loop ", 6)) {
            fx->loop_s = atof(line + 6);
            continue;
        }
        if (fx->n == cap) {
            cap = cap ? cap * 2 : 1024;
            fx->msgs = realloc(fx->msgs, cap * sizeof *fx->msgs);
        }
        fixture_msg *m = &fx->msgs[fx->n];
        int used = 0;
        if (sscanf(line, "%lf %63s %15s %n", &m->t, m->address, m->types, &used) != 3) {
            CHECK(0, "%s:%d: not \"T ADDRESS TYPES ARG...\"", name, lineno);
            ok = false;
            break;
        }
        char *p = line + used;
        for (size_t a = 0; a < strlen(m->types); a++) {
            char *end;
            m->args[a] = strtod(p, &end);
            if (end == p) {
                CHECK(0, "%s:%d: argument %zu missing", name, lineno, a);
                ok = false;
                break;
            }
            p = end;
        }
        fx->n++;
    }
    fclose(f);
    CHECK(!ok || (fx->n > 0 && fx->loop_s > 0), "%s: empty or no %%loop", name);
    return ok && fx->n > 0 && fx->loop_s > 0;
}

static lo_message fixture_message(const fixture_msg *m, int nargs)
{
    lo_message msg = lo_message_new();
    for (int a = 0; a < nargs; a++) {
        if (m->types[a] == 'i')
            lo_message_add_int32(msg, (int32_t)m->args[a]);
        else
            lo_message_add_float(msg, (float)m->args[a]);
    }
    return msg;
}

typedef struct replay_result {
    uint64_t queued[SENSOR_RATE + 1]; /* values queued, per sensor kind */
    float rate[3];                    /* announced rate per waveform kind, 0 none */
    float first[SENSOR_RATE + 1];     /* first value queued per kind */
    float hr_min, hr_max;             /* /lull/bio/hr values queued */
    lull_features f;                  /* pipeline's features at the end */
    bio_pipeline_counters pc;
    osc_server_counters oc;
} replay_result;

/* The bio thread's take(), with the stream's own clock instead of arrival time. */
static void take(bio_pipeline *p, const sensor_msg *m, double t, replay_result *r)
{
    if (m->kind == SENSOR_RATE) {
        r->rate[m->signal] = m->values[0];
        bio_pipeline_set_rate(p,
                              m->signal == SENSOR_ECG   ? BIO_ECG
                              : m->signal == SENSOR_PPG ? BIO_PPG
                                                        : BIO_RESP,
                              m->values[0]);
        return;
    }
    if (r->queued[m->kind] == 0) r->first[m->kind] = m->values[0];
    r->queued[m->kind] += m->count;
    switch (m->kind) {
    case SENSOR_RESP: bio_pipeline_push_samples(p, BIO_RESP, m->values, m->count, t); break;
    case SENSOR_ECG: bio_pipeline_push_samples(p, BIO_ECG, m->values, m->count, t); break;
    case SENSOR_PPG: bio_pipeline_push_samples(p, BIO_PPG, m->values, m->count, t); break;
    case SENSOR_RR: bio_pipeline_push_rr(p, m->values, m->count, t); break;
    case SENSOR_HR:
        r->hr_min = fminf(r->hr_min, m->values[0]);
        r->hr_max = fmaxf(r->hr_max, m->values[0]);
        bio_pipeline_push_hr(p, m->values[0], t);
        break;
    default: break;
    }
}

/* Replays `loops` loops of a fixture through a server that has the map loaded. */
static bool replay(osc_server_config oc, const char *map_name, const char *fixture_name, int loops,
                   replay_result *r)
{
    char err[512], path[1024];
    memset(r, 0, sizeof *r);
    r->hr_min = INFINITY;
    r->hr_max = -INFINITY;
    device_map map;
    device_map_init(&map);
    snprintf(path, sizeof path, "%s/tools/devices/%s", test_env("LULL_SOURCE_DIR"), map_name);
    CHECK(device_map_load(&map, path, err, sizeof err), "%s", err);
    fixture fx;
    if (!fixture_load(fixture_name, &fx)) return false;
    spsc_queue q;
    spsc_init(&q, 64, sizeof(sensor_msg));
    oc.sensor_queue = &q;
    oc.devices = &map;
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    bio_pipeline *p = bio_pipeline_new(NULL);
    if (!s || !p) return false;
    sensor_msg m;
    while (spsc_pop(&q, &m)) /* the map's rates, announced at start */
        take(p, &m, 0.0, r);
    double next_frame = 0.1;
    for (int loop = 0; loop < loops; loop++)
        for (size_t i = 0; i < fx.n; i++) {
            double t = 1.0 + loop * fx.loop_s + fx.msgs[i].t;
            while (t >= next_frame) {
                bio_pipeline_features(p, next_frame, &r->f);
                next_frame += 0.1;
            }
            deliver(s, fx.msgs[i].address,
                    fixture_message(&fx.msgs[i], (int)strlen(fx.msgs[i].types)));
            while (spsc_pop(&q, &m)) take(p, &m, t, r);
        }
    bio_pipeline_features(p, next_frame, &r->f);
    bio_pipeline_counters_get(p, &r->pc);
    osc_server_get_counters(s, &r->oc);
    bio_pipeline_free(p);
    osc_server_destroy(s);
    spsc_destroy(&q);
    free(fx.msgs);
    return true;
}

static void replay_dialects(osc_server_config oc)
{
    replay_result r;
    /* bitalino-max: /A2 and /A3, one float each at 1000 Hz; 0..1023 ADC counts. */
    if (replay(oc, "bitalino.map", "bitalino-max.osc", 15, &r)) {
        printf("bitalino-max: ecg %llu resp %llu samples at %g/%g Hz, heart %.1f bpm "
               "(q %.2f), breath %.1f/min (q %.2f)\n",
               (unsigned long long)r.queued[SENSOR_ECG], (unsigned long long)r.queued[SENSOR_RESP],
               r.rate[SENSOR_ECG], r.rate[SENSOR_RESP], r.f.heart_rate, r.f.heart_quality,
               r.f.breath_rate, r.f.breath_quality);
        CHECK(r.rate[SENSOR_ECG] == 1000.0f && r.rate[SENSOR_RESP] == 1000.0f,
              "bitalino-max rates %g/%g, not 1000 Hz", r.rate[SENSOR_ECG], r.rate[SENSOR_RESP]);
        CHECK(r.queued[SENSOR_ECG] == 60000 && r.queued[SENSOR_RESP] == 60000,
              "bitalino-max: %llu ECG and %llu resp samples queued, not 60000 each",
              (unsigned long long)r.queued[SENSOR_ECG], (unsigned long long)r.queued[SENSOR_RESP]);
        /* ADC 512 is the middle of the range: 0 mV, 0 % */
        CHECK(fabsf(r.first[SENSOR_ECG]) < 0.01f && fabsf(r.first[SENSOR_RESP] - -20.0f) < 0.2f,
              "bitalino-max units: first ECG %g mV (0), resp %g %% (-20)", r.first[SENSOR_ECG],
              r.first[SENSOR_RESP]);
        CHECK(fabsf(r.f.heart_rate - 75.0f) < 2.0f, "bitalino-max heart %.1f bpm, not 75",
              r.f.heart_rate);
        CHECK(fabsf(r.f.breath_rate - 15.0f) < 1.5f, "bitalino-max breath %.1f/min, not 15",
              r.f.breath_rate);
        CHECK(r.oc.sensor_dropped == 0, "bitalino-max: %llu dropped",
              (unsigned long long)r.oc.sensor_dropped);
    }
    /* R-IoT: /0/bitalino, 11 ints, A2 (arg 6) -> ECG and A3 (arg 7) -> resp from
     * the same message, 200 Hz. */
    if (replay(oc, "riot.map", "riot.osc", 15, &r)) {
        printf("riot: ecg %llu resp %llu samples at %g/%g Hz, heart %.1f bpm (q %.2f), "
               "breath %.1f/min (q %.2f)\n",
               (unsigned long long)r.queued[SENSOR_ECG], (unsigned long long)r.queued[SENSOR_RESP],
               r.rate[SENSOR_ECG], r.rate[SENSOR_RESP], r.f.heart_rate, r.f.heart_quality,
               r.f.breath_rate, r.f.breath_quality);
        CHECK(r.rate[SENSOR_ECG] == 200.0f && r.rate[SENSOR_RESP] == 200.0f,
              "riot rates %g/%g, not 200 Hz", r.rate[SENSOR_ECG], r.rate[SENSOR_RESP]);
        CHECK(r.queued[SENSOR_ECG] == 12000 && r.queued[SENSOR_RESP] == 12000,
              "riot: one message must feed both: %llu ECG, %llu resp samples (12000 each)",
              (unsigned long long)r.queued[SENSOR_ECG], (unsigned long long)r.queued[SENSOR_RESP]);
        CHECK(fabsf(r.first[SENSOR_ECG]) < 0.01f && fabsf(r.first[SENSOR_RESP] - -20.0f) < 0.2f,
              "riot units: first ECG %g mV (0), resp %g %% (-20)", r.first[SENSOR_ECG],
              r.first[SENSOR_RESP]);
        CHECK(fabsf(r.f.heart_rate - 75.0f) < 2.0f, "riot heart %.1f bpm, not 75", r.f.heart_rate);
        CHECK(fabsf(r.f.breath_rate - 15.0f) < 1.5f, "riot breath %.1f/min, not 15",
              r.f.breath_rate);
        CHECK(r.oc.sensor_dropped == 0, "riot: %llu dropped",
              (unsigned long long)r.oc.sensor_dropped);
    }
    /* OpenBCI GUI: bpm resent with every update (0 before the second beat,
     * dropped as out of range); ibi is not mapped, so its repeats and its seed
     * of 600 never become beat intervals. */
    if (replay(oc, "openbci.map", "openbci.osc", 2, &r)) {
        printf("openbci: hr %llu values %g..%g, rr %llu, dropped %llu, unmapped (ibi) %llu, "
               "heart %.1f bpm\n",
               (unsigned long long)r.queued[SENSOR_HR], r.hr_min, r.hr_max,
               (unsigned long long)r.queued[SENSOR_RR], (unsigned long long)r.oc.sensor_dropped,
               (unsigned long long)r.oc.failed, r.f.heart_rate);
        CHECK(r.queued[SENSOR_HR] > 0 && r.hr_min == 75.0f && r.hr_max == 75.0f,
              "openbci bpm: %llu values %g..%g, want 75 only",
              (unsigned long long)r.queued[SENSOR_HR], r.hr_min, r.hr_max);
        CHECK(r.queued[SENSOR_RR] == 0 && r.pc.rr_accepted == 0,
              "openbci: %llu intervals queued from the resent ibi",
              (unsigned long long)r.queued[SENSOR_RR]);
        CHECK(r.oc.sensor_dropped > 0, "openbci: bpm 0 (before the second beat) not dropped");
        CHECK(fabsf(r.f.heart_rate - 75.0f) < 1.0f, "openbci heart %.1f bpm, not 75",
              r.f.heart_rate);
    }
    /* EmotiBit Oscilloscope, default settings: PPG:IR at 25 Hz in packets of 2-3,
     * HR; no BI. */
    if (replay(oc, "emotibit.map", "emotibit.osc", 15, &r)) {
        printf("emotibit: ppg %llu samples at %g Hz, hr %llu (%g..%g), rr %llu, heart %.1f bpm "
               "(q %.2f), ppg beats %llu\n",
               (unsigned long long)r.queued[SENSOR_PPG], r.rate[SENSOR_PPG],
               (unsigned long long)r.queued[SENSOR_HR], r.hr_min, r.hr_max,
               (unsigned long long)r.queued[SENSOR_RR], r.f.heart_rate, r.f.heart_quality,
               (unsigned long long)r.pc.beats[BIO_PPG]);
        CHECK(r.rate[SENSOR_PPG] == 25.0f, "emotibit PPG rate %g, not 25 Hz", r.rate[SENSOR_PPG]);
        CHECK(r.queued[SENSOR_PPG] == 1500, "emotibit: %llu PPG samples, not 1500",
              (unsigned long long)r.queued[SENSOR_PPG]);
        CHECK(r.queued[SENSOR_HR] == 75 && r.hr_min == 75.0f && r.hr_max == 75.0f,
              "emotibit HR: %llu values %g..%g", (unsigned long long)r.queued[SENSOR_HR], r.hr_min,
              r.hr_max);
        CHECK(r.queued[SENSOR_RR] == 0, "emotibit: BI is not sent by default");
        /* 60 s at 0.8 s: about 74 pulses, the first few while the detector learns */
        CHECK(r.pc.beats[BIO_PPG] >= 65, "emotibit: %llu PPG beats found in 60 s at 75 bpm",
              (unsigned long long)r.pc.beats[BIO_PPG]);
        CHECK(fabsf(r.f.heart_rate - 75.0f) < 2.0f, "emotibit heart %.1f bpm, not 75",
              r.f.heart_rate);
    }
}

/* A message that does not fit one of its address's rules feeds none of them:
 * an R-IoT message cut to 7 arguments has A2 (argument 6) but not A3. */
static void riot_short_message(osc_server_config oc)
{
    char err[512], path[1024];
    device_map map;
    device_map_init(&map);
    snprintf(path, sizeof path, "%s/tools/devices/riot.map", test_env("LULL_SOURCE_DIR"));
    CHECK(device_map_load(&map, path, err, sizeof err), "%s", err);
    spsc_queue q;
    spsc_init(&q, 64, sizeof(sensor_msg));
    oc.sensor_queue = &q;
    oc.devices = &map;
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return;
    sensor_msg m;
    while (spsc_pop(&q, &m)) {
    }
    lo_message cut = lo_message_new();
    for (int a = 0; a < 7; a++) lo_message_add_int32(cut, 512);
    osc_server_counters before, after;
    osc_server_get_counters(s, &before);
    deliver(s, "/0/bitalino", cut);
    osc_server_get_counters(s, &after);
    CHECK(!spsc_pop(&q, &m), "a cut R-IoT message fed a signal (kind %d)", m.kind);
    CHECK(after.sensor_dropped == before.sensor_dropped + 1,
          "a cut R-IoT message not counted once (%llu)",
          (unsigned long long)(after.sensor_dropped - before.sensor_dropped));
    osc_server_destroy(s);
    spsc_destroy(&q);
}

int main(void)
{
    char err[512], path[1024];
    device_map map;
    device_map_init(&map);
    const char *src = test_env("LULL_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tools/devices/polar2osc.map", src);
    CHECK(device_map_load(&map, path, err, sizeof err), "%s", err);
    snprintf(path, sizeof path, "%s/tools/devices/mindmonitor.map", src);
    CHECK(device_map_load(&map, path, err, sizeof err), "%s", err);

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
    osc_server_config oc = {.port = 0,
                            .bind = "127.0.0.1",
                            .engine = &slot,
                            .sensor_queue = &q,
                            .audio_status = audio_status,
                            .devices = &map};
    net_filter_defaults(&oc.allow);
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return check_finish("test_osc_devices");

    /* Mind Monitor's PPG rate (64 Hz) is announced before anything arrives. */
    sensor_msg m;
    CHECK(spsc_pop(&q, &m) && m.kind == SENSOR_RATE && m.signal == SENSOR_PPG &&
              m.values[0] == 64.0f,
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
    CHECK(after.sensor_dropped == before.sensor_dropped + 2,
          "bad device messages not counted (%llu)",
          (unsigned long long)(after.sensor_dropped - before.sensor_dropped));
    CHECK(!spsc_pop(&q, &m), "a bad device message was queued");

    replay_dialects(oc);
    riot_short_message(oc);

    osc_server_destroy(s);
    spsc_destroy(&q);
    engine_slot_destroy(&slot);
    lull_engine_destroy(e);
    return check_finish("test_osc_devices");
}
