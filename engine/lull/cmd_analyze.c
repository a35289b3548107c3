/* `lull analyze FILE`: runs a recorded session (WFDB or CSV) through the same
 * biosignal pipeline as the daemon and writes beats, breaths or feature frames
 * as CSV. The samples are fed in 100 ms batches stamped with their exact times,
 * as the daemon would receive them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bio/bio_pipeline.h"
#include "commands.h"
#include "core/progress.h"
#include "records/record.h"
#include "records/record_dump.h"
#include "records/record_pick.h"

#define FRAME_S 0.1

enum output { OUT_NONE, OUT_BEATS, OUT_BREATHS, OUT_FEATURES, OUT_SIGNALS, OUT_EVENTS };

static const char *const k_option[BIO_WAVEFORMS] = {"--resp", "--ecg", "--ppg"};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: lull analyze FILE (--beats | --breaths | --features | --events | --signals)\n"
            "                    [--ecg NAME] [--ppg NAME] [--resp NAME] [--rate HZ] [-o OUT.csv]\n"
            "FILE is a WFDB header (.hea), an EDF/EDF+/BDF file, or a CSV with a header row\n"
            "naming time_s and the signals (without time_s, give --rate). Signals are chosen\n"
            "by name (\"ECG 1\", \"EKG\", \"Pleth\", \"Thorax\"... are recognised); first\n"
            "ECG: MLII, II, ECG, MCL1; PPG: PPG, PLETH; respiration: RESP, RSP, RESPIRATION.\n"
            "  --beats     time_s,source,ectopic (source ecg|ppg, ectopic 0|1)\n"
            "  --breaths   time_s,phase (inhale|exhale at each onset)\n"
            "  --features  the feature frames at 10 Hz (docs/biosignals.md); empty = unknown\n"
            "  --events    release moments: start_s,end_s,evidence,sigh_ratio,irregularity,\n"
            "              hold_s,surge_bpm (evidence: sigh, irregular, hold, heart_surge)\n"
            "  --signals   the decoded signals: time_s and one column per signal, in its\n"
            "              physical units (empty = no sample at that time, or invalid)\n");
}

typedef struct analyze_out {
    FILE *f;
    enum output kind;
} analyze_out;

static void on_breath(void *ctx, const resp_event *ev)
{
    analyze_out *o = ctx;
    if (o->kind == OUT_BREATHS)
        fprintf(o->f, "%.3f,%s\n", ev->time_s, ev->kind == RESP_INHALE_ONSET ? "inhale" : "exhale");
}

static void on_beat(void *ctx, bio_stream source, const beat_result *r)
{
    analyze_out *o = ctx;
    if (o->kind == OUT_BEATS)
        fprintf(o->f, "%.3f,%s,%d\n", r->time_s, source == BIO_ECG ? "ecg" : "ppg",
                r->beat_ectopic ? 1 : 0);
}

static void field(FILE *f, float v);

/* A release moment, once it has ended (or at the end of the record). */
static void on_release(void *ctx, const release_event *ev)
{
    analyze_out *o = ctx;
    if (o->kind != OUT_EVENTS) return;
    char why[64];
    release_evidence_text(ev->evidence, why, (int)sizeof why);
    fprintf(o->f, "%.1f,%.1f,%s", ev->start_s, ev->end_s, why);
    field(o->f, (float)ev->sigh_ratio);
    field(o->f, (float)ev->irregularity);
    field(o->f, (float)ev->hold_s);
    field(o->f, (float)ev->surge_bpm);
    fputc('\n', o->f);
}

static void field(FILE *f, float v)
{
    if (isfinite(v))
        fprintf(f, ",%.4g", v);
    else
        fputc(',', f);
}

static void write_frame(FILE *f, const lull_features *x)
{
    fprintf(f, "%.1f", x->time_s);
    field(f, x->breath_rate);
    field(f, x->breath_phase);
    field(f, x->breath_depth);
    field(f, x->ie_ratio);
    field(f, x->breath_quality);
    field(f, x->heart_rate);
    field(f, x->rmssd);
    field(f, x->rsa);
    field(f, x->coherence);
    field(f, x->heart_quality);
    field(f, x->arousal);
    fprintf(f, ",%d", x->release >= 0.5f ? 1 : 0);
    fputc('\n', f);
}

/* Feeds the chosen signals in FRAME_S batches; writes frames when asked. */
static void run(bio_pipeline *p, const bio_signal *const sig[BIO_WAVEFORMS], analyze_out *o)
{
    double duration = 0;
    for (int s = 0; s < BIO_WAVEFORMS; s++)
        if (sig[s]) duration = fmax(duration, (double)sig[s]->n / sig[s]->fs);
    size_t done[BIO_WAVEFORMS] = {0};
    if (o->kind == OUT_FEATURES)
        fprintf(o->f, "time_s,breath_rate,breath_phase,breath_depth,ie_ratio,breath_quality,"
                      "heart_rate,rmssd,rsa,coherence,heart_quality,arousal,release\n");
    /* on a terminal, for a recording that takes longer than 2 s to analyse */
    lull_progress progress;
    progress_begin(&progress, "lull analyze", duration, false);
    for (long frame = 1;; frame++) {
        double t = frame * FRAME_S;
        progress_update(&progress, fmin(t, duration));
        for (int s = 0; s < BIO_WAVEFORMS; s++) {
            if (!sig[s]) continue;
            /* Samples whose time k / fs is before t. */
            size_t upto = (size_t)fmin((double)sig[s]->n, ceil(t * sig[s]->fs - 1e-9));
            if (upto > done[s]) {
                bio_pipeline_push_samples(p, (bio_stream)s, sig[s]->samples + done[s],
                                          upto - done[s], (double)(upto - 1) / sig[s]->fs);
                done[s] = upto;
            }
        }
        if (t > duration + 1e-9) break;
        lull_features x;
        bio_pipeline_features(p, t, &x);
        if (o->kind == OUT_FEATURES) write_frame(o->f, &x);
    }
    progress_end(&progress);
    bio_pipeline_flush(p);
}

