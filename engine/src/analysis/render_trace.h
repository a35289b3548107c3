/* What an offline render is measured with: attached to the offline driver's
 * observer hook, it feeds every rendered block to an EBU R128 loudness meter
 * (loudness.h), optionally to a spectrogram (spectrogram.h), and samples the
 * engine's clocks and features at each loudness point (every 0.1 s). Afterwards
 * it writes the spectrogram PNG and the loudness/feature plot PNG. Used by
 * `lull render --spectrogram/--plot` and `lull loudness`.
 *
 * Not realtime: [main] (the observer runs in the offline driver's loop, between
 * blocks, never inside lull_engine_process). */
#ifndef LULL_ANALYSIS_RENDER_TRACE_H
#define LULL_ANALYSIS_RENDER_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/loudness.h"
#include "analysis/spectrogram.h"
#include "drivers/offline_driver.h"

#define RENDER_PLOT_WIDTH 1200 /* pixels, the --plot PNG */
#define RENDER_PLOT_HEIGHT 900

typedef struct render_trace render_trace;

/* [main] For a render of `seconds` at sample_rate; spec NULL: no spectrogram.
 * NULL with a message on failure. */
render_trace *render_trace_new(double sample_rate, double seconds, const spectrogram_opts *spec,
                               char *err, size_t errlen);
void render_trace_free(render_trace *t);

/* [main] Sets o->observe / o->observe_ud so that offline_render feeds the trace. */
void render_trace_attach(render_trace *t, offline_render_opts *o);

/* [main] */
const loudness_meter *render_trace_loudness(const render_trace *t);

/* [main] PNGs; title may be NULL; target_lufs NaN: no target line. True, or false
 * with a message naming the file. */
bool render_trace_write_spectrogram(const render_trace *t, const char *path, const char *title,
                                    char *err, size_t errlen);
bool render_trace_write_plot(const render_trace *t, const char *path, const char *title,
                             double target_lufs, char *err, size_t errlen);

/* [main] After offline_render: the spectrogram to spec_path and the plot to
 * plot_path (either may be NULL), titled with the preset, the plot showing
 * target_lufs (the preset's declared loudness, offline_render_result; NAN: none).
 * True, or false with a message. */
bool render_trace_write(const render_trace *t, const char *preset, double target_lufs,
                        const char *spec_path, const char *plot_path, char *err, size_t errlen);

#endif
