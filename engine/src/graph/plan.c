#include "graph/plan.h"

#include "graph/block_ops.h"
#include "modulation/modulation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kahn's algorithm over the preset's connections; preset order breaks ties so the
 * plan (and so the render) is deterministic. */
static bool topo_order(const lull_preset *p, uint32_t *order, char *err, size_t errlen)
{
    size_t n = p->node_count;
    uint32_t *indeg = calloc(n ? n : 1, sizeof *indeg);
    bool *done = calloc(n ? n : 1, sizeof *done);
    if (!indeg || !done) {
        free(indeg);
        free(done);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t c = 0; c < p->connection_count; c++)
        if (p->connections[c].to_node != PRESET_OUTPUT_NODE) indeg[p->connections[c].to_node]++;
    size_t placed = 0;
    bool progress = true;
    while (placed < n && progress) {
        progress = false;
        for (size_t i = 0; i < n; i++) {
            if (done[i] || indeg[i]) continue;
            done[i] = true;
            order[placed++] = (uint32_t)i;
            progress = true;
            for (size_t c = 0; c < p->connection_count; c++)
                if (p->connections[c].from_node == i &&
                    p->connections[c].to_node != PRESET_OUTPUT_NODE)
                    indeg[p->connections[c].to_node]--;
            break;
        }
    }
    bool ok = placed == n;
    if (!ok)
        for (size_t i = 0; i < n; i++)
            if (!done[i]) {
                snprintf(err, errlen, "%s: the graph has a cycle through node \"%s\"", p->name,
                         p->nodes[i].name);
                break;
            }
    free(indeg);
    free(done);
    return ok;
}

/* Reorder a topological order by level (longest path from a node without inputs),
 * then by descriptor (in order of first appearance in the preset), then by preset
 * order. An edge always goes to a higher level, so the order stays topological,
 * and instances of one type at one level, which cannot feed each other, become
 * neighbours that can run as a batch. */
