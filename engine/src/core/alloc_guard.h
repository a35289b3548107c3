/* Allocation and lock guard: proves that a stretch of code (the audio path, a
 * plugin's process()) neither allocates nor takes a mutex.
 *
 * The implementation replaces malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc, pthread_mutex_lock and
 * pthread_mutex_trylock for the whole program (forwarding to glibc) and counts
 * the calls a thread makes while it is armed. It is a test instrument, in its own
 * static library (lull_alloc_guard, engine/CMakeLists.txt) linked only into the
 * `lull` CLI (plugin-check arms it) and the tests: never into lulld, where every
 * allocation and lock of libjack, liblo and FFTW would otherwise run through it
 * (tests/integration/test_lulld_hygiene.sh checks lulld's symbols).
 *
 * Under AddressSanitizer (which owns malloc) no replacement is compiled and
 * alloc_guard_available() returns false: callers must then report "not checked". */
#ifndef LULL_CORE_ALLOC_GUARD_H
#define LULL_CORE_ALLOC_GUARD_H

#include <stdbool.h>

/* [any] true when the interposers are present and calls are counted. */
bool alloc_guard_available(void);

/* [any] Start counting the calling thread's allocator and mutex calls. Arming an
 * armed thread restarts the count. */
void alloc_guard_arm(void);

/* [any] Stop counting on the calling thread; returns how many offending calls it
 * made since alloc_guard_arm() (0 when unavailable). */
unsigned long alloc_guard_disarm(void);

/* [any] Name of the calling thread's last offending call ("malloc",
 * "pthread_mutex_lock", ...), or "" when there was none since the last arm. */
const char *alloc_guard_last(void);

#endif
