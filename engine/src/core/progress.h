/* Progress of long offline work (lull render, lull analyze) on a terminal: one
 * line on stderr, rewritten in place, with the percentage done, the speed as a
 * multiple of real time and the time left. Nothing is printed when stderr is not a
 * terminal (a pipe, a file, a test) or before the job has run PROGRESS_QUIET_S
 * seconds, so short jobs and scripts see no change. Never on the audio thread. */
#ifndef LULL_CORE_PROGRESS_H
#define LULL_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Jobs shorter than this (wall seconds) print nothing. */
#define PROGRESS_QUIET_S 2.0
/* Redraws at most this often (wall seconds). */
#define PROGRESS_INTERVAL_S 0.25

typedef struct lull_progress {
    const char *label; /* "render", "analyze" */
    double total_s;    /* the job's length in seconds of audio or signal */
    uint64_t start_ns, last_ns;
    bool enabled; /* stderr is a terminal */
    bool shown;   /* a line is on screen (cleared by progress_end) */
} lull_progress;

/* [main] Start timing a job of total_s seconds of material; `force` prints even
 * when stderr is not a terminal (tests), otherwise isatty(stderr) decides. */
void progress_begin(lull_progress *p, const char *label, double total_s, bool force);

/* [main] done_s seconds of the material are finished. Cheap when it prints
 * nothing (one clock read). */
void progress_update(lull_progress *p, double done_s);

/* [main] The job is over: clear the line so the command's own report follows
 * on a clean line. */
void progress_end(lull_progress *p);

/* [any] The line progress_update prints, for tests: "render  42%  57.3x realtime
 * 0:12 left". */
void progress_format(char *buf, unsigned long len, const char *label, double done_s, double total_s,
                     double elapsed_s);

#endif
