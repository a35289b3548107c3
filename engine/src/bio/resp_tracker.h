/* Causal respiration tracker: turns a raw respiration waveform (belt, impedance,
 * any units) into breath events, rate, phase, inhale:exhale ratio and depth.
 *
 * Filtering: a first-order high-pass at 0.03 Hz removes drift (gain 0.96 at
 * 0.1 Hz = 6 breaths/min), a second-order Butterworth low-pass at 1.2 Hz (or
 * 0.4 x fs when lower) removes cardiac and sensor noise.
 *
 * Events: a peak/trough tracker with hysteresis. A peak is confirmed when the
 * signal has fallen `h` below the highest value since the last trough (and a
 * trough symmetrically), with h = 0.3 x the recent breath amplitude (the smaller
 * of the median of the last 4 half-cycle amplitudes and pi x the running mean
 * absolute value, i.e. the peak-to-trough of a sinusoid of that mean), and never
 * below 0.2 x the session's median amplitude, so noise wiggles do not count.
 * Trough = inhale onset, peak = exhale onset. Event times are the extremum's
 * sample time minus the low-pass group delay. A half-cycle more than 3 x the
 * session's median amplitude is flagged as an artifact and kept out of rate,
 * ratio, depth and the session median.
 *
 * Cycle durations are measured between the midpoints of the crossings of a level
 * 0.9 h inside each extremum (noise moves a flat extremum far more than a flank;
 * the bias an asymmetric breath gives the midpoint cancels between cycles).
 * Nothing is confirmed during the first 2 s after the start or a gap.
 *
 * Rate: 60 / mean of the last 6 accepted cycle durations (trough to trough and
 * peak to peak, one more at every event, so about 3 breaths); NaN when the last
 * event is older than 3 mean cycles (breathing no longer tracked).
 * Phase (0..1, 0 = inhale onset): from the last event, time runs through the
 * predicted inhale (Ti) and exhale (Te) durations, the medians of the last 3
 * accepted ones, with f = Ti / (Ti + Te): after a trough at t0, phase =
 * f (t - t0) / Ti during the predicted inhale, then f + (1 - f)(t - t0 - Ti) / Te;
 * after a peak at t1, f + (1 - f)(t - t1) / Te, then f (t - t1 - Te) / Ti into the
 * predicted next breath. It extrapolates through one boundary because an event
 * is confirmed only some time after it happens, then holds just below the next
 * boundary; it is re-anchored at each event.
 * Depth: the last accepted half-cycle amplitude / the session's median amplitude
 * (median of the last 256 accepted half-cycles).
 *
 * Thread: one tracker per stream, one thread at a time; push() never allocates. */
#ifndef LULL_BIO_RESP_TRACKER_H
#define LULL_BIO_RESP_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum resp_event_kind {
    RESP_INHALE_ONSET = 0, /* trough */
    RESP_EXHALE_ONSET = 1, /* peak */
} resp_event_kind;

typedef struct resp_event {
    resp_event_kind kind;
    int64_t sample;   /* index of the extremum (delay-compensated) among pushed samples */
    double time_s;    /* its time */
    double amplitude; /* filtered-signal swing from the previous extremum */
    bool artifact;    /* swing > 3 x the session median: not a breath we trust */
    bool accepted;    /* not an artifact, half-cycle >= 0.25 s: used for rate etc. */
} resp_event;

typedef struct resp_tracker resp_tracker;

/* [main] [bio] fs: nominal sampling rate, 4..1000 Hz (core/limits.h). Returns NULL when out of range. */
resp_tracker *resp_tracker_new(double fs);
void resp_tracker_free(resp_tracker *t);

/* [bio] Feeds one sample taken at time_s (increasing). Returns 1 and fills *ev when an
 * extremum is confirmed by this sample, else 0. `filtered` (may be NULL) receives
 * the band-passed value. A non-finite sample counts as a gap (see below). */
int resp_tracker_push(resp_tracker *t, float x, double time_s, resp_event *ev, double *filtered);

/* [bio] The stream was interrupted: the next sample does not follow the previous one.
 * Filters restart from the next sample and no cycle spans the gap; the learned
 * amplitudes and the durations of earlier breaths are kept. */
void resp_tracker_gap(resp_tracker *t);

/* [bio] Current estimates at time now_s (>= the last pushed sample's time), NaN when
 * unknown. */
double resp_tracker_rate(const resp_tracker *t, double now_s);  /* breaths/min */
double resp_tracker_phase(const resp_tracker *t, double now_s); /* 0..1 */
double resp_tracker_ie_ratio(const resp_tracker *t);            /* Ti / Te */
double resp_tracker_depth(const resp_tracker *t);               /* ~0..2 */
/* [bio] Session median half-cycle amplitude (filtered units), NaN before 4 breaths. */
double resp_tracker_median_amplitude(const resp_tracker *t);
/* [bio] Mean accepted cycle duration in s (see rate), NaN before the first. */
double resp_tracker_cycle_s(const resp_tracker *t);
/* [bio] Time of the last event (any kind), NaN before the first. */
double resp_tracker_last_event_time(const resp_tracker *t);
/* [bio] Low-pass group delay in seconds (how much later the filtered signal peaks). */
double resp_tracker_delay_s(const resp_tracker *t);

#endif
