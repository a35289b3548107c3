/* bench_cores: do this machine's cores add up for floating-point work?
 *
 * Runs two loops on one thread, then the same loop on every thread at once (one copy
 * each), and prints how much work per second the threads did together compared
 * with one: a latency-bound loop (one multiply-add chain: the core waits on each
 * result) and a throughput-bound one (16 independent chains: the floating-point
 * units are kept full, as in the svf and noise lane kernels). On separate physical
 * cores both scale with the thread count; on two hardware threads of one core (what
 * a VM's "2 CPUs" often are) only the latency-bound one does, and rendering a
 * throughput-bound graph on two threads cannot be faster than on one.
 *
 * Usage: bench_cores [THREADS] (default 2) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rt.h"

#define MAX_THREADS 64

typedef struct job {
    int wide;      /* 16 independent chains instead of one */
    double result; /* kept so the loop is not optimised away */
} job;

static void *loop(void *arg)
{
    job *j = arg;
    double y[16];
    for (int k = 0; k < 16; k++) y[k] = k;
    if (j->wide) {
        for (long i = 0; i < 300000000; i++)
            for (int k = 0; k < 16; k++) y[k] = y[k] * 1.0000001 + 1e-9;
    } else {
        for (long i = 0; i < 300000000; i++) y[0] = y[0] * 1.0000001 + 1e-9;
    }
    double s = 0;
    for (int k = 0; k < 16; k++) s += y[k];
    j->result = s;
    return NULL;
}

/* Seconds for `threads` copies of the loop at once. */
static double run(int threads, int wide)
{
    pthread_t t[MAX_THREADS];
    job j[MAX_THREADS];
    uint64_t t0 = rt_now_ns();
    for (int i = 0; i < threads; i++) {
        j[i] = (job){wide, 0};
        if (pthread_create(&t[i], NULL, loop, &j[i])) {
            fprintf(stderr, "bench_cores: cannot start a thread\n");
            exit(1);
        }
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return (double)(rt_now_ns() - t0) * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 2 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: bench_cores [THREADS (2..%d)]\n", MAX_THREADS);
        return 2;
    }
    printf("# work per second of %d threads together, relative to one thread (ideal: %d)\n",
           threads, threads);
    for (int wide = 0; wide < 2; wide++) {
        double one = run(1, wide), many = run(threads, wide);
        printf("%-17s 1 thread %.2f s, %d threads %.2f s: x%.2f\n",
               wide ? "throughput-bound" : "latency-bound", one, threads, many,
               threads * one / many);
    }
    return 0;
}
