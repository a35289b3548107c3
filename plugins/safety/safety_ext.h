/* Extension "lull.safety/1" of the output safety stage (plugins/safety/safety.c):
 * what the stage did, for the engine's status report and its stop sequence.
 * Obtain it with desc->get_extension(self, LULL_SAFETY_EXT). */
#ifndef LULL_SAFETY_EXT_H
#define LULL_SAFETY_EXT_H

#include <stdint.h>

#define LULL_SAFETY_EXT "lull.safety/1"

typedef struct lull_safety_ext {
    /* [audio] active. Every getter is a plain read of state that process() updates:
     * call it on the audio thread between process() calls (or on any thread while
     * nothing processes), then publish the value however the host likes. */

    /* Non-finite (NaN/Inf) channel samples replaced by 0 since activate(). */
    uint64_t (*scrubbed_samples)(void *self);
    /* Samples the final guarantee clamp had to cut since activate(); the limiter
     * keeps this at 0 unless something is badly wrong. */
    uint64_t (*clamped_samples)(void *self);
    /* Limiter gain reduction at the end of the last block, in dB, >= 0
     * (0 = no reduction, 6 = the signal is 6 dB quieter than it came in). */
    float (*gain_reduction_db)(void *self);
    /* 1 when the gate is fully closed (the output is silent), else 0. */
    int (*faded_out)(void *self);
} lull_safety_ext;

#endif
