#include "core/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "core/rt.h"

void progress_begin(lull_progress *p, const char *label, double total_s, bool force)
{
    *p = (lull_progress){.label = label, .total_s = total_s, .start_ns = rt_now_ns()};
    p->last_ns = p->start_ns;
    p->enabled = force || isatty(STDERR_FILENO);
}

void progress_format(char *buf, unsigned long len, const char *label, double done_s, double total_s,
                     double elapsed_s)
{
    double frac = total_s > 0 ? done_s / total_s : 1.0;
    if (frac > 1.0) frac = 1.0;
    double speed = elapsed_s > 0 ? done_s / elapsed_s : 0.0;
    /* time left at the speed so far; a job that has not started shows "?" */
    if (speed > 0) {
        long left = (long)((total_s - done_s) / speed + 0.5);
        if (left < 0) left = 0;
        snprintf(buf, len, "%s %3.0f%%  %.1fx realtime  %ld:%02ld left", label, 100.0 * frac, speed,
                 left / 60, left % 60);
    } else {
        snprintf(buf, len, "%s %3.0f%%", label, 100.0 * frac);
    }
}

void progress_update(lull_progress *p, double done_s)
{
    if (!p->enabled) return;
    uint64_t now = rt_now_ns();
    double elapsed = (double)(now - p->start_ns) * 1e-9;
    if (elapsed < PROGRESS_QUIET_S || (double)(now - p->last_ns) * 1e-9 < PROGRESS_INTERVAL_S)
        return;
    p->last_ns = now;
    char line[128];
    progress_format(line, sizeof line, p->label, done_s, p->total_s, elapsed);
    /* \r and erase-to-end-of-line: the line shrinks cleanly as the time left does */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->shown = true;
}

void progress_end(lull_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->shown = false;
}
