/* Slow modulation sources declared by a preset ("lfos"), SuperCollider-style:
 * periodic sine and triangle, and smooth random drift in two flavours after
 * SuperCollider's LFNoise1 (straight lines between random values drawn `rate`
 * times a second) and LFNoise2 (a smooth curve through them; here a monotone cubic
 * Hermite with Fritsch-Butland slopes: value and slope continuous, never beyond the
 * random values, unlike LFNoise2's overshooting quadratic). Output -1..1. Advanced once per engine
 * block on the audio thread (no allocation); seeded, so renders are bit-identical.
 * Read in presets as the modulation source "lfo.<name>". */
#ifndef LULL_MODULATION_LFO_H
#define LULL_MODULATION_LFO_H

#include <stdint.h>

enum lfo_shape { LFO_SINE = 0, LFO_TRIANGLE, LFO_NOISE1, LFO_NOISE2, LFO_SHAPE_COUNT };

#define LFO_RATE_MIN 0.0005 /* Hz: one cycle in about 33 min */
#define LFO_RATE_MAX 20.0   /* Hz */
#define LFO_MAX_PER_PRESET 8

typedef struct lfo_def {
    char name[32]; /* [a-z0-9_]+ */
    enum lfo_shape shape;
    double rate_hz; /* cycles (sine, triangle) or new random values per second */
    double phase;   /* 0..1 start phase (periodic shapes) */
} lfo_def;

typedef struct lfo_state {
    double phase;  /* 0..1 within the cycle / between random points */
    double pts[4]; /* noise: the last four random points, pts[1] -> pts[2] now */
    uint64_t rng;
    float value;
} lfo_state;

/* [any] "sine", ...; -1 for an unknown name. */
int lfo_shape_parse(const char *name);
const char *lfo_shape_name(enum lfo_shape s);
/* [any] "sine, triangle, noise1, noise2" */
const char *lfo_shape_names(void);

/* [worker] Start state; seed from the preset and the LFO's name. */
void lfo_init(lfo_state *s, const lfo_def *d, uint64_t seed);
/* [audio] Advance by `seconds`; returns the value at the new time, -1..1. */
float lfo_advance(lfo_state *s, const lfo_def *d, double seconds);

#endif
