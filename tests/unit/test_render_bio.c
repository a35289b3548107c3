/* The soundscape driven by biosignals, offline, through `lull render --simulate`'s
 * path (render_features_setup): with the `dropouts` client (gaps where nothing
 * arrives, motion-artifact bursts) every shipped preset still renders finite,
 * below the ceiling and without a click: sensors going stale make the mappings
 * glide, never jump. The same with `stressed` and a real recording (--bio). */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_check.h"
#include "check.h"
#include "drivers/offline_driver.h"
#include "sim/offline_features.h"

#define RATE 48000.0

static void check_render(const char *preset, const char *bio, const char *profile, double seconds)
{
    char path[256], err[1024];
    snprintf(path, sizeof path, "/tmp/lull-render-bio-%d.wav", (int)getpid());
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset;
    o.seconds = seconds;
    o.out_path = path;
    const char *what = bio ? bio : profile;
    CHECK(render_features_setup(bio, profile, &o, err, sizeof err), "%s: %s", what, err);
    offline_render_result res;
    CHECK(offline_render(&o, &res, err, sizeof err), "%s with %s: %s", preset, what, err);
    render_features_teardown(&o);

    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    CHECK(sf != NULL, "%s: unreadable WAV", preset);
    if (!sf) return;
    size_t n = (size_t)info.frames;
    float *inter = malloc(2 * n * sizeof(float)), *l = malloc(n * sizeof(float));
    sf_readf_float(sf, inter, (sf_count_t)n);
    sf_close(sf);
    unlink(path);
    for (size_t i = 0; i < n; i++) l[i] = inter[2 * i];
    CHECK(ac_all_finite(inter, 2 * n), "%s with %s: non-finite samples", preset, what);
    CHECK(ac_db(ac_peak(inter, 2 * n)) <= -6.0 + 0.01, "%s with %s: peak %.2f dBFS", preset, what,
          ac_db(ac_peak(inter, 2 * n)));
    size_t from = (size_t)(2.5 * RATE), to = n - (size_t)(2.5 * RATE);
    CHECK(ac_db(ac_rms(l + from, to - from)) > -45, "%s with %s: nearly silent", preset, what);
    ac_click c = ac_click_detect(l + from, to - from, 480, 1e-4);
    CHECK(c.ratio < 10, "%s with %s: click at %.2f s (ratio %.1f)", preset, what,
          (from + c.index) / RATE, c.ratio);
    CHECK(res.nan_events == 0, "%s with %s: %llu nodes muted", preset, what,
          (unsigned long long)res.nan_events);
    free(inter), free(l);
}

int main(void)
{
    const char *presets[] = {"surf", "drone", "default"};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        check_render(presets[i], NULL, "dropouts", 90);
        check_render(presets[i], NULL, "stressed", 40);
    }
    char rec[1024];
    snprintf(rec, sizeof rec, "%s/03700181.hea", test_env("LULL_TEST_DATA"));
    check_render("surf", rec, NULL, 60);
    return check_finish("test_render_bio");
}
