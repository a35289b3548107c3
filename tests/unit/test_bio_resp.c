/* Respiration tracker: synthetic breathing gliding from 14 to 6 breaths/min at
 * several sampling rates (rate accuracy, every breath found, phase and ratio),
 * and the real impedance respiration of MIMIC II record 03700181 against a
 * reference derived offline from the same signal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bio/resp_tracker.h"
#include "check.h"
#include "records/record.h"
#include "resp_synth.h"

/* ---- synthetic glide ---------------------------------------------------- */

#define HOLD_START_S 60.0
#define GLIDE_S 480.0
#define HOLD_END_S 120.0
#define SETTLE_S 30.0

static double true_rate(double t)
{
    if (t < HOLD_START_S) return 14.0;
    if (t < HOLD_START_S + GLIDE_S) return 14.0 - 8.0 * (t - HOLD_START_S) / GLIDE_S;
    return 6.0;
}

/* Rate within 0.5 breaths/min after SETTLE_S, every true breath found once,
 * phase close to the true phase, I:E ratio close to 0.4/0.6. */
static void test_glide(double fs, double noise)
{
    resp_tracker *t = resp_tracker_new(fs);
    CHECK(t != NULL, "tracker at %g Hz", fs);
    if (!t) return;
    resp_synth s;
    resp_synth_init(&s, fs, 7);
    s.noise = noise;
    double total_s = HOLD_START_S + GLIDE_S + HOLD_END_S;
    int64_t n = (int64_t)(total_s * fs);
    double onsets[256];
    int n_onsets = 0, n_detected = 0, matched = 0, frames = 0, frames_known = 0;
    double detected[256];
    double max_err = 0, sum_err = 0, max_phase_err = 0, sum_lag = 0, sum_phase_err = 0;
    int phase_frames = 0, n_ie = 0;
    double sum_ie = 0;
    int64_t frame_every = (int64_t)fmax(1.0, round(fs * 0.1));
    for (int64_t i = 0; i < n; i++) {
        double time = (double)i / fs;
        int onset;
        double x = resp_synth_next(&s, true_rate(time), &onset);
        if (onset && n_onsets < 256) onsets[n_onsets++] = time;
        resp_event ev;
        if (resp_tracker_push(t, (float)x, time, &ev, NULL) && ev.kind == RESP_INHALE_ONSET) {
            if (n_detected < 256) detected[n_detected++] = ev.time_s;
            double ie = resp_tracker_ie_ratio(t);
            if (time > SETTLE_S && isfinite(ie)) {
                sum_ie += ie;
                n_ie++;
            }
        }
        if (i % frame_every == 0 && time >= SETTLE_S) {
            frames++;
            double r = resp_tracker_rate(t, time);
            if (isfinite(r)) {
                frames_known++;
                double e = fabs(r - true_rate(time));
                sum_err += e;
                if (e > max_err) max_err = e;
            }
            double ph = resp_tracker_phase(t, time);
            if (isfinite(ph) && time > 120.0) {
                double d = fabs(ph - s.phase);
                if (d > 0.5) d = 1.0 - d;
                if (d > max_phase_err) max_phase_err = d;
                sum_phase_err += d;
                phase_frames++;
            }
        }
    }
    /* 1:1 matching of detected inhale onsets to true ones within 1 s. */
    int j = 0;
    for (int k = 0; k < n_onsets; k++) {
        if (onsets[k] < 10.0) continue;
        while (j < n_detected && detected[j] < onsets[k] - 1.0) j++;
        if (j < n_detected && fabs(detected[j] - onsets[k]) <= 1.0) {
            sum_lag += detected[j] - onsets[k];
            matched++;
            j++;
        }
    }
    int expected = 0;
    for (int k = 0; k < n_onsets; k++) expected += onsets[k] >= 10.0;
    printf("glide fs=%g noise=%g: rate max err %.3f mean %.3f bpm, known %.1f %% of frames, "
           "onsets %d/%d matched (detected %d), mean timing %.3f s, phase err mean %.3f max %.3f, "
           "ie mean %.3f\n",
           fs, noise, max_err, sum_err / fmax(1, frames_known), 100.0 * frames_known / frames,
           matched, expected, n_detected, matched ? sum_lag / matched : NAN,
           sum_phase_err / fmax(1, phase_frames), max_phase_err, sum_ie / n_ie);
    CHECK(max_err <= 0.5, "fs %g: rate error %.3f > 0.5 breaths/min", fs, max_err);
    CHECK(frames_known >= 0.99 * frames, "fs %g: rate known in %d of %d frames", fs, frames_known,
          frames);
    CHECK(matched >= expected - 1 && n_detected <= n_onsets + 1,
          "fs %g: matched %d of %d onsets, detected %d", fs, matched, expected, n_detected);
    /* Phase between events is a prediction from the previous breaths: it is off
     * most when a breath ends early or late, and corrected at each event. */
    CHECK(sum_phase_err / phase_frames < 0.06 && max_phase_err < 0.25,
          "fs %g: phase error mean %.3f max %.3f", fs, sum_phase_err / phase_frames, max_phase_err);
    double ie = sum_ie / n_ie;
    CHECK(fabs(ie - 0.4 / 0.6) < 0.1, "fs %g: mean ie ratio %.3f, expected 0.667", fs, ie);
    double depth = resp_tracker_depth(t);
    CHECK(depth > 0.4 && depth < 2.0, "fs %g: depth %.3f", fs, depth);
    resp_tracker_free(t);
}

