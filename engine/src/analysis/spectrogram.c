#include "analysis/spectrogram.h"

#include <cairo.h>
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/draw.h"

#define MARGIN_L 64
#define MARGIN_R 96
#define MARGIN_T 28
#define MARGIN_B 44
#define LOG_F_LO 20.0
#define LOG_F_HI 20000.0

/* How a plot row reads the spectrum: the mean of bins k_lo..k_hi, or (k_lo > k_hi)
 * the power interpolated between bin `k0` and k0 + 1 at fraction `frac`. */
typedef struct row_map {
    int k_lo, k_hi;
    int k0;
    double frac;
} row_map;

struct spectrogram {
    spectrogram_opts o;
    spectrogram_area a;
    double rate;
    uint64_t total; /* frames on the time axis */
    uint64_t fed;
    uint64_t hop;
    uint64_t next_end; /* fed count at which the next frame is complete */
    unsigned n;        /* fft size */
    float *ring;       /* last n mid samples, ring[fed % n] is the oldest */
    double *window, *frame;
    fftw_complex *bins;
    fftw_plan plan;
    double scale;        /* |X|^2 * scale = amplitude^2 of a bin-centred sine */
    row_map *rows;       /* a.h */
    float *power;        /* a.w * a.h, summed power per pixel */
    uint32_t *frames_in; /* a.w: frames summed into each column */
};

void spectrogram_defaults(spectrogram_opts *o)
{
    *o = (spectrogram_opts){.width = 1200,
                            .height = 600,
                            .linear = false,
                            .db_top = 0,
                            .db_range = 120,
                            .fft_size = 4096};
}

spectrogram_area spectrogram_plot_area(const spectrogram_opts *o)
{
    return (spectrogram_area){MARGIN_L, MARGIN_T, o->width - MARGIN_L - MARGIN_R,
                              o->height - MARGIN_T - MARGIN_B};
}

static double axis_top_hz(const spectrogram_opts *o, double rate)
{
    return o->linear ? rate / 2 : fmin(LOG_F_HI, rate / 2);
}

/* Frequency at fraction u of the axis height (0 bottom, 1 top). */
static double axis_hz(const spectrogram_opts *o, double rate, double u)
{
    double top = axis_top_hz(o, rate);
    return o->linear ? u * top : LOG_F_LO * pow(top / LOG_F_LO, u);
}

static double axis_fraction(const spectrogram_opts *o, double rate, double hz)
{
    double top = axis_top_hz(o, rate);
    return o->linear ? hz / top : log(hz / LOG_F_LO) / log(top / LOG_F_LO);
}

double spectrogram_row_hz(const spectrogram_opts *o, double rate, int row)
{
    spectrogram_area a = spectrogram_plot_area(o);
    return axis_hz(o, rate, (a.h - row - 0.5) / a.h);
}

void spectrogram_free(spectrogram *s)
{
    if (!s) return;
    if (s->plan) fftw_destroy_plan(s->plan);
    fftw_free(s->frame);
    fftw_free(s->bins);
    free(s->window);
    free(s->ring);
    free(s->rows);
    free(s->power);
    free(s->frames_in);
    free(s);
}

