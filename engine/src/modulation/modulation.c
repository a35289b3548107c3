#include "modulation/modulation.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph/node_runtime.h"

float mod_source_value(enum mod_source s, const lull_features *f, const lull_clocks *c)
{
    switch (s) {
    case MOD_BREATH_RATE: return f->breath_rate;
    case MOD_BREATH_PHASE: return f->breath_phase;
    case MOD_BREATH_DEPTH: return f->breath_depth;
    case MOD_HEART_RATE: return f->heart_rate;
    case MOD_HEART_RMSSD: return f->rmssd;
    case MOD_HEART_COHERENCE: return f->coherence;
    case MOD_AROUSAL: return f->arousal;
    case MOD_PACER_PHASE: return (float)c->pacer_phase;
    case MOD_PACER_RATE: return (float)c->pacer_rate;
    case MOD_PACER_BREATH: {
        /* The same raised-cosine envelope the swell node uses. */
        double p = c->pacer_phase, fr = c->inhale_fraction;
        return (float)(p < fr ? 0.5 - 0.5 * cos(M_PI * p / fr)
                              : 0.5 + 0.5 * cos(M_PI * (p - fr) / (1.0 - fr)));
    }
    case MOD_TEMPO_BEAT: return (float)(c->beat - floor(c->beat));
    case MOD_TEMPO_BPM: return (float)c->tempo_bpm;
    case MOD_RELEASE: return f->release;
    default: return NAN;
    }
}

float mod_map(const preset_modulation *m, float x)
{
    float span = m->in_max - m->in_min;
    float u = span != 0.0f ? (x - m->in_min) / span : 0.0f;
    u = u < 0.0f ? 0.0f : u > 1.0f ? 1.0f : u;
    float lo = m->out_min, hi = m->out_max;
    switch (m->curve) {
    case MOD_CURVE_EXP:
        /* Equal ratios per step (pitch, cutoff): needs both ends of one sign. */
        if (lo > 0.0f && hi > 0.0f) return lo * powf(hi / lo, u);
        u = u * u;
        break;
    case MOD_CURVE_LOG: u = log10f(1.0f + 9.0f * u); break;
    case MOD_CURVE_SMOOTH: u = u * u * (3.0f - 2.0f * u); break;
    default: break;
    }
    return lo + (hi - lo) * u;
}

static int source_ok(enum mod_source s, const lull_features *f, float live)
{
    int sensor = mod_source_sensor(s);
    if (sensor == 0) return 1;
    int state = sensor == 1 ? f->breath_state : f->heart_state;
    return state == LULL_SENSOR_OK && isfinite(live);
}

/* Whether two mappings compute the same value in every block: everything but their
 * target equal, numbers bit for bit. */
static bool same_mapping(const preset_modulation *a, const preset_modulation *b)
{
#define SAME_BITS(f) (memcmp(&a->f, &b->f, sizeof a->f) == 0)
    return a->source == b->source && a->curve == b->curve && a->mode == b->mode &&
           a->lfo == b->lfo && SAME_BITS(in_min) && SAME_BITS(in_max) && SAME_BITS(out_min) &&
           SAME_BITS(out_max) && SAME_BITS(smoothing_ms) && SAME_BITS(slew_per_s) &&
           SAME_BITS(neutral);
#undef SAME_BITS
}

