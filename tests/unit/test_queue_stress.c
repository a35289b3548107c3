/* The two lock-free structures between threads, hammered by two real threads:
 *   - SPSC queue: a producer pushes 10^7 numbered items (with a check word derived
 *     from the number) through a small queue, so it is full and empty millions of
 *     times; the consumer checks every item arrives once, in order, intact.
 *   - Triple buffer: a writer publishes frames whose every word holds the frame
 *     number; the reader checks no frame it sees mixes two frames (torn) and the
 *     numbers it sees never go backwards.
 * Built for ThreadSanitizer too (ctest -L tsan): the memory orders in
 * spsc_queue.c and triple_buffer.c are what TSan checks here. The throughput
 * printed is a measurement, not an assertion. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "queue/spsc_queue.h"
#include "queue/triple_buffer.h"

#define QUEUE_ITEMS 10000000ULL /* ~10^7, issue 12 */
#define QUEUE_CAPACITY 64       /* small, so both the full and the empty path run */
#define FRAME_WORDS 61          /* odd and > a cache line: a torn copy shows */
#define FRAMES 2000000ULL

typedef struct item {
    uint64_t seq;
    uint64_t check; /* a function of seq: a torn or stale slot fails it */
} item;

static uint64_t check_word(uint64_t seq) { return (seq * 0x9E3779B97F4A7C15ULL) ^ 0xA5A5A5A5ULL; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- SPSC queue --------------------------------------------------------------- */

typedef struct queue_run {
    spsc_queue q;
    uint64_t full_spins; /* producer only */
} queue_run;

static void *producer(void *arg)
{
    queue_run *r = arg;
    for (uint64_t seq = 0; seq < QUEUE_ITEMS; seq++) {
        item it = {seq, check_word(seq)};
        while (!spsc_push(&r->q, &it)) {
            r->full_spins++;
            sched_yield(); /* 2 cores shared with other tests: let the consumer run */
        }
    }
    return NULL;
}

static void test_spsc_order(void)
{
    queue_run r = {.full_spins = 0};
    CHECK(spsc_init(&r.q, QUEUE_CAPACITY, sizeof(item)), "spsc_init");
    pthread_t t;
    double t0 = now_s();
    CHECK(pthread_create(&t, NULL, producer, &r) == 0, "pthread_create");
    uint64_t expect = 0, out_of_order = 0, corrupt = 0, empty_spins = 0;
    while (expect < QUEUE_ITEMS) {
        item it;
        if (!spsc_pop(&r.q, &it)) {
            empty_spins++;
            sched_yield();
            continue;
        }
        if (it.seq != expect) {
            if (out_of_order++ < 5)
                fprintf(stderr, "item %llu arrived where %llu was expected\n",
                        (unsigned long long)it.seq, (unsigned long long)expect);
            expect = it.seq; /* resynchronise so one fault is not counted 10^7 times */
        }
        if (it.check != check_word(it.seq)) corrupt++;
        expect++;
    }
    pthread_join(t, NULL);
    double dt = now_s() - t0;
    item extra;
    CHECK(!spsc_pop(&r.q, &extra), "an item beyond the last one was popped");
    CHECK(out_of_order == 0, "%llu items out of order", (unsigned long long)out_of_order);
    CHECK(corrupt == 0, "%llu items corrupted", (unsigned long long)corrupt);
    CHECK(r.full_spins > 0 && empty_spins > 0,
          "the run never hit a full (%llu) or empty (%llu) queue: the test proves less",
          (unsigned long long)r.full_spins, (unsigned long long)empty_spins);
    printf("spsc: %llu items in %.2f s (%.1f M items/s), queue full %llu times, empty %llu "
           "times\n",
           (unsigned long long)QUEUE_ITEMS, dt, (double)QUEUE_ITEMS / dt / 1e6,
           (unsigned long long)r.full_spins, (unsigned long long)empty_spins);
    spsc_destroy(&r.q);
}

/* A single-threaded reference of the queue's bounds: capacity rounds up to a power
 * of two, a full queue refuses (writes nothing), an empty one refuses. */
static void test_spsc_bounds(void)
{
    spsc_queue q;
    CHECK(spsc_init(&q, 5, sizeof(item)), "spsc_init");
    int pushed = 0;
    for (uint64_t s = 0; s < 100; s++) {
        item it = {s, check_word(s)};
        if (!spsc_push(&q, &it)) break;
        pushed++;
    }
    CHECK(pushed == 8, "capacity 5 rounds up to 8, %d items fitted", pushed);
    CHECK(spsc_count(&q) == 8, "count %zu, expected 8", spsc_count(&q));
    item it;
    for (uint64_t s = 0; s < 8; s++) {
        CHECK(spsc_pop(&q, &it) && it.seq == s, "pop %llu", (unsigned long long)s);
    }
    CHECK(!spsc_pop(&q, &it), "pop from an empty queue succeeded");
    spsc_destroy(&q);
}

/* ---- triple buffer ------------------------------------------------------------ */

typedef struct frame {
    uint64_t w[FRAME_WORDS];
} frame;

typedef struct tb_run {
    triple_buffer tb;
    atomic_bool done;
} tb_run;

static void *writer(void *arg)
{
    tb_run *r = arg;
    for (uint64_t n = 1; n <= FRAMES; n++) {
        frame *f = triple_buffer_write_slot(&r->tb);
        /* Word by word (not one memcpy) so a reader in the same slot would see a
         * mixture. */
        for (int i = 0; i < FRAME_WORDS; i++) f->w[i] = n;
        triple_buffer_publish(&r->tb);
        if ((n & 1023) == 0) sched_yield();
    }
    atomic_store_explicit(&r->done, true, memory_order_release);
    return NULL;
}

static void test_triple_buffer_untorn(void)
{
    tb_run r;
    frame zero;
    memset(&zero, 0, sizeof zero);
    CHECK(triple_buffer_init(&r.tb, sizeof(frame), &zero), "triple_buffer_init");
    atomic_init(&r.done, false);
    pthread_t t;
    double t0 = now_s();
    CHECK(pthread_create(&t, NULL, writer, &r) == 0, "pthread_create");
    uint64_t reads = 0, fresh = 0, torn = 0, backwards = 0, last = 0;
    for (;;) {
        bool finished = atomic_load_explicit(&r.done, memory_order_acquire);
        const void *p;
        bool changed = triple_buffer_read(&r.tb, &p);
        const frame *f = p;
        reads++;
        if (changed) fresh++;
        uint64_t n = f->w[0];
        for (int i = 1; i < FRAME_WORDS; i++) {
            if (f->w[i] != n) {
                if (torn++ < 5)
                    fprintf(stderr, "torn frame: word 0 = %llu, word %d = %llu\n",
                            (unsigned long long)n, i, (unsigned long long)f->w[i]);
                break;
            }
        }
        if (n < last) backwards++;
        last = n;
        /* After `done`, one more read must see the writer's last frame. */
        if (finished) break;
        if ((reads & 255) == 0) sched_yield();
    }
    pthread_join(t, NULL);
    double dt = now_s() - t0;
    CHECK(torn == 0, "%llu torn frames", (unsigned long long)torn);
    CHECK(backwards == 0, "the frame number went backwards %llu times",
          (unsigned long long)backwards);
    CHECK(last == FRAMES, "the last frame read is %llu, the writer's last is %llu",
          (unsigned long long)last, (unsigned long long)FRAMES);
    CHECK(fresh > 1, "the reader saw only %llu new frames", (unsigned long long)fresh);
    printf("triple buffer: %llu frames of %d words written in %.2f s, %llu reads, %llu new "
           "frames seen (the rest skipped by design)\n",
           (unsigned long long)FRAMES, FRAME_WORDS, dt, (unsigned long long)reads,
           (unsigned long long)fresh);
    triple_buffer_destroy(&r.tb);
}

int main(void)
{
    test_spsc_bounds();
    test_spsc_order();
    test_triple_buffer_untorn();
    return check_finish("test_queue_stress");
}
