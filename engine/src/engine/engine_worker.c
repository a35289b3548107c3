/* The worker: builds plans for preset loads and frees what the audio thread
 * retired. Slow work happens here in stages that alternate with the audio thread,
 * never inside it: parse + compile (worker) -> crossfade (audio) -> free (worker). */
#include "engine/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/thread_name.h"
#include "graph/plan_prefault.h"

void engine_collect_retired(lull_engine *e)
{
    lull_plan *p;
    while (spsc_pop(&e->retireq, &p)) plan_free(p);
}

void engine_run_job(lull_engine *e, engine_job *job)
{
    char err[1024] = "";
    bool ok = false;
    lull_preset *preset = preset_load_file(job->path, e->reg, err, sizeof err);
    lull_plan *plan = NULL;
    if (preset) plan = plan_compile(preset, e->sr, e->bank, err, sizeof err);
    /* Before the audio thread can see it: no page fault in its first periods. */
    if (plan) plan_prefault(plan);
    if (plan) {
        pthread_mutex_lock(&e->ctl_lock);
        plan->generation = ++e->ctl_generation;
        float xs = job->crossfade_s >= 0 ? job->crossfade_s : e->cfg.crossfade_s;
        /* The very first preset fades in with the output stage; later switches
         * always crossfade for at least LULL_MIN_CROSSFADE_S: never a cut. */
        if (plan->generation > 1 && xs < LULL_MIN_CROSSFADE_S) xs = LULL_MIN_CROSSFADE_S;
        plan_msg m = {plan, (uint32_t)(xs * e->sr)};
        if (spsc_push(&e->planq, &m)) {
            /* Names for /lull/param/set now refer to the new preset. */
            preset_free(e->ctl_preset);
            e->ctl_preset = preset;
            preset = NULL;
            ok = true;
        } else {
            snprintf(err, sizeof err, "too many preset loads in flight; try again");
            atomic_fetch_add(&e->dropped, 1);
            plan_free(plan);
        }
        pthread_mutex_unlock(&e->ctl_lock);
    }
    const char *name = strrchr(job->path, '/') ? strrchr(job->path, '/') + 1 : job->path;
    char shown[128];
    snprintf(shown, sizeof shown, "%s", name);
    char *dot = strrchr(shown, '.');
    if (dot && strcmp(dot, ".json") == 0) *dot = '\0';
    if (ok)
        log_info("preset %s loaded", shown);
    else
        log_warn("preset %s refused: %s", shown, err);
    if (job->done) job->done(job->ud, ok, shown, ok ? "" : err);
    preset_free(preset);
    free(job->path);
    free(job);
}

static void *worker_main(void *arg)
{
    lull_engine *e = arg;
    pthread_mutex_lock(&e->job_lock);
    while (!e->stopping) {
        engine_job *job = e->jobs;
        if (job) {
            e->jobs = job->next;
            if (!e->jobs) e->jobs_tail = &e->jobs;
            pthread_mutex_unlock(&e->job_lock);
            engine_run_job(e, job);
            /* A burst of loads retires a plan per load: free them as we go. */
            engine_collect_retired(e);
            pthread_mutex_lock(&e->job_lock);
            continue;
        }
        pthread_mutex_unlock(&e->job_lock);
        engine_collect_retired(e);
        pthread_mutex_lock(&e->job_lock);
        if (e->jobs || e->stopping) continue;
        /* Retired plans are collected at least every 50 ms. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&e->job_cond, &e->job_lock, &ts);
    }
    pthread_mutex_unlock(&e->job_lock);
    return NULL;
}

bool engine_worker_start(lull_engine *e)
{
    e->jobs = NULL;
    e->jobs_tail = &e->jobs;
    e->stopping = false;
    if (!e->cfg.threaded) return true;
    e->worker_running = pthread_create(&e->worker, NULL, worker_main, e) == 0;
    if (e->worker_running) thread_name_set(e->worker, "worker");
    return e->worker_running;
}

void engine_worker_stop(lull_engine *e)
{
    if (e->worker_running) {
        pthread_mutex_lock(&e->job_lock);
        e->stopping = true;
        pthread_cond_signal(&e->job_cond);
        pthread_mutex_unlock(&e->job_lock);
        pthread_join(e->worker, NULL);
        e->worker_running = false;
    }
    while (e->jobs) {
        engine_job *j = e->jobs;
        e->jobs = j->next;
        if (j->done) j->done(j->ud, false, "", "the engine is shutting down");
        free(j->path);
        free(j);
    }
    e->jobs_tail = &e->jobs;
}

void engine_submit_job(lull_engine *e, engine_job *job)
{
    if (!e->cfg.threaded) {
        engine_run_job(e, job);
        return;
    }
    job->next = NULL;
    pthread_mutex_lock(&e->job_lock);
    *e->jobs_tail = job;
    e->jobs_tail = &job->next;
    pthread_cond_signal(&e->job_cond);
    pthread_mutex_unlock(&e->job_lock);
}