/* argv[0] is "analyze". */
int cmd_analyze(int argc, char **argv)
{
    const char *file = NULL, *out_path = NULL, *names[BIO_WAVEFORMS] = {NULL};
    double rate = 0;
    enum output kind = OUT_NONE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        enum output k = !strcmp(a, "--beats")      ? OUT_BEATS
                        : !strcmp(a, "--breaths")  ? OUT_BREATHS
                        : !strcmp(a, "--features") ? OUT_FEATURES
                        : !strcmp(a, "--signals")  ? OUT_SIGNALS
                        : !strcmp(a, "--events")   ? OUT_EVENTS
                                                   : OUT_NONE;
        if (k != OUT_NONE) {
            if (kind != OUT_NONE) {
                fprintf(stderr, "lull analyze: give exactly one of --beats, --breaths, --features, "
                                "--signals, --events\n");
                return 2;
            }
            kind = k;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        int which = -1;
        for (int s = 0; s < BIO_WAVEFORMS; s++)
            if (!strcmp(a, k_option[s])) which = s;
        bool takes_value = which >= 0 || !strcmp(a, "--rate") || !strcmp(a, "-o");
        if (takes_value && i + 1 >= argc) {
            fprintf(stderr, "lull analyze: %s needs a value\n", a);
            return 2;
        }
        if (which >= 0) {
            names[which] = argv[++i];
        } else if (!strcmp(a, "--rate")) {
            char *end;
            rate = strtod(argv[++i], &end);
            if (*end || !(rate > 0 && rate <= 100000)) {
                fprintf(stderr, "lull analyze: --rate: \"%s\" is not a sampling rate in Hz\n",
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "-o")) {
            out_path = argv[++i];
        } else if (a[0] == '-') {
            fprintf(stderr, "lull analyze: unknown option \"%s\"\n", a);
            usage(stderr);
            return 2;
        } else if (file) {
            fprintf(stderr, "lull analyze: one FILE only (\"%s\" and \"%s\")\n", file, a);
            return 2;
        } else {
            file = a;
        }
    }
    if (!file || kind == OUT_NONE) {
        usage(stderr);
        return 2;
    }

    char err[1024];
    bio_record *rec = NULL;
    if (!bio_record_read(file, rate, &rec, err, sizeof err)) {
        fprintf(stderr, "lull analyze: %s\n", err);
        if (rate == 0 && strstr(err, "time_s"))
            fprintf(stderr, "lull analyze: give the sampling rate with --rate HZ\n");
        return 1;
    }
    if (kind == OUT_SIGNALS) { /* no signal choice, no pipeline: what was decoded */
        FILE *so = out_path ? fopen(out_path, "w") : stdout;
        int bad = !so || !bio_record_write_signals_csv(rec, so);
        if (so && so != stdout && fclose(so) != 0) bad = 1;
        if (bad)
            fprintf(stderr, "lull analyze: writing %s failed\n", out_path ? out_path : "stdout");
        bio_record_free(rec);
        return bad ? 1 : 0;
    }
    const bio_signal *sig[BIO_WAVEFORMS] = {NULL};
    int status = 0;
    if (!record_pick_signals(rec, file, names, sig, err, sizeof err)) {
        fprintf(stderr, "lull analyze: %s\n", err);
        status = 2;
    }
    bio_pipeline_config cfg;
    bio_pipeline_config_default(&cfg);
    for (int s = 0; s < BIO_WAVEFORMS && status == 0; s++)
        if (sig[s]) cfg.rate_hz[s] = sig[s]->fs;
    bio_pipeline *p = NULL;
    if (status == 0 && !(p = bio_pipeline_new(&cfg))) {
        fprintf(stderr,
                "lull analyze: %s: a sampling rate is outside what the detectors take "
                "(respiration 4-1000 Hz, ECG 50-10000 Hz, PPG 20-10000 Hz)\n",
                file);
        status = 1;
    }
    FILE *out = stdout;
    if (status == 0 && out_path && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "lull analyze: cannot write %s\n", out_path);
        status = 1;
    }
    if (status == 0) {
        analyze_out o = {out, kind};
        bio_pipeline_listener l = {on_breath, on_beat, &o};
        bio_pipeline_set_listener(p, &l);
        bio_pipeline_set_release_listener(p, on_release, &o);
        if (kind == OUT_BEATS) fprintf(out, "time_s,source,ectopic\n");
        if (kind == OUT_BREATHS) fprintf(out, "time_s,phase\n");
        if (kind == OUT_EVENTS)
            fprintf(out, "start_s,end_s,evidence,sigh_ratio,irregularity,hold_s,surge_bpm\n");
        run(p, sig, &o);
        if (ferror(out) || (out != stdout && fclose(out) != 0)) {
            fprintf(stderr, "lull analyze: writing %s failed\n", out_path ? out_path : "stdout");
            status = 1;
        } else if (out == stdout) {
            fflush(stdout);
        }
    } else if (out && out != stdout) {
        fclose(out);
    }
    bio_pipeline_free(p);
    bio_record_free(rec);
    return status;
}
