/* Small cairo helpers shared by the spectrogram and the feature plot: tick steps,
 * anchored text, time labels and writing a surface to a PNG with a clear error.
 * Not realtime: [main]. */
#ifndef LULL_ANALYSIS_DRAW_H
#define LULL_ANALYSIS_DRAW_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

/* A 1, 2 or 5 times a power of ten step giving at most max_ticks ticks over span. */
double draw_nice_step(double span, int max_ticks);

/* [main] Text with its anchor at (x, y): ax 0 = left edge, 0.5 = centre, 1 = right edge;
 * ay the same from the top of the text's ink to its bottom. */
void draw_text(cairo_t *cr, double x, double y, const char *text, double ax, double ay);

/* [main] The same text rotated 90 degrees counter-clockwise, centred on (x, y). */
void draw_text_vertical(cairo_t *cr, double x, double y, const char *text);

/* [main] A tick label for v, with as many decimals as the step needs ("0.5", "12", "1k"
 * when kilo is set and v >= 1000). */
void draw_format_tick(char *buf, size_t n, double v, double step, int kilo);

/* [main] Writes the surface; 0, or -1 with "PATH: cannot write PNG: reason". */
bool draw_write_png(cairo_surface_t *s, const char *path, char *err, size_t errlen);

#endif
