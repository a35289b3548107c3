/* A long treatment day, simulated offline (issue 12, "a 24-hour session"):
 * the engine renders HOURS of audio at 48 kHz in 256-frame blocks, switching
 * between two presets every SWITCH minutes (3 s crossfades), driven by the
 * synthetic `dropouts` client in even hours and the `follower` client (who
 * breathes with the pacer) in odd hours, through the same biosignal pipeline
 * lulld runs. It measures, and with --check asserts:
 *   - NaN/Inf: no non-finite output sample, no node muted (status.nan_events);
 *   - clicks: an AR-residual detector (tests/support/sound_quality.h) over 2 s
 *     around every preset switch, against the same detector on 2 s windows away
 *     from switches (the sounds' own transients): switches may not add clicks;
 *   - clock drift: the pacer's phase against the integral of its rate over the
 *     rendered time (frames / rate), re-anchored at each preset switch (a load
 *     may restart the pacer), in cycles;
 *   - memory: resident set size (/proc/self/statm) every simulated hour;
 *   - level: RMS per minute (dBFS), summarised per hour and preset.
 * Usage: bench_soak [--hours H | --minutes M] [--presets A,B] [--switch MIN] [--check]
 * Default: 24 h, presets `default` and the heaviest shipped one (HEAVIEST below,
 * measured with `lull render`: docs/testing.md), a switch every 4 min.
 * tools/soak.sh runs the 24 h day. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/offline_driver.h"
#include "engine/engine.h"
#include "sim/offline_features.h"
#include "sound_quality.h"

#define RATE 48000.0
#define BLOCK 256u
#define FEATURE_S 0.1 /* the daemon's bio thread publishes at 30 Hz; */
                      /* offline renders use 10 Hz (offline_driver.h) */
#define WINDOW_S 2.0  /* click window around a switch */
/* The heaviest shipped preset: brook renders 60 s in 1.9 s, default in 0.7 s
 * (lull render on the 2-core VM, 2025-11-30). */
#define HEAVIEST "brook"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double rss_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

typedef struct clicks {
    size_t windows, flagged; /* windows with >= 1 click */
    double max_ratio;
} clicks;

static void judge(clicks *c, const float *x, size_t n)
{
    sq_click_opts o;
    sq_click_defaults(&o);
    sq_click found[8];
    double ratio = 0;
    size_t k = sq_clicks(x, n, &o, found, 8, &ratio);
    c->windows++;
    if (k > 0) c->flagged++;
    if (ratio > c->max_ratio) c->max_ratio = ratio;
}

