/* Scoring beat detections against reference beats (both sorted sample indices):
 * greedy one-to-one matching within a tolerance, as in ANSI/AAMI EC57 beat-by-beat
 * comparison, plus the timing error of the matched pairs. */
#ifndef LULL_TEST_BEAT_MATCH_H
#define LULL_TEST_BEAT_MATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct beat_match_result {
    size_t true_pos, false_neg, false_pos;
    double sensitivity; /* TP / (TP + FN) */
    double ppv;         /* TP / (TP + FP) */
    double mean_err_s;  /* mean of detection - reference over matched pairs */
    double sd_err_s;    /* standard deviation of that difference */
} beat_match_result;

/* det and ref in samples at rate fs; tolerance in seconds. If det_matched is not
 * NULL it receives, for each detection, 1 when it matched a reference beat. */
beat_match_result beat_match(const int64_t *det, size_t n_det, const int64_t *ref, size_t n_ref,
                             double fs, double tolerance_s, unsigned char *det_matched);

#endif