static bool level_order(const lull_preset *p, uint32_t *order, uint32_t *level, char *err,
                        size_t errlen)
{
    size_t n = p->node_count;
    uint32_t *type_rank = calloc(n ? n : 1, sizeof *type_rank);
    uint64_t *key = calloc(n ? n : 1, sizeof *key);
    if (!type_rank || !key) {
        free(type_rank);
        free(key);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t v = order[k];
        for (size_t c = 0; c < p->connection_count; c++) {
            const preset_connection *pc = &p->connections[c];
            if (pc->to_node == v && level[pc->from_node] + 1 > level[v])
                level[v] = level[pc->from_node] + 1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t first = 0;
        while (p->nodes[first].desc != p->nodes[i].desc) first++;
        type_rank[i] = (uint32_t)first;
    }
    /* key = level, rank, index: all < 2^21 for any preset the validator accepts */
    for (size_t i = 0; i < n; i++)
        key[i] = ((uint64_t)level[i] << 42) | ((uint64_t)type_rank[i] << 21) | i;
    /* insertion sort: presets are small and this runs off the audio thread */
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    for (size_t i = 1; i < n; i++) {
        uint32_t v = order[i];
        size_t j = i;
        while (j > 0 && key[order[j - 1]] > key[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    free(type_rank);
    free(key);
    return true;
}

/* Group neighbouring steps of one descriptor and level whose descriptor batches. */
static bool group_steps(lull_plan *plan, bool batching)
{
    plan->groups = calloc(plan->step_count ? plan->step_count : 1, sizeof *plan->groups);
    if (!plan->groups) return false;
    uint32_t g = 0;
    for (uint32_t s = 0; s < plan->step_count;) {
        const node_runtime *n = &plan->steps[s].node;
        uint32_t e = s + 1;
        while (e < plan->step_count && plan->steps[e].node.desc == n->desc &&
               plan->steps[e].level == plan->steps[s].level)
            e++;
        const lull_ext_batch *batch = NULL;
        if (batching && e - s > 1 && n->desc->get_extension) {
            batch = n->desc->get_extension(n->self, LULL_EXT_BATCH);
            if (batch && !batch->process_batch) batch = NULL;
        }
        plan->groups[g++] = (plan_group){.first = s, .count = e - s, .batch = batch};
        s = e;
    }
    plan->group_count = g;
    return true;
}

/* The part (weakly connected component, the output left out) of every step, numbered
 * by first step; returns how many, or 0 when out of memory. */
static uint32_t find_parts(const lull_plan *plan, const lull_preset *p, uint32_t *part)
{
    uint32_t n = plan->step_count;
    uint32_t *up = malloc((n ? n : 1) * sizeof *up);
    if (!up) return 0;
    for (uint32_t s = 0; s < n; s++) up[s] = s;
    for (size_t c = 0; c < p->connection_count; c++) {
        const preset_connection *pc = &p->connections[c];
        if (pc->to_node == PRESET_OUTPUT_NODE) continue;
        uint32_t a = plan->step_of_node[pc->from_node], b = plan->step_of_node[pc->to_node];
        while (up[a] != a) a = up[a] = up[up[a]];
        while (up[b] != b) b = up[b] = up[up[b]];
        if (a < b) up[b] = a;
        if (b < a) up[a] = b; /* the root is the part's first step */
    }
    uint32_t count = 0;
    for (uint32_t s = 0; s < n; s++) {
        uint32_t r = s;
        while (up[r] != r) r = up[r];
        part[s] = r == s ? count++ : part[r];
    }
    free(up);
    return count;
}

static void add_seg(lull_plan *plan, uint32_t group, uint32_t first, uint32_t count)
{
    plan->segs[plan->seg_count++] = (plan_seg){group, first, count};
    plan->tasks[plan->task_count - 1].seg_count++;
}

static void add_task(lull_plan *plan)
{
    plan->tasks[plan->task_count++] = (plan_task){plan->seg_count, 0};
    plan->stages[plan->stage_count - 1].task_count++;
}

/* Stages, tasks and segments (plan.h, plan_stage) for a host that runs a block on
 * several threads. Both ways cover every step exactly once. */
static bool plan_tasks(lull_plan *plan, const lull_preset *p)
{
    uint32_t n = plan->step_count, slots = 2 * (n ? n : 1);
    plan->segs = calloc(slots, sizeof *plan->segs);
    plan->tasks = calloc(slots, sizeof *plan->tasks);
    plan->stages = calloc(slots, sizeof *plan->stages);
    uint32_t *part = calloc(n ? n : 1, sizeof *part);
    uint32_t *size = calloc(n ? n : 1, sizeof *size);
    uint32_t *chunk = calloc(n ? n : 1, sizeof *chunk);
    bool ok = plan->segs && plan->tasks && plan->stages && part && size && chunk;
    uint32_t parts = ok ? find_parts(plan, p, part) : 0, largest = 0;
    ok = ok && (parts || !n);
    for (uint32_t s = 0; ok && s < n; s++)
        if (++size[part[s]] > largest) largest = size[part[s]];
    if (ok && parts >= 2 && 2 * largest <= n) {
        /* Independent parts: one stage of about four tasks, whole parts each, in part
         * order; each task runs its steps group by group (batches stay whole). */
        uint32_t target = (n + 3) / 4, fill = 0, chunks = 0;
        for (uint32_t c = 0; c < parts; c++) {
            if (fill >= target) fill = 0;
            if (fill == 0) chunks++;
            chunk[c] = chunks - 1;
            fill += size[c];
        }
        plan->stages[plan->stage_count++] = (plan_stage){0, 0};
        for (uint32_t k = 0; k < chunks; k++) {
            add_task(plan);
            for (uint32_t gi = 0; gi < plan->group_count; gi++) {
                const plan_group *g = &plan->groups[gi];
                for (uint32_t s = g->first, end = g->first + g->count; s < end;) {
                    if (chunk[part[s]] != k) {
                        s++;
                        continue;
                    }
                    uint32_t e = s + 1;
                    while (e < end && chunk[part[e]] == k) e++;
                    add_seg(plan, gi, s, e - s);
                    s = e;
                }
            }
        }
    } else if (ok) {
        /* One stage per level: a batching group in runs of PLAN_TASK_MAX, any other
         * one step per task. */
        uint32_t level = 0;
        for (uint32_t gi = 0; gi < plan->group_count; gi++) {
            const plan_group *g = &plan->groups[gi];
            uint32_t run = g->batch ? PLAN_TASK_MAX : 1;
            for (uint32_t s = g->first; s < g->first + g->count; s += run) {
                uint32_t left = g->first + g->count - s;
                if (plan->stage_count == 0 || plan->steps[s].level != level) {
                    level = plan->steps[s].level;
                    plan->stages[plan->stage_count++] = (plan_stage){plan->task_count, 0};
                }
                add_task(plan);
                add_seg(plan, gi, s, left < run ? left : run);
            }
        }
    }
    free(part);
    free(size);
    free(chunk);
    return ok;
}

static const float k_silence[LULL_MAX_BLOCK];

static bool input_init(plan_input *in, const lull_plan *plan, const lull_preset *p,
                       uint32_t to_node, uint32_t to_port)
{
    uint32_t count = 0;
    for (size_t c = 0; c < p->connection_count; c++)
        if (p->connections[c].kind == PRESET_CONNECTION_AUDIO &&
            p->connections[c].to_node == to_node && p->connections[c].to_port == to_port)
            count++;
    in->source_count = count;
    in->sources = calloc(count ? count : 1, sizeof *in->sources);
    in->mix = calloc(LULL_MAX_BLOCK, sizeof(float));
    if (!in->sources || !in->mix) return false;
    uint32_t k = 0;
    for (size_t c = 0; c < p->connection_count; c++) {
        const preset_connection *pc = &p->connections[c];
        if (pc->kind != PRESET_CONNECTION_AUDIO || pc->to_node != to_node || pc->to_port != to_port)
            continue;
        const plan_step *src = &plan->steps[plan->step_of_node[pc->from_node]];
        in->sources[k].buf = src->node.outputs[pc->from_port];
        in->sources[k].gain = pc->gain;
        k++;
    }
    in->direct = count == 0 || (count == 1 && in->sources[0].gain == 1.0f);
    return true;
}

static void input_free(plan_input *in)
{
    free(in->sources);
    free(in->mix);
}

/* ---------------------------------------------------------------------------------
 * Note routing (ABI 1.2). Note connections are edges like audio ones (topo_order and
 * level_order see every connection), so a sender's step always runs before its
 * receivers' in a block. Every step with note outputs owns one lull_note_output;
 * every step with note inputs owns a LULL_MAX_NOTES buffer into which plan_run
 * merges its sources' notes before its process(). */

static bool notes_compile(lull_plan *plan, const lull_preset *p)
{
    uint32_t max_sources = 0;
    for (uint32_t s = 0; s < plan->step_count; s++) {
        plan_step *st = &plan->steps[s];
        const lull_descriptor *d = st->node.desc;
        if (d->note_output_count) {
            st->notes_out.notes = calloc(LULL_MAX_NOTES, sizeof(lull_note));
            if (!st->notes_out.notes) return false;
            st->notes_out.capacity = LULL_MAX_NOTES;
            st->node.notes_out = &st->notes_out;
        }
        st->has_notes = d->note_output_count || d->note_input_count;
        if (!d->note_input_count) continue;
        uint32_t count = 0;
        for (size_t c = 0; c < p->connection_count; c++)
            count += p->connections[c].kind == PRESET_CONNECTION_NOTE &&
                     p->connections[c].to_node == st->preset_index;
        st->note_sources = calloc(count ? count : 1, sizeof *st->note_sources);
        st->notes_in = calloc(LULL_MAX_NOTES, sizeof(lull_note));
        if (!st->note_sources || !st->notes_in) return false;
        st->node.notes = st->notes_in;
        if (count > max_sources) max_sources = count;
    }
    /* Sources point at senders' note_out structs, which exist now for every step. */
    for (uint32_t s = 0; s < plan->step_count; s++) {
        plan_step *st = &plan->steps[s];
        for (size_t c = 0; c < p->connection_count && st->notes_in; c++) {
            const preset_connection *pc = &p->connections[c];
            if (pc->kind != PRESET_CONNECTION_NOTE || pc->to_node != st->preset_index) continue;
            const plan_step *src = &plan->steps[plan->step_of_node[pc->from_node]];
            st->note_sources[st->note_source_count++] =
                (plan_note_source){&src->notes_out, pc->from_port, pc->to_port};
        }
    }
    for (uint32_t t = 0; t < PLAN_THREADS_MAX; t++) {
        plan->scratch[t].note_cursor = calloc(max_sources ? max_sources : 1, sizeof(uint32_t));
        if (!plan->scratch[t].note_cursor) return false;
    }
    return true;
}

static void notes_free(plan_step *st)
{
    free(st->note_sources);
    free(st->notes_in);
    free(st->notes_out.notes);
}

/* A note as the contract allows it (plugin.h, lull_note); anything else would make
 * a receiver compute with garbage, so the plan drops it. */
static bool note_valid(const lull_note *n, uint32_t frames)
{
    return n->offset < frames && n->pitch >= 0.0f && n->pitch <= 127.0f && n->velocity >= 0.0f &&
           n->velocity <= 1.0f && n->duration_s >= 0.0f && n->duration_s <= 3.4e38f;
}

/* [audio] Before a step's process(): clear its note output, and merge what its
 * sources emitted this block into its note input buffer, by offset, ties in source
 * (preset connection) order, port rewritten to the receiving input, at most
 * LULL_MAX_NOTES (the rest dropped and counted). Comparisons are written so that
 * NaN fields fail them. */
static void notes_gather(plan_scratch *sc, plan_step *st, uint32_t frames)
{
    if (st->notes_out.notes) st->notes_out.count = 0;
    if (!st->notes_in) return;
    uint32_t *cur = sc->note_cursor, ns = st->note_source_count, count = 0, last = 0;
    for (uint32_t k = 0; k < ns; k++) cur[k] = 0;
    for (;;) {
        uint32_t best = ns, best_offset = UINT32_MAX;
        for (uint32_t k = 0; k < ns; k++) {
            const plan_note_source *src = &st->note_sources[k];
            uint32_t avail =
                src->from->count < src->from->capacity ? src->from->count : src->from->capacity;
            /* this source's next note: the sender's notes on its port only */
            while (cur[k] < avail && src->from->notes[cur[k]].port != src->from_port) cur[k]++;
            if (cur[k] < avail && src->from->notes[cur[k]].offset < best_offset) {
                best = k;
                best_offset = src->from->notes[cur[k]].offset;
            }
        }
        if (best == ns) break;
        lull_note n = st->note_sources[best].from->notes[cur[best]++];
        if (!note_valid(&n, frames) || n.offset < last || count == LULL_MAX_NOTES) {
            sc->notes_dropped++;
            continue;
        }
        n.port = st->note_sources[best].to_port;
        st->notes_in[count++] = n;
        last = n.offset;
    }
    st->node.note_count = count;
}

lull_plan *plan_compile(const lull_preset *p, double sample_rate, sound_bank *bank, char *err,
                        size_t errlen)
{
    return plan_compile_with(p, sample_rate, bank, true, err, errlen);
}

/* Node n's sound slots, pointing into plan->sounds; NULL entries when unbound. */
static bool node_sounds(const lull_plan *plan, const lull_preset *p, uint32_t node,
                        const lull_sound **out, uint32_t *count)
{
    *count = descriptor_sound_slot_count(p->nodes[node].desc);
    if (*count > PLAN_MAX_SOUND_SLOTS) return false;
    for (uint32_t i = 0; i < *count; i++)
        out[i] = preset_sounds_for_slot(&plan->sounds, p, node, i);
    return true;
}

lull_plan *plan_compile_with(const lull_preset *p, double sample_rate, sound_bank *bank,
                             bool shortcuts, char *err, size_t errlen)
{
    lull_plan *plan = calloc(1, sizeof *plan);
    uint32_t n = (uint32_t)p->node_count;
    uint32_t *order = calloc(n ? n : 1, sizeof *order);
    uint32_t *level = calloc(n ? n : 1, sizeof *level);
    if (!plan || !order || !level) goto oom;
    snprintf(plan->name, sizeof plan->name, "%s", p->name);
    plan->shortcuts = shortcuts;
    plan->nan_step = -1;
    plan->tempo = p->tempo;
    plan->pacer = p->pacer;
    plan->stale_glide_s = p->stale_glide_s;
    if (!topo_order(p, order, err, errlen) || !level_order(p, order, level, err, errlen)) goto fail;
    plan->steps = calloc(n ? n : 1, sizeof *plan->steps);
    plan->step_of_node = calloc(n ? n : 1, sizeof *plan->step_of_node);
    size_t nm = p->modulation_count ? p->modulation_count : 1;
    plan->modulations = calloc(nm, sizeof(preset_modulation));
    plan->mod_state = calloc(nm, sizeof(mod_state));
    plan->mod_base = calloc(nm, sizeof(float));
    if (!plan->steps || !plan->step_of_node || !plan->modulations || !plan->mod_state ||
        !plan->mod_base)
        goto oom;
    if (p->modulation_count)
        memcpy(plan->modulations, p->modulations, p->modulation_count * sizeof(preset_modulation));
    plan->modulation_count = (uint32_t)p->modulation_count;
    for (size_t m = 0; m < p->modulation_count; m++)
        plan->mod_base[m] = p->nodes[p->modulations[m].node].param_values[p->modulations[m].param];

    /* Sound files first: a node finds its sounds in activate(). Loading them is the
     * slow part of a preset load, and why this never runs on the audio thread. */
    if (bank && sound_bank_rate(bank) != sample_rate) {
        snprintf(err, errlen, "%s: the sound bank converts to %g Hz but the graph runs at %g Hz",
                 p->name, sound_bank_rate(bank), sample_rate);
        goto fail;
    }
    if (!preset_sounds_acquire(&plan->sounds, p, bank, err, errlen)) goto fail;
    for (uint32_t s = 0; s < n; s++) {
        const preset_node *pn = &p->nodes[order[s]];
        plan_step *st = &plan->steps[s];
        st->preset_index = order[s];
        st->level = level[order[s]];
        plan->step_of_node[order[s]] = s;
        const lull_sound *slots[PLAN_MAX_SOUND_SLOTS];
        uint32_t slot_count = 0;
        if (!node_sounds(plan, p, order[s], slots, &slot_count)) {
            snprintf(err, errlen,
                     "%s: node \"%s\" (%s) has %u sound slots; the host binds at most %u", p->name,
                     pn->name, pn->desc->id, slot_count, PLAN_MAX_SOUND_SLOTS);
            goto fail;
        }
        if (!node_runtime_init_sounds(&st->node, pn->desc, pn->name, pn->param_values, slots,
                                      slot_count, sample_rate, err, errlen))
            goto fail;
        plan->step_count = s + 1;
    }
    /* Inputs are resolved after every node exists, so sources can point at outputs. */
    for (uint32_t s = 0; s < n; s++) {
        plan_step *st = &plan->steps[s];
        uint32_t ni = st->node.desc->input_count;
        st->inputs = calloc(ni ? ni : 1, sizeof *st->inputs);
        if (!st->inputs) goto oom;
        for (uint32_t i = 0; i < ni; i++) {
            plan_input *in = &st->inputs[i];
            if (!input_init(in, plan, p, st->preset_index, i)) goto oom;
            if (in->direct)
                st->node.inputs[i] = in->source_count ? in->sources[0].buf : k_silence;
            else
                st->gathers = true;
        }
    }
    for (uint32_t ch = 0; ch < 2; ch++)
        if (!input_init(&plan->out[ch], plan, p, PRESET_OUTPUT_NODE, ch)) goto oom;
    if (!notes_compile(plan, p)) goto oom;
    modulation_compile(plan, p); /* binds the mappings to the steps' smoothers */
    if (!group_steps(plan, shortcuts) || !plan_tasks(plan, p)) goto oom;
    plan->out_mono = plan->out[0].source_count == plan->out[1].source_count;
    for (uint32_t k = 0; plan->out_mono && k < plan->out[0].source_count; k++)
        plan->out_mono = plan->out[0].sources[k].buf == plan->out[1].sources[k].buf &&
                         plan->out[0].sources[k].gain == plan->out[1].sources[k].gain;
    free(order);
    free(level);
    return plan;
oom:
    snprintf(err, errlen, "%s: out of memory while building the graph", p->name);
fail:
    free(order);
    free(level);
    plan_free(plan);
    return NULL;
}

void plan_free(lull_plan *plan)
{
    if (!plan) return;
    for (uint32_t s = 0; s < plan->step_count; s++) {
        plan_step *st = &plan->steps[s];
        if (st->inputs)
            for (uint32_t i = 0; i < st->node.desc->input_count; i++) input_free(&st->inputs[i]);
        free(st->inputs);
        notes_free(st);
        node_runtime_fini(&st->node);
    }
    input_free(&plan->out[0]);
    input_free(&plan->out[1]);
    free(plan->steps);
    free(plan->groups);
    free(plan->step_of_node);
    free(plan->modulations);
    free(plan->mod_state);
    free(plan->mod_base);
    free(plan->segs);
    free(plan->tasks);
    free(plan->stages);
    for (uint32_t t = 0; t < PLAN_THREADS_MAX; t++) free(plan->scratch[t].note_cursor);
    /* After every node's deactivate(): the nodes no longer hold the samples. */
    preset_sounds_release(&plan->sounds);
    free(plan);
}

/* [audio] Resolve one input: a direct pointer when possible, else a sum. */
static const float *input_gather(plan_input *in, uint32_t frames)
{
    if (in->source_count == 0) return k_silence;
    if (in->source_count == 1 && in->sources[0].gain == 1.0f) return in->sources[0].buf;
    const plan_source *s = in->sources;
    uint32_t i = 0;
    /* 32 frames at a time in eight registers, source after source: each frame's sum
     * is the same sequence of operations as block_scale then block_mul_add per
     * source (so the same bits), without storing and reloading the mix per source. */
    for (; i + 32 <= frames; i += 32) {
        block_v4f acc[8];
#pragma GCC unroll 8
        for (int v = 0; v < 8; v++) {
            memcpy(&acc[v], s[0].buf + i + 4 * v, sizeof acc[v]);
            acc[v] *= s[0].gain;
        }
        for (uint32_t k = 1; k < in->source_count; k++) {
            const float *b = s[k].buf + i;
            float g = s[k].gain;
#pragma GCC unroll 8
            for (int v = 0; v < 8; v++) {
                block_v4f x;
                memcpy(&x, b + 4 * v, sizeof x);
                acc[v] += x * g;
            }
        }
#pragma GCC unroll 8
        for (int v = 0; v < 8; v++) memcpy(in->mix + i + 4 * v, &acc[v], sizeof acc[v]);
    }
    if (i < frames) {
        block_scale(in->mix + i, s[0].buf + i, s[0].gain, frames - i);
        for (uint32_t k = 1; k < in->source_count; k++)
            block_mul_add(in->mix + i, s[k].buf + i, s[k].gain, frames - i);
    }
    return in->mix;
}

/* [audio] What a step needs before its process(): its mixed inputs (direct ones
 * were set at compile) and its notes. */
static inline void step_gather(plan_scratch *sc, plan_step *st, uint32_t frames)
{
    if (st->gathers)
        for (uint32_t i = 0; i < st->node.desc->input_count; i++)
            if (!st->inputs[i].direct) st->node.inputs[i] = input_gather(&st->inputs[i], frames);
    if (st->has_notes) notes_gather(sc, st, frames);
}

/* [audio] A node muted in this block: it emits no notes either. */
static void mark_muted(plan_scratch *sc, plan_step *st, uint32_t s)
{
    st->notes_out.count = 0;
    if ((int32_t)s > sc->nan_step) sc->nan_step = (int32_t)s;
    sc->muted++;
}

/* [audio] process_batch calls over the unmuted members of steps s .. end - 1, up to
 * PLAN_BATCH_MAX at a time. */
static void run_batched(lull_plan *plan, plan_scratch *sc, uint32_t s, uint32_t end,
                        const lull_ext_batch *batch, const lull_clocks *clocks,
                        const lull_event *events, uint32_t event_count, uint32_t frames)
{
    while (s < end) {
        uint32_t k = 0;
        for (; s < end && k < PLAN_BATCH_MAX; s++) {
            plan_step *st = &plan->steps[s];
            step_gather(sc, st, frames);
            if (!node_runtime_prepare_shared(&st->node, plan->shortcuts ? &sc->memo : NULL, clocks,
                                             events, event_count, frames))
                continue;
            sc->batch_selves[k] = st->node.self;
            sc->batch_ctxs[k] = &st->node.ctx;
            sc->batch_steps[k] = s;
            k++;
        }
        if (!k) continue; /* all muted: s has moved on */
        batch->process_batch(sc->batch_selves, sc->batch_ctxs, k);
        /* One non-finite screen over the whole batch's outputs (the members are
         * checked one by one only when it fires: a node found bad is muted for good,
         * and a finite sum that overflowed costs one exact pass); a block not a
         * multiple of 4 frames is checked member by member. */
        if (frames % 4 == 0) {
            block_sum acc = {0};
            for (uint32_t j = 0; j < k; j++) {
                const node_runtime *n = &plan->steps[sc->batch_steps[j]].node;
                for (uint32_t o = 0; o < n->desc->output_count; o++)
                    block_sum_acc(&acc, n->outputs[o], frames);
            }
            if (!block_sum_nonfinite(&acc)) continue;
        }
        for (uint32_t j = 0; j < k; j++)
            if (!node_runtime_finish(&plan->steps[sc->batch_steps[j]].node))
                mark_muted(sc, &plan->steps[sc->batch_steps[j]], sc->batch_steps[j]);
    }
}

void plan_block_begin(lull_plan *plan)
{
    for (uint32_t t = 0; t < PLAN_THREADS_MAX; t++) {
        plan->scratch[t].muted = 0;
        plan->scratch[t].nan_step = -1;
        plan->scratch[t].notes_dropped = 0;
    }
}

/* [audio] Steps first .. end - 1 of group g, as thread scratch sc. */
static void run_steps(lull_plan *plan, plan_scratch *sc, const plan_group *g, uint32_t first,
                      uint32_t end, const lull_clocks *clocks, const lull_event *events,
                      uint32_t event_count, uint32_t frames)
{
    sc->memo.node = NULL;
    if (g->batch) {
        run_batched(plan, sc, first, end, g->batch, clocks, events, event_count, frames);
        return;
    }
    for (uint32_t s = first; s < end; s++) {
        plan_step *st = &plan->steps[s];
        step_gather(sc, st, frames);
        node_runtime *n = &st->node;
        if (!node_runtime_prepare_shared(n, plan->shortcuts ? &sc->memo : NULL, clocks, events,
                                         event_count, frames))
            continue;
        n->desc->process(n->self, &n->ctx);
        if (!node_runtime_finish(n)) mark_muted(sc, st, s);
    }
}

void plan_run_task(lull_plan *plan, uint32_t task, uint32_t thread, const lull_clocks *clocks,
                   const lull_event *events, uint32_t event_count, uint32_t frames)
{
    const plan_task *tk = &plan->tasks[task];
    for (uint32_t k = tk->first_seg; k < tk->first_seg + tk->seg_count; k++) {
        const plan_seg *sg = &plan->segs[k];
        run_steps(plan, &plan->scratch[thread], &plan->groups[sg->group], sg->first,
                  sg->first + sg->count, clocks, events, event_count, frames);
    }
}

uint32_t plan_block_end(lull_plan *plan, uint32_t frames)
{
    uint32_t muted = 0;
    int32_t last = -1; /* the last muted in plan order, as one thread would have found */
    for (uint32_t t = 0; t < PLAN_THREADS_MAX; t++) {
        const plan_scratch *sc = &plan->scratch[t];
        muted += sc->muted;
        plan->notes_dropped += sc->notes_dropped;
        if (sc->nan_step > last) last = sc->nan_step;
    }
    if (muted) plan->nan_step = last;
    const float *left = input_gather(&plan->out[0], frames);
    memcpy(plan->out_buf[0], left, frames * sizeof(float));
    /* A mono graph (the same sources on both sides) is summed once. */
    const float *right = plan->out_mono ? plan->out_buf[0] : input_gather(&plan->out[1], frames);
    memcpy(plan->out_buf[1], right, frames * sizeof(float));
    return muted;
}

uint32_t plan_run(lull_plan *plan, const lull_clocks *clocks, const lull_event *events,
                  uint32_t event_count, uint32_t frames)
{
    plan_block_begin(plan);
    for (uint32_t gi = 0; gi < plan->group_count; gi++) {
        const plan_group *g = &plan->groups[gi];
        run_steps(plan, &plan->scratch[0], g, g->first, g->first + g->count, clocks, events,
                  event_count, frames);
    }
    return plan_block_end(plan, frames);
}

param_smoother *plan_param(lull_plan *plan, uint32_t node, uint32_t param)
{
    if (!plan || node >= plan->step_count) return NULL;
    node_runtime *n = &plan->steps[plan->step_of_node[node]].node;
    return param < n->desc->param_count ? &n->params[param] : NULL;
}
