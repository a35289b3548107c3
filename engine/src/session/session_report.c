#include "session/session_report.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session/session_summary.h"
#include "session/session_tracker.h"

/* Plot geometry (SVG user units; the page scales them to its width). */
#define PLOT_W 760.0
#define PLOT_H 170.0
#define PAD_L 52.0
#define PAD_R 12.0
#define PAD_T 14.0
#define PAD_B 24.0
#define GAP_S 2.5 /* frames further apart than this are a hole in a line */

void session_format_time(double wall_s, const char *fmt, char *out, size_t cap)
{
    /* Checked before the conversion: a damaged store can hold NaN or 1e300, and
     * converting those to time_t is undefined (found by tests/fuzz/fuzz_session).
     * |t| < 1e15 s (31 million years) holds every real date and fits a time_t. */
    struct tm tm;
    time_t t = isfinite(wall_s) && fabs(wall_s) < 1e15 ? (time_t)floor(wall_s) : 0;
    if (!isfinite(wall_s) || fabs(wall_s) >= 1e15 || !localtime_r(&t, &tm)) {
        snprintf(out, cap, "?");
        return;
    }
    strftime(out, cap, fmt ? fmt : "%Y-%m-%d %H:%M:%S", &tm);
}

/* Text into HTML (element content and attribute values alike). */
static void esc(FILE *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        case '\'': fputs("&#39;", o); break;
        default: fputc(*s, o);
        }
    }
}

static void fmt_num(char *out, size_t cap, double v, int decimals, const char *unit)
{
    if (isfinite(v))
        snprintf(out, cap, "%.*f%s%s", decimals, v, unit[0] ? " " : "", unit);
    else
        snprintf(out, cap, "&ndash;");
}

/* Longer than any session (a century): a stored duration past it is damage, and
 * would overflow the minutes' long (the fuzzer found 1.3e167 s). */
#define REPORT_MAX_DURATION_S 3.2e9

static void fmt_dur(char *out, size_t cap, double s)
{
    if (s > REPORT_MAX_DURATION_S) {
        snprintf(out, cap, "&ndash;");
        return;
    }
    if (!isfinite(s) || s < 0) s = 0;
    long m = (long)floor(s / 60.0 + 1e-9), sec = (long)floor(s - 60.0 * (double)m + 0.5);
    if (sec == 60) m++, sec = 0;
    snprintf(out, cap, "%ld min %02ld s", m, sec);
}

typedef double (*series_fn)(const session_frame *f);
static double s_breath(const session_frame *f)
{
    return f->breath_state == 1 ? f->breath_rate : NAN;
}
static double s_pacer(const session_frame *f) { return f->pacer_rate; }
static double s_heart(const session_frame *f) { return f->heart_state == 1 ? f->heart_rate : NAN; }
static double s_rmssd(const session_frame *f) { return f->heart_state == 1 ? f->rmssd : NAN; }
static double s_coh(const session_frame *f) { return f->heart_state == 1 ? f->coherence : NAN; }

typedef struct line_spec {
    const char *name, *label, *color;
    series_fn get;
    bool dashed;
} line_spec;

typedef struct plot_spec {
    const char *title, *unit;
    line_spec lines[2];
    int nlines;
    bool heart_gaps; /* shade where the heart (else the breath) is not OK */
    double ref;      /* a reference line (NaN none) */
    const char *ref_label;
} plot_spec;

