#include "clocks/breath_pacer.h"

#include <math.h>

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

double breath_pacer_trial_rate(int i) { return 6.5 - 0.5 * i; }

void breath_pacer_configure(breath_pacer *p, const preset_pacer *s)
{
    p->preset_rate = s->rate;
    p->inhale_fraction = clampd(s->inhale_fraction, 0.2, 0.6);
    if (s->target > 0) p->target = s->target;
}

void breath_pacer_set_mode(breath_pacer *p, enum pacer_mode mode, double target)
{
    if (target > 0) p->target = clampd(target, PACER_MIN_RATE, PACER_MAX_RATE);
    if (mode == p->mode) return;
    p->mode = mode;
    p->guide_started = false;
    p->in_step = p->out_of_step = 0;
    p->trial = p->trial_breaths = 0;
    p->resonance_done = false;
    for (int i = 0; i < PACER_RESONANCE_TRIALS; i++) {
        p->swing_sum[i] = 0;
        p->swing_n[i] = 0;
    }
    p->cycle_hr_min = INFINITY;
    p->cycle_hr_max = -INFINITY;
    if (mode == PACER_RESONANCE) p->rate = breath_pacer_trial_rate(0);
}

void breath_pacer_init(breath_pacer *p, const preset_pacer *s)
{
    *p = (breath_pacer){0};
    p->target = 6.0;
    breath_pacer_configure(p, s);
    p->mode = (enum pacer_mode) - 1;
    breath_pacer_set_mode(p, s->mode, s->target);
    p->rate = s->rate;
    p->phase = 0.0;
}

static bool breath_known(const lull_features *f)
{
    return f->breath_state == LULL_SENSOR_OK && isfinite(f->breath_rate) && f->breath_rate > 0;
}

/* Guide: one decision per breath, at the start of the inhale. */
static void guide_decide(breath_pacer *p, const lull_features *f)
{
    if (!breath_known(f)) return; /* no signal: hold */
    double client = f->breath_rate;
    if (p->guide_started && f->release >= 0.5f) {
        /* A release moment (a sigh, sobbing, a held breath let go): no guiding.
         * Stop stepping down and drift gently toward the client's own rate; the
         * count of breaths in step starts again when it is over. */
        p->in_step = p->out_of_step = 0;
        double d = PACER_RELEASE_FOLLOW * (client - p->rate);
        p->rate += clampd(d, -PACER_GUIDE_STEP, PACER_GUIDE_STEP);
        p->rate = clampd(p->rate, PACER_MIN_RATE, PACER_MAX_RATE);
        return;
    }
    if (!p->guide_started) {
        /* A little below the client, but not below the target unless they already are. */
        p->rate = fmin(client, fmax(p->target, client - 1.0));
        p->rate = fmax(PACER_MIN_RATE, p->rate);
        p->guide_started = true;
        return;
    } else if (fabs(client - p->rate) <= PACER_GUIDE_TOLERANCE) {
        p->out_of_step = 0;
        if (++p->in_step >= PACER_GUIDE_FOLLOW_BREATHS) {
            p->rate = fmax(p->target, p->rate - PACER_GUIDE_STEP);
            p->in_step = 0;
        }
    } else {
        p->in_step = 0;
        if (++p->out_of_step >= PACER_GUIDE_MISS_BREATHS) {
            if (client > p->rate) p->rate = fmin(client, p->rate + PACER_GUIDE_STEP);
            p->out_of_step = 0;
        }
    }
    /* Never faster than the client (beyond the measurement's own noise), but a
     * client who follows a pacer at the target does not drag it below the target:
     * clamping to every low reading would ratchet both down together. */
    p->rate = fmax(PACER_MIN_RATE, fmin(p->rate, client + PACER_CLIENT_SLACK));
}

