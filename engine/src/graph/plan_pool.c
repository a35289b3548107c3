#include "graph/plan_pool.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/rt.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long a helper spins for the next stage before it sleeps on the futex: longer
 * than the serial part of a block (modulations, output sums, safety stage: 2-10 us),
 * so that it stays awake from one block to the next while the render runs, short
 * enough that it does not burn the core (which on a loaded machine is taken from
 * the rendering thread) while a chunk is written. Measured by the clock (a pause
 * takes 10-140 cycles depending on the CPU), read every SPIN_CHECK pauses. */
#define SPIN_NS 20000u
#define SPIN_CHECK 16u

/* Spins while *word == value, at most SPIN_NS; returns the value seen last. */
static unsigned spin_while(atomic_uint *word, unsigned value)
{
    uint64_t start = 0;
    for (uint32_t i = 1;; i++) {
        unsigned now = atomic_load_explicit(word, memory_order_acquire);
        if (now != value) return now;
        cpu_relax();
        if (i % SPIN_CHECK == 0) {
            uint64_t t = rt_now_ns();
            if (!start)
                start = t;
            else if (t - start > SPIN_NS)
                return now;
        }
    }
}

/* The claim word: which stage (generation), where its tasks end, the next task to
 * take. One compare-and-swap takes a task of the current stage and nothing else, so
 * a helper that slept through a stage can never take a task of another: the thread
 * that published the stage goes on to the next as soon as every task of this one
 * has run, whoever ran it. No thread ever waits for a helper that has not started
 * (a preempted helper costs nothing unless it was preempted inside a task). */
#define CLAIM_BITS 20u
#define CLAIM_MASK ((1ull << CLAIM_BITS) - 1)
static uint64_t claim_word(uint32_t gen, uint32_t end, uint32_t next)
{
    return ((uint64_t)gen << (2 * CLAIM_BITS)) | ((uint64_t)end << CLAIM_BITS) | next;
}
static uint32_t claim_gen(uint64_t c) { return (uint32_t)(c >> (2 * CLAIM_BITS)); }
static uint32_t claim_end(uint64_t c) { return (uint32_t)((c >> CLAIM_BITS) & CLAIM_MASK); }
static uint32_t claim_next(uint64_t c) { return (uint32_t)(c & CLAIM_MASK); }

/* One stage's block, written by the publishing thread before it publishes the stage
 * and read by a thread only once it holds a task of that stage (the stage cannot
 * end, so these cannot change, until that task is done). */
typedef struct pool_job {
    lull_plan *plan;
    const lull_clocks *clocks;
    const lull_event *events;
    uint32_t event_count, frames;
} pool_job;

struct plan_pool {
    uint32_t threads;
    pthread_t helper[PLAN_THREADS_MAX];
    uint32_t started;
    uint32_t gen; /* the publishing thread's stage counter */
    pool_job job;
    /* Each on its own cache line: `go` is what sleeping helpers wait on, `claim`
     * is hammered while a stage runs, `completed` counts the stage's tasks run. */
    _Alignas(64) atomic_uint go; /* the newest stage's generation; futex word */
    _Alignas(64) _Atomic uint64_t claim;
    _Alignas(64) atomic_uint completed;
    atomic_uint sleepers;
    atomic_bool quit;
};

typedef struct helper_arg {
    plan_pool *pool;
    uint32_t index; /* 1 .. threads - 1 */
} helper_arg;

static long futex(atomic_uint *word, int op, unsigned val)
{
    return syscall(SYS_futex, (unsigned *)word, op, val, NULL, NULL, 0);
}

/* Take and run tasks of stage `gen` until none is left; false when it found the
 * stage over (or another one published) before taking anything. The publishing
 * thread takes tasks from the front of the stage, the helpers from the back: with
 * the same tasks every block, each thread then runs the same nodes block after
 * block while neither falls behind, so their state stays in that core's cache
 * instead of moving between cores every block (which cost the second thread all
 * it gained); a thread that falls behind still only delays its own share. */
static bool work(plan_pool *pool, uint32_t gen, uint32_t thread)
{
    bool took = false;
    uint64_t c = atomic_load_explicit(&pool->claim, memory_order_acquire);
    for (;;) {
        uint32_t next = claim_next(c), end = claim_end(c);
        if (claim_gen(c) != (gen & CLAIM_MASK) || next >= end) return took;
        uint32_t task = thread == 0 ? next : end - 1;
        uint64_t taken =
            thread == 0 ? claim_word(gen, end, next + 1) : claim_word(gen, end - 1, next);
        if (!atomic_compare_exchange_weak_explicit(&pool->claim, &c, taken, memory_order_acquire,
                                                   memory_order_acquire))
            continue;
        const pool_job *j = &pool->job;
        plan_run_task(j->plan, task, thread, j->clocks, j->events, j->event_count, j->frames);
        atomic_fetch_add_explicit(&pool->completed, 1, memory_order_release);
        took = true;
        c = atomic_load_explicit(&pool->claim, memory_order_acquire);
    }
}

