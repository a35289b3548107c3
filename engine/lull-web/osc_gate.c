#include "osc_gate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The therapist's controls (docs/tablet.md, "What each control does"). */
static const char *const allowed[] = {
    "/lull/status",       "/lull/preset/list", "/lull/preset/info",   "/lull/preset/load",
    "/lull/volume",       "/lull/pacer/mode",  "/lull/session/start", "/lull/session/stop",
    "/lull/session/mark", "/lull/subscribe",   "/lull/unsubscribe",
};

bool osc_gate_address_allowed(const char *address)
{
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!strcmp(address, allowed[i])) return true;
    return false;
}

/* Reads an OSC string at *pos: NUL-terminated, padded with NULs to 4 bytes.
 * Returns the string or NULL when it is unterminated or badly padded. */
static const char *read_string(const unsigned char *d, size_t len, size_t *pos)
{
    size_t start = *pos;
    const unsigned char *nul = memchr(d + start, '\0', len - start);
    if (!nul) return NULL;
    size_t end = (size_t)(nul - d) + 1;
    size_t padded = (end + 3) & ~(size_t)3;
    if (padded > len) return NULL;
    for (size_t i = end; i < padded; i++)
        if (d[i] != '\0') return NULL;
    *pos = padded;
    return (const char *)d + start;
}

bool osc_gate_check(const unsigned char *data, size_t len, char *address, size_t address_cap,
                    char *why, size_t whylen)
{
    if (address && address_cap) address[0] = '\0';
    if (len > OSC_GATE_MAX_FRAME) {
        snprintf(why, whylen, "frame of %zu bytes is larger than %d", len, OSC_GATE_MAX_FRAME);
        return false;
    }
    if (len < 8 || len % 4 != 0) {
        snprintf(why, whylen, "malformed OSC packet (%zu bytes, not a multiple of 4 >= 8)", len);
        return false;
    }
    if (data[0] == '#') {
        snprintf(why, whylen, "bundles are not accepted from a tablet");
        return false;
    }
    size_t pos = 0;
    const char *addr = read_string(data, len, &pos);
    if (!addr || addr[0] != '/') {
        snprintf(why, whylen, "malformed OSC packet (no address)");
        return false;
    }
    if (address && address_cap) snprintf(address, address_cap, "%s", addr);
    const char *tags = read_string(data, len, &pos);
    if (!tags || tags[0] != ',') {
        snprintf(why, whylen, "malformed OSC packet (no type tags)");
        return false;
    }
    for (const char *t = tags + 1; *t; t++) {
        if (*t == 'i' || *t == 'f') {
            if (len - pos < 4) {
                snprintf(why, whylen, "malformed OSC packet (argument missing)");
                return false;
            }
            pos += 4;
        } else if (*t == 's') {
            if (pos >= len || !read_string(data, len, &pos)) {
                snprintf(why, whylen, "malformed OSC packet (bad string argument)");
                return false;
            }
        } else {
            snprintf(why, whylen, "argument type '%c' is not accepted (only i, f, s)", *t);
            return false;
        }
    }
    if (pos != len) {
        snprintf(why, whylen, "malformed OSC packet (%zu bytes after the arguments)", len - pos);
        return false;
    }
    if (!osc_gate_address_allowed(addr)) {
        snprintf(why, whylen, "address not allowed from a tablet");
        return false;
    }
    return true;
}

/* Appends an OSC string with its padding; false when it does not fit. */
static bool put_string(unsigned char *out, size_t cap, size_t *pos, const char *s)
{
    size_t n = strlen(s) + 1;
    size_t padded = (n + 3) & ~(size_t)3;
    if (*pos + padded > cap) return false;
    memcpy(out + *pos, s, n);
    memset(out + *pos + n, 0, padded - n);
    *pos += padded;
    return true;
}

size_t osc_gate_fail_message(unsigned char *out, size_t cap, const char *address,
                             const char *reason)
{
    size_t pos = 0;
    if (!put_string(out, cap, &pos, "/lull/fail") || !put_string(out, cap, &pos, ",ss") ||
        !put_string(out, cap, &pos, address) || !put_string(out, cap, &pos, reason))
        return 0;
    return pos;
}

size_t osc_gate_unsubscribe_message(unsigned char *out, size_t cap)
{
    size_t pos = 0;
    if (!put_string(out, cap, &pos, "/lull/unsubscribe") || !put_string(out, cap, &pos, ","))
        return 0;
    return pos;
}
