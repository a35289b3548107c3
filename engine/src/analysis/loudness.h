/* EBU R128 loudness of a rendered signal, measured with libebur128 (ITU-R BS.1770-4
 * K-weighting and gating; EBU Tech 3341 for momentary/short-term/true peak, EBU
 * Tech 3342 for the loudness range).
 *
 * Incremental: feed blocks of any size as a render produces them; the meter keeps
 * the gating blocks libebur128 needs (one double per 100 ms) and the short-term
 * series (one float per hop), never the signal.
 *
 * Short-term series: every `hop_s` (default 0.1 s, the 10 Hz update rate EBU Tech
 * 3341 section 2.3 asks of a meter) of fed signal, the loudness of the last 3 s
 * (short-term) and of the last 0.4 s (momentary). Points whose 3 s window reaches
 * back before the start are measured over that window with silence before the
 * start (libebur128 zero-fills), so a series starts low and is meaningful from
 * t = 3 s on.
 *
 * Not realtime: [main] (the offline driver's loop and tests). */
#ifndef LULL_ANALYSIS_LOUDNESS_H
#define LULL_ANALYSIS_LOUDNESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct loudness_meter loudness_meter;

/* One point of the short-term series. Silence (below libebur128's floor) reads
 * -HUGE_VAL. */
typedef struct loudness_point {
    double t_s;           /* end of the windows, seconds since the first frame */
    float shortterm_lufs; /* last 3 s */
    float momentary_lufs; /* last 0.4 s */
} loudness_point;

typedef struct loudness_summary {
    double integrated_lufs;    /* gated (BS.1770-4); -HUGE_VAL for silence */
    double range_lu;           /* LRA (Tech 3342); 0 for too short a signal */
    double true_peak_dbtp;     /* max over channels, 4x/2x oversampled; -HUGE_VAL silence */
    double sample_peak_dbfs;   /* max |x| over channels */
    double momentary_max_lufs; /* max of the momentary series */
    double shortterm_max_lufs; /* max of the short-term series */
    double seconds;            /* fed so far */
} loudness_summary;

/* [main] A meter for `channels` (1 or 2) at sample_rate (8000..384000 Hz). A mono
 * signal is measured as one front channel (a full-scale 997 Hz sine reads
 * -3.01 LUFS), a stereo one as left + right. hop_s <= 0: 0.1 s.
 * NULL with a message on failure. */
loudness_meter *loudness_new(unsigned channels, double sample_rate, double hop_s, char *err,
                             size_t errlen);
void loudness_free(loudness_meter *m);

/* [main] Feeds n frames: right is ignored for a mono meter (may be NULL).
 * Returns true, or false when libebur128 or memory fails (later results are
 * then meaningless; loudness_failed says so). */
bool loudness_add(loudness_meter *m, const float *left, const float *right, size_t n);
/* [main] True once a loudness_add failed. */
bool loudness_failed(const loudness_meter *m);

/* [main] The figures over everything fed so far. */
void loudness_get_summary(const loudness_meter *m, loudness_summary *s);

/* [main] The short-term series so far (points valid until the next loudness_add). */
const loudness_point *loudness_series(const loudness_meter *m, size_t *count);

/* [main] The largest rise of short-term loudness within `window_s` seconds (LU): the max
 * over point pairs i < j, t_j - t_i <= window_s, both at or after from_s, of
 * S_j - S_i; silent points count as -70 LUFS (libebur128's absolute gate). 0 when
 * the loudness never rises. from_s lets a caller skip a fade-in and the first 3 s
 * whose window reaches back before the start. */
double loudness_max_rise(const loudness_point *pts, size_t count, double window_s, double from_s);

#endif
