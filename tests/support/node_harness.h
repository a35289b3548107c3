/* Test harness for one DSP node: loads a plugin from $LULL_PLUGIN_DIR with dlopen
 * (exactly as the host does, no engine code involved), creates and activates one
 * instance and runs its process() over whole buffers in blocks.
 *
 *   node_harness *h = nh_open("svf", "svf", 48000.0, 1);
 *   nh_set_param(h, "cutoff", 2000.0f);
 *   const float *in[] = {input};   float *out[] = {output};
 *   nh_run(h, in, out, frames);
 *   nh_close(h);
 *
 * Parameters default to the descriptor's def. The clocks are filled like the host
 * would: tempo 60 bpm, breath pacer 6 breaths/min from phase 0 with inhale fraction
 * 0.4 (change with nh_set_pacer), frame counter and events (BEAT, INHALE, EXHALE)
 * follow the rendered frames. Every failure to load or activate aborts the test
 * with a message: a harness that cannot run its node has nothing to check. */
#ifndef LULL_TEST_NODE_HARNESS_H
#define LULL_TEST_NODE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "lull/plugin.h"

typedef struct node_harness node_harness;

/* Load "$LULL_PLUGIN_DIR/<plugin>.so", find descriptor `node_id`, create it with a
 * host whose seed is `seed`, activate it at `sample_rate` with LULL_MAX_BLOCK. */
node_harness *nh_open(const char *plugin, const char *node_id, double sample_rate, uint64_t seed);
/* nh_open for a node with sound slots: sounds[i] is handed out for slot i through
 * the host service LULL_HOST_EXT_SOUNDS (NULL entries: unbound). The sounds and
 * their samples must outlive the harness. */
node_harness *nh_open_sounds(const char *plugin, const char *node_id, double sample_rate,
                             uint64_t seed, const lull_sound *const *sounds, uint32_t count);
void nh_close(node_harness *h);

const lull_descriptor *nh_descriptor(const node_harness *h);

/* Index of parameter `param_id`; aborts when the node has none of that name. */
uint32_t nh_param_index(const node_harness *h, const char *param_id);

/* Hold a parameter at a constant value (params_static = 1). */
void nh_set_param(node_harness *h, const char *param_id, float value);

/* Drive a parameter per sample: values[0] is used for the next frame rendered,
 * values[1] for the one after, and so on across nh_run calls; after `count` frames
 * the last value holds. The array must outlive its use. params_static is 1 for a
 * block only when every value in it is equal. */
void nh_set_param_trajectory(node_harness *h, const char *param_id, const float *values,
                             size_t count);

/* Frames per process() call, 1..LULL_MAX_BLOCK (default LULL_MAX_BLOCK). */
void nh_set_block_size(node_harness *h, uint32_t frames);

/* Breath pacer: rate in breaths/min, phase in [0,1) at the next frame rendered,
 * inhale fraction (0.2..0.6). */
void nh_set_pacer(node_harness *h, double breaths_per_min, double phase, double inhale_fraction);

/* Tempo clock in bpm from the next frame rendered on (beat position carries on). */
void nh_set_tempo(node_harness *h, double bpm);

/* Notes for the node's note inputs: delivered in the block holding absolute frame
 * `frame` (frames rendered since nh_open), at the right offset. note.offset is
 * ignored; note.port names the note input. Up to 4096 queued at once. */
void nh_queue_note(node_harness *h, uint64_t frame, lull_note note);

/* Notes the node emitted since the last call (at most `max`, oldest first), with
 * frames[i] the absolute frame of notes[i] (notes[i].offset is then meaningless).
 * Up to 4096 are kept between calls; returns the count. */
size_t nh_take_notes(node_harness *h, lull_note *notes, uint64_t *frames, size_t max);

/* Render `frames` frames. inputs: one pointer per input port, each `frames` long,
 * or NULL entries (or inputs == NULL) for silence. outputs: one pointer per output
 * port, each `frames` long; NULL entries are rendered into scratch and dropped. */
void nh_run(node_harness *h, const float *const *inputs, float *const *outputs, size_t frames);

/* Call the node's reset() (if it has one) and restart the clocks at frame 0 (pacer
 * phase 0, same rate). Parameter trajectories carry on where they were. */
void nh_reset(node_harness *h);

/* Render `frames` frames of the given inputs (outputs discarded) and return the
 * wall-clock nanoseconds per frame spent inside process() alone (the harness's
 * own work excluded). For reports only: never assert on it. */
double nh_time_ns_per_frame(node_harness *h, const float *const *inputs, size_t frames);

#endif
