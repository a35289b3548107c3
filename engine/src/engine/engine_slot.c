#include "engine/engine_slot.h"

void engine_slot_init(engine_slot *s, lull_engine *e)
{
    pthread_mutex_init(&s->lock, NULL);
    s->engine = e;
}

void engine_slot_destroy(engine_slot *s) { pthread_mutex_destroy(&s->lock); }

lull_engine *engine_slot_acquire(engine_slot *s)
{
    pthread_mutex_lock(&s->lock);
    return s->engine;
}

void engine_slot_release(engine_slot *s) { pthread_mutex_unlock(&s->lock); }