void modulation_compile(lull_plan *plan, const lull_preset *p)
{
    for (uint32_t i = 0; i < plan->modulation_count; i++) {
        const preset_modulation *m = &plan->modulations[i];
        plan->mod_state[i].next = -1;
        plan->mod_state[i].leader = true;
        plan->mod_state[i].param = plan_param(plan, m->node, m->param);
        plan->mod_state[i].twin = -1;
        for (uint32_t j = 0; plan->shortcuts && j < i; j++)
            if (plan->mod_state[j].twin < 0 && same_mapping(&plan->modulations[j], m)) {
                plan->mod_state[i].twin = (int32_t)j;
                break;
            }
        for (uint32_t j = 0; j < i; j++)
            if (plan->modulations[j].node == plan->modulations[i].node &&
                plan->modulations[j].param == plan->modulations[i].param) {
                plan->mod_state[i].leader = false;
                uint32_t k = j; /* append to the chain that starts at j */
                while (plan->mod_state[k].next >= 0) k = (uint32_t)plan->mod_state[k].next;
                plan->mod_state[k].next = (int32_t)i;
                break;
            }
    }
    plan->lfo_count = (uint32_t)p->lfo_count;
    for (uint32_t i = 0; i < plan->lfo_count; i++) {
        plan->lfos[i] = p->lfos[i];
        char key[160];
        snprintf(key, sizeof key, "%s/lfo.%s", p->name, p->lfos[i].name);
        lfo_init(&plan->lfo_state[i], &plan->lfos[i], node_seed(key));
    }
}

/* One mapping's smoothed, slew-limited value for this block (into st->value). */
static void mapping_update(const preset_modulation *m, mod_state *st, float live, int ok,
                           float glide_step, double block_seconds)
{
    if (!st->primed) st->blend = ok ? 1.0f : 0.0f;
    st->blend += ok ? glide_step : -glide_step;
    st->blend = st->blend < 0.0f ? 0.0f : st->blend > 1.0f ? 1.0f : st->blend;
    float x = m->neutral;
    if (st->blend > 0.0f && isfinite(live)) x = st->blend * live + (1.0f - st->blend) * m->neutral;
    float y = mod_map(m, x);
    if (!st->primed) {
        st->value = y;
        st->primed = 1;
        return;
    }
    if (m->smoothing_ms > 0.0f)
        y = st->value +
            (y - st->value) * (1.0f - expf(-(float)block_seconds * 1000.0f / m->smoothing_ms));
    if (m->slew_per_s > 0.0f) {
        float max_d = m->slew_per_s * (float)block_seconds;
        if (y - st->value > max_d) y = st->value + max_d;
        if (st->value - y > max_d) y = st->value - max_d;
    }
    st->value = y;
}

void modulation_run(lull_plan *plan, const lull_features *f, const lull_clocks *c,
                    double block_seconds)
{
    float glide_step =
        plan->stale_glide_s > 0 ? (float)(block_seconds / plan->stale_glide_s) : 1.0f;
    for (uint32_t i = 0; i < plan->lfo_count; i++)
        lfo_advance(&plan->lfo_state[i], &plan->lfos[i], block_seconds);
    /* Each source is read once per block however many mappings use it. */
    float source[MOD_SOURCE_COUNT];
    uint32_t have = 0;
    for (uint32_t i = 0; i < plan->modulation_count; i++) {
        const preset_modulation *m = &plan->modulations[i];
        mod_state *st = &plan->mod_state[i];
        if (st->twin >= 0) {
            const mod_state *t = &plan->mod_state[st->twin];
            st->blend = t->blend;
            st->value = t->value;
            st->primed = t->primed;
            continue;
        }
        float live;
        if (m->source == MOD_LFO) {
            live = m->lfo < plan->lfo_count ? plan->lfo_state[m->lfo].value : 0.0f;
        } else {
            if (!(have & (1u << m->source))) {
                source[m->source] = mod_source_value(m->source, f, c);
                have |= 1u << m->source;
            }
            live = source[m->source];
        }
        mapping_update(m, st, live, source_ok(m->source, f, live), glide_step, block_seconds);
    }
    /* Combine the mappings of each parameter once, at its first mapping. */
    for (uint32_t i = 0; i < plan->modulation_count; i++) {
        const mod_state *st = &plan->mod_state[i];
        if (!st->leader) continue;
        mod_combine comb = mod_combine_start(plan->mod_base[i]);
        for (int32_t k = (int32_t)i; k >= 0; k = plan->mod_state[k].next)
            mod_combine_take(&comb, plan->modulations[k].mode, plan->mod_state[k].value);
        if (st->param) param_smoother_set(st->param, mod_combine_value(&comb));
    }
}
