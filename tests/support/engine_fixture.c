#include "engine_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct wait_result {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done, ok;
    char message[1024];
} wait_result;

static void on_done(void *ud, bool ok, const char *name, const char *message)
{
    wait_result *w = ud;
    pthread_mutex_lock(&w->lock);
    w->done = true;
    w->ok = ok;
    snprintf(w->message, sizeof w->message, "%s", message);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

lull_engine *fx_engine(double rate, bool threaded)
{
    lull_engine_config c;
    lull_engine_config_defaults(&c);
    c.sample_rate = rate;
    c.threaded = threaded;
    char err[1024];
    lull_engine *e = lull_engine_create(&c, err, sizeof err);
    if (!e) {
        fprintf(stderr, "engine: %s\n", err);
        exit(2);
    }
    return e;
}

const char *fx_preset_file(const char *json)
{
    static char paths[8][256];
    static int slot;
    char *path = paths[slot++ % 8];
    snprintf(path, 256, "/tmp/lull-test-preset-%d-%d-XXXXXX.json", (int)getpid(), slot);
    int fd = mkstemps(path, 5);
    if (fd < 0 || write(fd, json, strlen(json)) != (ssize_t)strlen(json)) {
        perror("preset file");
        exit(2);
    }
    close(fd);
    return path;
}

bool fx_load(lull_engine *e, const char *preset, float crossfade_s, char *why, size_t whylen)
{
    wait_result w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    char err[1024];
    bool queued =
        strchr(preset, '/')
            ? lull_engine_load_preset_file(e, preset, crossfade_s, on_done, &w, err, sizeof err)
            : lull_engine_load_preset(e, preset, crossfade_s, on_done, &w, err, sizeof err);
    if (!queued) {
        if (why) snprintf(why, whylen, "%s", err);
        return false;
    }
    pthread_mutex_lock(&w.lock);
    while (!w.done) pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    if (why) snprintf(why, whylen, "%s", w.message);
    return w.ok;
}

void fx_render(lull_engine *e, float *l, float *r, size_t frames, uint32_t host_block)
{
    for (size_t done = 0; done < frames;) {
        uint32_t n = (uint32_t)(frames - done < host_block ? frames - done : host_block);
        lull_engine_process(e, l + done, r + done, n);
        lull_engine_service(e);
        done += n;
    }
}
