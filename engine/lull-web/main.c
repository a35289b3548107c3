/* lull-web: the therapist's tablet surface, a sibling process of lulld.
 *
 * An HTTP server (libwebsockets) that serves the page in web/, pairs a tablet with
 * a PIN (pairing.h), and bridges the page's WebSocket /osc (subprotocol "osc",
 * one binary OSC message per frame) to lulld over UDP: one UDP socket per
 * WebSocket client, connected to lulld, so that lulld's replies and /lull/state
 * subscriptions route back to that client alone. Only the therapist's addresses
 * pass (osc_gate.h). It is a separate process so that an HTTP bug can never touch
 * audio; systemd restarts it alone (tools/lull-web.service).
 *
 * One thread: the libwebsockets event loop. The UDP sockets are adopted into that
 * loop as raw descriptors. Avahi's publication runs on its own thread (mdns.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/install_paths.h"
#include "net/mdns.h"
#include "origin_check.h"
#include "osc_gate.h"
#include "pairing.h"

#define MAX_CLIENTS 16 /* tablets at once; more get 503 */
#define OUT_QUEUE 64   /* messages waiting for one tablet; the oldest is dropped */
#define COOKIE_NAME "lull_token"
#define COOKIE_MAX_AGE_S 31536000 /* a year: a tablet pairs once */
#define PING_S 10                 /* WebSocket ping when idle (the issue: 10 s) */
#define HANGUP_S 25               /* no pong by then: the tablet is gone */

static const char usage_text[] =
    "usage: lull-web [options]\n"
    "  --port N          HTTP port (default 8080; the systemd unit uses 80)\n"
    "  --bind ADDR       listen on this local address only (default: all)\n"
    "  --osc HOST:PORT   lulld's OSC address (default 127.0.0.1:9000)\n"
    "  --root DIR        the page's folder (default: $LULL_WEB_ROOT, else the source\n"
    "                    tree's web/, else the installed share/lull/web)\n"
    "  --pin-file F      the pairing PIN, created on first start (default:\n"
    "                    $STATE_DIRECTORY/pin, else ~/.local/state/lull/pin);\n"
    "                    paired tablets are remembered in F.tokens\n"
    "  --room NAME       the room's name: page title, DNS-SD _http._tcp name\n"
    "                    (default: the host name)\n"
    "  --no-mdns         do not publish over DNS-SD\n"
    "  --help, --version\n";

typedef struct settings {
    int port;
    char bind[64];
    char osc[256];
    char root[PATH_MAX];
    char pin_file[PATH_MAX];
    char room[128];
    bool mdns;
} settings;

/* ---- state shared by the callbacks (one thread) ------------------------------- */

static settings g_set;
static origin_policy g_policy;
static char g_pin[16];
static pairing_tokens g_tokens;
static pairing_limiter g_limiter;
static struct sockaddr_storage g_osc_addr;
static socklen_t g_osc_len;
static int g_clients;
static volatile sig_atomic_t g_stop;
static struct lws_context *g_ctx;

static struct {
    unsigned long frames_in, frames_forwarded, frames_refused, oversize, replies_out,
        replies_dropped, pair_ok, pair_wrong, pair_refused;
} g_count;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lull-web: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void mdns_log(int level, const char *message)
{
    say("%s%s", level ? "warning: " : "", message);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- request helpers -------------------------------------------------------- */

static bool header(struct lws *wsi, enum lws_token_indexes t, char *buf, int cap)
{
    buf[0] = '\0';
    if (lws_hdr_total_length(wsi, t) <= 0 || lws_hdr_total_length(wsi, t) >= cap) return false;
    return lws_hdr_copy(wsi, buf, cap, t) > 0;
}

/* The peer's address as 16 bytes (IPv4 as ::ffff:a.b.c.d), for the rate limiter. */
static void peer_addr(struct lws *wsi, uint8_t out[16], char *text, size_t cap)
{
    memset(out, 0, 16);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = lws_get_socket_fd(wsi);
    if (text && cap) snprintf(text, cap, "?");
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0) return;
    if (ss.ss_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        if (text) inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, (socklen_t)cap);
    } else if (ss.ss_family == AF_INET6) {
        memcpy(out, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        if (text)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, (socklen_t)cap);
    }
}

