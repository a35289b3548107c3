/* The engine's audio side: sub-blocking, command intake, clocks, modulation,
 * crossfading between plans and the output safety stage. Control-side entry points
 * live in engine_control.c, the worker in engine_worker.c. */
#include "engine/engine_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"
#include "graph/plan_pool.h"
#include "modulation/modulation.h"

static void retire(lull_engine *e, lull_plan *p)
{
    if (!p) return;
    /* The worker frees it. A full queue (the worker stalled) keeps it in a small
     * local backlog retried every block; nothing is ever freed here. */
    if (!spsc_push(&e->retireq, &p)) {
        if (e->backlog_count < ENGINE_BACKLOG)
            e->backlog[e->backlog_count++] = p;
        else
            e->leaked++; /* unreachable in practice; counted rather than freed here */
    }
}

static void retry_backlog(lull_engine *e)
{
    while (e->backlog_count > 0 && spsc_push(&e->retireq, &e->backlog[e->backlog_count - 1]))
        e->backlog_count--;
}

static void start_crossfade(lull_engine *e, lull_plan *p, uint32_t frames)
{
    e->next = p;
    e->xfade_len = frames < 1 ? 1 : frames;
    e->xfade_pos = 0;
    breath_pacer_configure(&e->pacer, &p->pacer);
    if (!e->pacer_overridden) breath_pacer_set_mode(&e->pacer, p->pacer.mode, p->pacer.target);
}

static void take_plans(lull_engine *e)
{
    plan_msg m;
    while (spsc_pop(&e->planq, &m)) {
        if (!e->next) {
            start_crossfade(e, m.plan, m.xfade_frames);
        } else {
            /* A crossfade is running: the newest request waits for it to finish;
             * one that was already waiting is dropped unheard. */
            retire(e, e->pending.plan);
            e->pending = m;
        }
    }
}

static lull_plan *plan_for_generation(lull_engine *e, uint64_t gen)
{
    if (e->cur && e->cur->generation == gen) return e->cur;
    if (e->next && e->next->generation == gen) return e->next;
    if (e->pending.plan && e->pending.plan->generation == gen) return e->pending.plan;
    return NULL;
}

static void apply_param(lull_engine *e, const engine_cmd *c)
{
    lull_plan *p = plan_for_generation(e, c->generation);
    if (!p) {
        /* The plan may have been queued after we looked: look again once. */
        take_plans(e);
        p = plan_for_generation(e, c->generation);
    }
    param_smoother *s = plan_param(p, c->node, c->param);
    if (!s) return;
    param_smoother_set(s, c->value);
    for (uint32_t i = 0; i < p->modulation_count; i++)
        if (p->modulations[i].node == c->node && p->modulations[i].param == c->param)
            p->mod_base[i] = c->value;
}

static void session(lull_engine *e, bool start)
{
    e->session_running = start;
    e->stop_frames = 0;
    param_smoother_set(&e->safety.params[e->safety_gate], start ? 1.0f : 0.0f);
    if (e->event_count < ENGINE_MAX_EVENTS)
        e->events[e->event_count++] =
            (lull_event){0, start ? LULL_EVENT_SESSION_START : LULL_EVENT_SESSION_STOP, 0};
}

static void take_commands(lull_engine *e)
{
    engine_cmd c;
    while (spsc_pop(&e->cmdq, &c)) {
        switch (c.type) {
        case CMD_PARAM: apply_param(e, &c); break;
        case CMD_VOLUME: param_smoother_set(&e->safety.params[e->safety_volume], c.value); break;
        case CMD_SESSION: session(e, c.value > 0.5f); break;
        case CMD_PACER:
            e->pacer_overridden = true;
            breath_pacer_set_mode(&e->pacer, (enum pacer_mode)c.node, c.value);
            break;
        case CMD_RESTART_OUTPUT:
            /* reset() is [audio]-safe: clears the lookahead and restarts the fade-in. */
            if (e->safety.desc->reset) e->safety.desc->reset(e->safety.self);
            break;
        }
    }
}

static void sort_events(lull_event *ev, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        lull_event x = ev[i];
        uint32_t j = i;
        while (j > 0 && ev[j - 1].offset > x.offset) {
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = x;
    }
}

static void note_nan(lull_engine *e, lull_plan *p)
{
    e->nan_events++;
    const char *name = p->steps[p->nan_step].node.name;
    memcpy(e->nan_node, name, sizeof e->nan_node);
}

static void publish_status(lull_engine *e)
{
    engine_audio_status *s = triple_buffer_write_slot(&e->status_tb);
    const lull_plan *shown = e->next ? e->next : e->cur;
    const char *name = shown ? shown->name : "";
    size_t i = 0;
    for (; i + 1 < sizeof s->preset && name[i]; i++) s->preset[i] = name[i];
    s->preset[i] = '\0';
    s->tempo_bpm = (float)e->tempo.bpm;
    s->pacer_rate = (float)e->pacer.rate;
    s->pacer_phase = (float)e->pacer.phase;
    s->pacer_mode = e->pacer.mode;
    s->session_running = e->session_running;
    s->faded_out = !e->session_running && e->stop_frames >= e->fade_out_frames;
    s->crossfading = e->next != NULL;
    s->frames = e->frames;
    s->nan_events = e->nan_events;
    memcpy(s->nan_node, e->nan_node, sizeof s->nan_node);
    s->volume_db = e->safety.params[e->safety_volume].target;
    triple_buffer_publish(&e->status_tb);
}

