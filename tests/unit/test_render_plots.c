/* The listening aids of `lull render`: a preset holding one 1 kHz sine is rendered
 * through the offline driver with the render trace attached (what --spectrogram
 * and --plot do); both PNGs are written at their documented sizes, and reading the
 * spectrogram back with cairo, its brightest row (log and linear axes) lies at
 * 1 kHz. Also: the preset keys "loudness" and "tags" are parsed, and the plot's
 * target comes from "loudness". */
#include <cairo.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/render_trace.h"
#include "check.h"
#include "drivers/offline_driver.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define RATE 48000.0
#define SECONDS 4.0

static const char k_preset[] =
    "{\"name\": \"Tone\", \"lull_preset\": 1, \"loudness\": -30, \"tags\": [\"test\", "
    "\"tone-1k\"],\n"
    " \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\",\n"
    "             \"params\": {\"waveform\": \"sine\", \"freq\": 1000, \"level\": 0.5}},\n"
    "            {\"name\": \"p\", \"type\": \"pan\"}],\n"
    " \"connections\": [{\"from\": \"tone:out\", \"to\": \"p:in\"},\n"
    "                   {\"from\": \"p:left\", \"to\": \"out:left\"},\n"
    "                   {\"from\": \"p:right\", \"to\": \"out:right\"}]}\n";

/* Row (0 = top of the plot area) with the largest mean luminance across the plot. */
static int brightest_row(cairo_surface_t *img, spectrogram_area a)
{
    const unsigned char *d = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    int best = -1;
    double best_y = -1;
    for (int y = 0; y < a.h; y++) {
        const uint32_t *row = (const uint32_t *)(d + (size_t)(a.y0 + y) * (size_t)stride);
        double sum = 0;
        /* Skip the first and last 10 % (the fade-in and the last columns). */
        for (int x = a.x0 + a.w / 10; x < a.x0 + a.w - a.w / 10; x++) {
            uint32_t p = row[x];
            sum += 0.2126 * ((p >> 16) & 255) + 0.7152 * ((p >> 8) & 255) + 0.0722 * (p & 255);
        }
        if (sum > best_y) {
            best_y = sum;
            best = y;
        }
    }
    return best;
}

static void check_png_size(const char *path, int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "%s: %s", path,
          cairo_status_to_string(cairo_surface_status(s)));
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        int gw = cairo_image_surface_get_width(s), gh = cairo_image_surface_get_height(s);
        printf("%s: %d x %d\n", path, gw, gh);
        CHECK(gw == w && gh == h, "%s is %dx%d, want %dx%d", path, gw, gh, w, h);
    }
    cairo_surface_destroy(s);
}

static void render_and_check(const char *preset, int linear)
{
    char spec_path[256], plot_path[256], err[1024];
    snprintf(spec_path, sizeof spec_path, "/tmp/lull-plots-%d-spec%d.png", (int)getpid(), linear);
    snprintf(plot_path, sizeof plot_path, "/tmp/lull-plots-%d-plot%d.png", (int)getpid(), linear);
    spectrogram_opts so;
    spectrogram_defaults(&so);
    so.linear = linear;
    render_trace *t = render_trace_new(RATE, SECONDS, &so, err, sizeof err);
    CHECK(t != NULL, "%s", err);
    if (!t) return;
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset;
    o.seconds = SECONDS;
    o.sample_rate = RATE;
    render_trace_attach(t, &o);
    offline_render_result res;
    CHECK(offline_render(&o, &res, err, sizeof err), "render: %s", err);
    /* the rendered preset's declared target comes back with the render (the plot's line) */
    CHECK(res.preset_loudness_lufs == -30, "declared target %g", res.preset_loudness_lufs);
    CHECK(render_trace_write(t, preset, res.preset_loudness_lufs, spec_path, plot_path, err,
                             sizeof err),
          "write: %s", err);
    loudness_summary ls;
    loudness_get_summary(render_trace_loudness(t), &ls);
    printf("render: integrated %.2f LUFS, true peak %.2f dBTP\n", ls.integrated_lufs,
           ls.true_peak_dbtp);
    CHECK(isfinite(ls.integrated_lufs), "no loudness measured");
    /* Sine 0.5, centre pan -3.01 dB (equal power), master volume -6 dB (the
     * engine's default): 20 log10(0.5 * 0.7071 * 0.5012) = -15.03 dBTP. */
    CHECK(fabs(ls.true_peak_dbtp - -15.03) < 0.1, "true peak %.2f dBTP, theory -15.03",
          ls.true_peak_dbtp);
    render_trace_free(t);

    check_png_size(spec_path, so.width, so.height);
    check_png_size(plot_path, RENDER_PLOT_WIDTH, RENDER_PLOT_HEIGHT);

    cairo_surface_t *img = cairo_image_surface_create_from_png(spec_path);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS &&
        cairo_image_surface_get_format(img) == CAIRO_FORMAT_RGB24) {
        spectrogram_area a = spectrogram_plot_area(&so);
        int row = brightest_row(img, a);
        double hz = spectrogram_row_hz(&so, RATE, row);
        /* One row of the axis either side of the row holding 1 kHz. */
        double row_ratio = pow(20000.0 / 20.0, 1.0 / a.h);
        double row_hz = RATE / 2 / a.h;
        double tol = linear ? 1.5 * row_hz : 1000 * (row_ratio * row_ratio - 1);
        printf("%s axis: brightest row %d of %d = %.1f Hz (want 1000 +- %.1f)\n",
               linear ? "linear" : "log", row, a.h, hz, tol);
        CHECK(fabs(hz - 1000) <= tol, "brightest row at %.1f Hz", hz);
    } else {
        CHECK(0, "%s: not an RGB24 PNG", spec_path);
    }
    cairo_surface_destroy(img);
    unlink(spec_path);
    unlink(plot_path);
}

