/* The allocation guard catches allocator and mutex calls made by the armed thread,
 * including those made inside libc and shared objects, and ignores other threads
 * and unarmed code. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/alloc_guard.h"

/* Called through volatile pointers so the compiler cannot elide a malloc/free pair. */
static void *(*volatile call_malloc)(size_t) = malloc;
static void *(*volatile call_calloc)(size_t, size_t) = calloc;
static void *(*volatile call_realloc)(void *, size_t) = realloc;
static void (*volatile call_free)(void *) = free;
static char *(*volatile call_strdup)(const char *) = strdup;

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

/* Arms, runs one operation, and checks it was counted exactly once under `name`. */
#define EXPECT_ONE(name, stmt)                                                                     \
    do {                                                                                           \
        alloc_guard_arm();                                                                         \
        stmt;                                                                                      \
        unsigned long n_ = alloc_guard_disarm();                                                   \
        CHECK(n_ == 1, "%s: counted %lu calls, expected 1", name, n_);                             \
        CHECK(strcmp(alloc_guard_last(), name) == 0, "last is \"%s\", expected %s",                \
              alloc_guard_last(), name);                                                           \
    } while (0)

static volatile int go, done;

static void *other_thread(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) {
    }
    for (int i = 0; i < 1000; i++) {
        void *p = call_malloc(64 + (size_t)i);
        call_free(p);
        pthread_mutex_lock(&mutex);
        pthread_mutex_unlock(&mutex);
    }
    /* This thread's own armed region counts its own calls only. */
    alloc_guard_arm();
    call_free(call_malloc(8));
    unsigned long *own = call_malloc(sizeof *own);
    unsigned long n = alloc_guard_disarm();
    *own = n;
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    return own;
}

int main(void)
{
    CHECK(alloc_guard_available(), "the guard must be available outside sanitizer builds");

    /* Unarmed code is not counted. */
    void *warm = call_malloc(100);
    call_free(warm);
    alloc_guard_arm();
    unsigned long none = alloc_guard_disarm();
    CHECK(none == 0, "nothing ran while armed, yet %lu calls were counted", none);
    CHECK(alloc_guard_last()[0] == '\0', "last should be empty, is %s", alloc_guard_last());

    void *p = NULL;
    EXPECT_ONE("malloc", p = call_malloc(32));
    EXPECT_ONE("realloc", p = call_realloc(p, 4096));
    EXPECT_ONE("free", call_free(p));
    EXPECT_ONE("calloc", p = call_calloc(4, 16));
    call_free(p);
    EXPECT_ONE("posix_memalign", CHECK(posix_memalign(&p, 64, 100) == 0, "posix_memalign"));
    CHECK(((uintptr_t)p & 63) == 0, "posix_memalign alignment");
    call_free(p);
    EXPECT_ONE("aligned_alloc", p = aligned_alloc(128, 256));
    CHECK(p && ((uintptr_t)p & 127) == 0, "aligned_alloc alignment");
    call_free(p);
    EXPECT_ONE("memalign", p = memalign(32, 10));
    call_free(p);
    EXPECT_ONE("pthread_mutex_lock", pthread_mutex_lock(&mutex));
    pthread_mutex_unlock(&mutex);
    EXPECT_ONE("pthread_mutex_trylock", CHECK(pthread_mutex_trylock(&mutex) == 0, "trylock"));
    pthread_mutex_unlock(&mutex);

    /* libc's own calls go through the replacement too (strdup mallocs inside libc). */
    char *s = NULL;
    EXPECT_ONE("malloc", s = call_strdup("breathe"));
    CHECK(s && strcmp(s, "breathe") == 0, "strdup result");
    call_free(s);

    /* Several offences accumulate; re-arming restarts the count. */
    alloc_guard_arm();
    for (int i = 0; i < 5; i++) call_free(call_malloc(16));
    unsigned long ten = alloc_guard_disarm();
    CHECK(ten == 10, "5 malloc+free pairs counted %lu", ten);
    alloc_guard_arm();
    unsigned long zero = alloc_guard_disarm();
    CHECK(zero == 0, "re-arming must restart the count, got %lu", zero);

    /* Another thread's calls are not charged to this armed thread. */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0, "pthread_create");
    alloc_guard_arm();
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
    }
    unsigned long mine = alloc_guard_disarm();
    CHECK(mine == 0, "the other thread's 3000 calls leaked %lu into this thread's count", mine);
    void *ret = NULL;
    pthread_join(t, &ret);
    unsigned long *theirs = ret;
    CHECK(theirs && *theirs == 3, "the other thread's armed region counted %lu, expected 3",
          theirs ? *theirs : 0);
    call_free(theirs);

    return check_finish("test_alloc_guard");
}
