/* lulld's biosignal thread: drains the sensor queue filled by the OSC thread,
 * feeds the samples to the biosignal pipeline (bio/bio_pipeline.h), and publishes
 * its feature frame to the engine 30 times per second. Optionally writes the
 * features once per second to a session log (CSV). */
#ifndef LULLD_BIO_THREAD_H
#define LULLD_BIO_THREAD_H

#include <stddef.h>

#include "daemon/engine_slot.h"
#include "queue/spsc_queue.h"

typedef struct bio_thread bio_thread;

/* session_log_dir: "" or a directory for session-YYYYmmdd-HHMMSS.csv. */
bio_thread *bio_thread_start(spsc_queue *sensors, engine_slot *slot,
                             const char *session_log_dir, char *err, size_t errlen);
void bio_thread_stop(bio_thread *b);

#endif