/* A "nice" step for about n ticks over span. */
static double nice_step(double span, int n)
{
    double raw = span / n, mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

typedef struct axes {
    double t0, t1, y0, y1; /* minutes, values */
} axes;

static double px(const axes *a, double t_min)
{
    return PAD_L + (t_min - a->t0) / (a->t1 - a->t0) * (PLOT_W - PAD_L - PAD_R);
}
static double py(const axes *a, double v)
{
    double y = PAD_T + (a->y1 - v) / (a->y1 - a->y0) * (PLOT_H - PAD_T - PAD_B);
    return fmin(fmax(y, PAD_T), PLOT_H - PAD_B);
}

static void plot(FILE *o, const plot_spec *p, const session_frame *f, size_t n, double start_s,
                 double dur_min, const session_event *ev, size_t nev)
{
    axes a = {0, dur_min > 0.05 ? dur_min : 0.05, INFINITY, -INFINITY};
    for (int l = 0; l < p->nlines; l++)
        for (size_t i = 0; i < n; i++) {
            double v = p->lines[l].get(&f[i]);
            if (isfinite(v)) a.y0 = fmin(a.y0, v), a.y1 = fmax(a.y1, v);
        }
    if (isfinite(p->ref)) a.y0 = fmin(a.y0, p->ref), a.y1 = fmax(a.y1, p->ref);
    if (!(a.y1 >= a.y0)) a.y0 = 0, a.y1 = 1;
    double margin = fmax((a.y1 - a.y0) * 0.08, 0.5);
    a.y0 = floor(a.y0 - margin), a.y1 = ceil(a.y1 + margin);
    if (a.y0 < 0) a.y0 = 0; /* every plotted quantity is >= 0 */

    fprintf(o, "<figure><figcaption>");
    esc(o, p->title);
    fprintf(o, " <span class=\"unit\">(");
    esc(o, p->unit);
    fprintf(o, ")</span>");
    for (int l = 0; l < p->nlines; l++) {
        fprintf(o, " <span class=\"key\" style=\"border-color:%s%s\"></span>", p->lines[l].color,
                p->lines[l].dashed ? ";border-top-style:dashed" : "");
        esc(o, p->lines[l].label);
    }
    fprintf(o,
            "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
            "role=\"img\" aria-label=\"",
            PLOT_W, PLOT_H);
    esc(o, p->title);
    fprintf(o, "\">\n");
    /* frame and grid */
    double ystep = nice_step(a.y1 - a.y0, 4), tstep = nice_step(a.t1 - a.t0, 8);
    fprintf(o, "<rect class=\"area\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            PAD_L, PAD_T, PLOT_W - PAD_L - PAD_R, PLOT_H - PAD_T - PAD_B);
    /* quality gaps: spans where the sensor behind this plot was not OK */
    for (size_t i = 0; i < n;) {
        bool bad = p->heart_gaps ? f[i].heart_state != 1 : f[i].breath_state != 1;
        if (!bad) {
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < n &&
               (p->heart_gaps ? f[j + 1].heart_state != 1 : f[j + 1].breath_state != 1))
            j++;
        double x0 = px(&a, (f[i].wall_s - start_s) / 60.0);
        double x1 = fmin(px(&a, (f[j].wall_s + 1.0 - start_s) / 60.0), PLOT_W - PAD_R);
        fprintf(o,
                "<rect class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                "<title>%s signal not usable</title></rect>\n",
                x0, PAD_T, fmax(x1 - x0, 0.8), PLOT_H - PAD_T - PAD_B,
                p->heart_gaps ? "heart" : "breath");
        i = j + 1;
    }
    /* release moments: spans from their start for their stored duration */
    for (size_t k = 0; k < nev; k++) {
        double span = strcmp(ev[k].kind, SESSION_EV_RELEASE) ? -1.0 : session_release_span(&ev[k]);
        if (span < 0) continue;
        double x0 = px(&a, (ev[k].wall_s - start_s) / 60.0);
        double x1 = fmin(px(&a, (ev[k].wall_s + span - start_s) / 60.0), PLOT_W - PAD_R);
        fprintf(o,
                "<rect class=\"release\" data-t0=\"%.3f\" data-t1=\"%.3f\" x=\"%.1f\" "
                "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>release ",
                (ev[k].wall_s - start_s) / 60.0, (ev[k].wall_s + span - start_s) / 60.0, x0, PAD_T,
                fmax(x1 - x0, 1.5), PLOT_H - PAD_T - PAD_B);
        esc(o, ev[k].detail);
        fprintf(o, "</title></rect>\n");
    }
    for (double y = ceil(a.y0 / ystep) * ystep; y <= a.y1 + 1e-9; y += ystep)
        fprintf(o,
                "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"yl\" x=\"%.1f\" y=\"%.1f\">%g</text>\n",
                PAD_L, PLOT_W - PAD_R, py(&a, y), py(&a, y), PAD_L - 4, py(&a, y) + 3, y);
    for (double t = 0; t <= a.t1 + 1e-9; t += tstep)
        fprintf(o,
                "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">%g</text>\n",
                px(&a, t), px(&a, t), PAD_T, PLOT_H - PAD_B, px(&a, t), PLOT_H - PAD_B + 13, t);
    fprintf(o, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">min</text>\n", PLOT_W - PAD_R - 8,
            PLOT_H - 2.0);
    if (isfinite(p->ref))
        fprintf(o,
                "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"refl\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                PAD_L, PLOT_W - PAD_R, py(&a, p->ref), py(&a, p->ref), PLOT_W - PAD_R - 4,
                py(&a, p->ref) - 3, p->ref_label);
    /* preset changes and marks on the time axis */
    for (size_t k = 0; k < nev; k++) {
        bool mark = !strcmp(ev[k].kind, SESSION_EV_MARK),
             preset = !strcmp(ev[k].kind, SESSION_EV_PRESET);
        if (!mark && !preset) continue;
        double x = px(&a, (ev[k].wall_s - start_s) / 60.0);
        fprintf(o,
                "<g class=\"%s\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">",
                mark ? "mark" : "preset", x, x, PAD_T, PLOT_H - PAD_B, x + 2,
                PAD_T + (mark ? 9 : 18));
        esc(o, ev[k].detail);
        fprintf(o, "</text></g>\n");
    }
    /* the lines, with their data */
    for (int l = 0; l < p->nlines; l++) {
        const line_spec *ls = &p->lines[l];
        fprintf(o, "<path class=\"line\" style=\"stroke:%s%s\" data-series=\"%s\" d=\"", ls->color,
                ls->dashed ? ";stroke-dasharray:5 3" : "", ls->name);
        double last_t = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double v = ls->get(&f[i]);
            if (!isfinite(v)) {
                last_t = -INFINITY;
                continue;
            }
            bool move = f[i].wall_s - last_t > GAP_S;
            fprintf(o, "%s%.1f %.1f ", move ? "M" : "L", px(&a, (f[i].wall_s - start_s) / 60.0),
                    py(&a, v));
            last_t = f[i].wall_s;
        }
        fprintf(o, "\" data-t=\"");
        for (size_t i = 0; i < n; i++)
            if (isfinite(ls->get(&f[i]))) fprintf(o, "%.3f ", (f[i].wall_s - start_s) / 60.0);
        fprintf(o, "\" data-v=\"");
        for (size_t i = 0; i < n; i++) {
            double v = ls->get(&f[i]);
            if (isfinite(v)) fprintf(o, "%.2f ", v);
        }
        fprintf(o, "\"/>\n");
    }
    fprintf(o, "</svg></figure>\n");
}

static const char k_style[] =
    "@page{size:A4;margin:14mm}\n"
    "html{background:#fff;color:#1d2329}\n"
    "body{font:10.5pt/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "max-width:190mm;margin:0 auto;padding:8px}\n"
    "h1{font-size:16pt;margin:0 0 2px}h2{font-size:12pt;margin:14px 0 4px;"
    "border-bottom:1px solid #cfd6dc}\n"
    ".sub{color:#56616b;margin:0 0 8px}\n"
    "table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;text-align:left;"
    "vertical-align:top;border-bottom:1px solid #e3e8ec}th{font-weight:600}\n"
    "td.n{text-align:right;white-space:nowrap}.how{color:#56616b;font-size:9pt}\n"
    "figure{margin:6px 0 10px;break-inside:avoid}figcaption{font-weight:600;font-size:10pt}\n"
    ".unit{font-weight:400;color:#56616b}.key{display:inline-block;width:18px;margin:0 4px 3px "
    "12px;"
    "border-top:2.5px solid}\n"
    "svg{width:100%;height:auto;display:block}\n"
    "svg text{font:9px system-ui,'DejaVu Sans',sans-serif;fill:#56616b}\n"
    "svg .yl{text-anchor:end}svg .xl{text-anchor:middle}svg .refl{text-anchor:end;fill:#2b7a4b}\n"
    "svg .area{fill:#fff;stroke:#9aa5ae;stroke-width:.8}svg .grid{stroke:#e3e8ec;stroke-width:.6}\n"
    "svg .release{fill:#e0902a;fill-opacity:.22}\n"
    "svg .gap{fill:#d9dde1;fill-opacity:.7}svg .ref{stroke:#2b7a4b;stroke-width:.8;"
    "stroke-dasharray:2 3}\n"
    "svg .line{fill:none;stroke-width:1.6;stroke-linejoin:round}\n"
    "svg .mark line{stroke:#b4233c;stroke-width:1}svg .mark text{fill:#b4233c;font-weight:600}\n"
    "svg .preset line{stroke:#6a4fa3;stroke-width:1;stroke-dasharray:4 2}"
    "svg .preset text{fill:#6a4fa3}\n"
    ".legend{font-size:9pt;color:#56616b}.legend i{display:inline-block;width:12px;height:9px;"
    "background:#d9dde1;margin:0 3px 0 0}\n"
    "@media print{body{max-width:none;padding:0}h2{break-after:avoid}}\n";

