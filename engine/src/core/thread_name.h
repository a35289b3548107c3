/* Thread names, so that `top -H`, `ps -L`, /proc/PID/task/TID/comm and a debugger
 * show which of lulld's threads is busy. The names (docs/daemon.md, "Threads"):
 * audio (JACK's process thread, named in its init callback), osc, bio, worker,
 * supervisor, session-writer. */
#ifndef LULL_CORE_THREAD_NAME_H
#define LULL_CORE_THREAD_NAME_H

#include <pthread.h>

/* Longest name the kernel keeps: 16 bytes with the terminating NUL (TASK_COMM_LEN). */
#define THREAD_NAME_MAX 15

/* [any !audio] Names thread `t` (pthread_setname_np), cut to THREAD_NAME_MAX bytes.
 * A name is a diagnostic aid only: a failure is ignored. It is a system call, so
 * the audio thread names itself once in JACK's thread-init callback, never in a
 * period. */
void thread_name_set(pthread_t t, const char *name);

#endif
