/* Memory locking (see memory_lock.h). */
#define _GNU_SOURCE
#include "daemon/memory_lock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* CAP_IPC_LOCK from <linux/capability.h>: lifts RLIMIT_MEMLOCK. */
#define CAP_IPC_LOCK_BIT 14

/* The effective capability set, read from /proc/self/status (no libcap needed). */
static bool has_ipc_lock(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return false;
    char line[256];
    bool yes = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "CapEff:", 7) != 0) continue;
        unsigned long long caps = strtoull(line + 7, NULL, 16);
        yes = (caps >> CAP_IPC_LOCK_BIT) & 1u;
        break;
    }
    fclose(f);
    return yes;
}

static const char how_to_allow[] =
    "raise it (systemd: LimitMEMLOCK=infinity, as the shipped lulld.service has; "
    "otherwise an '@audio - memlock unlimited' line in /etc/security/limits.d/) "
    "or start lulld with --mlock off to skip locking";

bool memory_lock_all(char *why, size_t whylen)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_MEMLOCK, &lim) != 0) lim.rlim_cur = 0;
    if (lim.rlim_cur != RLIM_INFINITY && !has_ipc_lock()) {
        snprintf(why, whylen,
                 "memory not locked: RLIMIT_MEMLOCK is %llu KiB, and locking all future "
                 "memory under a finite limit would make allocations fail once it is "
                 "reached; page faults may then land in the audio thread. To lock, %s",
                 (unsigned long long)(lim.rlim_cur / 1024), how_to_allow);
        return false;
    }
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
        int e = errno;
        snprintf(why, whylen, "memory not locked: mlockall: %s (RLIMIT_MEMLOCK: %s). To lock, %s",
                 strerror(e), lim.rlim_cur == RLIM_INFINITY ? "unlimited" : "finite", how_to_allow);
        return false;
    }
    return true;
}
