/* Shared scaffolding for the deliberately broken plugins that test
 * `lull plugin-check`: a one-input, one-output node whose process() each file
 * supplies, with one parameter "amount" (0..1). Each bad_*.c breaks one rule. */
#ifndef LULL_TEST_TINY_NODE_H
#define LULL_TEST_TINY_NODE_H

#include <stdlib.h>

#include "lull/plugin.h"

typedef struct {
    double rate;
    float state;
    uint64_t seed;
} tiny;

static void *tiny_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    tiny *t = calloc(1, sizeof(tiny));
    if (t) t->seed = h->seed;
    return t;
}
static bool tiny_activate(void *self, double rate, uint32_t max_frames)
{
    (void)max_frames;
    ((tiny *)self)->rate = rate;
    return true;
}
static void tiny_deactivate(void *self) { (void)self; }
static void tiny_destroy(void *self) { free(self); }

/* Not every file uses every part. */
#define TINY_UNUSED __attribute__((unused))
static const lull_port_info tiny_in[] TINY_UNUSED = {{"in"}};
static const lull_port_info tiny_out[] TINY_UNUSED = {{"out"}};
static const lull_param_info tiny_params[] TINY_UNUSED = {
    {"amount", "Amount", "", 0.0f, 1.0f, 0.5f, 20.0f, LULL_PARAM_MODULATABLE, NULL}};

/* A descriptor named `id` with the shared parts and the given process(). */
#define TINY_DESCRIPTOR(var, id_, process_fn)                                                      \
    static const lull_descriptor var = {sizeof(lull_descriptor),                                   \
                                        id_,                                                       \
                                        id_,                                                       \
                                        "1.0.0",                                                   \
                                        "test",                                                    \
                                        1,                                                         \
                                        tiny_in,                                                   \
                                        1,                                                         \
                                        tiny_out,                                                  \
                                        1,                                                         \
                                        tiny_params,                                               \
                                        tiny_create,                                               \
                                        tiny_activate,                                             \
                                        process_fn,                                                \
                                        NULL,                                                      \
                                        tiny_deactivate,                                           \
                                        tiny_destroy,                                              \
                                        NULL,                                                      \
                                        0,                                                         \
                                        NULL,                                                      \
                                        0,                                                         \
                                        NULL,                                                      \
                                        0,                                                         \
                                        NULL}

#endif
