/* Which source addresses may talk to lulld over the network: a list of CIDR blocks,
 * IPv4 and IPv6. IPv4-mapped IPv6 sources (::ffff:a.b.c.d, as a dual-stack socket
 * reports IPv4 peers) are matched against the IPv4 blocks.
 *
 * lulld keeps two lists (docs/design.md "Network defaults"):
 * - who may send at all (sensors; `--allow`): by default loopback 127.0.0.0/8 and
 *   ::1, private 10/8, 172.16/12, 192.168/16, fc00::/7, link-local 169.254/16,
 *   fe80::/10;
 * - who among those may control and subscribe (`--allow-control`): by default
 *   loopback only, because /lull/state carries a client's breath and heart and
 *   the tablet reaches lulld through lull-web, which pairs it with a PIN.
 * `--allow` replaces its default list as a whole; `--allow-control` adds to
 * loopback, which always may control (lull-web runs there). */
#ifndef LULL_OSC_NET_FILTER_H
#define LULL_OSC_NET_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_FILTER_MAX 32

typedef struct net_cidr {
    uint8_t addr[16]; /* IPv4 blocks keep their 4 bytes at the start */
    uint8_t prefix;   /* bits */
    bool v6;
} net_cidr;

typedef struct net_filter {
    net_cidr blocks[NET_FILTER_MAX];
    size_t count;
} net_filter;

/* [any] The default sender list described above (loopback, private, link-local). */
void net_filter_defaults(net_filter *f);
/* [any] The default control list: loopback only (127.0.0.0/8, ::1). */
void net_filter_control_defaults(net_filter *f);
/* [main] Empties the list (then nothing is allowed until net_filter_add). */
void net_filter_clear(net_filter *f);

/* [main] Parses "a.b.c.d/len", "x:y::z/len" or a bare address (a host block). */
bool net_cidr_parse(const char *text, net_cidr *out, char *err, size_t errlen);
/* [main] Adds a parsed block; false when the list is full. */
bool net_filter_add(net_filter *f, const net_cidr *c);
/* [main] Parses and adds; false with a message naming the text when it is not a CIDR. */
bool net_filter_add_text(net_filter *f, const char *text, char *err, size_t errlen);

/* [control] True when the socket address falls inside one of the blocks. */
bool net_filter_allows(const net_filter *f, const struct sockaddr *sa, socklen_t len);

#endif
