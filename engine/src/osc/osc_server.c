/* The OSC control surface's socket and control thread, datagram and bundle
 * decoding, and its address space (osc_server.h; the other sections are listed in
 * osc_server_internal.h). */
#include "osc/osc_server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/rt.h"
#include "core/thread_name.h"

/* ---- the address space ---------------------------------------------------------- */

/* Every address lull answers to, in one table (docs/daemon.md lists them). */
static const osc_route k_routes[] = {
    {.path = "/lull/status", .control = osc_on_status},
    {.path = "/lull/preset/list", .control = osc_on_preset_list},
    {.path = "/lull/preset/load", .control = osc_on_preset_load},
    {.path = "/lull/preset/info", .control = osc_on_preset_info},
    {.path = "/lull/param/set", .control = osc_on_param_set},
    {.path = "/lull/volume", .control = osc_on_volume},
    {.path = "/lull/session/start", .control = osc_on_session_start},
    {.path = "/lull/session/stop", .control = osc_on_session_stop},
    {.path = "/lull/session/mark", .control = osc_on_session_mark},
    {.path = "/lull/pacer/mode", .control = osc_on_pacer_mode},
    {.path = "/lull/subscribe", .control = osc_on_subscribe},
    {.path = "/lull/unsubscribe", .control = osc_on_unsubscribe},
    /* sensors: raw waveforms take any count of values; limits in core/limits.h */
    {"/lull/bio/resp", NULL, SENSOR_RESP, SENSOR_RESP, -1e6, 1e6, 0},
    {"/lull/bio/ecg", NULL, SENSOR_ECG, SENSOR_ECG, -1e6, 1e6, 0},
    {"/lull/bio/ppg", NULL, SENSOR_PPG, SENSOR_PPG, -1e6, 1e6, 0},
    {"/lull/bio/rr", NULL, SENSOR_RR, SENSOR_RR, LULL_RR_MIN_MS, LULL_RR_MAX_MS, 0},
    {"/lull/bio/hr", NULL, SENSOR_HR, SENSOR_HR, LULL_HR_MIN_BPM, LULL_HR_MAX_BPM, 1},
    /* the rates each detector takes (the same limits as bio/bio_pipeline.c): others
     * are refused here, dropped and counted, not accepted and then ignored */
    {"/lull/bio/resp/rate", NULL, SENSOR_RATE, SENSOR_RESP, LULL_RESP_MIN_RATE_HZ,
     LULL_RESP_MAX_RATE_HZ, 1},
    {"/lull/bio/ecg/rate", NULL, SENSOR_RATE, SENSOR_ECG, LULL_ECG_MIN_RATE_HZ,
     LULL_ECG_MAX_RATE_HZ, 1},
    {"/lull/bio/ppg/rate", NULL, SENSOR_RATE, SENSOR_PPG, LULL_PPG_MIN_RATE_HZ,
     LULL_PPG_MAX_RATE_HZ, 1},
};

const osc_route *osc_route_find(const char *path)
{
    for (size_t i = 0; i < sizeof k_routes / sizeof k_routes[0]; i++)
        if (!strcmp(path, k_routes[i].path)) return &k_routes[i];
    return NULL;
}

const osc_route *osc_route_for_sensor(enum sensor_kind kind)
{
    for (size_t i = 0; i < sizeof k_routes / sizeof k_routes[0]; i++)
        if (!k_routes[i].control && k_routes[i].kind == kind && k_routes[i].signal == kind)
            return &k_routes[i];
    return NULL;
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
    if (size > 0 && data[0] == '/' && memchr(data, '\0', size)) path = (const char *)data;

    int result = 0;
    lo_message m = NULL;
    if (size >= 4 && size % 4 == 0)
        m = lo_message_deserialise((void *)data, size, &result);
    else
        result = LO_ESIZE;
    if (!m) {
        atomic_fetch_add(&s->malformed, 1);
        if (path && is_sensor_path(path))
            osc_drop_sensor(s, path, lo_error_name(result));
        else
            osc_send_fail(r, path ? path : "", "malformed OSC packet (%s)", lo_error_name(result));
        return;
    }
    path = (const char *)data;
    const char *types = lo_message_get_types(m);
    int argc = lo_message_get_argc(m);
    lo_arg **argv = lo_message_get_argv(m);

    const osc_route *route = osc_route_find(path);
    if (route && !route->control) {
        osc_handle_sensor(r, route, path, types, argv, argc);
    } else if (!route && is_sensor_path(path)) {
        osc_drop_sensor(s, path, "unknown sensor address");
    } else {
        osc_control_fn fn = route ? route->control : NULL;
        if (fn && !r->control_ok) {
            /* Allowed to send sensors, not to control or read the client's state. */
            atomic_fetch_add(&s->net_dropped, 1);
            static const char not_control[] = "the sender may not control (see --allow-control)";
            char from[INET6_ADDRSTRLEN + 16];
            log_limited(&s->refusals, not_control, r->arrival_s, LOG_WARN,
                        "osc: refused %s from %s: %s", path,
                        osc_sender_text(r->from, r->from_len, from, sizeof from), not_control);
        } else if (fn)
            fn(r, path, types, argv, argc);
        else if (!osc_handle_device(r, path, types, argv, argc))
            osc_send_fail(r, path, "unknown address");
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
            osc_send_fail(r, "#bundle",
                          depth >= MAX_BUNDLE_DEPTH ? "bundles nested too deeply"
                                                    : "truncated bundle");
            return;
        }
        size_t pos = 16; /* "#bundle\0" + 8-byte timetag, ignored (see header) */
        while (pos < size) {
            if (size - pos < 4) {
                atomic_fetch_add(&r->s->malformed, 1);
                osc_send_fail(r, "#bundle", "truncated bundle element");
                return;
            }
            uint32_t len = read_be32(data + pos);
            pos += 4;
            if (len > size - pos || len % 4 != 0) {
                atomic_fetch_add(&r->s->malformed, 1);
                osc_send_fail(r, "#bundle", "bundle element size %u is invalid", len);
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
                    osc_sender_text(from, from_len, text, sizeof text), not_allowed);
        return;
    }
    unsigned fail_replies = 0;
    request r = {.s = s,
                 .from = from,
                 .from_len = from_len,
                 .arrival_s = rt_now_s(),
                 .fail_replies = &fail_replies,
                 .control_ok = net_filter_allows(&s->allow_control, from, from_len)};
    handle_packet(&r, data, size, 0);
}

