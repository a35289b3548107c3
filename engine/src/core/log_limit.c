#include "core/log_limit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

void log_limiter_init(log_limiter *l, double interval_s)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
    l->interval_s = interval_s > 0.0 ? interval_s : 1.0;
}

void log_limiter_destroy(log_limiter *l) { pthread_mutex_destroy(&l->lock); }

/* The slot of `key`: its own, a free one, or (table full) the shared last one. */
static log_limit_slot *slot_for(log_limiter *l, const void *key)
{
    for (int i = 0; i < LOG_LIMIT_SLOTS - 1; i++) {
        if (l->slots[i].key == key) return &l->slots[i];
        if (!l->slots[i].key) {
            l->slots[i].key = key;
            l->slots[i].last_s = -1e300; /* never written: the first line passes */
            return &l->slots[i];
        }
    }
    log_limit_slot *shared = &l->slots[LOG_LIMIT_SLOTS - 1];
    if (!shared->key) {
        shared->key = key;
        shared->last_s = -1e300;
    }
    return shared;
}

static void write_summary(log_limiter *l, log_limit_slot *s, double now_s)
{
    double span = now_s - s->last_s;
    log_msg(s->level, "%s (x%" PRIu64 " in the last %.1f s; rate limited to one line per %.1f s)",
            s->newest, s->suppressed, span, l->interval_s);
    l->written++;
    s->suppressed = 0;
    s->last_s = now_s;
}

bool log_limited(log_limiter *l, const void *key, double now_s, int level, const char *fmt, ...)
{
    if (level > log_get_level()) return false; /* would not be printed: spare the formatting */
    char line[LOG_LIMIT_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&l->lock);
    log_limit_slot *s = slot_for(l, key);
    bool write = now_s - s->last_s >= l->interval_s;
    if (!write) {
        s->suppressed++;
        l->suppressed_total++;
        memcpy(s->newest, line, sizeof line);
    } else {
        if (s->suppressed > 0) /* not flushed yet: report those first */
            write_summary(l, s, now_s);
        log_msg(level, "%s", line);
        l->written++;
        s->last_s = now_s;
    }
    s->level = level;
    pthread_mutex_unlock(&l->lock);
    return write;
}

void log_limiter_flush(log_limiter *l, double now_s)
{
    pthread_mutex_lock(&l->lock);
    for (int i = 0; i < LOG_LIMIT_SLOTS; i++) {
        log_limit_slot *s = &l->slots[i];
        if (s->key && s->suppressed > 0 && now_s - s->last_s >= l->interval_s)
            write_summary(l, s, now_s);
    }
    pthread_mutex_unlock(&l->lock);
}