/* One fixed sub-block of LULL_ENGINE_BLOCK frames into e->carry. */
static void render_block(lull_engine *e)
{
    const uint32_t n = LULL_ENGINE_BLOCK;
    retry_backlog(e);
    take_plans(e);
    take_commands(e);
    const void *fp;
    triple_buffer_read(&e->features_tb, &fp);
    const lull_features *f = fp;

    lull_clocks clk = {.sample_rate = e->sr, .frame = e->frames};
    const lull_plan *lead = e->next ? e->next : e->cur;
    tempo_clock_advance(&e->tempo, lead ? &lead->tempo : &preset_tempo_default, f->heart_rate,
                        f->heart_state == LULL_SENSOR_OK, e->sr, n, &clk, e->events,
                        &e->event_count, ENGINE_MAX_EVENTS);
    breath_pacer_advance(&e->pacer, f, e->sr, n, &clk, e->events, &e->event_count,
                         ENGINE_MAX_EVENTS);
    sort_events(e->events, e->event_count);

    double block_s = n / e->sr;
    float *mix[2] = {e->mix[0], e->mix[1]};
    if (e->cur) {
        modulation_run(e->cur, f, &clk, block_s);
        if (plan_pool_run(e->render_pool, e->cur, &clk, e->events, e->event_count, n))
            note_nan(e, e->cur);
        memcpy(mix[0], e->cur->out_buf[0], n * sizeof(float));
        memcpy(mix[1], e->cur->out_buf[1], n * sizeof(float));
    } else {
        memset(mix[0], 0, n * sizeof(float));
        memset(mix[1], 0, n * sizeof(float));
    }
    if (e->next) {
        modulation_run(e->next, f, &clk, block_s);
        if (plan_pool_run(e->render_pool, e->next, &clk, e->events, e->event_count, n))
            note_nan(e, e->next);
        /* Equal-power crossfade: cos/sin keeps the summed power of two unrelated
         * signals constant, so there is no dip in the middle. */
        for (uint32_t i = 0; i < n; i++) {
            double t =
                (double)(e->xfade_pos < e->xfade_len ? e->xfade_pos : e->xfade_len) / e->xfade_len;
            float g_out = (float)cos(0.5 * M_PI * t), g_in = (float)sin(0.5 * M_PI * t);
            mix[0][i] = mix[0][i] * g_out + e->next->out_buf[0][i] * g_in;
            mix[1][i] = mix[1][i] * g_out + e->next->out_buf[1][i] * g_in;
            if (e->xfade_pos < e->xfade_len) e->xfade_pos++;
        }
        if (e->xfade_pos >= e->xfade_len) {
            retire(e, e->cur);
            e->cur = e->next;
            e->next = NULL;
            if (e->pending.plan) {
                plan_msg m = e->pending;
                e->pending.plan = NULL;
                start_crossfade(e, m.plan, m.xfade_frames);
            }
        }
    }

    /* The output safety stage, always last. */
    e->safety.inputs[0] = mix[0];
    e->safety.inputs[1] = mix[1];
    if (!node_runtime_process(&e->safety, &clk, e->events, e->event_count, n)) {
        /* Cannot happen for the shipped stage (it scrubs); if it did, silence. */
        e->nan_events++;
    }
    memcpy(e->carry[0], e->safety.outputs[0], n * sizeof(float));
    memcpy(e->carry[1], e->safety.outputs[1], n * sizeof(float));

    if (!e->session_running && e->stop_frames < e->fade_out_frames) e->stop_frames += n;
    e->frames += n;
    e->event_count = 0;
    publish_status(e);
}

bool lull_engine_set_render_pool(lull_engine *e, struct plan_pool *pool)
{
    if (e->cfg.threaded) return false;
    e->render_pool = pool;
    return true;
}

void lull_engine_process(lull_engine *e, float *left, float *right, uint32_t nframes)
{
    rt_enable_ftz();
    uint32_t done = 0;
    while (done < nframes) {
        if (e->carry_pos >= LULL_ENGINE_BLOCK) {
            render_block(e);
            e->carry_pos = 0;
        }
        uint32_t k = LULL_ENGINE_BLOCK - e->carry_pos;
        if (k > nframes - done) k = nframes - done;
        memcpy(left + done, e->carry[0] + e->carry_pos, k * sizeof(float));
        memcpy(right + done, e->carry[1] + e->carry_pos, k * sizeof(float));
        e->carry_pos += k;
        done += k;
    }
}
