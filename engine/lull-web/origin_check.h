/* Host and Origin checks for lull-web's requests.
 *
 * A WebSocket has no same-origin rule: any page a tablet's browser opens could
 * try ws://<box>/osc. And DNS rebinding lets a page on attacker.example make its
 * own name resolve to the box. So:
 * - Host must name this box: an IP address literal (v4, or [v6]), "localhost",
 *   the machine's host name (with or without ".local"), or the room name as a
 *   ".local" name; with a port, it must be ours; without one, ours must be 80.
 *   A rebinding page's Host is its own domain name, which fails here.
 * - Origin, where required (the WebSocket and POST /pair), must be exactly
 *   "http://" + Host: the page lull-web itself served.
 * (OWASP, "Cross-Site WebSocket Hijacking"; RFC 6455 §10.2.) */
#ifndef LULL_WEB_ORIGIN_CHECK_H
#define LULL_WEB_ORIGIN_CHECK_H

#include <stdbool.h>
#include <stddef.h>

typedef struct origin_policy {
    int port;           /* the port lull-web listens on */
    char hostname[128]; /* gethostname(), lower case */
    char room[128];     /* --room as a DNS label (lower case), "" = none */
} origin_policy;

/* [main] True when the Host header value names this box (rules above). */
bool origin_host_ok(const origin_policy *p, const char *host);

/* [main] True when the Origin header value is "http://" + host (host already
 * checked), compared without regard to case. */
bool origin_origin_ok(const char *origin, const char *host);

/* [any] The room name as a DNS label for "<label>.local": lower case letters,
 * digits and '-', other characters become '-', at most 63 bytes. */
void origin_room_label(const char *room, char *out, size_t cap);

#endif
