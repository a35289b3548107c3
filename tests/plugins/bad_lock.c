/* Takes a mutex in process() to "protect" its parameter. */
#include <pthread.h>

#include "tiny_node.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void lock_process(void *self, const lull_process *ctx)
{
    (void)self;
    pthread_mutex_lock(&lock);
    for (uint32_t f = 0; f < ctx->frames; f++)
        ctx->outputs[0][f] = ctx->params[0][f] * ctx->inputs[0][f];
    pthread_mutex_unlock(&lock);
}
TINY_DESCRIPTOR(desc, "bad_lock", lock_process);
LULL_PLUGIN_ENTRY(&desc)
