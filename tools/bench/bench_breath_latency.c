/* bench_breath_latency: how late the biosignal features reflect a breath event or
 * a heart beat, on the simulated client (engine/src/sim/client_model.h) fed through
 * the biosignal pipeline as the daemon feeds it: 100-ms batches stamped with their
 * last sample's time, one features frame after each batch.
 *
 *   bench_breath_latency [--seconds S] [--seed N]
 *
 * For each breathing rate (6, 9, 12, 15 and 20 breaths/min, each breath +-4 %
 * jitter, respiration at 50 Hz, the first 60 s skipped):
 *  - feature latency of a breath event: for every true inhale onset (exhale
 *    onset), the time from the event to the frame at which the published
 *    breath_phase passes the same point of the cycle (wraps to 0; crosses the
 *    published inhale fraction f = ie / (1 + ie)), the crossing nearest the
 *    event. Early counts as much as late: mean, p95 and max of |lag|, and the
 *    signed mean. An event with no crossing within -1/2..+1 of its half-cycle is
 *    missed and counts that half-cycle;
 *  - confirmation latency: frame time at which the tracker confirms an extremum
 *    (resp_event, used for rate, ratio and depth) minus the true event time;
 *  - phase error: mean and p95 of |published - true| phase (cyclic, cycles).
 * Heart: the time from each R peak (as detected) to the frame whose heart rate
 * first includes its interval (the detector's delay plus the next beat, which the
 * validator needs), for valid ECG intervals at 250 Hz.
 * It prints figures and asserts nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/bio_pipeline.h"
#include "sim/client_model.h"

#define FRAME_S 0.1
#define SKIP_S 60.0
#define TICKS_PER_FRAME 25 /* 100 ms of 4-ms ticks */
#define MAX_EVENTS 4096
#define MAX_FRAMES 40000

typedef struct frame {
    double t, phase, f, true_phase;
} frame;

typedef struct truth {
    double t;
    int inhale;    /* 1 inhale onset, 0 exhale onset */
    double half_s; /* duration of the half-cycle it starts */
} truth;

typedef struct run {
    double now;
    double confirm[MAX_EVENTS];
    int n_confirm;
    double beat[MAX_EVENTS];
    int n_beat;
    /* nearest true events, for the confirmation latency */
    truth *truths;
    int n_truths;
} run;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats(double *v, int n, double *mean, double *p95, double *max)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += v[i];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *mean = n ? s / n : NAN;
    *p95 = n ? v[(int)floor(0.95 * (n - 1))] : NAN;
    *max = n ? v[n - 1] : NAN;
}

/* Confirmation latency: the true event of the same kind nearest to the
 * tracker's event time, within 1.5 s. */
static void on_breath(void *ctx, const resp_event *ev)
{
    run *r = ctx;
    if (ev->time_s < SKIP_S || r->n_confirm >= MAX_EVENTS) return;
    int want = ev->kind == RESP_INHALE_ONSET;
    double best = INFINITY, best_t = NAN;
    for (int i = 0; i < r->n_truths; i++) {
        if (r->truths[i].inhale != want) continue;
        double d = fabs(r->truths[i].t - ev->time_s);
        if (d < best) {
            best = d;
            best_t = r->truths[i].t;
        }
    }
    if (best <= 1.5) r->confirm[r->n_confirm++] = r->now - best_t;
}

/* A validated ECG interval reaches the heart rate in this frame. */
static void on_beat(void *ctx, bio_stream src, const beat_result *b)
{
    run *r = ctx;
    if (src == BIO_ECG && b->flag == BEAT_VALID && b->time_s >= SKIP_S && r->n_beat < MAX_EVENTS)
        r->beat[r->n_beat++] = r->now - b->time_s;
}

/* The frame at which the published phase passes the event's point of the cycle:
 * wraps from the end of a cycle to its start (inhale onset), or crosses the
 * published inhale fraction f = ie / (1 + ie) upward (exhale onset). */
static bool crosses(const frame *a, const frame *b, int inhale)
{
    if (!isfinite(a->phase) || !isfinite(b->phase)) return false;
    if (inhale) return a->phase - b->phase > 0.5;
    return a->phase < b->f && b->phase >= b->f && b->phase - a->phase < 0.5;
}

/* See the header comment: signed feature latency of one true event; the
 * crossing nearest the event within -1/2 .. +1 of the half-cycle it starts, else
 * NaN (missed). */
static double feature_latency(const frame *fr, int n, const truth *ev)
{
    double best = NAN;
    for (int j = 1; j < n; j++) {
        double d = fr[j].t - ev->t;
        if (d < -0.5 * ev->half_s) continue;
        if (d > ev->half_s) break;
        if (crosses(&fr[j - 1], &fr[j], ev->inhale) && !(fabs(d) >= fabs(best))) best = d;
    }
    return best;
}

