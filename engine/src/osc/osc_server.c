#include "osc/osc_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <lo/lo.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bio/release_detector.h"
#include "core/log.h"
#include "core/log_limit.h"
#include "core/rt.h"
#include "osc/sensor_msg.h"
#include "preset/preset.h"
#include "session/session_recorder.h"

#define MAX_SUBSCRIBERS 8
/* A subscription lasts this long unless renewed by another /lull/subscribe: a
 * (possibly spoofed) single request cannot start an endless stream. */
#define SUBSCRIPTION_LEASE_S 60.0
#define MAX_BUNDLE_DEPTH 4
#define MAX_DATAGRAM 65536
#define MAX_PRESETS_LISTED 128
#define REPLY_MAX 16384
/* Refused commands are logged at most once per second per reason (the rest counted
 * and summarised): a mistyped command always shows, a flood costs a line a second. */
#define REFUSAL_LOG_INTERVAL_S 1.0
/* Dropped sensor messages, likewise per reason but every 10 s: a device that keeps
 * sending out-of-range values all day should not write a line every second. */
#define SENSOR_DROP_LOG_INTERVAL_S 10.0

typedef struct subscriber {
    struct sockaddr_storage addr;
    socklen_t len;
    unsigned interval_ms;
    double next_s;
    double since_s;          /* to replace the oldest when the table is full */
    double expires_s;        /* lease end; renewed by each /lull/subscribe */
    uint32_t seq;            /* /lull/state messages sent since it subscribed */
    bool used;
} subscriber;

struct osc_server {
    int fd;
    int port;
    net_filter allow;
    net_filter allow_control;    /* of `allow`, who may control and subscribe */
    device_map devices;
    engine_slot *engine;
    spsc_queue *sensor_queue;
    osc_audio_status_fn audio_status;
    void *audio_status_ud;

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_int pending_loads;    /* preset loads whose done() has not run yet */

    subscriber subs[MAX_SUBSCRIBERS];   /* control thread only */
    double started_s;

    atomic_uint_fast64_t net_dropped, malformed, failed, sensor_samples, sensor_dropped;

    /* Scratch for one sensor message's values (control thread only): a device
     * sending 1-s batches at 1 kHz or more fills thousands of arguments, too many
     * for the thread's stack, and the hot path must not allocate. */
    double sensor_values[SENSOR_MAX_VALUES];
    float device_values[SENSOR_MAX_VALUES];

    /* Rate-limited log lines (core/log_limit.h): the control thread's. */
    log_limiter refusals;        /* refused control commands and senders */
    log_limiter sensor_drops;    /* dropped sensor messages */
};

/* One datagram's sender, for replies. */
typedef struct request {
    osc_server *s;
    const struct sockaddr *from;
    socklen_t from_len;
    double arrival_s;
    unsigned *fail_replies;  /* /lull/fail replies sent for this datagram so far */
    bool control_ok;         /* the sender may control, subscribe and get replies */
} request;

/* ---- replies ---------------------------------------------------------------- */

static void send_message_to(osc_server *s, const struct sockaddr *to, socklen_t to_len,
                            const char *path, lo_message m)
{
    char buf[REPLY_MAX];
    size_t len = lo_message_length(m, path);
    if (len == 0 || len > sizeof buf) {
        log_warn("osc: reply %s too large (%zu bytes), not sent", path, len);
        return;
    }
    size_t out_len = len;
    lo_message_serialise(m, path, buf, &out_len);
    if (sendto(s->fd, buf, out_len, MSG_DONTWAIT, to, to_len) < 0)
        log_debug("osc: reply %s not sent: %s", path, strerror(errno));
}

static void reply(const request *r, const char *path, lo_message m)
{
    if (r->control_ok)   /* a sensor-only sender is never answered */
        send_message_to(r->s, r->from, r->from_len, path, m);
    lo_message_free(m);
}

static void send_fail(const request *r, const char *address, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "a.b.c.d:port" or "[x::y]:port" (IPv4-mapped IPv6 shown as IPv4), for logs. */
static const char *sender_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        port = ntohs(v4->sin_port);
        snprintf(buf, n, "%s:%u", host, port);
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        port = ntohs(v6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
            inet_ntop(AF_INET, v6->sin6_addr.s6_addr + 12, host, sizeof host);
            snprintf(buf, n, "%s:%u", host, port);
        } else {
            inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
            snprintf(buf, n, "[%s]:%u", host, port);
        }
    } else {
        snprintf(buf, n, "an unknown address family");
    }
    return buf;
}

static void send_fail(const request *r, const char *address, const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&r->s->failed, 1);
    /* Logged as well as answered: the reply may never be read (oscsend exits before
     * it arrives; a sensor-only sender is not answered at all). One kind per call
     * site's format, so a flood of one mistake cannot hide a different one. */
    char from[INET6_ADDRSTRLEN + 16];
    log_limited(&r->s->refusals, fmt, r->arrival_s, LOG_WARN, "osc: refused %s from %s: %s",
                address[0] ? address : "(no address)", sender_text(r->from, r->from_len, from,
                                                                     sizeof from),
                reason);
    /* One failure reply per datagram: a bundle of thousands of bad elements must
     * not turn one (possibly spoofed) packet into thousands of replies. */
    if ((*r->fail_replies)++ > 0)
        return;
    lo_message m = lo_message_new();
    lo_message_add_string(m, address);
    lo_message_add_string(m, reason);
    reply(r, "/lull/fail", m);
}

static void send_done(const request *r, const char *address, const char *detail)
{
    lo_message m = lo_message_new();
    lo_message_add_string(m, address);
    lo_message_add_string(m, detail);
    reply(r, "/lull/done", m);
}

/* ---- argument checking ----------------------------------------------------- */

static bool is_number_type(char t) { return t == 'f' || t == 'd' || t == 'i' || t == 'h'; }

/* liblo's argument pointers point into the packet at 4-byte offsets, so an 8-byte
 * lo_arg union may sit misaligned: read the bytes, never the union member. */
