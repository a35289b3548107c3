/* lulld's biosignal thread: drains the sensor queue filled by the OSC thread,
 * feeds the samples to the biosignal pipeline (bio/bio_pipeline.h), and publishes
 * its feature frame to the engine 30 times per second. With a session recorder,
 * it also samples the engine's state for the session record (frames at 1 Hz and
 * events: session/session_tracker.h); handing those over never waits. */
#ifndef LULLD_BIO_THREAD_H
#define LULLD_BIO_THREAD_H

#include <stddef.h>

#include "engine/engine_slot.h"
#include "queue/spsc_queue.h"
#include "session/session_recorder.h"

typedef struct bio_thread bio_thread;

/* [main] sessions: NULL, or the recorder to feed (it must outlive the thread). */
bio_thread *bio_thread_start(spsc_queue *sensors, engine_slot *slot, session_recorder *sessions,
                             char *err, size_t errlen);
/* [main] Stops the thread; an open session ends ("shutdown"). */
void bio_thread_stop(bio_thread *b);

#endif
