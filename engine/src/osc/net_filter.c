#include "osc/net_filter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_blocks[] = {
    "127.0.0.0/8",    "::1/128",                                     /* loopback */
    "10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", /* private */
    "169.254.0.0/16", "fe80::/10",                                   /* link-local */
};

/* Control and subscriptions (a client's health data): the machine itself only. */
static const char *const control_blocks[] = {"127.0.0.0/8", "::1/128"};

void net_filter_clear(net_filter *f) { f->count = 0; }

static void set_blocks(net_filter *f, const char *const *blocks, size_t n)
{
    net_filter_clear(f);
    for (size_t i = 0; i < n; i++) {
        net_cidr c;
        char err[8];
        if (net_cidr_parse(blocks[i], &c, err, sizeof err)) net_filter_add(f, &c);
    }
}

void net_filter_defaults(net_filter *f)
{
    set_blocks(f, default_blocks, sizeof default_blocks / sizeof default_blocks[0]);
}

void net_filter_control_defaults(net_filter *f)
{
    set_blocks(f, control_blocks, sizeof control_blocks / sizeof control_blocks[0]);
}

/* Zeroes the bits past the prefix so that matching is a plain masked compare. */
static void mask_to_prefix(uint8_t *addr, unsigned bytes, unsigned prefix)
{
    for (unsigned i = 0; i < bytes; i++) {
        unsigned bits_here = prefix > i * 8 ? prefix - i * 8 : 0;
        if (bits_here >= 8) continue;
        addr[i] &= (uint8_t)(0xffu << (8 - bits_here));
    }
}

bool net_cidr_parse(const char *text, net_cidr *out, char *err, size_t errlen)
{
    char buf[64];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof buf) {
        snprintf(err, errlen, "'%s' is not an address block (expected ADDR/LEN)", text);
        return false;
    }
    memcpy(buf, text, n + 1);
    char *slash = strchr(buf, '/');
    if (slash) *slash = '\0';

    memset(out, 0, sizeof *out);
    unsigned max_prefix;
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->v6 = false;
        max_prefix = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->v6 = true;
        max_prefix = 128;
    } else {
        snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address block", text);
        return false;
    }

    unsigned prefix = max_prefix;
    if (slash) {
        char *end;
        const char *digits = slash + 1;
        if (*digits < '0' || *digits > '9') {
            snprintf(err, errlen, "'%s': prefix length must be a number", text);
            return false;
        }
        unsigned long v = strtoul(digits, &end, 10);
        if (*end != '\0' || v > max_prefix) {
            snprintf(err, errlen, "'%s': prefix length must be 0..%u", text, max_prefix);
            return false;
        }
        prefix = (unsigned)v;
    }
    /* Senders in ::ffff:a.b.c.d form are matched as IPv4 (net_filter_allows), so an
     * IPv4-mapped block is stored as the IPv4 block it means. */
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (out->v6 && prefix >= 96 && memcmp(out->addr, v4mapped, 12) == 0) {
        memmove(out->addr, out->addr + 12, 4);
        memset(out->addr + 4, 0, 12);
        out->v6 = false;
        prefix -= 96;
    }
    out->prefix = (uint8_t)prefix;
    mask_to_prefix(out->addr, out->v6 ? 16 : 4, prefix);
    return true;
}

bool net_filter_add(net_filter *f, const net_cidr *c)
{
    if (f->count >= NET_FILTER_MAX) return false;
    f->blocks[f->count++] = *c;
    return true;
}

bool net_filter_add_text(net_filter *f, const char *text, char *err, size_t errlen)
{
    net_cidr c;
    if (!net_cidr_parse(text, &c, err, errlen)) return false;
    if (!net_filter_add(f, &c)) {
        snprintf(err, errlen, "too many allowed address blocks (at most %d)", NET_FILTER_MAX);
        return false;
    }
    return true;
}

static bool block_contains(const net_cidr *c, const uint8_t *addr)
{
    uint8_t masked[16];
    unsigned bytes = c->v6 ? 16 : 4;
    memcpy(masked, addr, bytes);
    mask_to_prefix(masked, bytes, c->prefix);
    return memcmp(masked, c->addr, bytes) == 0;
}

bool net_filter_allows(const net_filter *f, const struct sockaddr *sa, socklen_t len)
{
    uint8_t addr[16];
    bool v6;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        v6 = false;
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            memcpy(addr, &a6->s6_addr[12], 4);
            v6 = false;
        } else {
            memcpy(addr, a6->s6_addr, 16);
            v6 = true;
        }
    } else {
        return false; /* unknown family: never trusted */
    }
    for (size_t i = 0; i < f->count; i++)
        if (f->blocks[i].v6 == v6 && block_contains(&f->blocks[i], addr)) return true;
    return false;
}
