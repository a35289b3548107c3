/* One live node instance as the host runs it: the plugin's instance, its host
 * struct, its parameter smoothers and per-frame parameter buffers, its output
 * buffers, and the non-finite-output guard that mutes a misbehaving node.
 * Created and destroyed on a non-realtime thread; node_runtime_process runs on the
 * audio thread. */
#ifndef LULL_GRAPH_NODE_RUNTIME_H
#define LULL_GRAPH_NODE_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "graph/param_smoother.h"
#include "lull/plugin.h"

typedef struct node_runtime {
    /* What every block reads first, together (a plan walks many nodes per block,
     * each from L2: the fewer cache lines, the sooner done). */
    const lull_descriptor *desc;
    void *self;
    bool active;
    bool muted; /* produced non-finite output: silenced for good */
    /* Parameters prepare must look at: those set or jumped since (woken, raised by
     * the smoothers themselves) and those not yet resting with a filled buffer
     * (moving). The others rest: their buffer holds at least rest_frames frames of
     * their value, and process() reads it (param_view is their own buffer). */
    uint64_t woken, moving;
    uint32_t rest_frames;
    param_smoother *params; /* desc->param_count; one allocation with param_view,
                               param_bufs and param_static */
    /* What process() reads for each parameter this block: its own buffer, or the
     * buffer of the node prepared before it when both trajectories are the same
     * (node_runtime_prepare_shared). ctx.params points here. */
    const float **param_view;
    uint8_t *param_static;
    float **param_bufs;   /* desc->param_count buffers of LULL_MAX_BLOCK */
    const float **inputs; /* set by the caller before each process */
    float **outputs;      /* desc->output_count buffers of LULL_MAX_BLOCK */
    /* Note events (ABI 1.2), set by the caller before each process like inputs:
     * what arrived on the note inputs this block (sorted by offset, ports already
     * the receiving input's indices), and the buffer the node's note outputs fill
     * (count cleared by the caller; NULL without note outputs). */
    const lull_note *notes;
    uint32_t note_count;
    lull_note_output *notes_out;
    lull_process ctx; /* pointers set once; per-block fields by node_runtime_prepare */
    /* Read rarely. */
    lull_host host;
    char name[64];
    /* Sound slots (ABI 1.2): the sound bound to each slot, answered through the
     * host service "lull.sounds/1" (host.get_extension). Owned by whoever compiled
     * the node (a plan); valid until after node_runtime_fini. */
    const lull_sound **sounds;
    uint32_t sound_count;
} node_runtime;

/* What node_runtime_prepare_shared remembers of the node it prepared last: which
 * node, and the state each of its parameters was in before it was smoothed (valid
 * where it was smoothed this block, not resting). One per rendering thread. */
typedef struct node_param_memo {
    const node_runtime *node; /* NULL: none */
    uint64_t valid;           /* bit i: before[i] holds node's parameter i */
    param_smoother before[LULL_NODE_MAX_PARAMS];
} node_param_memo;

/* [any !audio] Create and activate. `values` gives the initial parameter values
 * (NULL: defaults). Returns false with a message naming the node on failure. */
bool node_runtime_init(node_runtime *n, const lull_descriptor *desc, const char *name,
                       const float *values, double sample_rate, char *err, size_t errlen);
/* [any !audio] node_runtime_init for a node with sound slots: sounds[i] (count of
 * them, NULL entries allowed) is bound to slot i before create(), so the node finds
 * it through LULL_HOST_EXT_SOUNDS in activate(). The lull_sound structs and their
 * samples must stay valid until node_runtime_fini returns. */
bool node_runtime_init_sounds(node_runtime *n, const lull_descriptor *desc, const char *name,
                              const float *values, const lull_sound *const *sounds,
                              uint32_t sound_count, double sample_rate, char *err, size_t errlen);
/* [any !audio] Deactivate, destroy, free. Safe on a zeroed or failed runtime. */
void node_runtime_fini(node_runtime *n);

/* [audio] Run the node for `frames` (<= LULL_MAX_BLOCK): smooth params, process,
 * then check the outputs. Returns false when the node produced a non-finite sample
 * (it is muted from then on and its outputs are zeroed). */
bool node_runtime_process(node_runtime *n, const lull_clocks *clocks, const lull_event *events,
                          uint32_t event_count, uint32_t frames);

/* [audio] The parts of node_runtime_process, for a host that calls process() (or a
 * batch of them) itself. prepare smooths the parameters and builds n->ctx; it
 * returns false for a muted node, whose outputs it has zeroed: do not process it.
 * finish checks the outputs after process(), as node_runtime_process does. */
bool node_runtime_prepare(node_runtime *n, const lull_clocks *clocks, const lull_event *events,
                          uint32_t event_count, uint32_t frames);
/* [audio] node_runtime_prepare for nodes prepared one after another (a plan's steps
 * of one descriptor, a batch): a parameter whose smoother starts the block exactly
 * as the previous node's did (the same modulation onto every voice, say) takes
 * that node's trajectory and buffer instead of computing them again; the values
 * process() sees are the same bit for bit. `memo` belongs to the calling thread;
 * set memo->node = NULL before the first node of a run. */
bool node_runtime_prepare_shared(node_runtime *n, node_param_memo *memo, const lull_clocks *clocks,
                                 const lull_event *events, uint32_t event_count, uint32_t frames);
/* [audio] */
bool node_runtime_finish(node_runtime *n);

/* [any] FNV-1a of the node name: the per-node seed, stable across runs. */
uint64_t node_seed(const char *name);

#endif