/* The token from the Cookie header, or "" (the value is copied, never trusted). */
static void cookie_token(struct lws *wsi, char *out, size_t cap)
{
    char cookies[1024];
    out[0] = '\0';
    if (!header(wsi, WSI_TOKEN_HTTP_COOKIE, cookies, sizeof cookies)) return;
    const char *p = cookies;
    size_t nl = strlen(COOKIE_NAME);
    while (*p) {
        while (*p == ' ' || *p == ';') p++;
        if (!strncmp(p, COOKIE_NAME, nl) && p[nl] == '=') {
            p += nl + 1;
            size_t n = strcspn(p, "; ");
            if (n < cap) {
                memcpy(out, p, n);
                out[n] = '\0';
            }
            return;
        }
        p += strcspn(p, ";");
    }
}

static bool paired(struct lws *wsi)
{
    char token[128];
    cookie_token(wsi, token, sizeof token);
    return pairing_tokens_valid(&g_tokens, token);
}

/* Host names this box; for state changes and the WebSocket the Origin too. */
static bool request_allowed(struct lws *wsi, bool need_origin, const char **why)
{
    char host[256], origin[300];
    if (!header(wsi, WSI_TOKEN_HOST, host, sizeof host) || !origin_host_ok(&g_policy, host)) {
        *why = "Host does not name this box";
        return false;
    }
    if (need_origin && (!header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) ||
                        !origin_origin_ok(origin, host))) {
        *why = "Origin is not this box's page";
        return false;
    }
    return true;
}

/* Security headers on every answer: nothing from elsewhere, no framing, no sniffing. */
static int add_security_headers(struct lws *wsi, unsigned char **p, unsigned char *end)
{
    static const struct {
        const char *name, *value;
    } h[] = {
        {"content-security-policy:",
         "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
         "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
        {"x-content-type-options:", "nosniff"},
        {"x-frame-options:", "DENY"},
        {"referrer-policy:", "no-referrer"},
        {"cache-control:", "no-cache"},
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)h[i].name,
                                        (const unsigned char *)h[i].value, (int)strlen(h[i].value),
                                        p, end))
            return -1;
    return 0;
}

/* ---- HTTP --------------------------------------------------------------------- */

typedef struct http_pss {
    char path[128];
    bool is_pair;
    char body[256];
    size_t body_len;
    bool body_too_long;
    /* a small dynamic answer, written on HTTP_WRITEABLE */
    char answer[512];
    size_t answer_len;
} http_pss;

static int send_simple(struct lws *wsi, http_pss *pss, int status, const char *json,
                       const char *extra_name, const char *extra_value)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    snprintf(pss->answer, sizeof pss->answer, "%s", json);
    pss->answer_len = strlen(pss->answer);
    if (lws_add_http_common_headers(wsi, (unsigned int)status, "application/json", pss->answer_len,
                                    &p, end) ||
        add_security_headers(wsi, &p, end))
        return -1;
    if (extra_name && lws_add_http_header_by_name(wsi, (const unsigned char *)extra_name,
                                                  (const unsigned char *)extra_value,
                                                  (int)strlen(extra_value), &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int refuse(struct lws *wsi, http_pss *pss, int status, const char *why)
{
    char json[256];
    snprintf(json, sizeof json, "{\"error\": \"%s\"}", why);
    return send_simple(wsi, pss, status, json, NULL, NULL);
}

static const char *mime_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return NULL;
    if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
    if (!strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (!strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".svg")) return "image/svg+xml";
    if (!strcmp(dot, ".png")) return "image/png";
    if (!strcmp(dot, ".ico")) return "image/x-icon";
    return NULL;
}

/* The page's folder is flat: a plain file name of [a-z0-9._-], no leading dot. */
static bool plain_file_name(const char *name)
{
    if (!*name || name[0] == '.' || strlen(name) > 64) return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
              *c == '-'))
            return false;
    return true;
}

static int serve_file(struct lws *wsi, http_pss *pss, const char *uri)
{
    const char *name = !strcmp(uri, "/") ? "index.html" : uri + 1;
    const char *mime = mime_for(name);
    if (!plain_file_name(name) || !mime) return refuse(wsi, pss, 404, "no such page");
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s", g_set.root, name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return refuse(wsi, pss, 404, "no such page");
    unsigned char hdr[1024];
    unsigned char *p = hdr, *end = hdr + sizeof hdr;
    if (add_security_headers(wsi, &p, end)) return -1;
    int n = lws_serve_http_file(wsi, path, mime, (const char *)hdr, (int)(p - hdr));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi))) return -1;
    return 0;
}

