/* Pre-faulting a new plan on the worker: every page of the buffers the host
 * made for it and the audio thread will write (node outputs, parameter buffers,
 * fan-in mixes, note buffers, modulation state, the plan itself) is written once
 * before the plan is queued, so the first periods that run it take no page fault
 * for them. calloc hands out fresh pages from the kernel without touching them
 * (they are known to be zero), so without this the first write would fault in a
 * period.
 *
 * A node's own state (`self`, its delay lines and tables) is invisible to the
 * host, which cannot know how a plugin allocated it: lulld's
 * mlockall(MCL_FUTURE) (daemon/memory_lock.h) makes the kernel fault those pages
 * in when they are mapped, on the worker that allocates them. */
#ifndef LULL_GRAPH_PLAN_PREFAULT_H
#define LULL_GRAPH_PLAN_PREFAULT_H

#include <stddef.h>

#include "graph/plan.h"

/* [worker] Touches every page of `plan`'s buffers. The plan must not be visible to
 * any other thread yet (each touched byte is rewritten with its own value).
 * Returns the number of bytes covered (for tests and benchmarks). */
size_t plan_prefault(lull_plan *plan);

/* [any !audio] Writes one byte of every page in [p, p + n) with its own value;
 * the memory must be owned by the calling thread. Returns n. */
size_t prefault_range(void *p, size_t n);

#endif
