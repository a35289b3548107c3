#include "graph/param_smoother.h"

#include <math.h>

static double to_domain(const param_smoother *s, float v) { return s->logarithmic ? log(v) : v; }
static float from_domain(const param_smoother *s, double d)
{
    return s->logarithmic ? (float)exp(d) : (float)d;
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

void param_smoother_init(param_smoother *s, const lull_param_info *info, double sample_rate,
                         float value)
{
    s->min = info->min;
    s->max = info->max;
    s->logarithmic = (info->flags & LULL_PARAM_LOGARITHMIC) != 0;
    s->stepped = (info->flags & LULL_PARAM_STEPPED) != 0;
    s->ramp_frames = s->stepped ? 0 : (uint32_t)lround(info->smoothing_ms * 1e-3 * sample_rate);
    s->filled = false;
    param_smoother_jump(s, value);
}

void param_smoother_jump(param_smoother *s, float value)
{
    if (isnan(value)) return;
    s->target = clampf(s->stepped ? roundf(value) : value, s->min, s->max);
    s->current = to_domain(s, s->target);
    s->remaining = 0;
    s->step = 0;
    s->filled = false;
}

void param_smoother_set(param_smoother *s, float target)
{
    if (isnan(target)) return;
    target = clampf(s->stepped ? roundf(target) : target, s->min, s->max);
    if (target == s->target) return;
    s->target = target;
    if (s->ramp_frames == 0) {
        param_smoother_jump(s, target);
        return;
    }
    s->remaining = s->ramp_frames;
    s->step = (to_domain(s, target) - s->current) / (double)s->ramp_frames;
}

bool param_smoother_run(param_smoother *s, float *out, uint32_t frames)
{
    if (s->remaining == 0) {
        if (!s->filled) {
            float v = from_domain(s, s->current);
            for (uint32_t i = 0; i < frames; i++) out[i] = v;
            s->filled = true;
        }
        return true;
    }
    for (uint32_t i = 0; i < frames; i++) {
        if (s->remaining > 0) {
            s->current += s->step;
            if (--s->remaining == 0) s->current = to_domain(s, s->target);
        }
        out[i] = from_domain(s, s->current);
    }
    s->filled = false;
    return false;
}

float param_smoother_value(const param_smoother *s) { return from_domain(s, s->current); }