static void json_escape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)in; *c && n + 7 < cap; c++) {
        if (*c == '"' || *c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*c;
        } else if (*c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *c);
        } else {
            out[n++] = (char)*c;
        }
    }
    out[n] = '\0';
}

static int answer_pair(struct lws *wsi, http_pss *pss)
{
    const char *why;
    if (!request_allowed(wsi, true, &why)) {
        g_count.pair_refused++;
        return refuse(wsi, pss, 403, why);
    }
    if (pss->body_too_long) return refuse(wsi, pss, 400, "request body too long");
    /* Body: pin=DIGITS (form-encoded, as the page sends it). */
    char pin[32] = "";
    pss->body[pss->body_len] = '\0';
    const char *v = strstr(pss->body, "pin=");
    if (v && (v == pss->body || v[-1] == '&')) {
        size_t n = strcspn(v + 4, "&\r\n");
        if (n < sizeof pin) {
            memcpy(pin, v + 4, n);
            pin[n] = '\0';
        }
    }
    uint8_t addr[16];
    char who[64];
    peer_addr(wsi, addr, who, sizeof who);
    double retry = 0;
    enum pairing_verdict verdict = pairing_attempt(&g_limiter, addr, now_s(), pin, g_pin, &retry);
    if (verdict == PAIRING_OK) {
        char token[PAIRING_TOKEN_HEX + 1], err[300];
        if (!pairing_tokens_issue(&g_tokens, token, err, sizeof err)) {
            say("pairing from %s: %s", who, err);
            return refuse(wsi, pss, 500, "cannot store the pairing");
        }
        g_count.pair_ok++;
        say("tablet at %s paired", who);
        char cookie[256];
        snprintf(cookie, sizeof cookie,
                 COOKIE_NAME "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict", token,
                 COOKIE_MAX_AGE_S);
        return send_simple(wsi, pss, 200, "{\"paired\": true}", "set-cookie:", cookie);
    }
    char retry_s[16];
    snprintf(retry_s, sizeof retry_s, "%d", (int)(retry + 0.999));
    if (verdict == PAIRING_WRONG) {
        g_count.pair_wrong++;
        say("wrong PIN from %s", who);
        return refuse(wsi, pss, 403, "wrong PIN");
    }
    g_count.pair_refused++;
    char json[128];
    snprintf(json, sizeof json, "{\"error\": \"%s\", \"retry_after\": %s}",
             verdict == PAIRING_LOCKED ? "too many wrong PINs: pairing is locked for a while"
                                       : "one attempt per second",
             retry_s);
    if (verdict == PAIRING_LOCKED)
        say("pairing attempt from %s refused: locked out for %s s", who, retry_s);
    return send_simple(wsi, pss, 429, json, "retry-after:", retry_s);
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    http_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        /* The WebSocket: Host, Origin, token, path and subprotocol, or 403. */
        char uri[64], sub[128];
        const char *why = NULL;
        /* `in` names the upgrade ("websocket"); the subprotocol is a header. */
        bool osc_sub = header(wsi, WSI_TOKEN_PROTOCOL, sub, sizeof sub) && strstr(sub, "osc");
        if (!request_allowed(wsi, true, &why)) {
        } else if (!in || strcmp((const char *)in, "websocket") || !osc_sub) {
            why = "only a WebSocket with subprotocol osc is served here";
        } else if (!header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) || strcmp(uri, "/osc")) {
            why = "no WebSocket here (use /osc)";
        } else if (!paired(wsi)) {
            why = "not paired: pair with the room's PIN first";
        } else if (g_clients >= MAX_CLIENTS) {
            lws_return_http_status(wsi, 503, "too many tablets connected");
            return 1;
        } else {
            return 0;
        }
        char who[64];
        uint8_t addr[16];
        peer_addr(wsi, addr, who, sizeof who);
        say("WebSocket from %s refused: %s", who, why);
        lws_return_http_status(wsi, 403, why);
        return 1;
    }
    case LWS_CALLBACK_HTTP: {
        const char *uri = in;
        const char *why;
        snprintf(pss->path, sizeof pss->path, "%s", uri ? uri : "");
        bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
        if (post) {
            /* Only /pair takes a body; the answer comes at BODY_COMPLETION. */
            pss->is_pair = !strcmp(pss->path, "/pair");
            if (!pss->is_pair) return refuse(wsi, pss, 404, "no such API");
            return 0;
        }
        if (!request_allowed(wsi, false, &why)) return refuse(wsi, pss, 403, why);
        if (!strcmp(pss->path, "/api/whoami")) {
            char room[256], json[400];
            json_escape(g_set.room, room, sizeof room);
            bool ok = paired(wsi);
            snprintf(json, sizeof json, "{\"paired\": %s, \"room\": \"%s\"}", ok ? "true" : "false",
                     room);
            return send_simple(wsi, pss, ok ? 200 : 401, json, NULL, NULL);
        }
        if (!strncmp(pss->path, "/api/", 5)) {
            if (!paired(wsi)) return refuse(wsi, pss, 401, "not paired");
            if (!strcmp(pss->path, "/api/stats")) {
                char json[512];
                snprintf(json, sizeof json,
                         "{\"clients\": %d, \"frames_in\": %lu, \"forwarded\": %lu, "
                         "\"refused\": %lu, \"oversize\": %lu, \"replies\": %lu, "
                         "\"replies_dropped\": %lu, \"pair_ok\": %lu, \"pair_wrong\": %lu, "
                         "\"pair_refused\": %lu}",
                         g_clients, g_count.frames_in, g_count.frames_forwarded,
                         g_count.frames_refused, g_count.oversize, g_count.replies_out,
                         g_count.replies_dropped, g_count.pair_ok, g_count.pair_wrong,
                         g_count.pair_refused);
                return send_simple(wsi, pss, 200, json, NULL, NULL);
            }
            return refuse(wsi, pss, 404, "no such API");
        }
        if (!strcmp(pss->path, "/osc"))
            return refuse(wsi, pss, 400, "/osc is a WebSocket (subprotocol osc)");
        return serve_file(wsi, pss, pss->path);
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (pss->body_len + len >= sizeof pss->body) {
            pss->body_too_long = true;
        } else {
            memcpy(pss->body + pss->body_len, in, len);
            pss->body_len += len;
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: return answer_pair(wsi, pss);
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!pss || !pss->answer_len) break;
        unsigned char buf[LWS_PRE + sizeof pss->answer];
        memcpy(buf + LWS_PRE, pss->answer, pss->answer_len);
        size_t n = pss->answer_len;
        pss->answer_len = 0;
        if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL) != (int)n) return 1;
        if (lws_http_transaction_completed(wsi)) return -1;
        return 0;
    }
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        if (lws_http_transaction_completed(wsi)) return -1;
        return 0;
    default: break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- the WebSocket /osc and its UDP socket ------------------------------------------ */