/* ---- real data: 03700181 RESP ------------------------------------------- */

/* Zero-phase (forward-backward) biquad, for the offline reference only. */
static void biquad_filtfilt(double *x, size_t n, const double b[3], const double a[3])
{
    for (int pass = 0; pass < 2; pass++) {
        double x1 = x[pass ? n - 1 : 0], x2 = x1, y1 = 0, y2 = 0;
        /* Start from the steady state of the first value (no start-up step). */
        double gain_dc = (b[0] + b[1] + b[2]) / (1 + a[1] + a[2]);
        y1 = y2 = gain_dc * x1;
        for (size_t k = 0; k < n; k++) {
            size_t i = pass ? n - 1 - k : k;
            double y = b[0] * x[i] + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2;
            x2 = x1;
            x1 = x[i];
            y2 = y1;
            y1 = y;
            x[i] = y;
        }
    }
}

static void butter2(double fc, double fs, int highpass, double b[3], double a[3])
{
    double k = tan(M_PI * fc / fs), norm = 1.0 / (1.0 + M_SQRT2 * k + k * k);
    if (highpass) {
        b[0] = norm;
        b[1] = -2.0 * norm;
    } else {
        b[0] = k * k * norm;
        b[1] = 2.0 * b[0];
    }
    b[2] = b[0];
    a[0] = 1.0;
    a[1] = 2.0 * (k * k - 1.0) * norm;
    a[2] = (1.0 - M_SQRT2 * k + k * k) * norm;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reference troughs: the signal filtered forward and backward (0.05-1 Hz), then
 * alternating extrema whose swing is at least 25 % of the record's 5-95 %
 * range. Non-causal and using whole-record statistics: a generous rule that a
 * person reading the plot would agree with. Returns the number of troughs. */
static int reference_troughs(const float *raw, size_t n, double fs, double *out, int max_out)
{
    double *z = malloc(n * sizeof *z), *sorted = malloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) z[i] = raw[i];
    double b[3], a[3];
    butter2(1.0, fs, 0, b, a);
    biquad_filtfilt(z, n, b, a);
    butter2(0.05, fs, 1, b, a);
    biquad_filtfilt(z, n, b, a);
    memcpy(sorted, z, n * sizeof *z);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    double h = 0.25 * (sorted[(size_t)(0.95 * n)] - sorted[(size_t)(0.05 * n)]);
    int count = 0, seeking_peak = 0;
    size_t hi = 0, lo = 0;
    for (size_t i = 1; i < n; i++) {
        if (z[i] > z[hi]) hi = i;
        if (z[i] < z[lo]) lo = i;
        if (seeking_peak && z[i] < z[hi] - h) {
            seeking_peak = 0;
            lo = i;
        } else if (!seeking_peak && z[i] > z[lo] + h) {
            if (count < max_out) out[count++] = (double)lo / fs;
            seeking_peak = 1;
            hi = i;
        }
    }
    free(z);
    free(sorted);
    return count;
}

