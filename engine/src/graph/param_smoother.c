#include "graph/param_smoother.h"

#include <math.h>
#include <string.h>

/* The ramp is linear in the smoothing domain: for logarithmic parameters that is a
 * geometric progression in value units, so each frame costs one multiply (the
 * exp/log are paid once per new target, not per frame). */

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

void param_smoother_init(param_smoother *s, const lull_param_info *info, double sample_rate,
                         float value)
{
    s->min = info->min;
    s->max = info->max;
    s->woken = NULL; /* an owner sets it after init */
    s->index = 0;
    s->logarithmic = (info->flags & LULL_PARAM_LOGARITHMIC) != 0;
    s->stepped = (info->flags & LULL_PARAM_STEPPED) != 0;
    s->ramp_frames = s->stepped ? 0 : (uint32_t)lround(info->smoothing_ms * 1e-3 * sample_rate);
    s->target = clampf(info->def, s->min, s->max);
    param_smoother_jump(s, value);
}

void param_smoother_jump(param_smoother *s, float value)
{
    if (isnan(value)) return;
    s->target = clampf(s->stepped ? roundf(value) : value, s->min, s->max);
    s->current = s->target;
    s->remaining = 0;
    s->pending = false;
    s->step = s->logarithmic ? 1.0 : 0.0;
    s->filled = 0;
    if (s->woken) *s->woken |= 1ull << s->index;
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
    s->pending = true;
    if (s->woken) *s->woken |= 1ull << s->index;
}

/* The ramp from the current value to the target over ramp_frames. */
static void design_ramp(param_smoother *s)
{
    s->pending = false;
    s->remaining = s->ramp_frames;
    double target = s->target;
    if (!s->logarithmic) {
        s->step = (target - s->current) / (double)s->ramp_frames;
    } else {
        /* step = ratio^(1/N). A modulation retargets every block by a small ratio:
         * a short series spares a pow() per parameter per block. */
        double ratio = target / s->current, d = ratio - 1.0;
        if (fabs(d) < 0.05) {
            /* exp(log(ratio)/N) by series: log to d^3 (error < d^4/4 < 2e-6), exp to
             * y^2 with |y| < 0.05/N. The ramp lands exactly on the target anyway. */
            double y = (d - d * d * (0.5 - d / 3.0)) / s->ramp_frames;
            s->step = 1.0 + y * (1.0 + 0.5 * y);
        } else {
            s->step = pow(ratio, 1.0 / s->ramp_frames);
        }
    }
}

bool param_smoother_run(param_smoother *s, float *out, uint32_t frames)
{
    if (s->pending) design_ramp(s);
    if (s->remaining == 0) {
        if (s->filled < frames) {
            float v = (float)s->current;
            for (uint32_t i = 0; i < frames; i++) out[i] = v;
            s->filled = frames;
        }
        return true;
    }
    uint32_t ramp = s->remaining < frames ? s->remaining : frames;
    double v = s->current, step = s->step;
    /* Four frames per step of the recursion, each from the value before them: the
     * frame-to-frame multiply (or add) chain would otherwise bound the speed. */
    uint32_t i = 0;
    if (s->logarithmic) {
        double s2 = step * step, s3 = s2 * step, s4 = s2 * s2;
        for (; i + 4 <= ramp; i += 4) {
            out[i] = (float)(v * step);
            out[i + 1] = (float)(v * s2);
            out[i + 2] = (float)(v * s3);
            out[i + 3] = (float)(v *= s4);
        }
        for (; i < ramp; i++) out[i] = (float)(v *= step);
    } else {
        double s2 = 2.0 * step, s3 = 3.0 * step, s4 = 4.0 * step;
        for (; i + 4 <= ramp; i += 4) {
            out[i] = (float)(v + step);
            out[i + 1] = (float)(v + s2);
            out[i + 2] = (float)(v + s3);
            out[i + 3] = (float)(v += s4);
        }
        for (; i < ramp; i++) out[i] = (float)(v += step);
    }
    s->remaining -= ramp;
    if (s->remaining == 0) v = s->target; /* land exactly, whatever the rounding */
    s->current = v;
    for (i = ramp; i < frames; i++) out[i] = (float)v;
    s->filled = 0;
    return false;
}

bool param_smoother_same(const param_smoother *a, const param_smoother *b)
{
    return memcmp(&a->current, &b->current, sizeof a->current) == 0 &&
           memcmp(&a->step, &b->step, sizeof a->step) == 0 &&
           memcmp(&a->target, &b->target, sizeof a->target) == 0 && a->remaining == b->remaining &&
           a->pending == b->pending && a->ramp_frames == b->ramp_frames &&
           a->logarithmic == b->logarithmic && a->stepped == b->stepped &&
           memcmp(&a->min, &b->min, sizeof a->min) == 0 &&
           memcmp(&a->max, &b->max, sizeof a->max) == 0;
}

float param_smoother_value(const param_smoother *s) { return (float)s->current; }
