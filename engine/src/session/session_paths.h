/* Where the session store lives when no --session-db / --db is given
 * (docs/sessions.md):
 *  - lulld as a systemd service: $STATE_DIRECTORY/sessions.db (the unit's
 *    StateDirectory=lull, i.e. /var/lib/lull/sessions.db), or
 *    /var/lib/lull/sessions.db when run by systemd without one ($INVOCATION_ID);
 *  - otherwise $XDG_STATE_HOME/lull/sessions.db, $XDG_STATE_HOME defaulting to
 *    ~/.local/state (XDG Base Directory Specification 0.8).
 * Threads: [any !audio]. */
#ifndef LULL_SESSION_SESSION_PATHS_H
#define LULL_SESSION_SESSION_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#define SESSION_SERVICE_DB "/var/lib/lull/sessions.db"

/* The path lulld writes to by default. False, with no message, when no home is
 * known: the caller falls back to SESSION_SERVICE_DB. */
bool session_default_db_path(char *out, size_t cap);

/* [main] The path the CLI reads by default: the per-user file when it exists, else the
 * service's when it exists, else the per-user path (whose absence the caller
 * reports). */
void session_find_db_path(char *out, size_t cap);

#endif