static void test_record_03700181(void)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/03700181.hea", test_env("LULL_TEST_DATA"));
    bio_record *rec = NULL;
    bool ok = bio_record_read(path, 0, &rec, err, sizeof err);
    CHECK(ok, "reading %s: %s", path, err);
    if (!ok) return;
    const bio_signal *sig = bio_record_signal(rec, "RESP");
    CHECK(sig && sig->fs == 125.0, "RESP at 125 Hz");
    if (!sig) {
        bio_record_free(rec);
        return;
    }
    static double ref[1024], det[1024];
    /* The record ends with a partial frame: its last samples are invalid (NaN). */
    size_t n = 0;
    while (n < sig->n && isfinite(sig->samples[n])) n++;
    CHECK(n > sig->n - 10, "only %zu of %zu RESP samples are valid", n, sig->n);
    int n_ref = reference_troughs(sig->samples, n, sig->fs, ref, 1024);
    resp_tracker *t = resp_tracker_new(sig->fs);
    int n_det = 0;
    for (size_t i = 0; i < sig->n; i++) {
        resp_event ev;
        if (resp_tracker_push(t, sig->samples[i], (double)i / sig->fs, &ev, NULL) &&
            ev.kind == RESP_INHALE_ONSET && n_det < 1024)
            det[n_det++] = ev.time_s;
    }
    /* Compare inside [10 s, end - 10 s]: the reference's edges and our start-up. */
    double t_end = (double)n / sig->fs - 10.0;
    int ref_in = 0, det_in = 0, matched = 0, j = 0;
    double sum_lag = 0, max_lag = 0;
    for (int k = 0; k < n_det; k++) det_in += det[k] >= 10.0 && det[k] <= t_end;
    for (int k = 0; k < n_ref; k++) {
        if (ref[k] < 10.0 || ref[k] > t_end) continue;
        ref_in++;
        while (j < n_det && det[j] < ref[k] - 1.0) j++;
        if (j < n_det && fabs(det[j] - ref[k]) <= 1.0) {
            double lag = det[j] - ref[k];
            sum_lag += lag;
            if (fabs(lag) > fabs(max_lag)) max_lag = lag;
            matched++;
            j++;
        }
    }
    double cycle = resp_tracker_cycle_s(t);
    printf("03700181 RESP: reference %d breaths, tracker %d, matched 1:1 within 1 s: %d "
           "(%.1f %%), false %d, mean timing %.3f s (max %.3f), rate %.2f/min\n",
           ref_in, det_in, matched, 100.0 * matched / ref_in, det_in - matched, sum_lag / matched,
           max_lag, 60.0 / cycle);
    CHECK(ref_in > 100, "reference found %d breaths", ref_in);
    CHECK(matched >= 0.97 * ref_in, "found %d of %d reference breaths", matched, ref_in);
    CHECK(det_in - matched <= 0.03 * ref_in, "%d detections match no reference breath",
          det_in - matched);
    resp_tracker_free(t);
    bio_record_free(rec);
}

static void test_bad_rate(void)
{
    CHECK(resp_tracker_new(3.0) == NULL, "3 Hz refused");
    CHECK(resp_tracker_new(2000.0) == NULL, "2000 Hz refused");
    CHECK(resp_tracker_new(NAN) == NULL, "NaN rate refused");
}

int main(void)
{
    test_bad_rate();
    /* The same noise inside the breathing band at every rate: sd 0.1 x sqrt(fs / 25)
     * of a breath's peak-to-trough swing (1). */
    const double rates[] = {4.0, 25.0, 100.0, 1000.0};
    for (int i = 0; i < 4; i++) test_glide(rates[i], 0.1 * sqrt(rates[i] / 25.0));
    test_record_03700181();
    return check_finish("test_bio_resp");
}