typedef struct ws_pss {
    struct lws *wsi;
    struct lws *udp_wsi;
    int udp_fd;
    unsigned char frame[OSC_GATE_MAX_FRAME];
    size_t frame_len;
    bool frame_oversize;
    /* messages for the tablet: malloc'd [LWS_PRE | data], oldest first */
    unsigned char *out[OUT_QUEUE];
    size_t out_len[OUT_QUEUE];
    unsigned out_head, out_count;
    char who[64];
} ws_pss;

static void queue_out(ws_pss *s, const unsigned char *data, size_t len)
{
    if (s->out_count == OUT_QUEUE) { /* a stalled tablet: drop its oldest message */
        free(s->out[s->out_head]);
        s->out_head = (s->out_head + 1) % OUT_QUEUE;
        s->out_count--;
        g_count.replies_dropped++;
    }
    unsigned char *m = malloc(LWS_PRE + len);
    if (!m) return;
    memcpy(m + LWS_PRE, data, len);
    unsigned slot = (s->out_head + s->out_count) % OUT_QUEUE;
    s->out[slot] = m;
    s->out_len[slot] = len;
    s->out_count++;
    lws_callback_on_writable(s->wsi);
}

static void refuse_frame(ws_pss *s, const char *address, const char *why)
{
    unsigned char msg[512];
    g_count.frames_refused++;
    say("frame from %s refused: %s%s%s", s->who, address[0] ? address : "", address[0] ? ": " : "",
        why);
    size_t n = osc_gate_fail_message(msg, sizeof msg, address, why);
    if (n) queue_out(s, msg, n);
}

