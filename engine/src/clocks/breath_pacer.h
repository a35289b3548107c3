/* The breath pacer: a breathing clock (rate, phase, inhale fraction) that the
 * soundscape swells with. Modes (docs/design.md):
 *   off        runs at the preset's rate; pacer_active = 0.
 *   follow     mirrors the client: the rate glides to the measured rate and the
 *              phase is pulled gently toward the measured phase.
 *   guide      starts a little below the measured rate and steps toward the target
 *              once the client follows for several breaths; holds, or steps back
 *              toward the client, when they don't. Never faster than the client
 *              (beyond PACER_CLIENT_SLACK of measurement noise), never below the
 *              target by its own steps, never below 4/min. While a release
 *              moment is in progress (features.release, bio/release_detector.h)
 *              it holds: no step down, the rate drifts toward the client's by
 *              PACER_RELEASE_FOLLOW of the gap per breath (at most one step).
 *   resonance  stepped trials from 6.5 to 4.5/min; keeps the rate that gave the
 *              largest heart-rate swing per breath.
 * Decisions are taken at the start of each inhale, so every breath is whole.
 * Audio thread; plain arithmetic, no allocation. */
#ifndef LULL_CLOCKS_BREATH_PACER_H
#define LULL_CLOCKS_BREATH_PACER_H

#include <stdbool.h>
#include <stdint.h>

#include "bio/features.h"
#include "core/limits.h"
#include "lull/plugin.h"
#include "preset/preset.h"

/* The pacer's rate range (core/limits.h: 4..30 breaths/min). */
#define PACER_MIN_RATE LULL_PACER_MIN_RATE
#define PACER_MAX_RATE LULL_PACER_MAX_RATE
#define PACER_RESONANCE_TRIALS 5
#define PACER_GUIDE_FOLLOW_BREATHS 3 /* breaths in step before stepping down */
#define PACER_GUIDE_MISS_BREATHS 4   /* breaths out of step before stepping back */
#define PACER_GUIDE_STEP 0.5         /* breaths/min per step */
#define PACER_GUIDE_TOLERANCE 0.8    /* breaths/min: "in step" */
#define PACER_CLIENT_SLACK 0.25      /* breaths/min: measurement noise allowed above the client */
#define PACER_RESONANCE_BREATHS 8    /* breaths per trial (the first settles) */
#define PACER_RELEASE_FOLLOW                                                                       \
    0.25 /* share of the gap to the client closed per breath in a release */

typedef struct breath_pacer {
    enum pacer_mode mode;
    double target;      /* guide target, breaths/min */
    double preset_rate; /* rate without a breath signal / in mode off */
    double inhale_fraction;
    double rate;  /* current, breaths/min */
    double phase; /* 0..1 at the start of the next block */
    /* guide */
    bool guide_started;
    int in_step, out_of_step;
    /* resonance */
    int trial, trial_breaths;
    double cycle_hr_min, cycle_hr_max;
    double swing_sum[PACER_RESONANCE_TRIALS];
    int swing_n[PACER_RESONANCE_TRIALS];
    bool resonance_done;
} breath_pacer;

/* [any !audio] */
void breath_pacer_init(breath_pacer *p, const preset_pacer *settings);
/* [audio] Apply a preset's pacer settings (on preset switch) without a phase jump. */
void breath_pacer_configure(breath_pacer *p, const preset_pacer *settings);
/* [audio] Change the mode (target <= 0 keeps the current target). */
void breath_pacer_set_mode(breath_pacer *p, enum pacer_mode mode, double target);

/* [audio] Advance by `frames`, reading the newest features; fill the pacer fields
 * of `out` and append INHALE/EXHALE events. */
void breath_pacer_advance(breath_pacer *p, const lull_features *f, double sample_rate,
                          uint32_t frames, lull_clocks *out, lull_event *events,
                          uint32_t *event_count, uint32_t max_events);

/* [any] The rate of resonance trial i (6.5, 6.0, ... 4.5). */
double breath_pacer_trial_rate(int i);

#endif
