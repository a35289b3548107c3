/* The biosignal pipeline of one session: sensor input in, lull_features frames
 * out. The daemon's biosignal thread and `lull analyze` (and the offline
 * driver) run this same object.
 *
 * Input:
 *  - raw waveforms (respiration, ECG, PPG) in batches stamped with the time of
 *    their last sample (the daemon: arrival time on a monotonic clock; offline
 *    callers: exact times). Earlier samples are spread back at the nominal rate.
 *    The stream keeps its own sample clock; each batch nudges it toward the
 *    stamps by at most 1 ms (network jitter does not move beats; clock drift up
 *    to 1 % per batch-per-second is followed). A stamp further than
 *    `gap_tolerance_s` after the clock is a gap (the sensor stopped sending):
 *    the clock restarts at the stamp and the extractors restart their filters;
 *    one further before it is a clock jump, handled the same way. Both counted.
 *  - RR intervals (ms) from devices that send them: beat times are built by
 *    adding the intervals to the previous beat (exact intervals), nudged like a
 *    sample clock; the chain restarts at the stamp when they disagree by more
 *    than the tolerance or after a dropped interval.
 *  - heart rate (bpm) from devices that send only that.
 * Bad input is dropped and counted, never passed on: non-finite or absurd
 * samples (|x| > 1e9) are replaced by the previous good sample (keeping time);
 * non-finite stamps drop the batch; RR outside 0 < RR <= 5000 ms, HR outside
 * 20..300 bpm are dropped.
 *
 * Heart source: beats come from ECG, RR or PPG; the first of these (in that
 * order) that is fresh drives heart rate, RMSSD, RSA and coherence. A switch of
 * source breaks the interval chain (no successive difference across it).
 *
 * Staleness (state STALE, quality 0; the last values are kept):
 *  - breath: no respiration sample for 1 s;
 *  - heart from a waveform: no sample for 1 s, or no beat for 2.5 median
 *    intervals plus the detector's reporting delay;
 *  - heart from RR: no RR message for 2.5 median intervals + 1 s (devices send
 *    about once a second);
 *  - heart from HR only: no HR for 3 s.
 *
 * Threads: one thread at a time (the biosignal thread). Everything is allocated
 * in _new and bio_pipeline_set_rate(); the push and features calls never
 * allocate, lock or do I/O. */
#ifndef LULL_BIO_BIO_PIPELINE_H
#define LULL_BIO_BIO_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "bio/beat_validator.h"
#include "bio/features.h"
#include "bio/release_detector.h"
#include "bio/resp_tracker.h"

typedef enum bio_stream {
    BIO_RESP = 0,
    BIO_ECG = 1,
    BIO_PPG = 2,
    BIO_WAVEFORMS = 3,
} bio_stream;

typedef struct bio_pipeline_config {
    double rate_hz[BIO_WAVEFORMS]; /* nominal rates; 0 = default (25, 250, 64 Hz) */
    double gap_tolerance_s;        /* 0 = default 0.5 s */
} bio_pipeline_config;

typedef struct bio_pipeline_counters {
    uint64_t samples[BIO_WAVEFORMS];     /* accepted waveform samples */
    uint64_t bad_samples[BIO_WAVEFORMS]; /* non-finite/absurd, replaced */
    uint64_t bad_batches[BIO_WAVEFORMS]; /* non-finite stamp, dropped */
    uint64_t gaps[BIO_WAVEFORMS];        /* gaps and clock jumps */
    uint64_t beats[BIO_WAVEFORMS];       /* detected beats (ECG, PPG) */
    uint64_t rr_accepted, rr_dropped, rr_gaps;
    uint64_t hr_accepted, hr_dropped;
    uint64_t intervals_valid, intervals_flagged; /* beat validator verdicts */
    uint64_t breaths;                            /* inhale onsets */
} bio_pipeline_counters;

/* Optional callbacks for the events behind the features (used by `lull analyze`). */
typedef struct bio_pipeline_listener {
    void (*breath)(void *ctx, const resp_event *ev);
    /* A validated beat from a source (BIO_ECG, BIO_PPG, or BIO_WAVEFORMS for RR). */
    void (*beat)(void *ctx, bio_stream source, const beat_result *r);
    void *ctx;
} bio_pipeline_listener;

/* Called for each release moment that ended (start, end, evidence), from a
 * features call; the one in progress at bio_pipeline_flush ends at the last frame. */
typedef void (*bio_release_fn)(void *ctx, const release_event *ev);

typedef struct bio_pipeline bio_pipeline;

/* [any] */
void bio_pipeline_config_default(bio_pipeline_config *cfg);

/* [main] cfg NULL = defaults. Returns NULL on a bad rate or no memory. */
bio_pipeline *bio_pipeline_new(const bio_pipeline_config *cfg);
/* [main] */
void bio_pipeline_free(bio_pipeline *p);

/* [bio] Changes a waveform's nominal rate (e.g. /lull/bio/<signal>/rate). Allocates:
 * not for the push path. Returns true, or false when out of range (respiration 4..1000,
 * ECG 50..10000, PPG 20..10000 Hz: core/limits.h) or out of memory (the old rate stays);
 * no message: the two reasons are these, and the caller names the stream and rate. */
bool bio_pipeline_set_rate(bio_pipeline *p, bio_stream s, double hz);
/* [bio] */
double bio_pipeline_rate(const bio_pipeline *p, bio_stream s);

/* [main] */
void bio_pipeline_set_listener(bio_pipeline *p, const bio_pipeline_listener *l);
/* [main] fn NULL: none. */
void bio_pipeline_set_release_listener(bio_pipeline *p, bio_release_fn fn, void *ctx);

/* [bio] n samples of a waveform; t_last_s is the time of the last one. */
void bio_pipeline_push_samples(bio_pipeline *p, bio_stream s, const float *x, size_t n,
                               double t_last_s);
/* [bio] n RR intervals (ms), the last one ending at t_s. */
void bio_pipeline_push_rr(bio_pipeline *p, const float *rr_ms, size_t n, double t_s);
/* [bio] */
void bio_pipeline_push_hr(bio_pipeline *p, float bpm, double t_s);

/* [bio] The features at time now_s (>= the last stamp; call e.g. every 100 ms). Also
 * advances coherence (every 5 s), RSA and the baseline. */
void bio_pipeline_features(bio_pipeline *p, double now_s, lull_features *out);

/* [bio] End of a recorded stream: reports the last beat of each source (validators
 * judge a beat when the next arrives) and a release still in progress. */
void bio_pipeline_flush(bio_pipeline *p);

/* [bio] */
void bio_pipeline_counters_get(const bio_pipeline *p, bio_pipeline_counters *out);

#endif
