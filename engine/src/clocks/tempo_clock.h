/* The tempo clock: bpm and beat position. Without a heart signal it sits at the
 * preset's bpm; with one (and follow_heart > 0) it follows heart_rate * ratio,
 * clamped to [floor, ceiling], never changing faster than the preset's slew
 * (bpm per minute). Audio thread; plain arithmetic. */
#ifndef LULL_CLOCKS_TEMPO_CLOCK_H
#define LULL_CLOCKS_TEMPO_CLOCK_H

#include <stdint.h>

#include "lull/plugin.h"
#include "preset/preset.h"

typedef struct tempo_clock {
    double bpm;
    double beat; /* position at the start of the next block */
} tempo_clock;

/* [any !audio] */
void tempo_clock_init(tempo_clock *t, const preset_tempo *p);
/* [audio] Advance by `frames`: slew toward the target, fill the clock fields and
 * append a LULL_EVENT_BEAT event for every beat that starts in the block. */
void tempo_clock_advance(tempo_clock *t, const preset_tempo *p, float heart_rate, int heart_ok,
                         double sample_rate, uint32_t frames, lull_clocks *out, lull_event *events,
                         uint32_t *event_count, uint32_t max_events);

/* [any] The target tempo for a heart rate (NaN or !heart_ok: the preset's bpm). */
double tempo_clock_target(const preset_tempo *p, float heart_rate, int heart_ok);

#endif
