/* A synthetic client: deterministic (seeded) breathing and heartbeat, sampled as
 * the raw signals a wearable would send (respiration belt, ECG, PPG), plus the
 * beat-to-beat intervals and heart rate a chest strap would report, with the
 * ground truth (true breath onsets, beats, rates) exposed for tests. Used by
 * `lull simulate`, `lull render --simulate` and the closed-loop test.
 *
 * The model (docs/biosignals.md, "The simulated client"):
 *  - Breathing is a phase oscillator. Each breath draws its rate from the
 *    profile's rate at that time (slow glide + a 97-s drift of +-0.4/min) with
 *    +-4 % breath-to-breath jitter, and its depth (+-12 %, deeper when slower:
 *    x sqrt(12 / rate)). The waveform rises as a half cosine over the inhale
 *    (fraction fi of the cycle) and falls over the exhale as a cosine of a
 *    time-warped axis (1 - (1-u)^2): quick at first, a long flat tail.
 *  - Heart rate HR(t) = base(t) + RSA + LF. RSA = A x g(rate) x (2 v - 1), v the
 *    normalised lung volume (0..1), so HR rises over the inhale and falls over
 *    the exhale; g(rate) = 1 / (1 + ((rate - 6) / 4)^2) is the baroreflex
 *    resonance: the swing is largest near 6 breaths/min. LF is an
 *    Ornstein-Uhlenbeck process (tau 10 s). Each beat schedules the next one
 *    60/HR later plus white jitter (HF, sd in ms).
 *  - ECG: per beat, five Gaussians (P, Q, R, S, T; after McSharry et al. 2003,
 *    IEEE TBME 50(3), in the time domain, with the T wave placed at
 *    0.28 x sqrt(RR) after R), QRS amplitude modulated +-5 % by breathing,
 *    respiratory baseline wander and noise. Units mV.
 *  - PPG: per beat, after a pulse transit time of 0.22 s, a systolic Gaussian
 *    and a smaller, later diastolic one with the dicrotic notch between them;
 *    respiratory amplitude and baseline modulation. Arbitrary units.
 *  - Follower: starts at 14/min. While it knows the pacer (reported within the
 *    last 5 s), at each of its inhale onsets its rate moves 30 % of the way to
 *    the pacer's rate unless the pacer is more than 3/min slower (too slow to
 *    follow: it drifts 10 % per breath back to its natural 14/min), and its
 *    phase is pulled toward the pacer's with a gain of 0.05 /s (the pull is
 *    bounded so breathing never stops or runs backwards).
 *  - Dropouts: steady + gaps (every ~25 s on average, 1-5 s long) during which
 *    nothing is sent, and motion-artifact bursts (every ~40 s, 1-3 s) of large
 *    noise (about 4 x the signal) on every waveform.
 *  - Release: steady, with release moments on a fixed schedule (the truth is
 *    client_tick.release): sighs (one breath 2.6 x as deep and 1.7 x as long)
 *    starting the first breath after 90, 200, 420 and 600 s; sobbing-like breathing
 *    from 260 to 320 s (breaths of 24/min +-35 %, depths 0.4-1.3 x, inhale 30 %
 *    of the cycle, the heart 18 bpm faster, ramped in and out over 5 s); and a
 *    breath held 15 s at the top of the first inhale after 480 s, then let go.
 *
 * Time advances in ticks of 1/CLIENT_ECG_FS; respiration and PPG are sampled
 * every CLIENT_RESP_DIV and CLIENT_PPG_DIV ticks. Plain arithmetic, no
 * allocation; one thread at a time. */
#ifndef LULL_SIM_CLIENT_MODEL_H
#define LULL_SIM_CLIENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_ECG_FS 250.0
#define CLIENT_RESP_DIV 5 /* respiration at 50 Hz */
#define CLIENT_PPG_DIV 2  /* PPG at 125 Hz */
#define CLIENT_RESP_FS (CLIENT_ECG_FS / CLIENT_RESP_DIV)
#define CLIENT_PPG_FS (CLIENT_ECG_FS / CLIENT_PPG_DIV)

