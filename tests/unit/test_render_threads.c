/* The offline driver's threads (graph/plan_pool.h) change no bit: voices64 (64
 * noise -> svf voices: two wide levels of batches) rendered with 1, 2 and 3 threads,
 * and every shipped preset (notes, sounds, single nodes per level) with 1 and 2,
 * give byte-identical samples. 3 threads on a 2-core machine also proves a
 * helper that is preempted mid-block (more threads than cores) changes nothing. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "drivers/offline_driver.h"

#define RATE 48000.0

typedef struct capture {
    float *buf; /* interleaved */
    size_t frames, cap;
} capture;

static void observe(void *ud, struct lull_engine *e, uint64_t first, const float *left,
                    const float *right, uint32_t n)
{
    (void)e;
    capture *c = ud;
    for (uint32_t i = 0; i < n && first + i < c->cap; i++) {
        c->buf[2 * (first + i)] = left[i];
        c->buf[2 * (first + i) + 1] = right[i];
    }
    c->frames = first + n;
}

/* Render `preset` with `threads`; the samples into c (allocated). */
static int render(const char *preset, double seconds, uint32_t threads, capture *c)
{
    char err[1024];
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = preset;
    o.seconds = seconds;
    o.sample_rate = RATE;
    o.threads = threads;
    o.observe = observe;
    o.observe_ud = c;
    c->cap = (size_t)(seconds * RATE);
    c->frames = 0;
    c->buf = calloc(2 * c->cap, sizeof(float));
    offline_render_result res;
    int rc = offline_render(&o, &res, err, sizeof err) ? 0 : -1;
    CHECK(rc == 0, "%s, %u threads: %s", preset, threads, err);
    return rc;
}

/* Frames where a and b differ, and the first one. */
static size_t differing(const capture *a, const capture *b, size_t *first)
{
    size_t n = 0;
    *first = SIZE_MAX;
    for (size_t i = 0; i < a->cap; i++)
        if (memcmp(&a->buf[2 * i], &b->buf[2 * i], 2 * sizeof(float))) {
            if (!n) *first = i;
            n++;
        }
    return n;
}

static void compare(const char *preset, double seconds, const uint32_t *threads, int count)
{
    capture one;
    if (render(preset, seconds, 1, &one)) {
        free(one.buf);
        return;
    }
    double energy = 0;
    for (size_t i = 0; i < 2 * one.cap; i++) energy += (double)one.buf[i] * one.buf[i];
    CHECK(one.frames == one.cap && energy > 0, "%s: %zu frames, energy %g", preset, one.frames,
          energy);
    for (int k = 0; k < count; k++) {
        capture many;
        if (render(preset, seconds, threads[k], &many) == 0) {
            size_t first, n = differing(&one, &many, &first);
            printf("%-28s %u threads: %zu frames, %zu differ from 1 thread\n", preset, threads[k],
                   many.frames, n);
            CHECK(many.frames == one.frames && n == 0,
                  "%s: %u threads differ from 1 in %zu frames (first at %zu)", preset, threads[k],
                  n, first);
        }
        free(many.buf);
    }
    free(one.buf);
}

int main(void)
{
    char path[4096];
    const char *src = test_env("LULL_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tools/bench/voices64.json", src);
    const uint32_t three[] = {2, 3};
    compare(path, 3.0, three, 2);

    const uint32_t two[] = {2};
    snprintf(path, sizeof path, "%s/presets", src);
    DIR *d = opendir(path);
    CHECK(d != NULL, "%s: cannot open", path);
    int presets = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json")) continue;
        char file[4096 + 256];
        snprintf(file, sizeof file, "%s/%s", path, de->d_name);
        compare(file, 2.0, two, 1);
        presets++;
    }
    if (d) closedir(d);
    CHECK(presets >= 10, "found %d shipped presets", presets);
    return check_finish("test_render_threads");
}
