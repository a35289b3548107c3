/* A compiled graph: the preset's nodes in topological order with every input
 * resolved to the buffers that feed it, ready for the audio thread. Compiling
 * (validation, ordering, instantiation, allocation) happens on a non-realtime
 * thread; plan_run only reads buffers, calls process() and sums. */
#ifndef LULL_GRAPH_PLAN_H
#define LULL_GRAPH_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/node_runtime.h"
#include "preset/preset.h"
#include "sound/preset_sounds.h"

/* Per-mapping modulation state (modulation/modulation.c). */
typedef struct mod_state {
    float blend;  /* 1 = live source, 0 = neutral */
    float value;  /* smoothed, slew-limited output */
    int primed;   /* value holds something */
    int32_t next; /* the next mapping onto the same parameter, -1 none */
    bool leader;  /* the first mapping onto its parameter: it combines them all */
    /* An earlier mapping of the same source, curve, ranges and timing (onto another
     * parameter): from the same start and the same inputs its state is the same in
     * every block, so it is copied, not computed again; -1 none. */
    int32_t twin;
    struct param_smoother *param; /* the leader's target parameter, NULL none */
} mod_state;

typedef struct plan_source {
    const float *buf; /* a node's output buffer */
    float gain;
} plan_source;

/* What feeds one input port: nothing (silence), one source at unity (the buffer is
 * passed straight through), or a mix summed into `mix`. */
typedef struct plan_input {
    plan_source *sources;
    uint32_t source_count;
    float *mix;  /* LULL_MAX_BLOCK floats; used when summing is needed */
    bool direct; /* silence or one source at unity: the node's input pointer is set
                    once, at compile, and never gathered */
} plan_input;

/* One note connection into a step: the notes its sender emitted on one note output
 * port, delivered to one of this step's note inputs. */
typedef struct plan_note_source {
    const lull_note_output *from; /* the sender step's note buffer (all its ports) */
    uint32_t from_port;           /* the sender's note output index */
    uint32_t to_port;             /* this step's note input index */
} plan_note_source;

typedef struct plan_step {
    bool gathers;          /* some input is a mix, summed each block */
    bool has_notes;        /* note inputs or outputs: notes_gather each block */
    plan_input *inputs;    /* node.desc->input_count */
    node_runtime node;     /* its hot fields first: next to the two above */
    uint32_t preset_index; /* index of the node in the preset */
    uint32_t level;        /* longest path from a node without inputs */
    /* Note routing (ABI 1.2), built by plan_compile (notes_compile in plan.c). */
    plan_note_source *note_sources; /* in preset connection order (the merge's tie order) */
    uint32_t note_source_count;
    lull_note *notes_in;        /* LULL_MAX_NOTES; NULL without note inputs */
    lull_note_output notes_out; /* .notes NULL without note outputs */
} plan_step;

/* Consecutive steps run together: instances of one descriptor at one level of the
 * graph (so none feeds another), through the descriptor's lull.batch/1 extension. */
typedef struct plan_group {
    uint32_t first, count;       /* steps first .. first + count - 1 */
    const lull_ext_batch *batch; /* NULL: each step runs alone */
} plan_group;

/* Most instances handed to one process_batch call. */
#define PLAN_BATCH_MAX 16u

/* Most threads that run one plan's block together (plan_pool.h). */
#define PLAN_THREADS_MAX 8u

/* Most steps of a batching group in one task in level stages (two process_batch
 * calls): fewer, larger tasks than batches, since each task taken costs the threads
 * a hand-over of a cache line or two (about 0.1-0.3 us between cores). */
#define PLAN_TASK_MAX (2 * PLAN_BATCH_MAX)

/* Consecutive steps of one group. */
typedef struct plan_seg {
    uint32_t group, first, count; /* steps first .. first + count - 1 of groups[group] */
} plan_seg;

/* The unit of work one thread takes: segments run in order on that thread. */
typedef struct plan_task {
    uint32_t first_seg, seg_count;
} plan_task;

/* Tasks that may run in any order or at once, all of them before the next stage's.
 * A plan whose graph falls into independent parts (no connection between them but
 * their sums into the output, like voices64's 64 voices) has one stage: each task is
 * a set of whole parts, every node of them in plan order. Any other plan has a stage
 * per level of the graph (no node feeds another of its level): each task is up to
 * PLAN_TASK_MAX steps of one batching group, or one step. */
typedef struct plan_stage {
    uint32_t first_task, task_count;
} plan_stage;

/* What one thread writes while it runs tasks of a block: its batch arguments, its
 * note merge cursors, and what it found, folded into the plan by plan_block_end in
 * a fixed order so the result does not depend on which thread ran what. Padded so
 * that two threads' scratch never share a cache line. */