static double number_value(char t, const lo_arg *a)
{
    float f;
    double d;
    int32_t i;
    int64_t h;
    switch (t) {
    case 'f': memcpy(&f, a, sizeof f); return f;
    case 'd': memcpy(&d, a, sizeof d); return d;
    case 'i': memcpy(&i, a, sizeof i); return i;
    default: memcpy(&h, a, sizeof h); return (double)h;
    }
}

static const char *type_name(char t)
{
    switch (t) {
    case 'f': return "float";
    case 'd': return "double";
    case 'i': return "int";
    case 'h': return "int64";
    case 's': return "string";
    case 'S': return "symbol";
    case 'b': return "blob";
    case 'T': return "true";
    case 'F': return "false";
    case 'N': return "nil";
    case 'I': return "infinitum";
    default: return "unsupported type";
    }
}

/* Expects a number at argument i; fills *out or sends /lull/fail naming the problem. */
static bool arg_number(const request *r, const char *address, const char *types, lo_arg **argv,
                       int i, const char *what, double lo, double hi, double *out)
{
    char t = types[i];
    if (!is_number_type(t)) {
        send_fail(r, address, "argument %d (%s) must be a number, got %s", i + 1, what,
                  type_name(t));
        return false;
    }
    double v = number_value(t, argv[i]);
    if (!isfinite(v)) {
        send_fail(r, address, "argument %d (%s) is not a finite number", i + 1, what);
        return false;
    }
    if (v < lo || v > hi) {
        send_fail(r, address, "argument %d (%s) = %g is out of range %g..%g", i + 1, what, v, lo,
                  hi);
        return false;
    }
    *out = v;
    return true;
}

static bool arg_string(const request *r, const char *address, const char *types, lo_arg **argv,
                       int i, const char *what, const char **out)
{
    if (types[i] != 's' && types[i] != 'S') {
        send_fail(r, address, "argument %d (%s) must be a string, got %s", i + 1, what,
                  type_name(types[i]));
        return false;
    }
    *out = (const char *)argv[i];
    return true;
}

static bool arg_count(const request *r, const char *address, int argc, int min, int max,
                      const char *signature)
{
    if (argc < min || argc > max) {
        send_fail(r, address, "expected arguments %s, got %d argument%s", signature, argc,
                  argc == 1 ? "" : "s");
        return false;
    }
    return true;
}

bool osc_name_is_safe(const char *name, char *why, size_t whylen)
{
    size_t n = strlen(name);
    if (n == 0) {
        snprintf(why, whylen, "empty name");
        return false;
    }
    if (n > 63) {
        snprintf(why, whylen, "name longer than 63 characters");
        return false;
    }
    if (name[0] == '.' || strstr(name, "..")) {
        snprintf(why, whylen, "'%s' is not a plain name (no leading '.' or '..')", name);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-' || c == ' ';
        if (!ok) {
            snprintf(why, whylen, "name contains a forbidden character (0x%02x at %zu)", c, i);
            return false;
        }
    }
    return true;
}

/* ---- control handlers ------------------------------------------------------ */

typedef void (*control_fn)(const request *r, const char *address, const char *types,
                           lo_arg **argv, int argc);

static const char *sensor_state_name(uint8_t state)
{
    switch (state) {
    case LULL_SENSOR_OK: return "ok";
    case LULL_SENSOR_STALE: return "stale";
    default: return "none";
    }
}

static void add_kv_s(lo_message m, const char *k, const char *v)
{
    lo_message_add_string(m, k);
    lo_message_add_string(m, v);
}
static void add_kv_f(lo_message m, const char *k, double v)
{
    lo_message_add_string(m, k);
    lo_message_add_float(m, (float)v);
}
static void add_kv_i(lo_message m, const char *k, int64_t v)
{
    lo_message_add_string(m, k);
    lo_message_add_int32(m, v > INT32_MAX ? INT32_MAX : (int32_t)v);
}

static void on_status(const request *r, const char *address, const char *types, lo_arg **argv,
                      int argc)
{
    if (!arg_count(r, address, argc, 0, 0, "(none)"))
        return;
    osc_server *s = r->s;
    lull_engine_status st;
    lull_engine *e = engine_slot_acquire(s->engine);
    lull_engine_get_status(e, &st);
    engine_slot_release(s->engine);
    osc_audio_status au = {.jack = "down"};
    if (s->audio_status)
        s->audio_status(s->audio_status_ud, &au);
    osc_server_counters c;
    osc_server_get_counters(s, &c);
    int subs = 0;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++)
        subs += s->subs[i].used;

    lo_message m = lo_message_new();
    add_kv_s(m, "version", LULL_VERSION);
    add_kv_s(m, "jack", au.jack);
    add_kv_i(m, "rate", au.rate);
    add_kv_i(m, "period", au.period);
    add_kv_f(m, "dsp_load", au.dsp_load);
    add_kv_i(m, "xruns", au.xruns);
    add_kv_s(m, "preset", st.preset);
    add_kv_f(m, "tempo", st.tempo_bpm);
    add_kv_f(m, "pacer", st.pacer_rate);
    add_kv_s(m, "breath", sensor_state_name(st.features.breath_state));
    add_kv_s(m, "heart", sensor_state_name(st.features.heart_state));
    add_kv_i(m, "dropped", (int64_t)st.dropped);
    add_kv_f(m, "uptime", rt_now_s() - s->started_s);
    /* Beyond the contract's minimum: what a technician needs to diagnose. */
    add_kv_f(m, "volume", st.volume_db);
    add_kv_s(m, "session", st.session_running ? "running" : "stopped");
    add_kv_i(m, "faded_out", st.faded_out);
    add_kv_i(m, "crossfading", st.crossfading);
    add_kv_s(m, "pacer_mode", pacer_mode_name(st.pacer_mode));
    add_kv_f(m, "pacer_phase", st.pacer_phase);
    add_kv_i(m, "nan_events", (int64_t)st.nan_events);
    add_kv_s(m, "nan_node", st.nan_node);
    add_kv_i(m, "net_dropped", (int64_t)c.net_dropped);
    add_kv_i(m, "malformed", (int64_t)c.malformed);
    add_kv_i(m, "sensor_samples", (int64_t)c.sensor_samples);
    add_kv_i(m, "sensor_dropped", (int64_t)c.sensor_dropped);
    add_kv_i(m, "subscribers", subs);
    session_recorder *rec = session_recorder_global();   /* the session store's health */
    session_recorder_status ss = {.state = "off", .session_id = -1};
    if (rec) session_recorder_get_status(rec, &ss);
    add_kv_s(m, "session_db", ss.state);
    add_kv_s(m, "session_db_error", ss.message);
    add_kv_i(m, "session_id", ss.session_id);
    add_kv_i(m, "session_lost", (int64_t)(ss.lost + ss.dropped));
    reply(r, "/lull/status.reply", m);
}