/* ---- thread and socket ---------------------------------------------------------- */

static void *control_thread(void *arg)
{
    osc_server *s = arg;
    unsigned char *buf = s->datagram;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        poll(&p, 1, osc_next_timer_ms(s, rt_now_s()));
        /* Drain what is there, but bounded, so that a flood can't starve the timer. */
        for (int n = 0; n < 512; n++) {
            struct sockaddr_storage from;
            socklen_t from_len = sizeof from;
            ssize_t got = recvfrom(s->fd, buf, MAX_DATAGRAM, MSG_DONTWAIT | MSG_TRUNC,
                                   (struct sockaddr *)&from, &from_len);
            if (got < 0) break;
            if ((size_t)got > MAX_DATAGRAM) { /* truncated by the kernel: refuse it */
                if (!net_filter_allows(&s->allow, (struct sockaddr *)&from, from_len)) {
                    atomic_fetch_add(&s->net_dropped, 1);
                    continue;
                }
                atomic_fetch_add(&s->malformed, 1);
                static const char too_big[] = "larger than the largest datagram read";
                char text[INET6_ADDRSTRLEN + 16];
                log_limited(&s->refusals, too_big, rt_now_s(), LOG_WARN,
                            "osc: datagram of %zd bytes from %s refused: %s (%d bytes)", got,
                            osc_sender_text((struct sockaddr *)&from, from_len, text, sizeof text),
                            too_big, MAX_DATAGRAM);
                continue;
            }
            osc_server_handle_datagram(s, buf, (size_t)got, (struct sockaddr *)&from, from_len);
        }
        double now = rt_now_s();
        osc_send_state(s, now);
        /* Summaries of rate-limited lines, so that the count of a burst that has
         * stopped is still reported. */
        log_limiter_flush(&s->refusals, now);
        log_limiter_flush(&s->sensor_drops, now);
    }
    return NULL;
}

static int open_socket(const char *bind_addr, int port, int *bound_port, char *err, size_t errlen)
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
        family = AF_INET6; /* dual-stack: IPv4 peers arrive as ::ffff:a.b.c.d */
        v6->sin6_addr = in6addr_any;
    }

    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 && family == AF_INET6 && !(bind_addr && *bind_addr)) {
        family = AF_INET; /* no IPv6 in this kernel */
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
    int rcvbuf = 1 << 20; /* absorb sensor bursts while a reply is being built */
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
        if (rule->rate <= 0 || rule->kind > SENSOR_PPG) continue;
        sensor_msg m = {.arrival_s = s->started_s,
                        .kind = SENSOR_RATE,
                        .signal = (uint8_t)rule->kind,
                        .count = 1};
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
    thread_name_set(s->thread, "osc");
    return true;
}

void osc_server_destroy(osc_server *s)
{
    if (!s) return;
    atomic_store(&s->stop, true);
    if (s->thread_started) pthread_join(s->thread, NULL);
    /* A preset load still in flight will call on_load_done later; wait for it
     * (loads take well under a second), else leave the server allocated rather
     * than let the callback touch freed memory. */
    for (int i = 0; i < 300 && atomic_load(&s->pending_loads) > 0; i++) usleep(10000);
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
    osc_server *m = (osc_server *)s; /* atomic loads on a logically const object */
    out->net_dropped = atomic_load(&m->net_dropped);
    out->malformed = atomic_load(&m->malformed);
    out->failed = atomic_load(&m->failed);
    out->sensor_samples = atomic_load(&m->sensor_samples);
    out->sensor_dropped = atomic_load(&m->sensor_dropped);
}
