/* Allocation and lock guard (see alloc_guard.h).
 *
 * The replacements live in the same object file as alloc_guard_arm() on purpose:
 * a program that links the guard's library gets both. The file is kept out of the
 * engine archive, where a plain `malloc` reference would pull it into lulld. They
 * are given default visibility so that the executable exports
 * them and every shared object (plugins, libc itself) binds to them. */
#define _GNU_SOURCE
#include "core/alloc_guard.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define ALLOC_GUARD_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_GUARD_SANITIZED 1
#endif

#ifdef ALLOC_GUARD_SANITIZED

/* The sanitizer runtime owns the allocator: nothing is interposed or counted. */
bool alloc_guard_available(void) { return false; }
void alloc_guard_arm(void) {}
unsigned long alloc_guard_disarm(void) { return 0; }
const char *alloc_guard_last(void) { return ""; }

#else

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h> /* memalign, pvalloc: glibc declares them here, not in stdlib.h */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define GUARD_EXPORT __attribute__((visibility("default")))
/* initial-exec: the variables sit in the static TLS block, so touching them
 * never allocates (a dynamic TLS access could call malloc). */
#define GUARD_TLS static __thread __attribute__((tls_model("initial-exec")))

/* glibc's own allocator entry points, which the replacements forward to. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

GUARD_TLS int guard_armed;
GUARD_TLS unsigned long guard_count;
GUARD_TLS const char *guard_last;

static inline void guard_note(const char *what)
{
    if (__builtin_expect(guard_armed, 0)) {
        guard_count++;
        guard_last = what;
    }
}

/* ---- allocator ---------------------------------------------------------------- */

GUARD_EXPORT void *malloc(size_t size)
{
    guard_note("malloc");
    return __libc_malloc(size);
}

GUARD_EXPORT void *calloc(size_t n, size_t size)
{
    guard_note("calloc");
    return __libc_calloc(n, size);
}

GUARD_EXPORT void *realloc(void *p, size_t size)
{
    guard_note("realloc");
    return __libc_realloc(p, size);
}

GUARD_EXPORT void free(void *p)
{
    guard_note("free");
    __libc_free(p);
}

GUARD_EXPORT void *memalign(size_t alignment, size_t size)
{
    guard_note("memalign");
    return __libc_memalign(alignment, size);
}

static bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

GUARD_EXPORT int posix_memalign(void **out, size_t alignment, size_t size)
{
    guard_note("posix_memalign");
    if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

GUARD_EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
    guard_note("aligned_alloc");
    if (!is_power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return __libc_memalign(alignment, size);
}

GUARD_EXPORT void *valloc(size_t size)
{
    guard_note("valloc");
    return __libc_valloc(size);
}

GUARD_EXPORT void *pvalloc(size_t size)
{
    guard_note("pvalloc");
    return __libc_pvalloc(size);
}

/* ---- mutexes ------------------------------------------------------------------ */

typedef int (*mutex_fn)(pthread_mutex_t *);
static mutex_fn real_lock;
static mutex_fn real_trylock;
GUARD_TLS int guard_resolving;

/* Looks the libc functions up once. dlsym may allocate (its error buffer), which
 * is harmless here: it runs from a constructor or from alloc_guard_arm(), never
 * inside an armed region. glibc's loader takes its own locks without going
 * through the public pthread_mutex_lock, so resolution cannot recurse; if a
 * future libc did, we stop loudly rather than run without a lock. */
static void guard_resolve(void)
{
    if (__atomic_load_n(&real_trylock, __ATOMIC_ACQUIRE)) return;
    if (guard_resolving) {
        static const char msg[] = "alloc_guard: pthread_mutex_lock re-entered during dlsym\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        abort();
    }
    guard_resolving = 1;
    mutex_fn lock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_lock");
    mutex_fn trylock = (mutex_fn)dlsym(RTLD_NEXT, "pthread_mutex_trylock");
    guard_resolving = 0;
    if (!lock || !trylock) {
        static const char msg[] = "alloc_guard: cannot find libc's pthread_mutex_lock\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        abort();
    }
    __atomic_store_n(&real_lock, lock, __ATOMIC_RELEASE);
    __atomic_store_n(&real_trylock, trylock, __ATOMIC_RELEASE);
}

__attribute__((constructor(101))) static void guard_init(void) { guard_resolve(); }

GUARD_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    guard_note("pthread_mutex_lock");
    mutex_fn lock = __atomic_load_n(&real_lock, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!lock, 0)) {
        guard_resolve();
        lock = __atomic_load_n(&real_lock, __ATOMIC_ACQUIRE);
    }
    return lock(m);
}

GUARD_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
    guard_note("pthread_mutex_trylock");
    mutex_fn trylock = __atomic_load_n(&real_trylock, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!trylock, 0)) {
        guard_resolve();
        trylock = __atomic_load_n(&real_trylock, __ATOMIC_ACQUIRE);
    }
    return trylock(m);
}

/* ---- API ---------------------------------------------------------------------- */

bool alloc_guard_available(void) { return true; }

void alloc_guard_arm(void)
{
    guard_resolve();
    guard_count = 0;
    guard_last = NULL;
    guard_armed = 1;
}

unsigned long alloc_guard_disarm(void)
{
    guard_armed = 0;
    return guard_count;
}

const char *alloc_guard_last(void) { return guard_last ? guard_last : ""; }

#endif