static void on_preset_list(const request *r, const char *address, const char *types,
                           lo_arg **argv, int argc)
{
    if (!arg_count(r, address, argc, 0, 0, "(none)"))
        return;
    static char names[MAX_PRESETS_LISTED][64];   /* control thread only */
    lull_engine *e = engine_slot_acquire(r->s->engine);
    size_t n = lull_engine_list_presets(e, names, MAX_PRESETS_LISTED);
    engine_slot_release(r->s->engine);
    lo_message m = lo_message_new();
    for (size_t i = 0; i < n; i++)
        lo_message_add_string(m, names[i]);
    reply(r, "/lull/preset/list.reply", m);
}

/* A name a client may send for a preset: 1..127 bytes of printable UTF-8 (no
 * control characters). Resolution (file name, else display name) is the engine's. */
static bool display_name_ok(const char *name, char *why, size_t whylen)
{
    size_t n = strlen(name);
    if (n == 0 || n > 127) {
        snprintf(why, whylen, "a preset name has 1 to 127 bytes");
        return false;
    }
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            snprintf(why, whylen, "control character in the name");
            return false;
        }
    return true;
}

static void send_preset_info(const request *r, const preset_info *info)
{
    lo_message m = lo_message_new();
    add_kv_s(m, "name", info->name);
    add_kv_s(m, "display_name", info->display_name);
    add_kv_s(m, "description", info->description);
    char tags[PRESET_INFO_TAGS * 34] = "";
    for (unsigned t = 0; t < info->tag_count; t++) {
        if (t) strcat(tags, ",");
        strcat(tags, info->tags[t]);
    }
    add_kv_s(m, "tags", tags);
    if (isfinite(info->loudness_lufs)) add_kv_f(m, "loudness", info->loudness_lufs);
    reply(r, "/lull/preset/info.reply", m);
}

/* /lull/preset/info s:name -> one reply; with no name, one reply per preset (in
 * name order): the list with what a tablet shows on each card. */
static void on_preset_info(const request *r, const char *address, const char *types,
                           lo_arg **argv, int argc)
{
    const char *name = NULL;
    char why[256];
    if (!arg_count(r, address, argc, 0, 1, "[s:name]") ||
        (argc == 1 && !arg_string(r, address, types, argv, 0, "name", &name)))
        return;
    if (name && !display_name_ok(name, why, sizeof why)) {
        send_fail(r, address, "preset name refused: %s", why);
        return;
    }
    static preset_info info;                         /* control thread only */
    static char names[MAX_PRESETS_LISTED][64];
    lull_engine *e = engine_slot_acquire(r->s->engine);
    if (name) {
        bool ok = lull_engine_preset_info(e, name, &info, why, sizeof why);
        engine_slot_release(r->s->engine);
        if (ok)
            send_preset_info(r, &info);
        else
            send_fail(r, address, "%s", why);
        return;
    }
    size_t n = lull_engine_list_presets(e, names, MAX_PRESETS_LISTED);
    for (size_t i = 0; i < n; i++)
        if (lull_engine_preset_info(e, names[i], &info, why, sizeof why)) send_preset_info(r, &info);
    engine_slot_release(r->s->engine);
}

/* A preset load completes later on the engine's worker thread; the reply goes
 * to the sender recorded here. */
typedef struct pending_load {
    osc_server *s;
    struct sockaddr_storage addr;
    socklen_t len;
} pending_load;

static void on_load_done(void *ud, bool ok, const char *name, const char *message)
{
    pending_load *p = ud;
    lo_message m = lo_message_new();
    lo_message_add_string(m, "/lull/preset/load");
    if (ok) {
        lo_message_add_string(m, name);
        send_message_to(p->s, (struct sockaddr *)&p->addr, p->len, "/lull/done", m);
    } else {
        char reason[256];
        snprintf(reason, sizeof reason, "preset '%s': %s", name, message);
        lo_message_add_string(m, reason);
        atomic_fetch_add(&p->s->failed, 1);
        send_message_to(p->s, (struct sockaddr *)&p->addr, p->len, "/lull/fail", m);
    }
    lo_message_free(m);
    atomic_fetch_sub(&p->s->pending_loads, 1);
    free(p);
}

static void on_preset_load(const request *r, const char *address, const char *types,
                           lo_arg **argv, int argc)
{
    const char *name;
    double xfade = -1.0;
    char why[160];
    if (!arg_count(r, address, argc, 1, 2, "s:name [f:crossfade_seconds]") ||
        !arg_string(r, address, types, argv, 0, "name", &name))
        return;
    if (argc == 2 && !arg_number(r, address, types, argv, 1, "crossfade_seconds", 0.0, 60.0,
                                 &xfade))
        return;
    /* A file name, or a display name the engine finds in its catalog (which only
     * ever yields paths inside the preset directories). */
    if (!display_name_ok(name, why, sizeof why)) {
        send_fail(r, address, "preset name refused: %s", why);
        return;
    }
    pending_load *p = calloc(1, sizeof *p);
    if (!p) {
        send_fail(r, address, "out of memory");
        return;
    }
    p->s = r->s;
    memcpy(&p->addr, r->from, r->from_len);
    p->len = r->from_len;
    atomic_fetch_add(&r->s->pending_loads, 1);
    char err[256] = "";
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool accepted = lull_engine_load_preset(e, name, (float)xfade, on_load_done, p, err, sizeof err);
    engine_slot_release(r->s->engine);
    if (!accepted) {
        atomic_fetch_sub(&r->s->pending_loads, 1);
        free(p);
        send_fail(r, address, "preset '%s': %s", name, err[0] ? err : "refused");
    }
}

