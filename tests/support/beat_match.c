#include "beat_match.h"

#include <math.h>

beat_match_result beat_match(const int64_t *det, size_t n_det, const int64_t *ref, size_t n_ref,
                             double fs, double tolerance_s, unsigned char *det_matched)
{
    beat_match_result r = {0};
    int64_t tol = (int64_t)llround(tolerance_s * fs);
    size_t j = 0;
    for (size_t k = 0; det_matched && k < n_det; k++) det_matched[k] = 0;
    double sum = 0.0, sum2 = 0.0;
    for (size_t i = 0; i < n_ref; i++) {
        /* detections too early for this reference (and every later one) are false */
        while (j < n_det && det[j] < ref[i] - tol) {
            r.false_pos++;
            j++;
        }
        if (j < n_det && det[j] <= ref[i] + tol) {
            double e = (double)(det[j] - ref[i]) / fs;
            sum += e;
            sum2 += e * e;
            r.true_pos++;
            if (det_matched) det_matched[j] = 1;
            j++;
        } else {
            r.false_neg++;
        }
    }
    r.false_pos += n_det - j;
    r.sensitivity = n_ref ? (double)r.true_pos / (double)n_ref : 0.0;
    r.ppv =
        r.true_pos + r.false_pos ? (double)r.true_pos / (double)(r.true_pos + r.false_pos) : 0.0;
    if (r.true_pos) {
        r.mean_err_s = sum / (double)r.true_pos;
        r.sd_err_s = sqrt(fmax(0.0, sum2 / (double)r.true_pos - r.mean_err_s * r.mean_err_s));
    }
    return r;
}
