/* Modulation: preset mappings from feature and clock sources onto node parameters.
 * Each block, for every mapping: read the source (a feature, or a clock), blend it
 * with the preset's neutral value when its sensor is not OK (the blend glides over
 * stale_glide seconds, both ways, so a dropout never makes the sound jump), map the
 * input range to 0..1, shape it by the curve, scale to the output range, smooth
 * (one-pole), slew-limit, and hand it to the parameter's smoother as its target.
 * Audio thread; state lives in a fixed array sized by the plan. */
#ifndef LULL_MODULATION_MODULATION_H
#define LULL_MODULATION_MODULATION_H

#include <stdint.h>

#include "bio/features.h"
#include "graph/plan.h"
#include "lull/plugin.h"

/* [audio] Source value for a mapping, NAN when unknown. */
float mod_source_value(enum mod_source s, const lull_features *f, const lull_clocks *c);

/* How the mappings onto one parameter combine (preset.h, enum mod_mode): the last
 * "set" mapping's value, else the parameter's base (its preset or last OSC-set
 * value), plus every "add", times every "multiply". One rule for the engine
 * (modulation_run) and for whatever reasons about a preset's reach (the
 * sound-quality suite's largest value of a parameter). */
typedef struct mod_combine {
    float set, add, mul;
} mod_combine;

/* [any] Before any mapping: the parameter's base value. */
static inline mod_combine mod_combine_start(float base) { return (mod_combine){base, 0.0f, 1.0f}; }

/* [any] One mapping's value, by its mode. */
static inline void mod_combine_take(mod_combine *c, enum mod_mode mode, float v)
{
    switch (mode) {
    case MOD_MODE_SET: c->set = v; break;
    case MOD_MODE_ADD: c->add += v; break;
    case MOD_MODE_MUL: c->mul *= v; break;
    }
}

/* [any] The parameter's value: (set + every add) x every multiply. */
static inline float mod_combine_value(const mod_combine *c) { return (c->set + c->add) * c->mul; }

/* [audio] The curve-shaped, range-mapped output for an input (no smoothing). */
float mod_map(const preset_modulation *m, float x);

/* [worker] Link the plan's mappings that drive one parameter (mod_state.next,
 * .leader), bind each leader to its parameter's smoother (so the plan's steps must
 * exist), find each mapping's twin (mod_state.twin; only in a plan with
 * shortcuts, plan_compile_with) and start the preset's LFOs,
 * seeded from the preset and LFO names. */
void modulation_compile(lull_plan *plan, const lull_preset *p);

/* [audio] Advance the LFOs and update every mapping of the plan (state lives in
 * plan->mod_state). Mappings onto one parameter combine (preset.h, enum mod_mode):
 * the "set" value, else plan->mod_base (the preset's or last OSC-set value), plus
 * every "add", times every "multiply". */
void modulation_run(lull_plan *plan, const lull_features *f, const lull_clocks *c,
                    double block_seconds);

#endif
