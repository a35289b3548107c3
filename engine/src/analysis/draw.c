#include "analysis/draw.h"

#include <math.h>
#include <stdio.h>

double draw_nice_step(double span, int max_ticks)
{
    if (!(span > 0) || max_ticks < 1) return 1.0;
    double raw = span / max_ticks;
    double p = pow(10.0, floor(log10(raw)));
    static const double mult[] = {1, 2, 5, 10};
    for (int i = 0; i < 4; i++)
        if (mult[i] * p >= raw) return mult[i] * p;
    return 10 * p;
}

void draw_text(cairo_t *cr, double x, double y, const char *text, double ax, double ay)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    cairo_move_to(cr, x - e.x_bearing - ax * e.width, y - e.y_bearing - ay * e.height);
    cairo_show_text(cr, text);
}

void draw_text_vertical(cairo_t *cr, double x, double y, const char *text)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -M_PI / 2);
    draw_text(cr, 0, 0, text, 0.5, 0.5);
    cairo_restore(cr);
}

void draw_format_tick(char *buf, size_t n, double v, double step, int kilo)
{
    if (kilo && fabs(v) >= 1000) {
        v /= 1000;
        step /= 1000;
        int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, n, "%.*fk", dec, v);
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (fabs(v) < step * 1e-6) v = 0; /* no "-0" */
    snprintf(buf, n, "%.*f", dec, v);
}

bool draw_write_png(cairo_surface_t *s, const char *path, char *err, size_t errlen)
{
    cairo_surface_flush(s);
    cairo_status_t st = cairo_surface_status(s);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_write_to_png(s, path);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: cannot write PNG: %s", path, cairo_status_to_string(st));
        return false;
    }
    return true;
}
