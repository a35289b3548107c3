/* DNS-SD publication over mDNS through the Avahi daemon (avahi-client), so that a
 * room shows up by itself: lulld as `_osc._udp` (TouchOSC and other OSC apps list
 * it), lull-web as `_http._tcp` (RFC 6763 service types; RFC 6762 mDNS).
 *
 * Optional twice over: built only where libavahi-client was found
 * (LULL_HAVE_AVAHI), and at run time a missing daemon is one warning, nothing
 * else changes; when the daemon appears later the service is published then
 * (AVAHI_CLIENT_NO_FAIL). A name already taken on the network is replaced by
 * Avahi's alternative ("Room 3 #2") and the new name is logged.
 *
 * The work runs on Avahi's own thread (AvahiThreadedPoll): the caller's loop is
 * never blocked by D-Bus. */
#ifndef LULL_NET_MDNS_H
#define LULL_NET_MDNS_H

#include <stdbool.h>

typedef struct mdns_service mdns_service;

/* Where warnings and notes go (level: 0 = info, 1 = warning); called from Avahi's
 * thread. NULL = stderr. */
typedef void (*mdns_log_fn)(int level, const char *message);

/* [main] Starts publishing `name` (UTF-8, at most 63 bytes) of `type` (e.g.
 * "_osc._udp") on `port` with optional TXT entries ("key=value", NULL-terminated
 * list, may be NULL). Returns NULL, after logging why, when Avahi support was not
 * built or the client cannot be created (no system D-Bus): the program goes on. */
mdns_service *mdns_publish(const char *name, const char *type, int port, const char *const *txt,
                           mdns_log_fn log);

/* [main] Withdraws the service and stops Avahi's thread. NULL is fine. */
void mdns_stop(mdns_service *s);

/* [any] True when this build can publish (libavahi-client was found). */
bool mdns_available(void);

#endif
