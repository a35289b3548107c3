#include "clocks/tempo_clock.h"

#include <math.h>

void tempo_clock_init(tempo_clock *t, const preset_tempo *p)
{
    t->bpm = p->bpm;
    t->beat = 0.0;
}

double tempo_clock_target(const preset_tempo *p, float heart_rate, int heart_ok)
{
    if (p->heart_ratio <= 0.0f || !heart_ok || !isfinite(heart_rate)) return p->bpm;
    double target = heart_rate * p->heart_ratio;
    if (target < p->floor_bpm) target = p->floor_bpm;
    if (target > p->ceiling_bpm) target = p->ceiling_bpm;
    return target;
}

void tempo_clock_advance(tempo_clock *t, const preset_tempo *p, float heart_rate, int heart_ok,
                         double sample_rate, uint32_t frames, lull_clocks *out, lull_event *events,
                         uint32_t *event_count, uint32_t max_events)
{
    double target = tempo_clock_target(p, heart_rate, heart_ok);
    double max_step = p->slew_bpm_per_min / 60.0 * frames / sample_rate;
    double d = target - t->bpm;
    if (p->slew_bpm_per_min > 0.0f) {
        if (d > max_step) d = max_step;
        if (d < -max_step) d = -max_step;
    }
    t->bpm += d;
    out->tempo_bpm = t->bpm;
    out->beat = t->beat;
    out->beat_inc = t->bpm / 60.0 / sample_rate;
    double end = t->beat + out->beat_inc * frames;
    /* Beats whose integer boundary falls inside [beat, end). */
    for (double b = ceil(t->beat); b < end; b += 1.0) {
        if (*event_count >= max_events) break;
        uint32_t off = (uint32_t)ceil((b - t->beat) / out->beat_inc);
        if (off >= frames) off = frames - 1; /* rounding at the block's end: keep it */
        events[(*event_count)++] = (lull_event){.offset = off, .type = LULL_EVENT_BEAT, .value = b};
    }
    /* Keep the position bounded so float precision never degrades over long sessions. */
    t->beat = fmod(end, 65536.0);
}