int main(int argc, char **argv)
{
    double hours = 24, switch_min = 4;
    const char *presets[2] = {"default", HEAVIEST};
    char preset_buf[256] = "";
    int check = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--hours") && v)
            hours = atof(argv[++i]);
        else if (!strcmp(argv[i], "--minutes") && v)
            hours = atof(argv[++i]) / 60.0;
        else if (!strcmp(argv[i], "--switch") && v)
            switch_min = atof(argv[++i]);
        else if (!strcmp(argv[i], "--presets") && v) {
            snprintf(preset_buf, sizeof preset_buf, "%s", argv[++i]);
            char *comma = strchr(preset_buf, ',');
            if (!comma) {
                fprintf(stderr, "bench_soak: --presets expects A,B, got %s\n", preset_buf);
                return 2;
            }
            *comma = '\0';
            presets[0] = preset_buf, presets[1] = comma + 1;
        } else if (!strcmp(argv[i], "--check"))
            check = 1;
        else {
            fprintf(stderr, "usage: bench_soak [--hours H | --minutes M] [--presets A,B] "
                            "[--switch MIN] [--check]\n");
            return 2;
        }
    }
    if (!(hours > 0) || !(switch_min > 0.1)) {
        fprintf(stderr, "bench_soak: --hours/--minutes must be > 0 and --switch > 0.1 min\n");
        return 2;
    }

    char err[512];
    lull_engine *e = offline_engine_open(presets[0], RATE, err, sizeof err);
    if (!e) {
        fprintf(stderr, "bench_soak: %s\n", err);
        return 1;
    }
    offline_features *clients[2];
    const client_profile profiles[2] = {CLIENT_DROPOUTS, CLIENT_FOLLOWER};
    for (int c = 0; c < 2; c++) {
        clients[c] = offline_features_from_model(profiles[c], 1 + (uint64_t)c, err, sizeof err);
        if (!clients[c]) {
            fprintf(stderr, "bench_soak: client: %s\n", err);
            return 1;
        }
        offline_features_set_engine(clients[c], e);
    }

    const uint64_t total = (uint64_t)(hours * 3600.0 * RATE);
    const uint64_t switch_frames = (uint64_t)(switch_min * 60.0 * RATE);
    const uint64_t minute = (uint64_t)(60.0 * RATE);
    /* Report (RSS, level) every hour; a run shorter than 4 h reports each quarter. */
    uint64_t hour = 60 * minute;
    if (hours < 4) hour = (total / 4 / minute > 0 ? total / 4 / minute : 1) * minute;
    const size_t win = (size_t)(WINDOW_S * RATE);
    float *l = malloc(BLOCK * sizeof *l), *r = malloc(BLOCK * sizeof *r);
    float *window = malloc(win * sizeof *window);
    size_t win_fill = 0;
    int win_kind = 0; /* 0 none, 1 around a switch, 2 baseline */
    clicks at_switch = {0}, baseline = {0};

    uint64_t nonfinite = 0, loads = 0, load_fail = 0;
    int current = 0;
    double rss0 = rss_mb(), rss_warm = 0, rss_max = rss0, rss_early = 0, rss_late = 0;
    double sumsq = 0; /* this minute */
    double level_min[2] = {1e9, 1e9}, level_max[2] = {-1e9, -1e9};
    double hour_sum[2] = {0}, hour_n[2] = {0};
    double first_hour_mean[2] = {NAN, NAN}, last_hour_mean[2] = {NAN, NAN};
    double drift_max = 0, cycles_expected = 0, cycles_seen = 0, last_phase = -1, last_rate = 0;
    double next_feature = 0;
    double t0 = now_s();
    printf("soak: %.2f h at %.0f Hz, presets %s <-> %s every %.1f min, clients dropouts "
           "(even hours) / follower (odd hours)\n",
           hours, RATE, presets[0], presets[1], switch_min);
    printf("  h   rss MB  level dBFS (min..max per preset)  pacer drift cycles  wall s\n");

    for (uint64_t f = 0; f < total; f += BLOCK) {
        double t = (double)f / RATE;
        int client = (int)((f / (60 * minute)) & 1);
        /* Feature frames every 100 ms of stream time, as the offline driver does. */
        if (t >= next_feature) {
            lull_features feat;
            offline_features_fn(clients[client], t, &feat);
            lull_engine_publish_features(e, &feat);
            next_feature += FEATURE_S;
            /* Pacer: phase observed vs the integral of its rate. */
            lull_engine_status st;
            lull_engine_get_status(e, &st);
            double ph = st.pacer_phase;
            if (last_phase >= 0) {
                double d = ph - last_phase;
                d -= floor(d + 0.5); /* unwrap: nearest cycle */
                cycles_seen += d;
                /* Trapezoid: the rate glides between two frames. */
                cycles_expected += 0.5 * (st.pacer_rate + last_rate) / 60.0 * FEATURE_S;
                double drift = fabs(cycles_seen - cycles_expected);
                if (drift > drift_max) drift_max = drift;
            }
            last_phase = ph;
            last_rate = st.pacer_rate;
        }
        if (f > 0 && f % switch_frames < BLOCK) {
            current ^= 1;
            char why[512];
            if (lull_engine_load_preset(e, presets[current], 3.0f, NULL, NULL, why, sizeof why))
                loads++;
            else {
                load_fail++;
                fprintf(stderr, "bench_soak: load %s: %s\n", presets[current], why);
            }
            /* Re-anchor the pacer: a load may set its mode and restart its phase. */
            cycles_seen = cycles_expected = 0;
            last_phase = -1;
            /* The click window covers the crossfade's first 2 s. */
            win_kind = 1, win_fill = 0;
        } else if (win_kind == 0 && f % switch_frames >= switch_frames / 2 &&
                   f % switch_frames < switch_frames / 2 + BLOCK) {
            win_kind = 2, win_fill = 0; /* baseline: mid-way between switches */
        }
        lull_engine_process(e, l, r, BLOCK);
        for (uint32_t i = 0; i < BLOCK; i++) {
            if (!isfinite(l[i]) || !isfinite(r[i])) {
                nonfinite++;
                l[i] = r[i] = 0;
            }
            sumsq += (double)l[i] * l[i] + (double)r[i] * r[i];
        }
        if (win_kind) {
            for (uint32_t i = 0; i < BLOCK && win_fill < win; i++) window[win_fill++] = l[i];
            if (win_fill == win) {
                judge(win_kind == 1 ? &at_switch : &baseline, window, win);
                win_kind = 0;
            }
        }
        uint64_t end = f + BLOCK;
        if (end % minute < BLOCK) {
            /* Per-minute level of the preset that played most of it. */
            double db = 10 * log10(sumsq / (2.0 * (double)minute) + 1e-20);
            int p = current;
            if (end > minute * 5 || hours < 0.2) { /* skip the first fade-in */
                if (db < level_min[p]) level_min[p] = db;
                if (db > level_max[p]) level_max[p] = db;
                hour_sum[p] += db, hour_n[p]++;
            }
            sumsq = 0;
        }
        if (end % hour < BLOCK || end >= total) {
            double rss = rss_mb();
            if (rss > rss_max) rss_max = rss;
            /* Warm: both presets (and their sound files) have been loaded. */
            if (rss_warm == 0 && loads >= 2) rss_warm = rss;
            /* Peaks, not samples: RSS swings with which preset's sounds are loaded. */
            if (loads >= 1 && end <= total / 2 && rss > rss_early) rss_early = rss;
            if (end > total / 2 && rss > rss_late) rss_late = rss;
            lull_engine_status st;
            lull_engine_get_status(e, &st);
            for (int p = 0; p < 2; p++) {
                double mean = hour_n[p] > 0 ? hour_sum[p] / hour_n[p] : NAN;
                if (isnan(first_hour_mean[p])) first_hour_mean[p] = mean;
                if (!isnan(mean)) last_hour_mean[p] = mean;
                hour_sum[p] = hour_n[p] = 0;
            }
            printf("%5.2f %7.1f  %s %.1f..%.1f, %s %.1f..%.1f  %.2e  %.0f\n",
                   (double)end / RATE / 3600.0, rss, presets[0], level_min[0], level_max[0],
                   presets[1], level_min[1], level_max[1], drift_max, now_s() - t0);
            fflush(stdout);
        }
        lull_engine_service(e);
    }
    double wall = now_s() - t0;
    uint64_t total_rendered = (total + BLOCK - 1) / BLOCK * BLOCK;
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    double rss_end = rss_mb();
    double hour_drift[2];
    for (int p = 0; p < 2; p++) hour_drift[p] = last_hour_mean[p] - first_hour_mean[p];
    printf("soak done: %.2f h of audio in %.0f s (%.0fx real time); %llu preset loads "
           "(%llu refused), NaN/Inf samples %llu, nodes muted %llu\n",
           hours, wall, hours * 3600 / wall, (unsigned long long)loads,
           (unsigned long long)load_fail, (unsigned long long)nonfinite,
           (unsigned long long)st.nan_events);
    printf("clicks: %zu of %zu switch windows flagged (max residual %.1f sigma), %zu of %zu "
           "baseline windows (max %.1f sigma)\n",
           at_switch.flagged, at_switch.windows, at_switch.max_ratio, baseline.flagged,
           baseline.windows, baseline.max_ratio);
    printf("clock: engine %llu frames, rendered %llu; ", (unsigned long long)st.frames,
           (unsigned long long)total_rendered);
    printf("pacer drift: max %.2e cycles between switches; RSS start %.1f MB, after the "
           "both presets loaded %.1f MB, end %.1f MB, max %.1f MB, peak first half %.1f MB, "
           "second half %.1f MB; level first->last report: %s %+.2f dB, %s %+.2f dB\n",
           drift_max, rss0, rss_warm, rss_end, rss_max, rss_early, rss_late, presets[0],
           hour_drift[0], presets[1], hour_drift[1]);

    int failures = 0;
    if (check) {
        /* Bounds: no NaN at all; switches may not be flagged more often than the
         * sounds themselves are (plus one window of slack); the engine's frame clock
         * equals the frames rendered; the pacer's phase stays within 0.05 cycle of
         * the integral of its rate between switches (follow mode nudges the phase
         * toward the client's breath on purpose, so this is no tighter; a clock
         * error would grow with time instead); memory after warm-up grows < 8 MB; the
         * hourly level of each preset moves < 1.5 dB (a loudness unit scale step). */
        double base_rate = baseline.windows ? (double)baseline.flagged / baseline.windows : 0;
        if (nonfinite || st.nan_events) failures++, fprintf(stderr, "FAIL: non-finite output\n");
        if (load_fail) failures++, fprintf(stderr, "FAIL: preset loads refused\n");
        if ((double)at_switch.flagged > base_rate * (double)at_switch.windows + 1.0)
            failures++, fprintf(stderr, "FAIL: clicks at preset switches\n");
        if (drift_max > 0.05) failures++, fprintf(stderr, "FAIL: pacer drift\n");
        if (st.frames != total_rendered)
            failures++, fprintf(stderr, "FAIL: engine clock %llu frames, rendered %llu\n",
                                (unsigned long long)st.frames, (unsigned long long)total_rendered);
        if (rss_late - rss_early > 8.0) failures++, fprintf(stderr, "FAIL: memory grows\n");
        for (int p = 0; p < 2; p++)
            if (fabs(hour_drift[p]) > 1.5)
                failures++, fprintf(stderr, "FAIL: level of %s moved\n", presets[p]);
    }
    for (int c = 0; c < 2; c++) offline_features_free(clients[c]);
    lull_engine_destroy(e);
    free(l), free(r), free(window);
    return failures ? 1 : 0;
}
