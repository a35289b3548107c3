/* Host-side parameter smoothing: every parameter glides to a new target along a
 * linear ramp lasting the parameter's declared smoothing time (on a log scale for
 * LULL_PARAM_LOGARITHMIC parameters, so a cutoff sweep sounds even). A new target
 * mid-ramp restarts the ramp from where the value is, so there is never a step.
 * Stepped parameters jump. Runs on the audio thread; no allocation. */
#ifndef LULL_GRAPH_PARAM_SMOOTHER_H
#define LULL_GRAPH_PARAM_SMOOTHER_H

#include <stdbool.h>
#include <stdint.h>

#include "lull/plugin.h"

typedef struct param_smoother {
    float min, max;
    float target;         /* in value units, clamped to [min, max] */
    double current;       /* value units */
    double step;          /* per frame: added (linear) or multiplied (logarithmic) */
    uint32_t remaining;   /* frames left in the ramp */
    uint32_t ramp_frames; /* smoothing time in frames (0 = jump) */
    bool logarithmic;
    bool stepped;
    bool pending;    /* a new target whose ramp the next run designs (param_smoother_set) */
    uint8_t index;   /* this parameter's bit in *woken */
    uint32_t filled; /* the value buffer's first `filled` frames hold `current` */
    /* The owner's mask of parameters to look at in its next block: every set or
     * jump raises this parameter's bit, so a node whose parameters all rest skips
     * them (node_runtime_prepare_shared). NULL: no owner to tell. */
    uint64_t *woken;
} param_smoother;

/* [any !audio] Starts at `value` with no ramp. */
void param_smoother_init(param_smoother *s, const lull_param_info *info, double sample_rate,
                         float value);
/* [audio] Set a new target (clamped; NaN ignored). The ramp toward it is designed by
 * the next param_smoother_run, from the value the smoother holds then (the value it
 * holds now: only a run moves it): the same numbers as designing it here, but paid
 * where the node runs, which the offline driver spreads over cores (plan_pool.h),
 * and once per block however often the target moved. */
void param_smoother_set(param_smoother *s, float target);
/* [audio] Jump to a value without a ramp. */
void param_smoother_jump(param_smoother *s, float value);
/* [audio] Fill out[0..frames) with the smoothed trajectory; returns true when the
 * values are all equal (the buffer may then be left untouched if a previous call
 * already filled at least `frames` frames with that value). */
bool param_smoother_run(param_smoother *s, float *out, uint32_t frames);
/* [audio] True when a run of `a` and a run of `b` would write the same values and
 * leave the same state (every field equal, floating-point ones bit for bit, so a
 * -0.0 is not taken for a 0.0), `filled`, `woken` and `index` aside: they are
 * about the owner's buffer and mask, not the trajectory. Lets a host compute a trajectory shared by several
 * nodes once (node_runtime_prepare_shared). */
bool param_smoother_same(const param_smoother *a, const param_smoother *b);
/* [audio] Current value in parameter units. */
float param_smoother_value(const param_smoother *s);

#endif
