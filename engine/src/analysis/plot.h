/* Time-series panels drawn to a PNG with cairo: the loudness/feature plot of
 * `lull render --plot` (render_trace.h fills the panels).
 *
 * Panels are stacked top to bottom and share one time axis (seconds). Each has a
 * y label, up to PLOT_MAX_LINES lines (NaN values leave gaps, a panel whose lines
 * are all NaN says "no data") and an optional dashed reference line (a loudness
 * target). The y range is fixed (y_min < y_max) or fitted to the finite values
 * at or above clip_min.
 *
 * Not realtime: [main]. */
#ifndef LULL_ANALYSIS_PLOT_H
#define LULL_ANALYSIS_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#define PLOT_MAX_LINES 4
#define PLOT_MAX_PANELS 8

typedef struct plot_line {
    const char *label;
    const float *y; /* one value per time point; NaN = no value */
} plot_line;

typedef struct plot_panel {
    const char *y_label; /* with its unit, e.g. "LUFS" or "breaths/min" */
    plot_line lines[PLOT_MAX_LINES];
    int line_count;
    double y_min, y_max; /* fixed range when y_min < y_max; else fitted */
    double clip_min;     /* fitted ranges ignore values below (e.g. -70 LUFS); -HUGE_VAL none */
    double ref_y;        /* dashed reference line; NaN for none */
    const char *ref_label;
    const char *empty; /* said in a panel with no value to draw; NULL: "no data" */
} plot_panel;

/* [main] Writes a width x height PNG (320x240..8000x8000; `lull render --plot`
 * uses 1200 x 900). t: n time points in seconds, increasing. Returns true, or
 * false with a message naming the file or the bad argument. */
bool plot_write_png(const char *path, int width, int height, const char *title, const double *t,
                    size_t n, const plot_panel *panels, int panel_count, char *err, size_t errlen);

#endif
