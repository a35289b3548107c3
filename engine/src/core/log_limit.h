/* Rate-limited log lines for events a remote sender controls: refused OSC commands,
 * dropped sensor messages. Each kind of event (a key the caller chooses, e.g. the
 * address of the format string of its reason) is logged at once the first time,
 * then at most once per interval; the events left out in between are counted and,
 * once the interval has passed, summarised in one line carrying the newest of them
 * and the count. So a mistyped command always shows up in the log, and a flood of
 * thousands per second costs a few lines per second, never a silent drop.
 *
 * A limiter may be used from several threads (a mutex guards it: never use one on
 * the audio thread). The OSC server's is used by its control thread, and by tests
 * that hand it datagrams directly while that thread runs. Nothing here allocates. */
#ifndef LULL_CORE_LOG_LIMIT_H
#define LULL_CORE_LOG_LIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Kinds tracked one by one; further kinds share the last slot (still limited). */
#define LOG_LIMIT_SLOTS 32
/* Longest line kept for a summary, bytes including the terminator. */
#define LOG_LIMIT_TEXT 240

typedef struct log_limit_slot {
    const void *key;             /* NULL = free */
    int level;                   /* LOG_* of the lines of this kind */
    double last_s;               /* when a line of this kind was last written, s */
    uint64_t suppressed;         /* left out since last_s */
    char newest[LOG_LIMIT_TEXT]; /* the newest line left out, for the summary */
} log_limit_slot;

typedef struct log_limiter {
    pthread_mutex_t lock;
    double interval_s;                  /* at most one line per kind per interval */
    uint64_t written, suppressed_total; /* lines written / left out, for tests */
    log_limit_slot slots[LOG_LIMIT_SLOTS];
} log_limiter;

/* [any !audio] An empty limiter writing at most one line per kind per interval_s
 * (> 0; 1 s otherwise). */
void log_limiter_init(log_limiter *l, double interval_s);
/* [any !audio] Releases the mutex (no line is written). */
void log_limiter_destroy(log_limiter *l);

/* [any !audio] Logs (core/log.h, at `level`) the formatted line now if no line of kind
 * `key` was written in the last interval; otherwise counts it and keeps it as the
 * newest of its kind. now_s is a monotonic time in seconds (rt_now_s()). Returns
 * true when the line was written. */
bool log_limited(log_limiter *l, const void *key, double now_s, int level, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* [any !audio] For every kind with lines left out and a full interval since its last
 * written line: writes one summary line (the newest left out, "and N more like it
 * in the last T s"). Call it from the owner's timer so that the count of a burst
 * that has stopped is still reported. */
void log_limiter_flush(log_limiter *l, double now_s);

#endif