static void on_param_set(const request *r, const char *address, const char *types,
                         lo_arg **argv, int argc)
{
    const char *node, *param;
    double value;
    char why[160];
    if (!arg_count(r, address, argc, 3, 3, "s:node s:param f:value") ||
        !arg_string(r, address, types, argv, 0, "node", &node) ||
        !arg_string(r, address, types, argv, 1, "param", &param) ||
        !arg_number(r, address, types, argv, 2, "value", -1e9, 1e9, &value))
        return;
    if (!osc_name_is_safe(node, why, sizeof why) || !osc_name_is_safe(param, why, sizeof why)) {
        send_fail(r, address, "node/param name refused: %s", why);
        return;
    }
    char err[256] = "";
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool ok = lull_engine_set_param(e, node, param, (float)value, err, sizeof err);
    engine_slot_release(r->s->engine);
    if (!ok) {
        send_fail(r, address, "%s", err[0] ? err : "refused");
        return;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "%s.%s", node, param);
    send_done(r, address, detail);
}

static void on_volume(const request *r, const char *address, const char *types, lo_arg **argv,
                      int argc)
{
    double db;
    if (!arg_count(r, address, argc, 1, 1, "f:dB") ||
        !arg_number(r, address, types, argv, 0, "dB", -120.0, 60.0, &db))
        return;
    lull_engine *e = engine_slot_acquire(r->s->engine);
    float applied;
    bool queued = lull_engine_set_volume(e, (float)db, &applied);
    engine_slot_release(r->s->engine);
    if (!queued) {
        send_fail(r, address, "command queue full; dropped");
        return;
    }
    char detail[32];
    snprintf(detail, sizeof detail, "%.2f", (double)applied);
    send_done(r, address, detail);
}

static void on_session(const request *r, const char *address, bool start, int argc)
{
    if (!arg_count(r, address, argc, 0, 0, "(none)"))
        return;
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool queued = lull_engine_session(e, start);
    engine_slot_release(r->s->engine);
    if (queued)
        send_done(r, address, start ? "started" : "stopping");
    else
        send_fail(r, address, "command queue full; dropped");
}

static void on_session_start(const request *r, const char *address, const char *types,
                             lo_arg **argv, int argc)
{
    on_session(r, address, true, argc);
}

static void on_session_stop(const request *r, const char *address, const char *types,
                            lo_arg **argv, int argc)
{
    on_session(r, address, false, argc);
}

/* /lull/session/mark s:word: a therapist's marker, stored with the open session
 * (session/session_recorder.h). A word is 1..63 bytes without control
 * characters; it goes onto the recorder's queue, never to disk from here. */
static void on_session_mark(const request *r, const char *address, const char *types,
                            lo_arg **argv, int argc)
{
    const char *word;
    if (!arg_count(r, address, argc, 1, 1, "s:word") ||
        !arg_string(r, address, types, argv, 0, "word", &word))
        return;
    size_t n = strlen(word);
    if (n == 0 || n >= SESSION_TEXT_MAX) {
        send_fail(r, address, "a mark is 1 to %d bytes, got %zu", SESSION_TEXT_MAX - 1, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)word[i] < 0x20 || word[i] == 0x7f) {
            send_fail(r, address, "control character (0x%02x) at byte %zu of the mark",
                      (unsigned char)word[i], i);
            return;
        }
    session_recorder *rec = session_recorder_global();
    if (!rec) {
        send_fail(r, address, "sessions are not recorded (lulld --session-db off)");
        return;
    }
    if (!session_recorder_mark(rec, session_wall_now(), word)) {
        send_fail(r, address, "session queue full; mark dropped");
        return;
    }
    send_done(r, address, word);
}

static void on_pacer_mode(const request *r, const char *address, const char *types,
                          lo_arg **argv, int argc)
{
    const char *mode_name;
    double target = 0.0;
    if (!arg_count(r, address, argc, 1, 2, "s:off|follow|guide|resonance [f:target]") ||
        !arg_string(r, address, types, argv, 0, "mode", &mode_name))
        return;
    int mode = pacer_mode_parse(mode_name);
    if (mode < 0) {
        send_fail(r, address, "unknown pacer mode (expected off, follow, guide or resonance)");
        return;
    }
    if (argc == 2 && !arg_number(r, address, types, argv, 1, "target breaths/min", 4.0, 20.0,
                                 &target))
        return;
    char err[256] = "";
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool ok = lull_engine_set_pacer(e, (enum pacer_mode)mode, (float)target, err, sizeof err);
    engine_slot_release(r->s->engine);
    if (!ok) {
        send_fail(r, address, "%s", err[0] ? err : "refused");
        return;
    }
    send_done(r, address, pacer_mode_name((enum pacer_mode)mode));
}

static bool same_sender(const subscriber *sub, const struct sockaddr *a, socklen_t len)
{
    return sub->used && sub->len == len && memcmp(&sub->addr, a, len) == 0;
}

