/* lull render: a preset to a WAV file, offline, without a sound card. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/render_trace.h"
#include "commands.h"
#include "drivers/offline_driver.h"
#include "engine/engine.h"
#include "graph/plan_pool.h"
#include "session/session_render.h"
#include "sim/offline_features.h"

static void usage(FILE *to)
{
    fprintf(
        to,
        "usage: lull render --preset NAME|FILE [--bio FILE [--bio-rate HZ] | --simulate PROFILE] "
        "--seconds N -o OUT.wav [--rate HZ] [--sounds DIR]...\n"
        "       [--format float|wav16|wav24|flac]\n"
        "       [--spectrogram OUT.png [--spectrogram-scale log|linear]] [--plot OUT.png]\n"
        "       [--session-db FILE]   also record the render as a session (lull report)\n"
        "       [--threads N]  threads that render each block (default 1; 1 to %u): the\n"
        "            file is bit-identical for every N; a second thread is faster only\n"
        "            where a second core is free (docs/performance.md)\n"
        "  --bio-rate  the sampling rate of a --bio CSV without a time_s column, Hz\n"
        "            (--rate is the audio's)\n"
        "  --spectrogram  a PNG of the output's spectrogram (time by frequency)\n"
        "  --plot    a PNG over time: the output's loudness (EBU R128), breath rate\n"
        "            and the pacer, heart rate and the tempo, arousal\n"
        "  --format  float: 32-bit float WAV (default; flac when OUT ends in .flac);\n"
        "            wav16, wav24: integer WAV; flac: 24-bit FLAC (integer formats are\n"
        "            TPDF-dithered from a fixed seed: the same render gives the same file)\n",
        PLAN_THREADS_MAX);
}

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "lull render: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return 2;
}

int cmd_render(int argc, char **argv)
{
    offline_render_opts o;
    offline_render_defaults(&o);
    o.seconds = -1;
    /* One thread unless asked: on the shared 2-core VM where lull is measured, a second
     * thread helped only while the other vCPU was free, and doubles the CPU time
     * (docs/performance.md, "Issue 13, item 1"). */
    o.threads = 1;
    const char *bio = NULL, *profile = NULL, *session_db = NULL;
    double bio_rate = 0.0;                           /* --bio-rate: a CSV without time_s */
    const char *spec_path = NULL, *plot_path = NULL; /* listening aids (analysis/) */
    spectrogram_opts spec;
    spectrogram_defaults(&spec);
    const char *sound_dirs[LULL_MAX_DIRS] = {NULL};
    size_t sound_dir_count = 0;
    int format_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--format") == 0 && v) {
            if (offline_format_parse(v, &o.format))
                return bad_usage("--format expects float, wav16, wav24 or flac, got", v);
            format_given = 1;
            i++;
        } else if (strcmp(a, "--preset") == 0 && v) {
            o.preset = v;
            i++;
        } else if (strcmp(a, "--seconds") == 0 && v) {
            if (!cli_parse_number("render", a, v, 0.001, 86400, &o.seconds)) return 2;
            i++;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && v) {
            o.out_path = v;
            i++;
        } else if (strcmp(a, "--threads") == 0 && v) {
            double n;
            if (!cli_parse_number("render", a, v, 1, PLAN_THREADS_MAX, &n)) return 2;
            if (n != floor(n)) return bad_usage("--threads expects a whole number, got", v);
            o.threads = (uint32_t)n;
            i++;
        } else if (strcmp(a, "--rate") == 0 && v) {
            if (!cli_parse_number("render", a, v, 8000, 384000, &o.sample_rate)) return 2;
            i++;
        } else if (strcmp(a, "--sounds") == 0 && v) {
            /* Repeatable: replaces the default sound directories. */
            if (sound_dir_count >= LULL_MAX_DIRS - 1) {
                fprintf(stderr, "lull render: --sounds given too often (at most %d)\n",
                        LULL_MAX_DIRS - 1);
                return 2;
            }
            sound_dirs[sound_dir_count++] = v;
            o.sound_dirs = sound_dirs;
            i++;
        } else if (strcmp(a, "--spectrogram") == 0 && v) {
            spec_path = v;
            i++;
        } else if (strcmp(a, "--spectrogram-scale") == 0 && v) {
            if (strcmp(v, "log") && strcmp(v, "linear"))
                return bad_usage("--spectrogram-scale expects log or linear, got", v);
            spec.linear = strcmp(v, "linear") == 0;
            i++;
        } else if (strcmp(a, "--plot") == 0 && v) {
            plot_path = v;
            i++;
        } else if (strcmp(a, "--session-db") == 0 && v) {
            session_db = v; /* record the render as a session (session/session_render.h) */
            i++;
        } else if (strcmp(a, "--bio") == 0 && v) {
            bio = v;
            i++;
        } else if (strcmp(a, "--bio-rate") == 0 && v) {
            /* a CSV record without time_s: its rate (lull analyze's --rate) */
            if (!cli_parse_number("render", a, v, 1, 100000, &bio_rate)) return 2;
            i++;
        } else if (strcmp(a, "--simulate") == 0 && v) {
            profile = v;
            i++;
        } else {
            return bad_usage(v || a[0] != '-' ? "unknown argument" : "missing value for", a);
        }
    }
    if (!o.preset) return bad_usage("--preset is required", NULL);
    if (o.seconds < 0) return bad_usage("--seconds is required", NULL);
    if (!o.out_path) return bad_usage("-o OUT.wav is required", NULL);
    size_t out_len = strlen(o.out_path);
    if (!format_given && out_len > 5 && strcasecmp(o.out_path + out_len - 5, ".flac") == 0)
        o.format = OFFLINE_FORMAT_FLAC;
    /* lull writes WAV or FLAC only: an .mp3 or .ogg name would be a WAV in disguise. */
    const char *dot = strrchr(o.out_path, '.');
    const char *slash = strrchr(o.out_path, '/');
    if (dot && (!slash || dot > slash) && strcasecmp(dot, ".wav") != 0 &&
        strcasecmp(dot, ".flac") != 0)
        return bad_usage("the output must be a .wav or .flac file, not", o.out_path);

    if (bio && profile) return bad_usage("--bio and --simulate exclude each other", NULL);

    offline_render_result res;
    char err[1024];
    if (bio_rate > 0 && !bio) return bad_usage("--bio-rate goes with --bio", NULL);
    if (!render_features_setup_rate(bio, bio_rate, profile, &o, err, sizeof err)) {
        bool no_clock = bio && bio_rate <= 0 && strstr(err, "time_s");
        fprintf(stderr, "lull render: %s%s\n", err,
                no_clock ? " (give the record's rate with --bio-rate HZ)" : "");
        return 2;
    }
    render_trace *trace = NULL;
    if ((spec_path || plot_path) &&
        !(trace = render_trace_new(o.sample_rate, o.seconds, spec_path ? &spec : NULL, err,
                                   sizeof err))) {
        render_features_teardown(&o);
        fprintf(stderr, "lull render: %s\n", err);
        return 1;
    }
    if (trace) render_trace_attach(trace, &o);
    session_render *rec = NULL;
    if (session_db) {
        char source[64];
        const char *base = strrchr(o.preset, '/');
        snprintf(source, sizeof source, "render %s%s%s", base ? base + 1 : o.preset,
                 profile ? ", simulate "
                 : bio   ? ", bio"
                         : "",
                 profile ? profile : "");
        if (!(rec = session_render_open(session_db, source, o.sample_rate, err, sizeof err))) {
            render_features_teardown(&o);
            render_trace_free(trace);
            fprintf(stderr, "lull render: --session-db: %s\n", err);
            return 1;
        }
        session_render_attach(rec, &o);
    }
    o.progress_label = "lull render"; /* on a terminal, for renders longer than 2 s */
    int failed = !offline_render(&o, &res, err, sizeof err);
    if (rec) {
        long long sid = 0;
        if (!failed && session_render_finish(rec, &sid, err, sizeof err))
            fprintf(stderr, "lull render: recorded as session %lld in %s\n", sid, session_db);
        else if (!failed) {
            fprintf(stderr, "lull render: --session-db: %s\n", err);
            failed = 1;
            snprintf(err, sizeof err, "the session was not recorded");
        } else
            session_render_free(rec);
    }
    render_features_teardown(&o);
    if (!failed && trace)
        failed = !render_trace_write(trace, o.preset, res.preset_loudness_lufs, spec_path,
                                     plot_path, err, sizeof err);
    render_trace_free(trace);
    if (failed) {
        fprintf(stderr, "lull render: %s\n", err);
        return 1;
    }
    double peak_db = res.peak > 0 ? 20 * log10(res.peak) : -INFINITY;
    fprintf(stderr,
            "lull render: wrote %s (%s, %.1f s at %.0f Hz, peak %.1f dBFS, %.0fx realtime)\n",
            o.out_path, offline_format_name(o.format), (double)res.frames / o.sample_rate,
            o.sample_rate, peak_db, res.wall_seconds > 0 ? o.seconds / res.wall_seconds : 0.0);
    if (spec_path) fprintf(stderr, "lull render: wrote %s (spectrogram)\n", spec_path);
    if (plot_path) fprintf(stderr, "lull render: wrote %s (loudness and features)\n", plot_path);
    if (res.nan_events)
        fprintf(stderr,
                "lull render: warning: %llu node(s) produced non-finite output and were muted\n",
                (unsigned long long)res.nan_events);
    return 0;
}
