/* What a tablet may send to lulld through lull-web: one OSC message per WebSocket
 * frame (the osc.js convention), at most OSC_GATE_MAX_FRAME bytes, to an address on
 * the allowlist, with arguments of the types the page uses (i, f, s).
 *
 * The allowlist is the therapist's controls and nothing else: status, preset
 * list/info/load, volume, pacer mode, session start/stop/mark and the state
 * subscription. Never /lull/bio/... (a tablet is not a sensor: it could fake a
 * client's heart), never /lull/param/set (sound design is not a tablet's job),
 * never a bundle (one frame, one message: nothing to unpack or schedule).
 * lulld validates every message again; this gate only keeps the surface small. */
#ifndef LULL_WEB_OSC_GATE_H
#define LULL_WEB_OSC_GATE_H

#include <stdbool.h>
#include <stddef.h>

/* Largest frame accepted from a tablet, bytes (the 4 KiB). */
#define OSC_GATE_MAX_FRAME 4096

/* [any] True when `data` is one well-formed OSC message (padded address, type tag
 * string of i/f/s, arguments that fill the packet exactly) whose address is on
 * the allowlist. Otherwise false, with a reason naming what was wrong in `why`;
 * `address` (if not NULL) receives the message's address, or "" when there is none. */
bool osc_gate_check(const unsigned char *data, size_t len, char *address, size_t address_cap,
                    char *why, size_t whylen);

/* [any] True when the address is on the allowlist above. */
bool osc_gate_address_allowed(const char *address);

/* [any] Builds a complete OSC message "/lull/fail ,ss address reason" into out
 * (cap bytes); returns its length, or 0 if it does not fit. lull-web answers a
 * refused frame with it, as lulld answers a refused message. */
size_t osc_gate_fail_message(unsigned char *out, size_t cap, const char *address,
                             const char *reason);

/* [any] Builds "/lull/unsubscribe" with no arguments (sent when a tablet goes). */
size_t osc_gate_unsubscribe_message(unsigned char *out, size_t cap);

#endif
