/* Small realtime helpers shared by the audio-thread code. */
#ifndef LULL_CORE_RT_H
#define LULL_CORE_RT_H

#include <stdint.h>
#include <time.h>

/* Flush denormals to zero (FTZ/DAZ) on the calling thread. [audio] */
void rt_enable_ftz(void);

/* [any] Monotonic time in nanoseconds. clock_gettime on CLOCK_MONOTONIC is a vDSO call,
 * not a system call, on Linux; used by the drivers to measure DSP load. */
static inline uint64_t rt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* [any] */
static inline double rt_now_s(void) { return (double)rt_now_ns() * 1e-9; }

#endif