static void resonance_decide(breath_pacer *p)
{
    if (p->resonance_done) return;
    /* Score the breath that just ended (the first of each trial only settles). */
    if (p->trial_breaths > 0 && isfinite(p->cycle_hr_min) && p->cycle_hr_max >= p->cycle_hr_min) {
        p->swing_sum[p->trial] += p->cycle_hr_max - p->cycle_hr_min;
        p->swing_n[p->trial]++;
    }
    p->cycle_hr_min = INFINITY;
    p->cycle_hr_max = -INFINITY;
    if (++p->trial_breaths > PACER_RESONANCE_BREATHS) {
        p->trial_breaths = 1;
        if (++p->trial >= PACER_RESONANCE_TRIALS) {
            int best = 0;
            double best_swing = -1;
            for (int i = 0; i < PACER_RESONANCE_TRIALS; i++) {
                double s = p->swing_n[i] ? p->swing_sum[i] / p->swing_n[i] : -1;
                if (s > best_swing) {
                    best_swing = s;
                    best = i;
                }
            }
            p->trial = best;
            p->resonance_done = true;
        }
    }
    p->rate = breath_pacer_trial_rate(p->trial);
}

static double wrap_diff(double a)
{
    a -= floor(a);
    return a >= 0.5 ? a - 1.0 : a;
}

void breath_pacer_advance(breath_pacer *p, const lull_features *f, double sample_rate,
                          uint32_t frames, lull_clocks *out, lull_event *events,
                          uint32_t *event_count, uint32_t max_events)
{
    double dt = frames / sample_rate;
    if (p->mode == PACER_FOLLOW) {
        if (breath_known(f)) {
            /* Glide the rate (at most 3 breaths/min per second) and pull the phase
             * toward the client's with a 2 s time constant. */
            double d = clampd(f->breath_rate - p->rate, -3.0 * dt, 3.0 * dt);
            p->rate = clampd(p->rate + d, PACER_MIN_RATE, PACER_MAX_RATE);
            if (isfinite(f->breath_phase))
                p->phase += 0.5 * dt * wrap_diff(f->breath_phase - p->phase);
            p->phase -= floor(p->phase);
        }
    } else if (p->mode == PACER_OFF) {
        p->rate = p->preset_rate;
    } else if (p->mode == PACER_GUIDE && !p->guide_started && breath_known(f)) {
        guide_decide(p, f); /* join the client at once, not at the next inhale */
    }
    if (p->mode == PACER_RESONANCE && f->heart_state == LULL_SENSOR_OK && isfinite(f->heart_rate)) {
        p->cycle_hr_min = fmin(p->cycle_hr_min, f->heart_rate);
        p->cycle_hr_max = fmax(p->cycle_hr_max, f->heart_rate);
    }
    double inc = p->rate / 60.0 / sample_rate;
    out->pacer_rate = p->rate;
    out->pacer_phase = p->phase;
    out->pacer_phase_inc = inc;
    out->inhale_fraction = p->inhale_fraction;
    out->pacer_active = p->mode != PACER_OFF;

    double end = p->phase + inc * frames;
    /* Exhale starts when the phase crosses the inhale fraction. */
    if (p->phase < p->inhale_fraction && end >= p->inhale_fraction && *event_count < max_events) {
        uint32_t off = (uint32_t)ceil((p->inhale_fraction - p->phase) / inc);
        if (off >= frames) off = frames - 1; /* rounding at the block's end: keep it */
        events[(*event_count)++] = (lull_event){off, LULL_EVENT_EXHALE, 0};
    }
    if (end >= 1.0) {
        uint32_t off = (uint32_t)ceil((1.0 - p->phase) / inc);
        if (off >= frames) off = frames - 1;
        if (*event_count < max_events)
            events[(*event_count)++] = (lull_event){off, LULL_EVENT_INHALE, 0};
        end -= 1.0;
        if (p->mode == PACER_GUIDE) guide_decide(p, f);
        if (p->mode == PACER_RESONANCE) resonance_decide(p);
    }
    p->phase = end;
}
