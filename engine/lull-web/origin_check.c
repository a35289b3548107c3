#include "origin_check.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void origin_room_label(const char *room, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)room; *c && n + 1 < cap && n < 63; c++) {
        if (isalnum(*c) && *c < 0x80)
            out[n++] = (char)tolower(*c);
        else if (n > 0 && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n > 0 && out[n - 1] == '-') n--;
    if (cap) out[n] = '\0';
}

/* Splits "name[:port]" or "[v6][:port]"; false when malformed. */
static bool split_host(const char *host, char *name, size_t cap, int *port)
{
    *port = -1;
    const char *colon;
    size_t n;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end) return false;
        n = (size_t)(end - host) + 1;
        colon = end[1] == ':' ? end + 1 : NULL;
        if (!colon && end[1] != '\0') return false;
    } else {
        colon = strchr(host, ':');
        n = colon ? (size_t)(colon - host) : strlen(host);
    }
    if (n == 0 || n >= cap) return false;
    memcpy(name, host, n);
    name[n] = '\0';
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || v < 1 || v > 65535) return false;
        *port = (int)v;
    }
    return true;
}

static bool is_ip_literal(const char *name)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, name, buf) == 1) return true;
    size_t n = strlen(name);
    if (n > 2 && name[0] == '[' && name[n - 1] == ']' && n - 2 < 64) {
        char inner[64];
        memcpy(inner, name + 1, n - 2);
        inner[n - 2] = '\0';
        return inet_pton(AF_INET6, inner, buf) == 1;
    }
    return false;
}

/* "name" equals "label" or "label.local", ignoring case and one trailing dot. */
static bool names_label(const char *name, const char *label)
{
    size_t nl = strlen(label);
    if (nl == 0 || strncasecmp(name, label, nl) != 0) return false;
    const char *rest = name + nl;
    return !strcasecmp(rest, "") || !strcasecmp(rest, ".") || !strcasecmp(rest, ".local") ||
           !strcasecmp(rest, ".local.");
}

bool origin_host_ok(const origin_policy *p, const char *host)
{
    if (!host || !*host) return false;
    char name[256];
    int port;
    if (!split_host(host, name, sizeof name, &port)) return false;
    if ((port < 0 ? 80 : port) != p->port) return false;
    if (is_ip_literal(name) || !strcasecmp(name, "localhost")) return true;
    if (p->hostname[0] && names_label(name, p->hostname)) return true;
    /* The room name only with ".local": a bare single label could be anyone's. */
    if (p->room[0]) {
        size_t nr = strlen(p->room);
        if (!strncasecmp(name, p->room, nr) &&
            (!strcasecmp(name + nr, ".local") || !strcasecmp(name + nr, ".local.")))
            return true;
    }
    return false;
}

bool origin_origin_ok(const char *origin, const char *host)
{
    if (!origin || !host || strncasecmp(origin, "http://", 7) != 0) return false;
    return !strcasecmp(origin + 7, host);
}
