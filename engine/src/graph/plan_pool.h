/* A block of a plan on several threads, for offline renders only: the calling
 * thread and threads - 1 helpers take the tasks of each stage of the plan (plan.h,
 * plan_stage: the levels of the graph, or its independent parts at once) from a
 * shared counter, and the calling thread starts the next stage once every task of
 * this one has run. Every node runs exactly as it does on one thread and the plan's
 * sums keep their order, so the output is bit-identical to plan_run whatever the
 * number of threads.
 *
 * The realtime path never uses it (docs/architecture.md, "Offline threads"): the
 * helpers spin while the block is short and sleep on a futex when it is not, and
 * their wake-up is a system call on the rendering thread. */
#ifndef LULL_GRAPH_PLAN_POOL_H
#define LULL_GRAPH_PLAN_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "graph/plan.h"

typedef struct plan_pool plan_pool;

/* [main] Start threads - 1 helper threads (threads in 2 .. PLAN_THREADS_MAX). NULL
 * with a message naming the cause on failure. */
plan_pool *plan_pool_create(uint32_t threads, char *err, size_t errlen);
/* [main] Stop and join the helpers. NULL is allowed. */
void plan_pool_destroy(plan_pool *pool);
/* [main] Threads that run a block, the caller included. */
uint32_t plan_pool_threads(const plan_pool *pool);

/* [audio] plan_run on the pool's threads (NULL: plan_run itself): same arguments,
 * same result, the same bits in plan->out_buf. Called by one thread at a time: the
 * offline render loop, which plays the audio thread's role (never a realtime one). */
uint32_t plan_pool_run(plan_pool *pool, lull_plan *plan, const lull_clocks *clocks,
                       const lull_event *events, uint32_t event_count, uint32_t frames);

/* [any] Cores online (at least 1): the default thread count of `lull render`. */
uint32_t plan_pool_cores(void);

#endif