bool session_report_write(FILE *o, const session_info *info, const session_frame *f, size_t n,
                          const session_event *ev, size_t nev, char *err, size_t errlen)
{
    session_summary s;
    session_summarize(f, n, info->started_s, info->ended_s, &s);
    char day[64], t0[16], t1[16], dur[32];
    session_format_time(info->started_s, "%A %d %B %Y", day, sizeof day);
    session_format_time(info->started_s, "%H:%M", t0, sizeof t0);
    session_format_time(info->started_s + s.duration_s, "%H:%M", t1, sizeof t1);
    fmt_dur(dur, sizeof dur, s.duration_s);

    fprintf(o,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
            "<meta name=\"color-scheme\" content=\"light\">\n"
            "<title>lull session %lld</title>\n<style>\n%s</style></head><body>\n",
            (long long)info->id, k_style);
    fprintf(o, "<h1>Session %lld &middot; %s</h1>\n<p class=\"sub\">%s&ndash;%s (%s)",
            (long long)info->id, day, t0, t1, dur);
    if (info->room[0]) {
        fprintf(o, " &middot; room ");
        esc(o, info->room);
    }
    if (info->client[0]) {
        fprintf(o, " &middot; client ");
        esc(o, info->client);
    }
    if (info->source[0] && strcmp(info->source, "lulld") != 0) {
        fprintf(o, " &middot; ");
        esc(o, info->source);
    }
    if (!strcmp(info->ended_how, "crash"))
        fprintf(o, " &middot; the recording ended abruptly (power or daemon loss)");
    fprintf(o, "</p>\n");
    if (info->frames_purged)
        fprintf(o, "<p><strong>The frames of this session were deleted by the retention "
                   "setting; only its events remain.</strong></p>\n");

    char a[64], b[64], c[64];
    char win[32];
    fmt_dur(win, sizeof win, s.window_s);
    fprintf(
        o,
        "<h2>Summary</h2>\n<table>\n<tr><th></th><th class=\"n\">first %s</th>"
        "<th class=\"n\">last %s</th><th class=\"n\">change</th><th>how it is computed</th></tr>\n",
        win, win);
    struct {
        const char *what, *unit;
        double first, last;
        int dec;
    } rows[] = {
        {"Breath rate", "/min", s.breath_first, s.breath_last, 1},
        {"Heart rate", "bpm", s.heart_first, s.heart_last, 1},
        {"RMSSD", "ms", s.rmssd_first, s.rmssd_last, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fmt_num(a, sizeof a, rows[i].first, rows[i].dec, rows[i].unit);
        fmt_num(b, sizeof b, rows[i].last, rows[i].dec, rows[i].unit);
        fmt_num(c, sizeof c, rows[i].last - rows[i].first, rows[i].dec, rows[i].unit);
        fprintf(o,
                "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"how\">median of the 1 Hz frames with the "
                "sensor OK in each window; window = min(5 min, duration / 3)</td></tr>\n",
                rows[i].what, a, b, c);
    }
    fmt_dur(a, sizeof a, s.resonance_s);
    fmt_dur(b, sizeof b, s.coherent_s);
    fprintf(o,
            "<tr><td>Time at resonance breathing</td><td class=\"n\" colspan=\"3\">%s "
            "(%.0f %% of the breath signal)</td><td class=\"how\">seconds with the breath "
            "rate in %.1f&ndash;%.1f /min: the 4.5&ndash;6.5 /min resonance band (Lehrer "
            "&amp; Gevirtz 2014) &plusmn; 0.5</td></tr>\n",
            a, s.breath_ok_s > 0 ? 100.0 * s.resonance_s / s.breath_ok_s : 0.0,
            (double)SESSION_RESONANCE_LO, (double)SESSION_RESONANCE_HI);
    fprintf(o,
            "<tr><td>Time in high coherence</td><td class=\"n\" colspan=\"3\">%s "
            "(%.0f %% of the heart signal)</td><td class=\"how\">seconds with coherence "
            "&ge; %.1f, coherence = peak power / (total &minus; peak) of the heart rhythm, "
            "peak &plusmn;0.015 Hz around the largest bin in 0.04&ndash;0.26 Hz</td></tr>\n",
            b, s.heart_ok_s > 0 ? 100.0 * s.coherent_s / s.heart_ok_s : 0.0,
            (double)SESSION_COHERENCE_HIGH);
    fmt_dur(a, sizeof a, s.breath_ok_s);
    fmt_dur(b, sizeof b, s.heart_ok_s);
    fprintf(o,
            "<tr><td>Signal coverage</td><td class=\"n\" colspan=\"3\">breath %s, heart %s"
            "</td><td class=\"how\">frames with the sensor OK (shaded grey in the plots "
            "where it was not)</td></tr>\n</table>\n",
            a, b);

    double dur_min = s.duration_s / 60.0;
    const plot_spec plots[] = {
        {"Breath rate",
         "breaths/min",
         {{"breath_rate", "measured", "#1f5fa8", s_breath, false},
          {"pacer_rate", "pacer", "#2b7a4b", s_pacer, true}},
         2,
         false,
         NAN,
         NULL},
        {"Heart rate",
         "beats/min",
         {{"heart_rate", "measured", "#b4233c", s_heart, false}},
         1,
         true,
         NAN,
         NULL},
        {"RMSSD", "ms", {{"rmssd", "RMSSD", "#8a5a00", s_rmssd, false}}, 1, true, NAN, NULL},
        {"Coherence",
         "peak / (total \u2212 peak)",
         {{"coherence", "coherence", "#6a4fa3", s_coh, false}},
         1,
         true,
         (double)SESSION_COHERENCE_HIGH,
         "high"},
    };
    fprintf(o, "<h2>Over the session</h2>\n<p class=\"legend\"><i></i>signal not usable "
               "&middot; <span style=\"color:#b4233c\">&#9474; mark</span> &middot; "
               "<span style=\"color:#6a4fa3\">&#9478; preset change</span> &middot; "
               "<span style=\"color:#c07010\">&#9608; release moment</span></p>\n");
    if (n == 0) fprintf(o, "<p>No frames recorded.</p>\n");
    for (size_t i = 0; i < sizeof plots / sizeof plots[0] && n; i++)
        plot(o, &plots[i], f, n, info->started_s, dur_min, ev, nev);

    fprintf(o, "<h2>Events</h2>\n<table>\n<tr><th>time</th><th class=\"n\">min</th><th>what</th>"
               "<th>detail</th></tr>\n");
    for (size_t k = 0; k < nev; k++) {
        char t[16];
        session_format_time(ev[k].wall_s, "%H:%M:%S", t, sizeof t);
        fprintf(o, "<tr><td>%s</td><td class=\"n\">%.1f</td><td>", t,
                (ev[k].wall_s - info->started_s) / 60.0);
        esc(o, ev[k].kind);
        fprintf(o, "</td><td>");
        esc(o, ev[k].detail);
        fprintf(o, "</td></tr>\n");
    }
    fprintf(o,
            "</table>\n<p class=\"how\">lull %s &middot; session store schema %d &middot; "
            "times are local</p>\n</body></html>\n",
            LULL_VERSION, SESSION_SCHEMA_VERSION);
    if (ferror(o)) {
        snprintf(err, errlen, "write error");
        return false;
    }
    return true;
}