spectrogram *spectrogram_new(const spectrogram_opts *o, double rate, double seconds, char *err,
                             size_t errlen)
{
    if (o->width < 320 || o->width > 8000 || o->height < 200 || o->height > 8000) {
        snprintf(err, errlen, "spectrogram: size %dx%d is outside 320x200..8000x8000", o->width,
                 o->height);
        return NULL;
    }
    if (o->fft_size < 256 || o->fft_size > 65536 || (o->fft_size & (o->fft_size - 1))) {
        snprintf(err, errlen, "spectrogram: FFT size %u is not a power of two in 256..65536",
                 o->fft_size);
        return NULL;
    }
    if (!(o->db_range >= 10 && o->db_range <= 200) || !isfinite(o->db_top)) {
        snprintf(err, errlen, "spectrogram: dB range %g is outside 10..200", o->db_range);
        return NULL;
    }
    if (!(rate >= 8000 && rate <= 384000) || !(seconds > 0)) {
        snprintf(err, errlen, "spectrogram: bad rate %g Hz or length %g s", rate, seconds);
        return NULL;
    }
    spectrogram *s = calloc(1, sizeof *s);
    if (!s) goto oom;
    s->o = *o;
    s->a = spectrogram_plot_area(o);
    s->rate = rate;
    s->n = o->fft_size;
    s->total = (uint64_t)llround(seconds * rate);
    if (s->total < 1) s->total = 1;
    uint64_t per_col = s->total / (uint64_t)s->a.w;
    s->hop = s->n / 4;
    if (per_col >= 1 && per_col < s->hop) s->hop = per_col;
    if (per_col < 1) s->hop = 1;
    s->next_end = s->n / 2; /* the first frame is centred on sample 0 */
    s->ring = calloc(s->n, sizeof *s->ring);
    s->window = malloc(s->n * sizeof *s->window);
    s->frame = fftw_malloc(s->n * sizeof *s->frame);
    s->bins = fftw_malloc((s->n / 2 + 1) * sizeof *s->bins);
    s->rows = malloc((size_t)s->a.h * sizeof *s->rows);
    s->power = calloc((size_t)s->a.w * (size_t)s->a.h, sizeof *s->power);
    s->frames_in = calloc((size_t)s->a.w, sizeof *s->frames_in);
    if (!s->ring || !s->window || !s->frame || !s->bins || !s->rows || !s->power || !s->frames_in)
        goto oom;
    double wsum = 0;
    for (unsigned i = 0; i < s->n; i++) {
        s->window[i] = 0.5 - 0.5 * cos(2 * M_PI * i / s->n); /* periodic Hann */
        wsum += s->window[i];
    }
    /* A sine of amplitude A on a bin: |X| = A * wsum / 2. */
    s->scale = 4.0 / (wsum * wsum);
    s->plan = fftw_plan_dft_r2c_1d((int)s->n, s->frame, s->bins, FFTW_ESTIMATE);
    if (!s->plan) goto oom;

    double bin_hz = rate / s->n;
    int last_bin = (int)(s->n / 2);
    for (int y = 0; y < s->a.h; y++) {
        double f_hi = axis_hz(o, rate, (double)(s->a.h - y) / s->a.h);
        double f_lo = axis_hz(o, rate, (double)(s->a.h - y - 1) / s->a.h);
        row_map *r = &s->rows[y];
        r->k_lo = (int)ceil(f_lo / bin_hz);
        r->k_hi = (int)ceil(f_hi / bin_hz) - 1; /* centres in [f_lo, f_hi) */
        if (r->k_hi > last_bin) r->k_hi = last_bin;
        double kc = axis_hz(o, rate, (s->a.h - y - 0.5) / s->a.h) / bin_hz;
        r->k0 = (int)floor(kc);
        if (r->k0 > last_bin - 1) r->k0 = last_bin - 1;
        r->frac = kc - r->k0;
    }
    return s;
oom:
    snprintf(err, errlen, "spectrogram: out of memory");
    spectrogram_free(s);
    return NULL;
}