typedef enum client_profile {
    CLIENT_STEADY = 0, /* ~12 breaths/min, HR ~68 */
    CLIENT_RELAXING,   /* rate glides 14 -> 8 over 10 min, HR 76 -> 62 */
    CLIENT_STRESSED,   /* ~18 breaths/min, HR ~88, low HRV */
    CLIENT_DROPOUTS,   /* steady + gaps + motion artifacts */
    CLIENT_FOLLOWER,   /* starts at 14/min, follows the pacer it is told about */
    CLIENT_RELEASE,    /* steady + sighs, a sobbing episode, a breath hold */
    CLIENT_PROFILE_COUNT
} client_profile;

/* [main] Profile by name ("steady", ...); false when unknown. */
bool client_profile_parse(const char *name, client_profile *out);
const char *client_profile_name(client_profile p);
/* [main] "steady|relaxing|stressed|dropouts|follower|release" */
const char *client_profile_names(void);

/* A profile with optional overrides, written "NAME[:heart=BPM][:breath=RATE]"
 * (e.g. "steady:heart=84"): the resting heart rate (30..180 bpm) and breath rate
 * (3..40 breaths/min) replace the profile's own (glides included) so a render can
 * put a preset in front of a client at a chosen pace. */
typedef struct client_spec {
    client_profile profile;
    double heart_bpm;   /* 0: the profile's */
    double breath_rate; /* 0: the profile's */
} client_spec;

/* [any] Parse a spec; false + a message naming the bad part. */
bool client_spec_parse(const char *text, client_spec *out, char *err, size_t errlen);

typedef struct client_tick {
    int64_t index; /* tick number, time = index / CLIENT_ECG_FS */
    double t;
    bool sending;  /* false during a dropout gap: the device sends nothing */
    bool artifact; /* a motion artifact burst is on the waveforms */
    float ecg;     /* mV, every tick */
    bool has_resp, has_ppg;
    float resp, ppg; /* valid when has_* */
    /* ground truth */
    bool beat; /* an R peak at beat_t, in (t - 1/fs, t] */
    double beat_t;
    double rr_ms;      /* interval ending at this beat */
    bool breath_onset; /* an inhale started at onset_t, in (t - 1/fs, t] */
    double onset_t;
    double breath_rate;  /* rate of the breath in progress, breaths/min */
    double breath_phase; /* 0..1, 0 = inhale onset */
    double heart_rate;   /* instantaneous HR driving the beats, bpm */
    bool release;        /* a release moment (release profile): sigh breath, sobbing, hold */
} client_tick;

typedef struct client_beat {
    double t, rr_s;
} client_beat;

typedef struct client_model {
    client_profile profile;
    double heart_override, breath_override; /* 0: the profile's (client_spec) */
    double swing_mean;                      /* mean of the breathing swing 2v - 1 */
    uint64_t rng;
    int64_t n;
    /* breathing */
    double phase, rate, depth, inhale_fraction;
    double drift_phase; /* of the slow rate drift, radians */
    double follow_rate; /* follower's own rate */
    /* pacer as last reported (follower) */
    double pacer_t, pacer_rate, pacer_phase;
    /* heart */
    double lf;            /* bpm */
    client_beat beats[3]; /* most recent first */
    double next_beat_t;
    /* dropouts */
    double gap_start, gap_end, art_start, art_end;
    double motion; /* slow part of a motion artifact */
    /* release profile */
    int sighs_done;
    bool sigh_breath; /* the breath in progress is a sigh */
    bool hold_done;
    double hold_until; /* breath held (phase stopped) until then */
} client_model;

/* [main] */
void client_model_init(client_model *m, client_profile p, uint64_t seed);
/* [main] client_model_init with the spec's overrides. */
void client_model_init_spec(client_model *m, const client_spec *spec, uint64_t seed);

/* [main] Advances one tick (1/CLIENT_ECG_FS) and fills *out. */
void client_model_tick(client_model *m, client_tick *out);

/* [main] Tells the model the pacer's state at time t (seconds on the model's clock):
 * rate in breaths/min, phase 0..1 (0 = inhale start). Only the follower uses it. */
void client_model_set_pacer(client_model *m, double t, double rate, double phase);

/* [main] The profile's resting values at time t (the means the model breathes and beats
 * around; the follower's are for its natural, unguided breathing). */
double client_model_nominal_breath_rate(client_profile p, double t);
double client_model_nominal_heart_rate(client_profile p, double t, double breath_rate);

#endif