typedef struct plan_scratch {
    void *batch_selves[PLAN_BATCH_MAX];
    const lull_process *batch_ctxs[PLAN_BATCH_MAX];
    uint32_t batch_steps[PLAN_BATCH_MAX];
    uint32_t *note_cursor; /* one per source of the largest note fan-in */
    uint32_t muted;        /* nodes newly muted in this block */
    int32_t nan_step;      /* the highest step muted in this block, -1 none */
    uint64_t notes_dropped;
    node_param_memo memo; /* node_runtime_prepare_shared's, over one segment of steps */
    char pad[64];
} plan_scratch;

typedef struct lull_plan {
    char name[64];
    uint64_t generation;
    plan_step *steps; /* by level, then descriptor, then preset order */
    uint32_t step_count;
    plan_group *groups; /* cover the steps in order */
    uint32_t group_count;
    plan_seg *segs; /* by task; together they cover every step once */
    uint32_t seg_count;
    plan_task *tasks; /* by stage */
    uint32_t task_count;
    plan_stage *stages; /* cover the tasks in order */
    uint32_t stage_count;
    plan_scratch scratch[PLAN_THREADS_MAX]; /* one per thread of plan_pool */
    uint32_t *step_of_node;                 /* preset node index -> step index */
    plan_input out[2];                      /* out:left, out:right */
    bool out_mono;                          /* both sides have the same sources and gains */
    bool shortcuts;                         /* plan_compile_with's */
    float out_buf[2][LULL_MAX_BLOCK];
    preset_modulation *modulations; /* copied from the preset */
    mod_state *mod_state;           /* one per modulation */
    float *mod_base;                /* target's preset (or last set) value, per modulation */
    uint32_t modulation_count;
    lfo_def lfos[LFO_MAX_PER_PRESET]; /* the preset's LFOs (modulation/lfo.h) */
    lfo_state lfo_state[LFO_MAX_PER_PRESET];
    uint32_t lfo_count;
    preset_tempo tempo;
    preset_pacer pacer;
    float stale_glide_s;
    int32_t nan_step;     /* last step (in plan order) muted for non-finite output, -1 none */
    preset_sounds sounds; /* the sound files the nodes use, held until plan_free */
    /* Notes the plan did not deliver: beyond LULL_MAX_NOTES at a receiver in one
     * block, or malformed (offset outside the block, out of order, out of range).
     * Written by the audio thread only; for status and tests. */
    uint64_t notes_dropped;
} lull_plan;

/* Most sound slots one node may have. */
#define PLAN_MAX_SOUND_SLOTS 16u

/* [any !audio] Build a plan from a validated preset. Returns NULL + err. The preset
 * is not referenced afterwards. The sound files its nodes use are loaded from (or
 * shared in) `bank`, which must outlive the plan; NULL is allowed for a preset that
 * binds no sounds. A file that cannot be loaded fails the compile with
 * "file:line:column: sound \"id\": reason". */
lull_plan *plan_compile(const lull_preset *p, double sample_rate, sound_bank *bank, char *err,
                        size_t errlen);
/* [worker] plan_compile with a choice: shortcuts = false runs every node alone and
 * smooths every parameter of its own (no batches, no shared parameter trajectories,
 * node_runtime_prepare_shared), the same plan otherwise: the reference with which
 * tests prove that the shortcuts change no output bit. */
lull_plan *plan_compile_with(const lull_preset *p, double sample_rate, sound_bank *bank,
                             bool shortcuts, char *err, size_t errlen);
/* [worker] */
void plan_free(lull_plan *plan);

/* [audio] Render `frames` into plan->out_buf. Returns the number of nodes newly
 * muted for non-finite output in this block (plan->nan_step names the last). */
uint32_t plan_run(lull_plan *plan, const lull_clocks *clocks, const lull_event *events,
                  uint32_t event_count, uint32_t frames);

/* plan_run in parts, for a host that spreads the tasks over threads (plan_pool.c):
 * plan_block_begin, then every task exactly once, stage after stage (tasks of one
 * stage in any order, each on any thread, with a memory barrier between stages),
 * then plan_block_end on the thread that began. The output is bit-identical to
 * plan_run whichever thread ran which task. */
/* [audio] Clear the threads' scratch for a block. */
void plan_block_begin(lull_plan *plan);
/* [audio] Run one task as thread `thread` (< PLAN_THREADS_MAX) of the block. */
void plan_run_task(lull_plan *plan, uint32_t task, uint32_t thread, const lull_clocks *clocks,
                   const lull_event *events, uint32_t event_count, uint32_t frames);
/* [audio] Fold the threads' findings into the plan, sum the outputs into
 * plan->out_buf; returns what plan_run returns. */
uint32_t plan_block_end(lull_plan *plan, uint32_t frames);

/* [audio] The smoother of a node's parameter (preset indices), NULL if out of range. */
param_smoother *plan_param(lull_plan *plan, uint32_t node, uint32_t param);

#endif
