/* `lull report`: one session as a self-contained HTML page. No script, no font,
 * no image from anywhere: inline CSS and SVG only, so it opens offline and can
 * be mailed or printed (A4, light theme, @page rules).
 *
 * Content: a header (date, time, duration, room, client alias), the summary
 * (session_summary.h) with its formulas named, four plots over the session's
 * minutes (breath rate with the pacer's rate, heart rate, RMSSD, coherence) with
 * the times a sensor was not OK shaded, release moments shaded as spans (class
 * "release", data-t0/data-t1 in minutes since the start, the evidence in their
 * title) and preset changes and marks drawn on the time axis, and the list of
 * events.
 *
 * Each plotted line carries its data for machines too: the SVG path has
 * data-series="NAME", data-t (minutes since the start) and data-v (values),
 * space-separated, finite points only (what the integration test reads).
 *
 * Threads: [main] (CLI). */
#ifndef LULL_SESSION_SESSION_REPORT_H
#define LULL_SESSION_SESSION_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "session/session_store.h"

/* [main] Writes the page to out. True, or false with a message. */
bool session_report_write(FILE *out, const session_info *info, const session_frame *frames,
                          size_t nframes, const session_event *events, size_t nevents, char *err,
                          size_t errlen);

/* [any !audio] Local wall-clock time as "YYYY-MM-DD HH:MM:SS" (fmt NULL) or a strftime
 * format. */
void session_format_time(double wall_s, const char *fmt, char *out, size_t cap);

#endif
