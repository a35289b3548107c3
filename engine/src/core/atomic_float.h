/* A float shared between threads without a lock: stored as its bit pattern in an
 * atomic_uint (C11 has no portable atomic float). Relaxed: a single value that is
 * only ever read whole (DSP load, peaks), never used to publish other data. */
#ifndef LULL_CORE_ATOMIC_FLOAT_H
#define LULL_CORE_ATOMIC_FLOAT_H

#include <stdatomic.h>
#include <string.h>

/* [any] */
static inline void atomic_float_store(atomic_uint *a, float f)
{
    unsigned b;
    memcpy(&b, &f, sizeof b);
    atomic_store_explicit(a, b, memory_order_relaxed);
}

/* [any] */
static inline float atomic_float_load(const atomic_uint *a)
{
    unsigned b = atomic_load_explicit((atomic_uint *)a, memory_order_relaxed);
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* [any] Stores f and returns the previous value (taking a peak and resetting it). */
static inline float atomic_float_exchange(atomic_uint *a, float f)
{
    unsigned b;
    memcpy(&b, &f, sizeof b);
    b = atomic_exchange_explicit(a, b, memory_order_relaxed);
    float old;
    memcpy(&old, &b, sizeof old);
    return old;
}

#endif