static void on_subscribe(const request *r, const char *address, const char *types,
                         lo_arg **argv, int argc)
{
    double interval = 250.0;
    if (!arg_count(r, address, argc, 0, 1, "[i:interval_ms]"))
        return;
    if (argc == 1 &&
        !arg_number(r, address, types, argv, 0, "interval_ms", 20.0, 60000.0, &interval))
        return;
    osc_server *s = r->s;
    subscriber *slot = NULL;
    for (int i = 0; i < MAX_SUBSCRIBERS && !slot; i++)
        if (same_sender(&s->subs[i], r->from, r->from_len))
            slot = &s->subs[i];
    for (int i = 0; i < MAX_SUBSCRIBERS && !slot; i++)
        if (!s->subs[i].used)
            slot = &s->subs[i];
    if (!slot) {   /* full: the oldest subscription makes room (tablets come and go) */
        slot = &s->subs[0];
        for (int i = 1; i < MAX_SUBSCRIBERS; i++)
            if (s->subs[i].since_s < slot->since_s)
                slot = &s->subs[i];
        slot->used = false;
    }
    if (!slot->used) {
        slot->since_s = r->arrival_s;
        slot->seq = 0;
    }
    memcpy(&slot->addr, r->from, r->from_len);
    slot->len = r->from_len;
    slot->interval_ms = (unsigned)interval;
    slot->next_s = r->arrival_s;
    slot->expires_s = r->arrival_s + SUBSCRIPTION_LEASE_S;
    slot->used = true;
    char detail[32];
    snprintf(detail, sizeof detail, "%u", slot->interval_ms);
    send_done(r, address, detail);
}

static void on_unsubscribe(const request *r, const char *address, const char *types,
                           lo_arg **argv, int argc)
{
    if (!arg_count(r, address, argc, 0, 0, "(none)"))
        return;
    bool found = false;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++)
        if (same_sender(&r->s->subs[i], r->from, r->from_len)) {
            r->s->subs[i].used = false;
            found = true;
        }
    if (!found) {
        send_fail(r, address, "this address and port is not subscribed");
        return;
    }
    send_done(r, address, "unsubscribed");
}

static const struct {
    const char *path;
    control_fn fn;
} control_routes[] = {
    {"/lull/status", on_status},
    {"/lull/preset/list", on_preset_list},
    {"/lull/preset/load", on_preset_load},
    {"/lull/preset/info", on_preset_info},
    {"/lull/param/set", on_param_set},
    {"/lull/volume", on_volume},
    {"/lull/session/start", on_session_start},
    {"/lull/session/stop", on_session_stop},
    {"/lull/session/mark", on_session_mark},
    {"/lull/pacer/mode", on_pacer_mode},
    {"/lull/subscribe", on_subscribe},
    {"/lull/unsubscribe", on_unsubscribe},
};

/* ---- sensors ------------------------------------------------------------------ */

static const struct {
    const char *path;
    enum sensor_kind kind;
    uint8_t signal;
    double lo, hi;           /* valid value range */
    int max_values;          /* 0 = any count */
} sensor_routes[] = {
    {"/lull/bio/resp", SENSOR_RESP, SENSOR_RESP, -1e6, 1e6, 0},
    {"/lull/bio/ecg", SENSOR_ECG, SENSOR_ECG, -1e6, 1e6, 0},
    {"/lull/bio/ppg", SENSOR_PPG, SENSOR_PPG, -1e6, 1e6, 0},
    {"/lull/bio/rr", SENSOR_RR, SENSOR_RR, 200.0, 3000.0, 0},       /* 20..300 bpm */
    {"/lull/bio/hr", SENSOR_HR, SENSOR_HR, 20.0, 250.0, 1},
    /* the rates each detector takes (bio/bio_pipeline.c): others are refused here,
     * dropped and counted, not accepted and then ignored */
    {"/lull/bio/resp/rate", SENSOR_RATE, SENSOR_RESP, 4.0, 1000.0, 1},
    {"/lull/bio/ecg/rate", SENSOR_RATE, SENSOR_ECG, 50.0, 10000.0, 1},
    {"/lull/bio/ppg/rate", SENSOR_RATE, SENSOR_PPG, 20.0, 10000.0, 1},
};

static void drop_sensor(osc_server *s, const char *path, const char *why)
{
    atomic_fetch_add(&s->sensor_dropped, 1);
    log_limited(&s->sensor_drops, why, rt_now_s(), LOG_INFO, "osc: sensor message %s dropped: %s",
                path, why);
    lull_engine *e = engine_slot_acquire(s->engine);
    lull_engine_count_drop(e);
    engine_slot_release(s->engine);
}

/* Validates a sensor message's values against its route and queues them for the
 * biosignal thread: taken whole or not at all. */
static void queue_sensor(const request *r, const char *path, size_t route, const double *values,
                         int count)
{
    osc_server *s = r->s;
    if (count == 0 || (sensor_routes[route].max_values && count > sensor_routes[route].max_values)) {
        drop_sensor(s, path, "wrong number of values");
        return;
    }
    for (int i = 0; i < count; i++)
        if (!isfinite(values[i]) || values[i] < sensor_routes[route].lo ||
            values[i] > sensor_routes[route].hi) {
            drop_sensor(s, path, "value non-finite or out of range");
            return;
        }
    /* Whole or not at all: room for every piece first (we are the only producer,
     * so the free space can only grow while we push). */
    size_t pieces = ((size_t)count + SENSOR_MSG_MAX_VALUES - 1) / SENSOR_MSG_MAX_VALUES;
    if (s->sensor_queue->mask + 1 - spsc_count(s->sensor_queue) < pieces) {
        drop_sensor(s, path, "sensor queue full");
        return;
    }
    sensor_msg msg = {.arrival_s = r->arrival_s,
                      .kind = (uint8_t)sensor_routes[route].kind,
                      .signal = sensor_routes[route].signal};
    for (int i = 0; i < count; i += SENSOR_MSG_MAX_VALUES) {
        int n = count - i < SENSOR_MSG_MAX_VALUES ? count - i : SENSOR_MSG_MAX_VALUES;
        msg.count = (uint16_t)n;
        msg.following = (uint32_t)(count - i - n);
        for (int k = 0; k < n; k++)
            msg.values[k] = (float)values[i + k];
        if (!spsc_push(s->sensor_queue, &msg)) {
            drop_sensor(s, path, "sensor queue full");
            return;
        }
        atomic_fetch_add(&s->sensor_samples, (uint64_t)n);
    }
}

