#include "sim/sensor_sender.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/device_map.h"
#include "records/record_pick.h"

/* Dialect "lull" is the identity map. */
static const char k_lull_map[] = "/lull/bio/resp -> /lull/bio/resp\n"
                                 "/lull/bio/ecg -> /lull/bio/ecg\n"
                                 "/lull/bio/ppg -> /lull/bio/ppg\n"
                                 "/lull/bio/rr -> /lull/bio/rr\n"
                                 "/lull/bio/hr -> /lull/bio/hr\n";

static const enum sensor_kind k_kind[BIO_WAVEFORMS] = {SENSOR_RESP, SENSOR_ECG, SENSOR_PPG};

typedef struct out_stream {
    const device_rule *rule; /* NULL: not sent */
    double src_rate, out_rate;
    bool resample;
    bool have_prev;
    double prev_t, next_t;
    float prev_x;
    float batch[SENSOR_SENDER_BATCH];
    int n;
} out_stream;

struct sensor_sender {
    lo_address addr;
    lo_server server;
    bool lull_dialect;
    device_map map;
    out_stream streams[BIO_WAVEFORMS];
    const device_rule *rr, *hr;
    sensor_sender_counters counters;
};

static lo_address parse_target(const char *target, char *err, size_t errlen)
{
    char host[256] = "127.0.0.1", port[16];
    const char *colon = strrchr(target, ':');
    const char *p = colon ? colon + 1 : target;
    if (colon) {
        const char *h = target;
        size_t hl = (size_t)(colon - target);
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
            h++;
            hl -= 2;
        }
        if (hl == 0 || hl >= sizeof host) {
            snprintf(err, errlen, "bad --target \"%s\" (HOST:PORT)", target);
            return NULL;
        }
        memcpy(host, h, hl);
        host[hl] = '\0';
    }
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || *end || v < 1 || v > 65535) {
        snprintf(err, errlen, "bad port in --target \"%s\" (1..65535)", target);
        return NULL;
    }
    snprintf(port, sizeof port, "%ld", v);
    lo_address a = lo_address_new(host, port);
    if (!a) snprintf(err, errlen, "cannot resolve --target \"%s\"", target);
    return a;
}

sensor_sender *sensor_sender_new(const char *target, const char *dialect,
                                 const double src_rate[BIO_WAVEFORMS], char *err, size_t errlen)
{
    sensor_sender *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    device_map_init(&s->map);
    s->lull_dialect = !strcmp(dialect, "lull");
    bool ok;
    if (s->lull_dialect) {
        ok = device_map_parse(&s->map, k_lull_map, "lull", err, errlen);
    } else {
        char path[1024];
        device_map_path_for(dialect, path, sizeof path);
        bool named = strcmp(path, dialect) != 0;
        FILE *f = named ? fopen(path, "r") : NULL;
        if (named && !f) {
            snprintf(err, errlen,
                     "unknown dialect \"%s\" (lull, a map name in %s such as emotibit, "
                     "mindmonitor, openbci, polar2osc, bitalino, or a FILE.map)",
                     dialect, device_map_dir());
            free(s);
            return NULL;
        }
        if (f) fclose(f);
        ok = device_map_load(&s->map, path, err, errlen);
    }
    if (!ok || !(s->addr = parse_target(target, err, errlen))) {
        free(s);
        return NULL;
    }
    for (int i = 0; i < BIO_WAVEFORMS; i++) {
        out_stream *o = &s->streams[i];
        o->src_rate = src_rate[i];
        if (src_rate[i] <= 0) continue;
        o->rule = device_map_rule_for(&s->map, k_kind[i]);
        o->out_rate = o->rule && o->rule->rate > 0 ? o->rule->rate : src_rate[i];
        o->resample = fabs(o->out_rate - o->src_rate) > 1e-9 * o->src_rate;
    }
    s->rr = device_map_rule_for(&s->map, SENSOR_RR);
    s->hr = device_map_rule_for(&s->map, SENSOR_HR);
    return s;
}

