/* Memory locking for lulld, as realtime audio servers do it (scsynth's -L,
 * jackd): every page the process has and will map stays in RAM, so the audio
 * thread never waits for a page to come back from swap, and memory mapped later
 * (a new plan's buffers, a node's delay lines) is faulted in when it is mapped,
 * on the thread that allocates it (the worker), not on first touch in a period. */
#ifndef LULL_DAEMON_MEMORY_LOCK_H
#define LULL_DAEMON_MEMORY_LOCK_H

#include <stdbool.h>
#include <stddef.h>

/* [main] Locks the process's memory (mlockall(MCL_CURRENT | MCL_FUTURE)) when it
 * can do so safely: when RLIMIT_MEMLOCK is unlimited or the process holds
 * CAP_IPC_LOCK. Under a finite limit it does not lock (with MCL_FUTURE, every
 * allocation past the limit would fail) and says so. Returns true when locked;
 * otherwise `why` names what refused it (RLIMIT_MEMLOCK and its value, or
 * mlockall's error) and how to allow it (systemd's LimitMEMLOCK=infinity, a
 * memlock line in /etc/security/limits.d/). Call before starting other threads:
 * their stacks are then locked as they are created. */
bool memory_lock_all(char *why, size_t whylen);

#endif
