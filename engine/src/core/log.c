#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int g_level = LOG_INFO;
static const char *const k_names[] = {"error", "warn", "info", "debug"};

void log_set_level(int level) { atomic_store(&g_level, level); }
int log_get_level(void) { return atomic_load(&g_level); }

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, k_names[i]) == 0) return i;
    return -1;
}

void log_msg(int level, const char *fmt, ...)
{
    if (level > atomic_load(&g_level)) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line so lines from several threads don't interleave. */
    fprintf(stderr, "lull %s: %s\n", k_names[level < 0 ? 0 : level > 3 ? 3 : level], line);
}
