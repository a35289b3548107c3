#include "session/session_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool user_db_path(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && xdg[0] == '/') { /* the spec: a relative path is invalid, ignore it */
        snprintf(out, cap, "%s/lull/sessions.db", xdg);
        return true;
    }
    const char *home = getenv("HOME");
    if (!home || !home[0]) return false;
    snprintf(out, cap, "%s/.local/state/lull/sessions.db", home);
    return true;
}

bool session_default_db_path(char *out, size_t cap)
{
    const char *state_dir = getenv("STATE_DIRECTORY");
    if (state_dir && state_dir[0]) {
        /* systemd gives a ':'-separated list; the first is ours. */
        size_t n = strcspn(state_dir, ":");
        snprintf(out, cap, "%.*s/sessions.db", (int)n, state_dir);
        return true;
    }
    const char *invocation = getenv("INVOCATION_ID");
    if (invocation && invocation[0]) {
        snprintf(out, cap, "%s", SESSION_SERVICE_DB);
        return true;
    }
    return user_db_path(out, cap);
}

void session_find_db_path(char *out, size_t cap)
{
    const char *env = getenv("LULL_SESSION_DB");
    if (env && env[0]) {
        snprintf(out, cap, "%s", env);
        return;
    }
    if (user_db_path(out, cap) && access(out, F_OK) == 0) return;
    if (access(SESSION_SERVICE_DB, F_OK) == 0) {
        snprintf(out, cap, "%s", SESSION_SERVICE_DB);
        return;
    }
    if (!user_db_path(out, cap)) snprintf(out, cap, "%s", SESSION_SERVICE_DB);
}
