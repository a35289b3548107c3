/* Pre-faulting a new plan (see plan_prefault.h). */
#define _GNU_SOURCE
#include "graph/plan_prefault.h"

#include <stdint.h>
#include <unistd.h>

size_t prefault_range(void *p, size_t n)
{
    if (!p || !n) return 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE); /* from the aux vector: no system call */
    volatile unsigned char *b = p;
    /* The first byte, then the first byte of each following page inside the range:
     * never a byte outside it, which may belong to another thread's object. */
    b[0] = b[0];
    uintptr_t start = (uintptr_t)p;
    uintptr_t next = (start / page + 1) * page;
    for (uintptr_t a = next; a < start + n; a += page) b[a - start] = b[a - start];
    return n;
}

static size_t input_prefault(plan_input *in)
{
    size_t n = prefault_range(in->sources, in->source_count * sizeof *in->sources);
    if (in->mix) n += prefault_range(in->mix, LULL_MAX_BLOCK * sizeof(float));
    return n;
}

static size_t node_prefault(node_runtime *node)
{
    const lull_descriptor *d = node->desc;
    size_t n = 0;
    if (node->params) n += prefault_range(node->params, d->param_count * sizeof *node->params);
    for (uint32_t i = 0; node->param_bufs && i < d->param_count; i++)
        n += prefault_range(node->param_bufs[i], LULL_MAX_BLOCK * sizeof(float));
    for (uint32_t i = 0; node->outputs && i < d->output_count; i++)
        n += prefault_range(node->outputs[i], LULL_MAX_BLOCK * sizeof(float));
    return n;
}

size_t plan_prefault(lull_plan *plan)
{
    if (!plan) return 0;
    size_t n = prefault_range(plan, sizeof *plan);
    n += prefault_range(plan->steps, plan->step_count * sizeof *plan->steps);
    for (uint32_t s = 0; s < plan->step_count; s++) {
        plan_step *st = &plan->steps[s];
        n += node_prefault(&st->node);
        for (uint32_t i = 0; st->inputs && i < st->node.desc->input_count; i++)
            n += input_prefault(&st->inputs[i]);
        if (st->notes_in) n += prefault_range(st->notes_in, LULL_MAX_NOTES * sizeof(lull_note));
        if (st->notes_out.notes)
            n += prefault_range(st->notes_out.notes, LULL_MAX_NOTES * sizeof(lull_note));
    }
    for (int side = 0; side < 2; side++) n += input_prefault(&plan->out[side]);
    n += prefault_range(plan->mod_state, plan->modulation_count * sizeof *plan->mod_state);
    n += prefault_range(plan->mod_base, plan->modulation_count * sizeof *plan->mod_base);
    return n;
}