static void handle_sensor(const request *r, const char *path, const char *types, lo_arg **argv,
                          int argc)
{
    size_t route = SIZE_MAX;
    for (size_t i = 0; i < sizeof sensor_routes / sizeof sensor_routes[0]; i++)
        if (!strcmp(path, sensor_routes[i].path))
            route = i;
    if (route == SIZE_MAX) {
        drop_sensor(r->s, path, "unknown sensor address");
        return;
    }
    if (argc > SENSOR_MAX_VALUES) {
        drop_sensor(r->s, path, "too many values in one message (more than " SENSOR_MAX_VALUES_TEXT ")");
        return;
    }
    double *values = r->s->sensor_values;
    for (int i = 0; i < argc; i++) {
        if (!is_number_type(types[i])) {
            drop_sensor(r->s, path, "non-numeric value");
            return;
        }
        values[i] = number_value(types[i], argv[i]);
    }
    queue_sensor(r, path, route, values, argc);
}

/* A device's own address under a loaded device map: translated, then validated
 * and queued like lull's own sensor messages. An address may feed several
 * signals (one map rule per argument): the message is taken whole or dropped
 * whole. Devices never get replies. Returns false when no map rule knows the
 * address. */
static bool handle_device(const request *r, const char *path, const char *types, lo_arg **argv,
                          int argc)
{
    if (r->s->devices.n == 0)
        return false;
    float *v = r->s->device_values;
    device_output outs[DEVICE_MAP_MAX_RULES];
    const char *why = "";
    int nout = device_map_translate_all(&r->s->devices, path, types, argv, argc, v,
                                        SENSOR_MAX_VALUES, outs, DEVICE_MAP_MAX_RULES, &why, NULL);
    if (nout == 0)
        return false;
    if (nout < 0) {
        drop_sensor(r->s, path, why);
        return true;
    }
    for (int o = 0; o < nout; o++) {
        size_t route = SIZE_MAX;
        for (size_t i = 0; i < sizeof sensor_routes / sizeof sensor_routes[0]; i++)
            if (sensor_routes[i].kind == outs[o].kind && sensor_routes[i].signal == outs[o].kind)
                route = i;
        if (route == SIZE_MAX) {
            drop_sensor(r->s, path, "the map sends it to no sensor lull reads");
            continue;
        }
        double *values = r->s->sensor_values;
        for (int i = 0; i < outs[o].count; i++)
            values[i] = v[outs[o].first + i];
        queue_sensor(r, path, route, values, outs[o].count);
    }
    return true;
}

/* ---- decoding --------------------------------------------------------------- */

static bool is_sensor_path(const char *path) { return !strncmp(path, "/lull/bio/", 10); }

static const char *lo_error_name(int code)
{
    switch (code) {
    case LO_ESIZE: return "bad size";
    case LO_EINVALIDPATH: return "invalid address";
    case LO_ENOTYPE: return "missing type tags";
    case LO_EINVALIDTYPE: return "invalid type tag";
    case LO_EBADTYPE: return "unsupported type tag";
    case LO_EINVALIDARG: return "invalid argument";
    case LO_ETERM: return "unterminated string";
    case LO_EPAD: return "bad string padding";
    case LO_EINVALIDBUND: return "invalid bundle";
    default: return "undecodable";
    }
}

static void handle_message(const request *r, const unsigned char *data, size_t size)
{
    osc_server *s = r->s;
    /* The address, when there is a terminated one, lets the failure name it. */
    const char *path = NULL;
    if (size > 0 && data[0] == '/' && memchr(data, '\0', size))
        path = (const char *)data;

    int result = 0;
    lo_message m = NULL;
    if (size >= 4 && size % 4 == 0)
        m = lo_message_deserialise((void *)data, size, &result);
    else
        result = LO_ESIZE;
    if (!m) {
        atomic_fetch_add(&s->malformed, 1);
        if (path && is_sensor_path(path))
            drop_sensor(s, path, lo_error_name(result));
        else
            send_fail(r, path ? path : "", "malformed OSC packet (%s)", lo_error_name(result));
        return;
    }
    path = (const char *)data;
    const char *types = lo_message_get_types(m);
    int argc = lo_message_get_argc(m);
    lo_arg **argv = lo_message_get_argv(m);

    if (is_sensor_path(path)) {
        handle_sensor(r, path, types, argv, argc);
    } else {
        control_fn fn = NULL;
        for (size_t i = 0; i < sizeof control_routes / sizeof control_routes[0]; i++)
            if (!strcmp(path, control_routes[i].path))
                fn = control_routes[i].fn;
        if (fn && !r->control_ok) {
            /* Allowed to send sensors, not to control or read the client's state. */
            atomic_fetch_add(&s->net_dropped, 1);
            static const char not_control[] = "the sender may not control (see --allow-control)";
            char from[INET6_ADDRSTRLEN + 16];
            log_limited(&s->refusals, not_control, r->arrival_s, LOG_WARN,
                        "osc: refused %s from %s: %s", path,
                        sender_text(r->from, r->from_len, from, sizeof from), not_control);
        } else if (fn)
            fn(r, path, types, argv, argc);
        else if (!handle_device(r, path, types, argv, argc))
            send_fail(r, path, "unknown address");
    }
    lo_message_free(m);
}

static uint32_t read_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void handle_packet(const request *r, const unsigned char *data, size_t size, int depth)
{
    if (size >= 8 && !memcmp(data, "#bundle", 8)) {
        if (depth >= MAX_BUNDLE_DEPTH || size < 16) {
            atomic_fetch_add(&r->s->malformed, 1);
            send_fail(r, "#bundle", depth >= MAX_BUNDLE_DEPTH ? "bundles nested too deeply"
                                                              : "truncated bundle");
            return;
        }
        size_t pos = 16;   /* "#bundle\0" + 8-byte timetag, ignored (see header) */
        while (pos < size) {
            if (size - pos < 4) {
                atomic_fetch_add(&r->s->malformed, 1);
                send_fail(r, "#bundle", "truncated bundle element");
                return;
            }
            uint32_t len = read_be32(data + pos);
            pos += 4;
            if (len > size - pos || len % 4 != 0) {
                atomic_fetch_add(&r->s->malformed, 1);
                send_fail(r, "#bundle", "bundle element size %u is invalid", len);
                return;
            }
            handle_packet(r, data + pos, len, depth + 1);
            pos += len;
        }
        return;
    }
    handle_message(r, data, size);
}