static void analyse_frame(spectrogram *s)
{
    uint64_t centre = s->fed - s->n / 2;
    if (centre >= s->total) return;
    int col = (int)(centre * (uint64_t)s->a.w / s->total);
    unsigned start = (unsigned)(s->fed % s->n); /* the oldest sample */
    for (unsigned i = 0; i < s->n; i++) s->frame[i] = s->ring[(start + i) % s->n] * s->window[i];
    fftw_execute(s->plan);
    float *colp = s->power + (size_t)col * (size_t)s->a.h;
    for (int y = 0; y < s->a.h; y++) {
        const row_map *r = &s->rows[y];
        double p;
        if (r->k_lo <= r->k_hi) {
            p = 0;
            for (int k = r->k_lo; k <= r->k_hi; k++)
                p += s->bins[k][0] * s->bins[k][0] + s->bins[k][1] * s->bins[k][1];
            p /= (r->k_hi - r->k_lo + 1);
        } else {
            int k = r->k0 < 0 ? 0 : r->k0;
            double p0 = s->bins[k][0] * s->bins[k][0] + s->bins[k][1] * s->bins[k][1];
            double p1 =
                s->bins[k + 1][0] * s->bins[k + 1][0] + s->bins[k + 1][1] * s->bins[k + 1][1];
            p = p0 + (p1 - p0) * r->frac;
        }
        colp[y] += (float)(p * s->scale);
    }
    s->frames_in[col]++;
}

void spectrogram_add(spectrogram *s, const float *left, const float *right, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->ring[s->fed % s->n] = right ? 0.5f * (left[i] + right[i]) : left[i];
        s->fed++;
        if (s->fed == s->next_end) {
            analyse_frame(s);
            s->next_end += s->hop;
        }
    }
}

/* Black - purple - red - orange - pale yellow, luminance rising throughout (the
 * shape of matplotlib's "inferno", sampled by eye at eight points). */
static void colour_at(double t, double rgb[3])
{
    static const double k[][4] = {
        {0.00, 0, 0, 4},     {0.15, 31, 12, 72},  {0.30, 85, 15, 109},  {0.45, 136, 34, 106},
        {0.60, 186, 54, 85}, {0.75, 227, 89, 51}, {0.88, 249, 140, 10}, {1.00, 252, 255, 164},
    };
    if (!(t > 0)) t = 0;
    if (t > 1) t = 1;
    int i = 0;
    while (i < 6 && t > k[i + 1][0]) i++;
    double u = (t - k[i][0]) / (k[i + 1][0] - k[i][0]);
    for (int c = 0; c < 3; c++)
        rgb[c] = (k[i][c + 1] + u * (k[i + 1][c + 1] - k[i][c + 1])) / 255.0;
}

static uint32_t pixel(double t)
{
    double c[3];
    colour_at(t, c);
    return 0xFF000000u | (uint32_t)lround(c[0] * 255) << 16 | (uint32_t)lround(c[1] * 255) << 8 |
           (uint32_t)lround(c[2] * 255);
}

static void draw_image(const spectrogram *s, cairo_surface_t *img)
{
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    int last = -1; /* an empty column shows the nearest filled one to its left */
    for (int x = 0; x < s->a.w; x++) {
        if (s->frames_in[x]) last = x;
        const float *colp = last >= 0 ? s->power + (size_t)last * (size_t)s->a.h : NULL;
        for (int y = 0; y < s->a.h; y++) {
            double t = 0;
            if (colp) {
                double p = colp[y] / s->frames_in[last];
                double db = p > 0 ? 10 * log10(p) : -1000;
                t = (db - (s->o.db_top - s->o.db_range)) / s->o.db_range;
            }
            uint32_t *row = (uint32_t *)(data + (size_t)y * (size_t)stride);
            row[x] = pixel(t);
        }
    }
    cairo_surface_mark_dirty(img);
}