static int open_udp(ws_pss *s, struct lws *wsi)
{
    s->udp_fd = socket(g_osc_addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->udp_fd < 0) return -1;
    /* Connected: the kernel passes up only datagrams from lulld's address. */
    if (connect(s->udp_fd, (struct sockaddr *)&g_osc_addr, g_osc_len) != 0) {
        close(s->udp_fd);
        s->udp_fd = -1;
        return -1;
    }
    lws_sock_file_fd_type u;
    u.filefd = s->udp_fd;
    s->udp_wsi = lws_adopt_descriptor_vhost(lws_get_vhost(wsi), LWS_ADOPT_RAW_FILE_DESC, u,
                                            "lull-udp", NULL);
    if (!s->udp_wsi) {
        close(s->udp_fd);
        s->udp_fd = -1;
        return -1;
    }
    lws_set_opaque_user_data(s->udp_wsi, s);
    return 0;
}

static void close_udp(ws_pss *s)
{
    if (s->udp_fd >= 0) {
        unsigned char msg[64];
        size_t n = osc_gate_unsubscribe_message(msg, sizeof msg);
        if (send(s->udp_fd, msg, n, MSG_DONTWAIT) < 0)
            say("unsubscribe for %s not sent: %s", s->who, strerror(errno));
    }
    if (s->udp_wsi) {
        lws_set_opaque_user_data(s->udp_wsi, NULL);
        lws_set_timeout(s->udp_wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        s->udp_wsi = NULL; /* its fd is closed by RAW_CLOSE_FILE */
    } else if (s->udp_fd >= 0) {
        close(s->udp_fd);
    }
    s->udp_fd = -1;
}

static int cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    ws_pss *s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
        memset(s, 0, sizeof *s);
        s->wsi = wsi;
        s->udp_fd = -1;
        uint8_t addr[16];
        peer_addr(wsi, addr, s->who, sizeof s->who);
        if (open_udp(s, wsi) != 0) {
            say("no UDP socket for %s: %s", s->who, strerror(errno));
            return -1;
        }
        g_clients++;
        say("tablet %s connected (%d now)", s->who, g_clients);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        if (lws_is_first_fragment(wsi)) {
            s->frame_len = 0;
            s->frame_oversize = false;
        }
        if (s->frame_oversize || s->frame_len + len > sizeof s->frame)
            s->frame_oversize = true;
        else {
            memcpy(s->frame + s->frame_len, in, len);
            s->frame_len += len;
        }
        /* lws may hand a large frame over in pieces; judge it whole. */
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) return 0;
        g_count.frames_in++;
        if (s->frame_oversize) {
            g_count.oversize++;
            refuse_frame(s, "", "frame larger than 4096 bytes");
            return 0;
        }
        if (!lws_frame_is_binary(wsi)) {
            refuse_frame(s, "", "OSC frames are binary");
            return 0;
        }
        char address[128], why[160];
        if (!osc_gate_check(s->frame, s->frame_len, address, sizeof address, why, sizeof why)) {
            refuse_frame(s, address, why);
            return 0;
        }
        if (send(s->udp_fd, s->frame, s->frame_len, MSG_DONTWAIT) < 0) {
            refuse_frame(s, address, "lulld is not reachable");
            return 0;
        }
        g_count.frames_forwarded++;
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!s->out_count) return 0;
        unsigned head = s->out_head;
        unsigned char *m = s->out[head];
        size_t n = s->out_len[head];
        s->out_head = (head + 1) % OUT_QUEUE;
        s->out_count--;
        int w = lws_write(wsi, m + LWS_PRE, n, LWS_WRITE_BINARY);
        free(m);
        if (w < (int)n) return -1;
        g_count.replies_out++;
        if (s->out_count) lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLOSED:
        close_udp(s);
        while (s->out_count) {
            free(s->out[s->out_head]);
            s->out_head = (s->out_head + 1) % OUT_QUEUE;
            s->out_count--;
        }
        g_clients--;
        say("tablet %s disconnected (%d now)", s->who, g_clients);
        return 0;
    default: break;
    }
    return 0;
}

