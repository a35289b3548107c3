/* Replies and argument decoding for the OSC control surface (osc_server_internal.h):
 * every /lull/done and /lull/fail leaves through here, and every control
 * handler's arguments are checked here, so a refusal always names the argument,
 * its type or range. [control] thread. */
#include "osc/osc_server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/names.h"

/* ---- replies ---------------------------------------------------------------- */

void osc_send_message_to(osc_server *s, const struct sockaddr *to, socklen_t to_len,
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

void osc_reply(const request *r, const char *path, lo_message m)
{
    if (r->control_ok) /* a sensor-only sender is never answered */
        osc_send_message_to(r->s, r->from, r->from_len, path, m);
    lo_message_free(m);
}

/* "a.b.c.d:port" or "[x::y]:port" (IPv4-mapped IPv6 shown as IPv4), for logs. */
const char *osc_sender_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
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

void osc_send_fail(const request *r, const char *address, const char *fmt, ...)
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
                address[0] ? address : "(no address)",
                osc_sender_text(r->from, r->from_len, from, sizeof from), reason);
    /* One failure reply per datagram: a bundle of thousands of bad elements must
     * not turn one (possibly spoofed) packet into thousands of replies. */
    if ((*r->fail_replies)++ > 0) return;
    lo_message m = lo_message_new();
    lo_message_add_string(m, address);
    lo_message_add_string(m, reason);
    osc_reply(r, "/lull/fail", m);
}

void osc_send_done(const request *r, const char *address, const char *detail)
{
    lo_message m = lo_message_new();
    lo_message_add_string(m, address);
    lo_message_add_string(m, detail);
    osc_reply(r, "/lull/done", m);
}

/* ---- argument checking ----------------------------------------------------- */

bool osc_is_number_type(char t) { return t == 'f' || t == 'd' || t == 'i' || t == 'h'; }

/* liblo's argument pointers point into the packet at 4-byte offsets, so an 8-byte
 * lo_arg union may sit misaligned: read the bytes, never the union member. */
double osc_number_value(char t, const lo_arg *a)
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
bool osc_arg_number(const request *r, const char *address, const char *types, lo_arg **argv, int i,
                    const char *what, double lo, double hi, double *out)
{
    char t = types[i];
    if (!osc_is_number_type(t)) {
        osc_send_fail(r, address, "argument %d (%s) must be a number, got %s", i + 1, what,
                      type_name(t));
        return false;
    }
    double v = osc_number_value(t, argv[i]);
    if (!isfinite(v)) {
        osc_send_fail(r, address, "argument %d (%s) is not a finite number", i + 1, what);
        return false;
    }
    if (v < lo || v > hi) {
        osc_send_fail(r, address, "argument %d (%s) = %g is out of range %g..%g", i + 1, what, v,
                      lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool osc_arg_string(const request *r, const char *address, const char *types, lo_arg **argv, int i,
                    const char *what, const char **out)
{
    if (types[i] != 's' && types[i] != 'S') {
        osc_send_fail(r, address, "argument %d (%s) must be a string, got %s", i + 1, what,
                      type_name(types[i]));
        return false;
    }
    *out = (const char *)argv[i];
    return true;
}

bool osc_arg_count(const request *r, const char *address, int argc, int min, int max,
                   const char *signature)
{
    if (argc < min || argc > max) {
        osc_send_fail(r, address, "expected arguments %s, got %d argument%s", signature, argc,
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
    if (n > NAME_MAX_LEN) {
        snprintf(why, whylen, "name longer than %u characters", NAME_MAX_LEN);
        return false;
    }
    if (!name_is_plain(name)) {
        snprintf(why, whylen, "'%s' is not a plain name (no leading '.' or '..')", name);
        return false;
    }
    size_t i = name_first_bad(name, NAME_OSC_CHARS);
    if (i < n) {
        snprintf(why, whylen, "name contains a forbidden character (0x%02x at %zu)",
                 (unsigned char)name[i], i);
        return false;
    }
    return true;
}