void sensor_sender_free(sensor_sender *s)
{
    if (!s) return;
    lo_address_free(s->addr);
    free(s);
}

void sensor_sender_use_server(sensor_sender *s, lo_server srv) { s->server = srv; }

bool sensor_sender_has(const sensor_sender *s, bio_stream st)
{
    return st < BIO_WAVEFORMS && s->streams[st].rule;
}
bool sensor_sender_has_rr(const sensor_sender *s) { return s->rr; }
bool sensor_sender_has_hr(const sensor_sender *s) { return s->hr; }
double sensor_sender_rate(const sensor_sender *s, bio_stream st) { return s->streams[st].out_rate; }

static void send_msg(sensor_sender *s, const char *path, lo_message m)
{
    if (!m) {
        s->counters.errors++;
        return;
    }
    int rc = s->server ? lo_send_message_from(s->addr, s->server, path, m)
                       : lo_send_message(s->addr, path, m);
    if (rc < 0)
        s->counters.errors++;
    else
        s->counters.messages++;
    lo_message_free(m);
}

void sensor_sender_control(sensor_sender *s, const char *path, lo_message m)
{
    send_msg(s, path, m);
}

void sensor_sender_announce(sensor_sender *s)
{
    if (!s->lull_dialect) return;
    for (int i = 0; i < BIO_WAVEFORMS; i++) {
        if (!s->streams[i].rule) continue;
        char path[64];
        snprintf(path, sizeof path, "/lull/bio/%s/rate", record_stream_name((bio_stream)i));
        lo_message m = lo_message_new();
        lo_message_add_float(m, (float)s->streams[i].out_rate);
        send_msg(s, path, m);
    }
}

static void flush_stream(sensor_sender *s, out_stream *o)
{
    if (!o->n) return;
    send_msg(s, o->rule->address, device_rule_message(o->rule, o->batch, o->n));
    o->n = 0;
}

static void emit(sensor_sender *s, out_stream *o, float x)
{
    s->counters.samples++;
    if (o->rule->arg >= 0) { /* one sample (with its sibling channels) per message */
        send_msg(s, o->rule->address, device_rule_message(o->rule, &x, 1));
        return;
    }
    o->batch[o->n++] = x;
    if (o->n == SENSOR_SENDER_BATCH) flush_stream(s, o);
}

void sensor_sender_sample(sensor_sender *s, bio_stream st, float x, double t)
{
    if (st >= BIO_WAVEFORMS || !s->streams[st].rule) return;
    out_stream *o = &s->streams[st];
    if (!o->resample) {
        emit(s, o, x);
        return;
    }
    if (!o->have_prev) {
        o->have_prev = true;
        o->next_t = t;
    } else {
        double span = t - o->prev_t;
        while (o->next_t <= t) {
            double a = span > 0 ? (o->next_t - o->prev_t) / span : 1.0;
            emit(s, o, (float)(o->prev_x + a * (x - o->prev_x)));
            o->next_t += 1.0 / o->out_rate;
        }
    }
    o->prev_t = t;
    o->prev_x = x;
    if (o->next_t <= t) { /* the first sample itself */
        emit(s, o, x);
        o->next_t += 1.0 / o->out_rate;
    }
}

void sensor_sender_rr(sensor_sender *s, float ms)
{
    if (s->rr) send_msg(s, s->rr->address, device_rule_message(s->rr, &ms, 1));
}

void sensor_sender_hr(sensor_sender *s, float bpm)
{
    if (s->hr) send_msg(s, s->hr->address, device_rule_message(s->hr, &bpm, 1));
}

void sensor_sender_flush(sensor_sender *s)
{
    for (int i = 0; i < BIO_WAVEFORMS; i++)
        if (s->streams[i].rule) flush_stream(s, &s->streams[i]);
}

void sensor_sender_gap(sensor_sender *s)
{
    sensor_sender_flush(s);
    for (int i = 0; i < BIO_WAVEFORMS; i++) s->streams[i].have_prev = false;
}

void sensor_sender_counters_get(const sensor_sender *s, sensor_sender_counters *out)
{
    *out = s->counters;
}
