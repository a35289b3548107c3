/* A session's summary, as the report and the client trend print it. Every
 * figure is computed from the 1 Hz frames of the session store; the formulas
 * are named in the report itself (session_report.c) and in docs/sessions.md.
 *
 *  - window W = min(5 min, duration / 3): "first" is [start, start + W),
 *    "last" is (end - W, end]; a short session compares its thirds.
 *  - breath_first/last: median breath rate (breaths/min) of the frames with the
 *    breath sensor OK in each window; heart_first/last and rmssd_first/last the
 *    same for the heart (median: robust to the odd artifact frame).
 *  - resonance_s: seconds (frames) with the breath OK and its rate within
 *    SESSION_RESONANCE_LO..HI breaths/min: the 4.5-6.5 /min band where most
 *    adults' resonance frequency lies (Lehrer & Gevirtz 2014, "Heart rate
 *    variability biofeedback: how and why does it work?", Front. Psychol. 5:756;
 *    the pacer's resonance trials use the same band), widened by 0.5 /min for the
 *    rate estimate's resolution.
 *  - coherent_s: seconds with coherence >= SESSION_COHERENCE_HIGH (coherence =
 *    peak / (total - peak), docs/biosignals.md: at 1 the 0.04-0.26 Hz peak holds
 *    half of the heart-rhythm power).
 * Unknown values are NaN. Threads: [any !audio]. */
#ifndef LULL_SESSION_SESSION_SUMMARY_H
#define LULL_SESSION_SESSION_SUMMARY_H

#include <stddef.h>

#include "session/session_types.h"

#define SESSION_WINDOW_MAX_S 300.0
#define SESSION_RESONANCE_LO 4.0f
#define SESSION_RESONANCE_HI 7.0f
#define SESSION_COHERENCE_HIGH 1.0f

typedef struct session_summary {
    double duration_s, window_s;
    double breath_first, breath_last;
    double heart_first, heart_last;
    double rmssd_first, rmssd_last;
    double resonance_s, coherent_s;
    double breath_ok_s, heart_ok_s; /* seconds with each sensor OK */
    size_t frames;
} session_summary;

/* [main] start_s/end_s: the session's span (Unix s; end NaN: the last frame). */
void session_summarize(const session_frame *f, size_t n, double start_s, double end_s,
                       session_summary *out);

#endif