void osc_server_handle_datagram(osc_server *s, const void *data, size_t size,
                                const struct sockaddr *from, socklen_t from_len)
{
    if (!net_filter_allows(&s->allow, from, from_len)) {
        atomic_fetch_add(&s->net_dropped, 1);
        /* Never decoded, never answered; logged (rate limited) so that a sensor on
         * a network the allow list leaves out is found from the log. */
        static const char not_allowed[] = "the sender is not in the allow list (see --allow)";
        char text[INET6_ADDRSTRLEN + 16];
        log_limited(&s->refusals, not_allowed, rt_now_s(), LOG_INFO,
                    "osc: datagram from %s dropped: %s",
                    sender_text(from, from_len, text, sizeof text), not_allowed);
        return;
    }
    unsigned fail_replies = 0;
    request r = {.s = s, .from = from, .from_len = from_len, .arrival_s = rt_now_s(),
                 .fail_replies = &fail_replies,
                 .control_ok = net_filter_allows(&s->allow_control, from, from_len)};
    handle_packet(&r, data, size, 0);
}

/* ---- subscriptions ------------------------------------------------------------ */

static void send_state(osc_server *s, double now)
{
    bool due = false;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
        if (s->subs[i].used && now > s->subs[i].expires_s)
            s->subs[i].used = false;   /* lease ran out: not renewed */
        due |= s->subs[i].used && now >= s->subs[i].next_s;
    }
    if (!due)
        return;
    lull_engine_status st;
    lull_engine *e = engine_slot_acquire(s->engine);
    lull_engine_get_status(e, &st);
    engine_slot_release(s->engine);
    const lull_features *f = &st.features;
    /* The wall-clock time of this snapshot, UTC with milliseconds, so that a
     * client or a log can place it; the age a display shows is measured by the
     * receiver (its own clock), which needs no clock agreement. */
    char stamp[32] = "";
    struct timespec wall;
    struct tm utc;
    if (clock_gettime(CLOCK_REALTIME, &wall) == 0 && gmtime_r(&wall.tv_sec, &utc)) {
        size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
        snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", wall.tv_nsec / 1000000L);
    }

    lo_message m = lo_message_new();
    add_kv_f(m, "breath", f->breath_rate);
    add_kv_s(m, "breath_state", sensor_state_name(f->breath_state));
    add_kv_f(m, "breath_phase", f->breath_phase);
    add_kv_f(m, "heart", f->heart_rate);
    add_kv_s(m, "heart_state", sensor_state_name(f->heart_state));
    add_kv_f(m, "coherence", f->coherence);
    add_kv_f(m, "arousal", f->arousal);
    /* Seconds each feature still needs before it is known (0 = known, NaN = no
     * sensor), and `learning`: the longest of them, so that a display shows
     * "learning, 40 s" rather than a bare NaN. */
    add_kv_f(m, "coherence_learning", f->coherence_learning_s);
    add_kv_f(m, "arousal_learning", f->arousal_learning_s);
    add_kv_f(m, "learning", fmaxf(isfinite(f->coherence_learning_s) ? f->coherence_learning_s : 0.0f,
                                  isfinite(f->arousal_learning_s) ? f->arousal_learning_s : 0.0f));
    /* A release moment in progress (0/1) and its evidence ("sigh+irregular",
     * "" when none): bio/release_detector.h. */
    char why[64];
    release_evidence_text(f->release_evidence, why, (int)sizeof why);
    add_kv_f(m, "release", f->release);
    add_kv_s(m, "release_evidence", why);
    add_kv_f(m, "tempo", st.tempo_bpm);
    add_kv_f(m, "pacer", st.pacer_rate);
    add_kv_f(m, "pacer_phase", st.pacer_phase);
    add_kv_s(m, "preset", st.preset);
    add_kv_s(m, "time", stamp);
    /* Last, so that its value can be patched per subscriber in place below. */
    lo_message_add_string(m, "seq");
    lo_message_add_int32(m, 0);
    lo_arg **argv = lo_message_get_argv(m);
    int seq_arg = lo_message_get_argc(m) - 1;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
        subscriber *sub = &s->subs[i];
        if (!sub->used || now < sub->next_s)
            continue;
        /* Counts 1, 2, 3... per subscriber: a gap is a lost datagram. */
        int32_t seq = (int32_t)(++sub->seq & 0x7fffffff);
        memcpy(argv[seq_arg], &seq, sizeof seq);   /* host order, as liblo keeps it */
        send_message_to(s, (struct sockaddr *)&sub->addr, sub->len, "/lull/state", m);
        sub->next_s += sub->interval_ms * 1e-3;
        if (sub->next_s < now)   /* fell behind (e.g. a stall): don't burst to catch up */
            sub->next_s = now + sub->interval_ms * 1e-3;
    }
    lo_message_free(m);
}

static int next_timer_ms(const osc_server *s, double now)
{
    double wait = 0.05;   /* also the latency of osc_server_destroy */
    for (int i = 0; i < MAX_SUBSCRIBERS; i++)
        if (s->subs[i].used && s->subs[i].next_s - now < wait)
            wait = s->subs[i].next_s - now;
    return wait <= 0 ? 0 : (int)ceil(wait * 1000.0);
}

/* ---- thread and socket ---------------------------------------------------------- */