static int cb_udp(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE: {
        ws_pss *s = lws_get_opaque_user_data(wsi);
        int fd = lws_get_socket_fd(wsi);
        unsigned char buf[65536];
        for (int i = 0; i < 64; i++) { /* drain, bounded */
            ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (got < 0) break; /* EAGAIN, or ECONNREFUSED while lulld is away: nothing to pass */
            if (s && got > 0) queue_out(s, buf, (size_t)got);
        }
        return 0;
    }
    case LWS_CALLBACK_RAW_CLOSE_FILE: {
        int fd = lws_get_socket_fd(wsi);
        if (fd >= 0) close(fd);
        return 0;
    }
    default: break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"http", cb_http, sizeof(http_pss), 0, 0, NULL, 0},
    {"osc", cb_ws, sizeof(ws_pss), OSC_GATE_MAX_FRAME, 0, NULL, 0},
    {"lull-udp", cb_udp, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

/* ---- command line ---------------------------------------------------------------- */

static bool parse_port(const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > 65535) return false;
    *out = (int)n;
    return true;
}

static bool resolve_osc(const char *text, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(text, ':');
    int port;
    if (!colon || colon == text || !parse_port(colon + 1, &port)) {
        snprintf(err, errlen, "--osc: '%s' is not HOST:PORT", text);
        return false;
    }
    size_t n = (size_t)(colon - text);
    if (n >= sizeof host) {
        snprintf(err, errlen, "--osc: host name too long");
        return false;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') { /* [v6]:port */
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "--osc: cannot resolve '%s': %s", host, gai_strerror(rc));
        return false;
    }
    memcpy(&g_osc_addr, res->ai_addr, res->ai_addrlen);
    g_osc_len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

static bool dir_has_index(const char *dir)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/index.html", dir);
    return access(p, R_OK) == 0;
}

static bool default_pin_file(char *out, size_t cap, char *err, size_t errlen)
{
    const char *state = getenv("STATE_DIRECTORY"); /* systemd's StateDirectory= */
    if (state && *state) {
        snprintf(out, cap, "%.*s/pin", (int)strcspn(state, ":"), state);
        return true;
    }
    char dir[PATH_MAX];
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/lull", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/state/lull", home);
    else {
        snprintf(err, errlen, "no --pin-file, and neither STATE_DIRECTORY nor HOME is set");
        return false;
    }
    /* mkdir -p of the last two levels is enough for ~/.local/state/lull */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        mkdir(parent, 0700);
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%.300s: cannot create: %s", dir, strerror(errno));
        return false;
    }
    if ((size_t)snprintf(out, cap, "%s/pin", dir) >= cap) {
        snprintf(err, errlen, "%.300s: path too long", dir);
        return false;
    }
    return true;
}

