/* Every shipped preset (every .json in presets/), rendered offline for 20 s through
 * `lull render`'s driver: the WAV is finite, not silent, peaks at or below the
 * -6 dBFS ceiling, has no clicks and no dropouts, and two renders (host blocks of
 * 1024 and 441 frames) are byte-identical, seeded nodes included. */
#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_check.h"
#include "check.h"
#include "drivers/offline_driver.h"

#define RATE 48000.0
#define SECONDS 20.0

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len ? *len : 1);
    if (fread(b, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return b;
}

static void check_preset(const char *name)
{
    char a[256], b[256], err[1024];
    snprintf(a, sizeof a, "/tmp/lull-render-%d-%s-a.wav", (int)getpid(), name);
    snprintf(b, sizeof b, "/tmp/lull-render-%d-%s-b.wav", (int)getpid(), name);
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = name;
    o.seconds = SECONDS;
    o.sample_rate = RATE;
    offline_render_result res;
    o.out_path = a;
    CHECK(offline_render(&o, &res, err, sizeof err), "%s: %s", name, err);
    o.out_path = b;
    o.chunk_frames = 441; /* a different host block size must not matter either */
    CHECK(offline_render(&o, &res, err, sizeof err), "%s: %s", name, err);
    size_t la = 0, lb = 0;
    unsigned char *da = slurp(a, &la), *db = slurp(b, &lb);
    CHECK(da && db && la == lb && la > 0 && memcmp(da, db, la) == 0,
          "%s: two renders differ (%zu vs %zu bytes)", name, la, lb);
    free(da), free(db);

    SF_INFO info = {0};
    SNDFILE *sf = sf_open(a, SFM_READ, &info);
    CHECK(sf && info.channels == 2 && info.samplerate == (int)RATE, "%s: unreadable WAV", name);
    if (!sf) return;
    size_t n = (size_t)info.frames;
    CHECK(n == (size_t)(SECONDS * RATE), "%s: %zu frames, want %zu", name, n,
          (size_t)(SECONDS * RATE));
    float *inter = malloc(2 * n * sizeof(float)), *l = malloc(n * sizeof(float)),
          *r = malloc(n * sizeof(float));
    sf_readf_float(sf, inter, (sf_count_t)n);
    sf_close(sf);
    for (size_t i = 0; i < n; i++) {
        l[i] = inter[2 * i];
        r[i] = inter[2 * i + 1];
    }
    CHECK(ac_all_finite(inter, 2 * n), "%s: non-finite samples", name);
    double peak = fmax(ac_peak(l, n), ac_peak(r, n));
    CHECK(ac_db(peak) <= -6.0 + 0.01, "%s: peak %.2f dBFS above the -6 dBFS ceiling", name,
          ac_db(peak));
    /* Between the fade-in (2 s) and the fade-out (last ~2 s). */
    size_t from = (size_t)(2.5 * RATE), to = n - (size_t)(2.5 * RATE);
    double rms = ac_rms(l + from, to - from);
    CHECK(ac_db(rms) > -45, "%s: nearly silent (%.1f dBFS RMS)", name, ac_db(rms));
    double worst_click = 0, worst_dropout = 0;
    for (int ch = 0; ch < 2; ch++) {
        const float *x = ch ? r : l;
        ac_click c = ac_click_detect(x + from, to - from, 480, 1e-4);
        worst_click = fmax(worst_click, c.ratio);
        CHECK(c.ratio < 10, "%s ch%d: click at %.3f s (ratio %.1f)", name, ch,
              (from + c.index) / RATE, c.ratio);
        /* Dropouts: no 10 ms stretch falls 30 dB below the 1 s around it. */
        size_t w = (size_t)(0.01 * RATE), ctx = (size_t)RATE;
        double worst = 0;
        for (size_t i = from + ctx / 2; i + ctx / 2 < to; i += w) {
            double local = ac_rms(x + i - ctx / 2, ctx), here = ac_rms(x + i, w);
            worst = fmax(worst, ac_db(local) - ac_db(here));
        }
        CHECK(worst < 30, "%s ch%d: dropout: a 10 ms window %.1f dB below its surroundings", name,
              ch, worst);
        worst_dropout = fmax(worst_dropout, worst);
    }
    fprintf(stderr,
            "%-13s peak %6.1f dBFS, RMS %6.1f dBFS, worst click ratio %5.1f (< 10), "
            "deepest 10 ms dip %5.1f dB (< 30), bit-identical at blocks of 1024 and 441\n",
            name, ac_db(peak), ac_db(rms), worst_click, worst_dropout);
    /* The render ends in silence (fade-out), not cut off. */
    CHECK(ac_peak(l + n - 2400, 2400) < 1e-3, "%s: does not end in silence", name);
    free(inter), free(l), free(r);
    unlink(a);
    unlink(b);
}

int main(void)
{
    const char *dir = test_env("LULL_PRESET_DIR");
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    int count = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len - 5), de->d_name);
        check_preset(name);
        count++;
    }
    if (d) closedir(d);
    CHECK(count >= 10, "only %d presets shipped", count);
    return check_finish("test_render_presets");
}