static void one_rate(double rate, double seconds, uint64_t seed)
{
    client_spec spec = {CLIENT_STEADY, 0, rate};
    client_model m;
    client_model_init_spec(&m, &spec, seed);
    bio_pipeline *p = bio_pipeline_new(NULL);
    bio_pipeline_set_rate(p, BIO_RESP, CLIENT_RESP_FS);
    bio_pipeline_set_rate(p, BIO_ECG, CLIENT_ECG_FS);
    bio_pipeline_set_rate(p, BIO_PPG, CLIENT_PPG_FS);
    static frame frames[MAX_FRAMES];
    static truth truths[MAX_EVENTS];
    static run r;
    memset(&r, 0, sizeof r);
    r.truths = truths;
    bio_pipeline_listener l = {on_breath, on_beat, &r};
    bio_pipeline_set_listener(p, &l);
    int n_frames = 0, n_truths = 0;
    double prev_phase = 0.0, last_inhale = NAN;
    float resp[TICKS_PER_FRAME], ecg[TICKS_PER_FRAME];
    long n_steps = (long)(seconds / FRAME_S);
    for (long k = 0; k < n_steps && n_frames < MAX_FRAMES; k++) {
        int nr = 0, ne = 0;
        double t_resp = 0, t_ecg = 0, true_phase = 0;
        for (int i = 0; i < TICKS_PER_FRAME; i++) {
            client_tick tk;
            client_model_tick(&m, &tk);
            ecg[ne++] = tk.ecg;
            t_ecg = tk.t;
            if (tk.has_resp) {
                resp[nr++] = tk.resp;
                t_resp = tk.t;
            }
            /* true events: inhale onsets, and the phase crossing the inhale fraction */
            double fi = m.inhale_fraction;
            if (tk.breath_onset && n_truths < MAX_EVENTS) {
                if (n_truths > 0 && !truths[n_truths - 1].inhale)
                    truths[n_truths - 1].half_s = tk.onset_t - truths[n_truths - 1].t;
                truths[n_truths++] = (truth){tk.onset_t, 1, fi * 60.0 / tk.breath_rate};
                last_inhale = tk.onset_t;
            } else if (prev_phase < fi && tk.breath_phase >= fi && n_truths < MAX_EVENTS &&
                       isfinite(last_inhale)) {
                double speed = tk.breath_rate / 60.0;
                double te = tk.t - (tk.breath_phase - fi) / speed;
                truths[n_truths++] = (truth){te, 0, (1.0 - fi) / speed};
            }
            prev_phase = tk.breath_phase;
            true_phase = tk.breath_phase;
        }
        r.n_truths = n_truths;
        r.now = t_ecg;
        bio_pipeline_push_samples(p, BIO_RESP, resp, (size_t)nr, t_resp);
        bio_pipeline_push_samples(p, BIO_ECG, ecg, (size_t)ne, t_ecg);
        lull_features f;
        bio_pipeline_features(p, t_ecg, &f);
        double ie = isfinite(f.ie_ratio) ? f.ie_ratio : 0.4 / 0.6;
        frames[n_frames++] = (frame){t_ecg, f.breath_phase, ie / (1.0 + ie), true_phase};
    }
    static double lat_in[MAX_EVENTS], lat_ex[MAX_EVENTS], lat_all[MAX_EVENTS], perr[MAX_FRAMES];
    int n_in = 0, n_ex = 0, n_all = 0, n_perr = 0, missed = 0;
    double signed_sum = 0, perr_signed = 0;
    for (int i = 0; i < n_truths; i++) {
        if (truths[i].t < SKIP_S || truths[i].t + truths[i].half_s > n_frames * FRAME_S) continue;
        double lat = feature_latency(frames, n_frames, &truths[i]);
        if (!isfinite(lat)) {
            missed++;
            lat = truths[i].half_s;
        }
        signed_sum += lat;
        lat = fabs(lat);
        if (truths[i].inhale)
            lat_in[n_in++] = lat;
        else
            lat_ex[n_ex++] = lat;
        lat_all[n_all++] = lat;
    }
    for (int i = 0; i < n_frames; i++) {
        if (frames[i].t < SKIP_S || !isfinite(frames[i].phase)) continue;
        double d = frames[i].phase - frames[i].true_phase;
        d -= floor(d + 0.5);
        perr_signed += d;
        perr[n_perr++] = fabs(d);
    }
    double mean, p95, max, mi, pi, xi, me, pe, xe, mc, pc, xc, mp, pp, xp, mh, ph, xh;
    stats(lat_all, n_all, &mean, &p95, &max);
    stats(lat_in, n_in, &mi, &pi, &xi);
    stats(lat_ex, n_ex, &me, &pe, &xe);
    stats(r.confirm, r.n_confirm, &mc, &pc, &xc);
    stats(perr, n_perr, &mp, &pp, &xp);
    stats(r.beat, r.n_beat, &mh, &ph, &xh);
    printf("%5.1f/min  feature |lag| %.2f / %.2f / %.2f s, signed mean %+.2f (inhale %.2f / %.2f, "
           "exhale %.2f / %.2f; %d events, %d missed)  confirmed %.2f / %.2f / %.2f s  "
           "phase err %.3f / %.3f (bias %+.3f)  beat->HR %.2f / %.2f / %.2f s (%d beats)\n",
           rate, mean, p95, max, signed_sum / n_all, mi, pi, me, pe, n_all, missed, mc, pc, xc, mp,
           pp, perr_signed / n_perr, mh, ph, xh, r.n_beat);
    bio_pipeline_free(p);
}

int main(int argc, char **argv)
{
    double seconds = 600.0;
    uint64_t seed = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_breath_latency [--seconds S] [--seed N]\n");
            return 2;
        }
    }
    if (!(seconds > SKIP_S + 30.0 && seconds <= MAX_FRAMES * FRAME_S)) {
        fprintf(stderr, "bench_breath_latency: --seconds must be in %g..%g\n", SKIP_S + 30.0,
                MAX_FRAMES * FRAME_S);
        return 2;
    }
    printf("breath event -> features, simulated client (resp 50 Hz, ECG 250 Hz), 100-ms "
           "batches and frames, %g s per rate, seed %llu; figures are mean / p95 / max\n",
           seconds, (unsigned long long)seed);
    const double rates[] = {6.0, 9.0, 12.0, 15.0, 20.0};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        one_rate(rates[i], seconds, seed + i);
    return 0;
}
