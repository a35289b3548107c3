/* Thread names (see thread_name.h). */
#define _GNU_SOURCE
#include "core/thread_name.h"

#include <stdio.h>

void thread_name_set(pthread_t t, const char *name)
{
    char cut[THREAD_NAME_MAX + 1];
    /* pthread_setname_np refuses (ERANGE) a longer name instead of cutting it. */
    snprintf(cut, sizeof cut, "%s", name);
    (void)pthread_setname_np(t, cut);
}
