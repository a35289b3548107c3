#include "analysis/plot.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>

#include "analysis/draw.h"

#define MARGIN_L 72
#define MARGIN_R 24
#define MARGIN_T 32
#define MARGIN_B 44
#define PANEL_GAP 22

/* Line colours, distinguishable on the dark background and by most colour-blind
 * viewers (Okabe & Ito's palette: orange, sky blue, bluish green, yellow). */
static const double k_colours[PLOT_MAX_LINES][3] = {
    {0.90, 0.62, 0.00}, {0.34, 0.71, 0.91}, {0.00, 0.62, 0.45}, {0.94, 0.89, 0.26}};

static void panel_range(const plot_panel *p, size_t n, double *lo, double *hi)
{
    if (p->y_min < p->y_max) {
        *lo = p->y_min;
        *hi = p->y_max;
        return;
    }
    double a = HUGE_VAL, b = -HUGE_VAL;
    for (int l = 0; l < p->line_count; l++)
        for (size_t i = 0; i < n; i++) {
            double v = p->lines[l].y[i];
            if (isfinite(v) && v >= p->clip_min) {
                if (v < a) a = v;
                if (v > b) b = v;
            }
        }
    if (isfinite(p->ref_y)) {
        if (p->ref_y < a) a = p->ref_y;
        if (p->ref_y > b) b = p->ref_y;
    }
    if (!(a <= b)) {
        a = 0;
        b = 1;
    }
    double pad = (b - a) * 0.08;
    if (pad < 0.5) pad = 0.5; /* a flat line sits in the middle of a 1-unit range */
    *lo = a - pad;
    *hi = b + pad;
}

static void draw_panel(cairo_t *cr, const plot_panel *p, const double *t, size_t n, double t0,
                       double t1, double x0, double y0, double w, double h, int bottom)
{
    char buf[64];
    double lo, hi;
    panel_range(p, n, &lo, &hi);
    cairo_set_source_rgb(cr, 0.17, 0.17, 0.2);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_fill(cr);

    /* Grid and y ticks. */
    cairo_set_line_width(cr, 1);
    double step = draw_nice_step(hi - lo, 5);
    for (double v = ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
        double y = y0 + h * (hi - v) / (hi - lo);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.34);
        cairo_move_to(cr, x0, floor(y) + 0.5);
        cairo_line_to(cr, x0 + w, floor(y) + 0.5);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        draw_format_tick(buf, sizeof buf, v, step, 0);
        draw_text(cr, x0 - 6, y, buf, 1, 0.5);
    }
    double tstep = draw_nice_step(t1 - t0, 12);
    for (double v = ceil(t0 / tstep) * tstep; v <= t1 + 1e-9; v += tstep) {
        double x = x0 + w * (v - t0) / (t1 - t0);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.34);
        cairo_move_to(cr, floor(x) + 0.5, y0);
        cairo_line_to(cr, floor(x) + 0.5, y0 + h);
        cairo_stroke(cr);
        if (bottom) {
            cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
            draw_format_tick(buf, sizeof buf, v, tstep, 0);
            draw_text(cr, x, y0 + h + 6, buf, 0.5, 0);
        }
    }
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    draw_text_vertical(cr, 14, y0 + h / 2, p->y_label);

    cairo_save(cr);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_clip(cr);
    if (isfinite(p->ref_y)) {
        double y = y0 + h * (hi - p->ref_y) / (hi - lo);
        double dash[] = {6, 4};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x0 + w, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        if (p->ref_label) draw_text(cr, x0 + w - 4, y - 3, p->ref_label, 1, 1);
    }
    int any = 0;
    cairo_set_line_width(cr, 1.5);
    for (int l = 0; l < p->line_count; l++) {
        cairo_set_source_rgb(cr, k_colours[l][0], k_colours[l][1], k_colours[l][2]);
        int pen = 0;
        for (size_t i = 0; i < n; i++) {
            double v = p->lines[l].y[i];
            if (!isfinite(v)) {
                pen = 0;
                continue;
            }
            if (v < lo) v = lo; /* clipped values (silence) lie on the bottom edge */
            any = 1;
            double x = x0 + w * (t[i] - t0) / (t1 - t0), y = y0 + h * (hi - v) / (hi - lo);
            if (pen)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            pen = 1;
        }
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    if (!any) {
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        draw_text(cr, x0 + w / 2, y0 + h * 0.3, p->empty ? p->empty : "no data", 0.5, 0.5);
    }
    /* Legend, top left inside the panel. */
    double lx = x0 + 8;
    for (int l = 0; l < p->line_count; l++) {
        cairo_set_source_rgb(cr, k_colours[l][0], k_colours[l][1], k_colours[l][2]);
        cairo_rectangle(cr, lx, y0 + 7, 14, 3);
        cairo_fill(cr);
        cairo_text_extents_t e;
        cairo_text_extents(cr, p->lines[l].label, &e);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        draw_text(cr, lx + 18, y0 + 8.5, p->lines[l].label, 0, 0.5);
        lx += 18 + e.x_advance + 16;
    }
}

bool plot_write_png(const char *path, int width, int height, const char *title, const double *t,
                    size_t n, const plot_panel *panels, int panel_count, char *err, size_t errlen)
{
    if (width < 320 || width > 8000 || height < 240 || height > 8000) {
        snprintf(err, errlen, "plot: size %dx%d is outside 320x240..8000x8000", width, height);
        return false;
    }
    if (panel_count < 1 || panel_count > PLOT_MAX_PANELS) {
        snprintf(err, errlen, "plot: %d panels (1..%d)", panel_count, PLOT_MAX_PANELS);
        return false;
    }
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(surf);
    bool ok = false;
    if (cairo_surface_status(surf) || cairo_status(cr)) {
        snprintf(err, errlen, "%s: cannot draw: out of memory", path);
        goto done;
    }
    cairo_set_source_rgb(cr, 0.12, 0.12, 0.14);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double t0 = n ? t[0] : 0, t1 = n ? t[n - 1] : 1;
    if (t0 > 0) t0 = 0;
    if (!(t1 > t0)) t1 = t0 + 1;
    double x0 = MARGIN_L, w = width - MARGIN_L - MARGIN_R;
    double ph =
        (height - MARGIN_T - MARGIN_B - PANEL_GAP * (panel_count - 1)) / (double)panel_count;
    cairo_set_font_size(cr, 11);
    for (int i = 0; i < panel_count; i++)
        draw_panel(cr, &panels[i], t, n, t0, t1, x0, MARGIN_T + i * (ph + PANEL_GAP), w, ph,
                   i == panel_count - 1);
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    draw_text(cr, x0 + w / 2, height - 14, "time (s)", 0.5, 0.5);
    if (title) {
        cairo_set_font_size(cr, 13);
        draw_text(cr, x0, 10, title, 0, 0);
    }
    ok = draw_write_png(surf, path, err, errlen);
done:
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    return ok;
}
