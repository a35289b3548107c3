/* Onset map of a sound, computed once when the stretch node is activated.
 *
 * The stretcher resets its synthesis phases to the analysis phases in the frame
 * whose centre first passes an onset, so attacks keep their shape instead of
 * being smeared by phase propagation (Laroche & Dolson 1999, sec. 4; Duxbury,
 * Davies & Sandler 2002, "Improved time-scaling of musical audio using phase
 * locking at transients", AES 112). The sound is in memory and read-only, so the
 * onsets are found ahead of time, off the audio thread, on the whole file. */
#ifndef LULL_STRETCH_ONSETS_H
#define LULL_STRETCH_ONSETS_H

#include <stddef.h>
#include <stdint.h>

/* [worker] Onsets of the sum of `channels` channels data[c][0..frames) at
 * `sample_rate`: spectral flux of log-compressed magnitudes (Bello et al. 2005,
 * "A tutorial on onset detection in music signals", IEEE TSAP 13(5)), peaks above
 * an adaptive threshold, at least 50 ms apart. FFTW planning happens here: the
 * caller has made the planner thread-safe. On success *onsets holds *count sorted
 * frame indices (malloc'd, may be NULL when none; the caller frees it) and the
 * return is 0; -1 when memory runs out. */
int stretch_find_onsets(const float *const *data, uint32_t channels, uint64_t frames,
                        double sample_rate, uint64_t **onsets, size_t *count);

/* [any] Number of the sorted onsets[0..count) lying in [lo, hi). */
size_t stretch_onsets_in(const uint64_t *onsets, size_t count, int64_t lo, int64_t hi);

/* [any] Index of the first of the sorted onsets[0..count) at or after lo (count
 * when none). */
size_t stretch_onsets_first(const uint64_t *onsets, size_t count, int64_t lo);

#endif