static void *helper_main(void *arg)
{
    helper_arg a = *(helper_arg *)arg;
    free(arg);
    plan_pool *pool = a.pool;
    /* The same float environment as the rendering thread, or a node would round
     * denormals differently on this core. */
    rt_enable_ftz();
    unsigned seen = 0;
    for (;;) {
        unsigned go;
        while ((go = spin_while(&pool->go, seen)) == seen) {
            atomic_fetch_add(&pool->sleepers, 1);
            if (atomic_load(&pool->go) == seen) futex(&pool->go, FUTEX_WAIT_PRIVATE, seen);
            atomic_fetch_sub(&pool->sleepers, 1);
        }
        seen = go;
        if (atomic_load_explicit(&pool->quit, memory_order_acquire)) return NULL;
        work(pool, go, a.index);
    }
}

plan_pool *plan_pool_create(uint32_t threads, char *err, size_t errlen)
{
    if (threads < 2 || threads > PLAN_THREADS_MAX) {
        snprintf(err, errlen, "render threads: %u is out of range (2 to %u)", threads,
                 PLAN_THREADS_MAX);
        return NULL;
    }
    /* aligned: the struct's cache-line members promise it */
    size_t size = (sizeof(plan_pool) + 63) / 64 * 64;
    plan_pool *pool = aligned_alloc(64, size);
    if (pool) memset(pool, 0, size);
    if (!pool) {
        snprintf(err, errlen, "render threads: out of memory");
        return NULL;
    }
    pool->threads = threads;
    for (uint32_t i = 1; i < threads; i++) {
        helper_arg *a = malloc(sizeof *a);
        if (a) *a = (helper_arg){pool, i};
        int rc = a ? pthread_create(&pool->helper[i], NULL, helper_main, a) : ENOMEM;
        if (rc) {
            free(a);
            snprintf(err, errlen, "render threads: cannot start thread %u: %s", i, strerror(rc));
            plan_pool_destroy(pool);
            return NULL;
        }
        pool->started = i;
    }
    return pool;
}

void plan_pool_destroy(plan_pool *pool)
{
    if (!pool) return;
    atomic_store(&pool->quit, true);
    atomic_fetch_add(&pool->go, 1);
    futex(&pool->go, FUTEX_WAKE_PRIVATE, INT_MAX);
    for (uint32_t i = 1; i <= pool->started; i++) pthread_join(pool->helper[i], NULL);
    free(pool);
}

uint32_t plan_pool_threads(const plan_pool *pool) { return pool ? pool->threads : 1; }

/* Publish tasks first .. first + count - 1 as a stage, take tasks of it like any
 * helper, and return once all of them have run. */
static void run_stage(plan_pool *pool, uint32_t first, uint32_t count)
{
    uint32_t gen = ++pool->gen & (uint32_t)CLAIM_MASK;
    if (gen == 0) gen = pool->gen = 1; /* 0 is the helpers' "nothing seen yet" */
    atomic_store_explicit(&pool->completed, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->claim, claim_word(gen, first + count, first),
                          memory_order_release);
    atomic_store(&pool->go, gen); /* seq_cst: ordered before the sleepers check */
    if (atomic_load(&pool->sleepers)) futex(&pool->go, FUTEX_WAKE_PRIVATE, INT_MAX);
    work(pool, gen, 0);
    /* Only a helper inside a task can be waited for; one that makes no progress for
     * SPIN_NS was preempted there and gets the core back. */
    unsigned done = atomic_load_explicit(&pool->completed, memory_order_acquire);
    while (done != count) {
        if (spin_while(&pool->completed, done) == done) sched_yield();
        done = atomic_load_explicit(&pool->completed, memory_order_acquire);
    }
}

uint32_t plan_pool_run(plan_pool *pool, lull_plan *plan, const lull_clocks *clocks,
                       const lull_event *events, uint32_t event_count, uint32_t frames)
{
    if (!pool) return plan_run(plan, clocks, events, event_count, frames);
    plan_block_begin(plan);
    pool->job = (pool_job){plan, clocks, events, event_count, frames};
    for (uint32_t l = 0; l < plan->stage_count; l++) {
        const plan_stage *st = &plan->stages[l];
        if (st->task_count < 2) {
            /* Nothing to share: not worth waking anyone. */
            for (uint32_t t = st->first_task; t < st->first_task + st->task_count; t++)
                plan_run_task(plan, t, 0, clocks, events, event_count, frames);
            continue;
        }
        run_stage(pool, st->first_task, st->task_count);
    }
    return plan_block_end(plan, frames);
}

uint32_t plan_pool_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (uint32_t)n;
}
