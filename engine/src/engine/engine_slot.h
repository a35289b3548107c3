/* The daemon's current engine, shared by the control (OSC), biosignal and
 * supervisor threads. The supervisor replaces the engine when the JACK server
 * comes back at another sample rate; the lock makes that swap safe for the
 * other non-audio threads. The audio thread never touches the slot: the JACK
 * driver holds its own engine pointer, changed only while the client is closed.
 *
 * It lives beside the engine, not in daemon/: the OSC layer (osc/) needs it and
 * daemon/ is built on osc/, so osc/ must not include daemon/ (no include cycle). */
#ifndef LULL_ENGINE_ENGINE_SLOT_H
#define LULL_ENGINE_ENGINE_SLOT_H

#include <pthread.h>

#include "engine/engine.h"

typedef struct engine_slot {
    pthread_mutex_t lock;
    lull_engine *engine; /* written by [main] (the supervisor's engine swap) under
                                 lock; read by [control] and [bio] under lock */
} engine_slot;

/* [main] */
void engine_slot_init(engine_slot *s, lull_engine *e);
/* [main] */
void engine_slot_destroy(engine_slot *s);

/* [any !audio] Lock and return the engine (never NULL while the daemon runs). */
lull_engine *engine_slot_acquire(engine_slot *s);
/* [any !audio] */
void engine_slot_release(engine_slot *s);

#endif
