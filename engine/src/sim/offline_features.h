/* Feature frames for an offline render (`lull render --bio FILE | --simulate
 * PROFILE`) and the closed-loop test: a biosignal pipeline run inline over raw
 * signals from a recording or from the synthetic client, fed in batches
 * stamped with their exact sample times up to each requested frame time, as the
 * daemon would receive them.
 *
 * The follower client needs the pacer's state: give it the engine
 * (offline_features_set_engine); it reads lull_engine_get_status before each
 * frame. Without an engine the follower breathes unguided.
 *
 * Not realtime: called from the offline driver's loop on the main thread. */
#ifndef LULL_SIM_OFFLINE_FEATURES_H
#define LULL_SIM_OFFLINE_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "bio/bio_pipeline.h"
#include "bio/features.h"
#include "drivers/offline_driver.h"
#include "engine/engine.h"
#include "sim/client_model.h"

typedef struct offline_features offline_features;

/* [main] From a recording (WFDB .hea, or CSV: with a time_s column, or csv_fs > 0 gives
 * its rate); names[s] chooses the signal for each stream (NULL array or entries =
 * guess by name, see record_pick.h). NULL with a message on failure. */
offline_features *offline_features_from_record(const char *path, double csv_fs,
                                               const char *const names[BIO_WAVEFORMS], char *err,
                                               size_t errlen);
/* [main] From the synthetic client. */
offline_features *offline_features_from_model(client_profile p, uint64_t seed, char *err,
                                              size_t errlen);
/* [main] The same with a spec's overrides (client_spec_parse: "steady:heart=84"). */
offline_features *offline_features_from_spec(const client_spec *spec, uint64_t seed, char *err,
                                             size_t errlen);
void offline_features_free(offline_features *o);

/* [main] The engine whose pacer the follower listens to (NULL: none). */
void offline_features_set_engine(offline_features *o, lull_engine *e);
/* [main] The same with a void *ud (an offline_features), for a driver hook that hands
 * over its engine once created (proposed: offline_render_opts.engine_ready). */
void offline_features_engine_ready(void *ud, lull_engine *e);

/* [main] An offline_feature_fn: ud is the offline_features. Feeds every sample up to
 * time t (seconds since the start) and returns the features at t. */
void offline_features_fn(void *ud, double t, lull_features *f);

/* [main] The synthetic client (NULL for a recording), e.g. for its ground truth. */
const client_model *offline_features_model(const offline_features *o);
/* [main] The pipeline's counters. */
void offline_features_counters(const offline_features *o, bio_pipeline_counters *out);

/* [main] For cmd_render: sets o->features/features_ud for --bio FILE (bio_file; a CSV
 * needs a time_s column) or --simulate PROFILE (profile, seed 1: the same WAV
 * every time); at most one may be non-NULL (both NULL: no-op).
 * Returns true, or false with a message. Call render_features_teardown after the
 * render. */
bool render_features_setup(const char *bio_file, const char *profile, offline_render_opts *o,
                           char *err, size_t errlen);
/* [main] render_features_setup with the sampling rate of a CSV record without a
 * time_s column (bio_rate Hz, > 0; 0: the file must have time_s), lull render's
 * --bio-rate. */
bool render_features_setup_rate(const char *bio_file, double bio_rate, const char *profile,
                                offline_render_opts *o, char *err, size_t errlen);
void render_features_teardown(offline_render_opts *o);

#endif