/* 0 = run, 1 = printed help/version, 2 = error (message printed). */
static int parse_args(int argc, char **argv)
{
    g_set.port = 8080;
    g_set.mdns = true;
    snprintf(g_set.osc, sizeof g_set.osc, "127.0.0.1:9000");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return 1;
        }
        if (!strcmp(a, "--version")) {
            printf("lull-web %s\n", LULL_VERSION);
            return 1;
        }
        if (!strcmp(a, "--no-mdns")) {
            g_set.mdns = false;
            continue;
        }
        static const char *const with_value[] = {"--port", "--bind",     "--osc",
                                                 "--root", "--pin-file", "--room"};
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= !strcmp(a, with_value[k]);
        if (!known) {
            fprintf(stderr, "lull-web: unknown option '%s' (see lull-web --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc || !argv[i + 1][0]) {
            fprintf(stderr, "lull-web: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        char *dst = NULL;
        size_t cap = 0;
        if (!strcmp(a, "--port")) {
            if (!parse_port(v, &g_set.port)) {
                fprintf(stderr, "lull-web: --port: '%s' is not a port number 1..65535\n", v);
                return 2;
            }
            continue;
        }
        if (!strcmp(a, "--bind")) {
            unsigned char probe[16];
            if (inet_pton(AF_INET, v, probe) != 1 && inet_pton(AF_INET6, v, probe) != 1) {
                fprintf(stderr, "lull-web: --bind: '%s' is not an IPv4 or IPv6 address\n", v);
                return 2;
            }
            dst = g_set.bind, cap = sizeof g_set.bind;
        } else if (!strcmp(a, "--osc")) {
            dst = g_set.osc, cap = sizeof g_set.osc;
        } else if (!strcmp(a, "--root")) {
            dst = g_set.root, cap = sizeof g_set.root;
        } else if (!strcmp(a, "--pin-file")) {
            dst = g_set.pin_file, cap = sizeof g_set.pin_file;
        } else {
            for (const unsigned char *c = (const unsigned char *)v; *c; c++)
                if (*c < 0x20 || *c == 0x7f) {
                    fprintf(stderr, "lull-web: --room: control characters are not allowed\n");
                    return 2;
                }
            dst = g_set.room, cap = sizeof g_set.room;
        }
        if (strlen(v) >= cap) {
            fprintf(stderr, "lull-web: %s: value too long (at most %zu characters)\n", a, cap - 1);
            return 2;
        }
        snprintf(dst, cap, "%s", v);
    }
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    if (g_ctx) lws_cancel_service(g_ctx);
}

int main(int argc, char **argv)
{
    int rc = parse_args(argc, argv);
    if (rc) return rc == 1 ? 0 : 2;
    char err[512];
    if (!resolve_osc(g_set.osc, err, sizeof err)) {
        fprintf(stderr, "lull-web: %s\n", err);
        return 2;
    }
    if (!g_set.root[0]) {
        const char *env = getenv("LULL_WEB_ROOT");
        if (env && *env)
            snprintf(g_set.root, sizeof g_set.root, "%s", env);
        else if (lull_running_from_build_tree() && dir_has_index(LULL_SOURCE_WEB_DIR))
            snprintf(g_set.root, sizeof g_set.root, "%s", LULL_SOURCE_WEB_DIR);
        else
            snprintf(g_set.root, sizeof g_set.root, "%s", LULL_INSTALL_WEB_DIR);
    }
    if (!dir_has_index(g_set.root)) {
        fprintf(stderr, "lull-web: --root: '%s' has no index.html\n", g_set.root);
        return 2;
    }
    if (!g_set.pin_file[0] &&
        !default_pin_file(g_set.pin_file, sizeof g_set.pin_file, err, sizeof err)) {
        fprintf(stderr, "lull-web: %s\n", err);
        return 2;
    }
    if (!pairing_load_or_create_pin(g_set.pin_file, g_pin, sizeof g_pin, err, sizeof err)) {
        fprintf(stderr, "lull-web: %s\n", err);
        return 1;
    }
    char token_path[PATH_MAX + 8];
    snprintf(token_path, sizeof token_path, "%s.tokens", g_set.pin_file);
    if (!pairing_tokens_load(&g_tokens, token_path, err, sizeof err)) {
        fprintf(stderr, "lull-web: %s\n", err);
        return 1;
    }
    if (err[0]) say("warning: %s", err);

    g_policy.port = g_set.port;
    char hn[128] = "";
    gethostname(hn, sizeof hn - 1);
    origin_room_label(hn, g_policy.hostname, sizeof g_policy.hostname);
    if (!g_set.room[0]) snprintf(g_set.room, sizeof g_set.room, "%s", hn[0] ? hn : "lull");
    origin_room_label(g_set.room, g_policy.room, sizeof g_policy.room);

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    lws_set_log_level(LLL_ERR, NULL);

    static const uint32_t backoff_ms[] = {1000};
    static const lws_retry_bo_t idle = {.retry_ms_table = backoff_ms,
                                        .retry_ms_table_count = 1,
                                        .secs_since_valid_ping = PING_S,
                                        .secs_since_valid_hangup = HANGUP_S};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = g_set.port;
    info.iface = g_set.bind[0] ? g_set.bind : NULL;
    info.protocols = protocols;
    info.retry_and_idle_policy = &idle;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (g_set.bind[0] && strchr(g_set.bind, ':') == NULL)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.timeout_secs = 20;
    g_ctx = lws_create_context(&info);
    if (!g_ctx) {
        fprintf(stderr, "lull-web: cannot listen on port %d%s%s (in use, or not allowed)\n",
                g_set.port, g_set.bind[0] ? " at " : "", g_set.bind);
        return 1;
    }

    mdns_service *mdns = NULL;
    if (g_set.mdns) {
        const char *txt[] = {"path=/", "lull=1", NULL};
        mdns = mdns_publish(g_set.room, "_http._tcp", g_set.port, txt, mdns_log);
    }
    say("serving %s on port %d%s%s for room '%s'; lulld at %s; PIN in %s", g_set.root, g_set.port,
        g_set.bind[0] ? " at " : "", g_set.bind, g_set.room, g_set.osc, g_set.pin_file);

    while (!g_stop)
        if (lws_service(g_ctx, 0) < 0) break;
    mdns_stop(mdns);
    lws_context_destroy(g_ctx);
    say("stopped");
    return 0;
}