static void check_preset_keys(const char *path)
{
    char err[1024];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    CHECK(reg != NULL, "%s", err);
    if (!reg) return;
    lull_preset *p = preset_load_file(path, reg, err, sizeof err);
    CHECK(p != NULL, "%s", err);
    if (p) {
        CHECK(p->loudness_lufs == -30.0f, "loudness %g", p->loudness_lufs);
        CHECK(p->tag_count == 2 && strcmp(p->tags[0], "test") == 0 &&
                  strcmp(p->tags[1], "tone-1k") == 0,
              "%zu tags", p->tag_count);
        preset_free(p);
    }
    /* Faults name the place. */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"lull_preset\": 1, \"loudness\": -70, \"nodes\": [], \"connections\": []}",
         "bad:1:32: loudness -70 is out of range -50..-14 LUFS"},
        {"{\"lull_preset\": 1, \"loudness\": \"loud\", \"nodes\": [], \"connections\": []}",
         "bad:1:32: loudness must be a number"},
        {"{\"lull_preset\": 1, \"tags\": [\"Water\"], \"nodes\": [], \"connections\": []}",
         "bad:1:29: tag \"Water\" must be 1 to 32 characters from a-z, 0-9 and -"},
        {"{\"lull_preset\": 1, \"tags\": [\"a\", \"a\"], \"nodes\": [], \"connections\": []}",
         "bad:1:34: tag \"a\" appears twice"},
        {"{\"lull_preset\": 1, \"tags\": \"sleep\", \"nodes\": [], \"connections\": []}",
         "bad:1:28: tags must be an array of strings"},
        {"{\"lull_preset\": 1, \"tags\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"], "
         "\"nodes\": [], \"connections\": []}",
         "bad:1:28: tags has 9 entries; at most 8"},
        {"{\"lull_preset\": 1, \"loudnes\": -30, \"nodes\": [], \"connections\": []}",
         "did you mean \"loudness\"?"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lull_preset *q = preset_load_string(bad[i].text, "bad", reg, err, sizeof err);
        printf("refused: %s\n", q ? "(accepted!)" : err);
        CHECK(!q && strstr(err, bad[i].want), "case %zu: got \"%s\", want \"%s\"", i,
              q ? "accepted" : err, bad[i].want);
        preset_free(q);
    }
    registry_free(reg);
}

int main(void)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/lull-plots-%d-tone.json", (int)getpid());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f) return check_finish("test_render_plots");
    fputs(k_preset, f);
    fclose(f);
    check_preset_keys(path);
    render_and_check(path, 0);
    render_and_check(path, 1);
    unlink(path);
    /* cairo keeps fonts (and fontconfig's patterns) cached for the process: let
     * go of them so that LeakSanitizer sees only our own allocations. */
    cairo_debug_reset_static_data();
    /* fontconfig (loaded by cairo, not linked by us) frees its own with FcFini. */
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini) fc_fini();
    return check_finish("test_render_plots");
}