static void draw_axes(const spectrogram *s, cairo_t *cr, const char *title)
{
    const spectrogram_area a = s->a;
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    char buf[64];

    /* Frequency ticks, outside the plot area so that they never cover the data. */
    double top = axis_top_hz(&s->o, s->rate);
    double ticks[64];
    int nt = 0;
    if (s->o.linear) {
        double step = draw_nice_step(top, 10);
        for (double f = 0; f <= top + 1e-9 && nt < 64; f += step) ticks[nt++] = f;
    } else {
        static const double m[] = {1, 2, 5};
        for (double d = 10; d <= 100000 && nt < 60; d *= 10)
            for (int i = 0; i < 3; i++)
                if (m[i] * d >= LOG_F_LO - 1e-9 && m[i] * d <= top + 1e-9) ticks[nt++] = m[i] * d;
    }
    for (int i = 0; i < nt; i++) {
        double y = a.y0 + a.h * (1 - axis_fraction(&s->o, s->rate, ticks[i]));
        cairo_move_to(cr, a.x0 - 5, y + 0.5);
        cairo_line_to(cr, a.x0, y + 0.5);
        cairo_stroke(cr);
        draw_format_tick(buf, sizeof buf, ticks[i],
                         s->o.linear ? draw_nice_step(top, 10) : ticks[i], 1);
        draw_text(cr, a.x0 - 8, y, buf, 1, 0.5);
    }
    draw_text_vertical(cr, 12, a.y0 + a.h / 2.0, "frequency (Hz)");

    /* Time ticks. */
    double seconds = (double)s->total / s->rate;
    double step = draw_nice_step(seconds, 12);
    for (double t = 0; t <= seconds + 1e-9; t += step) {
        double x = a.x0 + a.w * t / seconds;
        cairo_move_to(cr, x + 0.5, a.y0 + a.h);
        cairo_line_to(cr, x + 0.5, a.y0 + a.h + 5);
        cairo_stroke(cr);
        draw_format_tick(buf, sizeof buf, t, step, 0);
        draw_text(cr, x, a.y0 + a.h + 8, buf, 0.5, 0);
    }
    draw_text(cr, a.x0 + a.w / 2.0, a.y0 + a.h + 26, "time (s)", 0.5, 0);

    /* Colour legend. */
    int lx = a.x0 + a.w + 16, lw = 16;
    for (int y = 0; y < a.h; y++) {
        double c[3];
        colour_at(1.0 - (y + 0.5) / a.h, c);
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_rectangle(cr, lx, a.y0 + y, lw, 1);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    double dstep = draw_nice_step(s->o.db_range, 8);
    double lo = s->o.db_top - s->o.db_range;
    for (double d = ceil(lo / dstep) * dstep; d <= s->o.db_top + 1e-9; d += dstep) {
        double y = a.y0 + a.h * (s->o.db_top - d) / s->o.db_range;
        cairo_move_to(cr, lx + lw, y + 0.5);
        cairo_line_to(cr, lx + lw + 4, y + 0.5);
        cairo_stroke(cr);
        draw_format_tick(buf, sizeof buf, d, dstep, 0);
        draw_text(cr, lx + lw + 7, y, buf, 0, 0.5);
    }
    draw_text(cr, lx, a.y0 - 8, "dBFS", 0, 1);

    cairo_set_font_size(cr, 13);
    snprintf(buf, sizeof buf, "Hann %u, %s frequency", s->n, s->o.linear ? "linear" : "log");
    char line[512];
    snprintf(line, sizeof line, "%s%s%s", title ? title : "", title ? "  -  " : "", buf);
    draw_text(cr, a.x0, 8, line, 0, 0);
}

bool spectrogram_write_png(const spectrogram *s, const char *path, const char *title, char *err,
                           size_t errlen)
{
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, s->o.width, s->o.height);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, s->a.w, s->a.h);
    cairo_t *cr = cairo_create(surf);
    bool ok = false;
    if (cairo_surface_status(surf) || cairo_surface_status(img) || cairo_status(cr)) {
        snprintf(err, errlen, "%s: cannot draw: out of memory", path);
        goto done;
    }
    cairo_set_source_rgb(cr, 0.12, 0.12, 0.14);
    cairo_paint(cr);
    draw_image(s, img);
    cairo_set_source_surface(cr, img, s->a.x0, s->a.y0);
    cairo_paint(cr);
    draw_axes(s, cr, title);
    ok = draw_write_png(surf, path, err, errlen);
done:
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    cairo_surface_destroy(surf);
    return ok;
}