static void *control_thread(void *arg)
{
    osc_server *s = arg;
    static unsigned char buf[MAX_DATAGRAM];   /* one control thread per process */
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        poll(&p, 1, next_timer_ms(s, rt_now_s()));
        /* Drain what is there, but bounded, so that a flood can't starve the timer. */
        for (int n = 0; n < 512; n++) {
            struct sockaddr_storage from;
            socklen_t from_len = sizeof from;
            ssize_t got = recvfrom(s->fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC,
                                   (struct sockaddr *)&from, &from_len);
            if (got < 0)
                break;
            if ((size_t)got > sizeof buf) {   /* truncated by the kernel: refuse it */
                if (!net_filter_allows(&s->allow, (struct sockaddr *)&from, from_len)) {
                    atomic_fetch_add(&s->net_dropped, 1);
                    continue;
                }
                atomic_fetch_add(&s->malformed, 1);
                static const char too_big[] = "larger than the largest datagram read";
                char text[INET6_ADDRSTRLEN + 16];
                log_limited(&s->refusals, too_big, rt_now_s(), LOG_WARN,
                            "osc: datagram of %zd bytes from %s refused: %s (%d bytes)", got,
                            sender_text((struct sockaddr *)&from, from_len, text, sizeof text),
                            too_big, MAX_DATAGRAM);
                continue;
            }
            osc_server_handle_datagram(s, buf, (size_t)got, (struct sockaddr *)&from, from_len);
        }
        double now = rt_now_s();
        send_state(s, now);
        /* Summaries of rate-limited lines, so that the count of a burst that has
         * stopped is still reported. */
        log_limiter_flush(&s->refusals, now);
        log_limiter_flush(&s->sensor_drops, now);
    }
    return NULL;
}

static int open_socket(const char *bind_addr, int port, int *bound_port, char *err,
                       size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (bind_addr && *bind_addr) {
        if (inet_pton(AF_INET, bind_addr, &v4->sin_addr) == 1) {
            family = AF_INET;
        } else if (inet_pton(AF_INET6, bind_addr, &v6->sin6_addr) == 1) {
            family = AF_INET6;
        } else {
            snprintf(err, errlen, "bind address '%s' is not an IP address", bind_addr);
            return -1;
        }
    } else {
        family = AF_INET6;   /* dual-stack: IPv4 peers arrive as ::ffff:a.b.c.d */
        v6->sin6_addr = in6addr_any;
    }

    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 && family == AF_INET6 && !(bind_addr && *bind_addr)) {
        family = AF_INET;   /* no IPv6 in this kernel */
        memset(&ss, 0, sizeof ss);
        v4->sin_addr.s_addr = htonl(INADDR_ANY);
        fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a UDP socket: %s", strerror(errno));
        return -1;
    }
    if (family == AF_INET6) {
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof *v6;
    } else {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof *v4;
    }
    int rcvbuf = 1 << 20;   /* absorb sensor bursts while a reply is being built */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        snprintf(err, errlen, "cannot listen on UDP port %d%s%s: %s", port,
                 bind_addr && *bind_addr ? " at " : "", bind_addr ? bind_addr : "",
                 strerror(errno));
        close(fd);
        return -1;
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound_port = ntohs(family == AF_INET6 ? v6->sin6_port : v4->sin_port);
    return fd;
}

osc_server *osc_server_create(const osc_server_config *c, char *err, size_t errlen)
{
    osc_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = open_socket(c->bind, c->port, &s->port, err, errlen);
    if (s->fd < 0) {
        free(s);
        return NULL;
    }
    s->allow = c->allow;
    if (c->allow_control)
        s->allow_control = *c->allow_control;
    else
        net_filter_control_defaults(&s->allow_control);
    if (c->devices)
        s->devices = *c->devices;
    else
        device_map_init(&s->devices);
    s->engine = c->engine;
    s->sensor_queue = c->sensor_queue;
    s->audio_status = c->audio_status;
    s->audio_status_ud = c->audio_status_ud;
    s->started_s = rt_now_s();
    log_limiter_init(&s->refusals, REFUSAL_LOG_INTERVAL_S);
    log_limiter_init(&s->sensor_drops, SENSOR_DROP_LOG_INTERVAL_S);
    /* A device map knows its devices' sampling rates: tell the biosignal thread
     * up front (the thread is not running yet, so this is the queue's producer). */
    for (size_t i = 0; i < s->devices.n; i++) {
        const device_rule *rule = &s->devices.rules[i];
        if (rule->rate <= 0 || rule->kind > SENSOR_PPG)
            continue;
        sensor_msg m = {.arrival_s = s->started_s, .kind = SENSOR_RATE,
                        .signal = (uint8_t)rule->kind, .count = 1};
        m.values[0] = (float)rule->rate;
        spsc_push(s->sensor_queue, &m);
    }
    return s;
}

bool osc_server_start(osc_server *s, char *err, size_t errlen)
{
    int rc = pthread_create(&s->thread, NULL, control_thread, s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the OSC thread: %s", strerror(rc));
        return false;
    }
    s->thread_started = true;
    return true;
}

void osc_server_destroy(osc_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    if (s->thread_started)
        pthread_join(s->thread, NULL);
    /* A preset load still in flight will call on_load_done later; wait for it
     * (loads take well under a second), else leave the server allocated rather
     * than let the callback touch freed memory. */
    for (int i = 0; i < 300 && atomic_load(&s->pending_loads) > 0; i++)
        usleep(10000);
    if (atomic_load(&s->pending_loads) > 0) {
        log_warn("osc: %d preset load(s) still pending at shutdown",
                 atomic_load(&s->pending_loads));
        return;
    }
    close(s->fd);
    log_limiter_destroy(&s->refusals);
    log_limiter_destroy(&s->sensor_drops);
    free(s);
}

int osc_server_port(const osc_server *s) { return s->port; }

void osc_server_get_counters(const osc_server *s, osc_server_counters *out)
{
    osc_server *m = (osc_server *)s;   /* atomic loads on a logically const object */
    out->net_dropped = atomic_load(&m->net_dropped);
    out->malformed = atomic_load(&m->malformed);
    out->failed = atomic_load(&m->failed);
    out->sensor_samples = atomic_load(&m->sensor_samples);
    out->sensor_dropped = atomic_load(&m->sensor_dropped);
}
