/* `lull render --session-db FILE`: an offline render recorded as a session, so
 * that `lull report` can show what a preset did with a recorded or simulated
 * client. The render's stream time is laid on the wall clock from the moment
 * the render started (a 10-minute render made in 3 s reads as 10 minutes).
 *
 * Chains onto offline_render_opts.observe (keeping a --plot/--spectrogram
 * observer working) and samples the engine with the same session_tracker as
 * lulld, writing straight into the store in one transaction.
 *
 * Threads: [main] (the offline driver's loop, between blocks). */
#ifndef LULL_SESSION_SESSION_RENDER_H
#define LULL_SESSION_SESSION_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/offline_driver.h"

typedef struct session_render session_render;

/* [main] Opens (creates) the store; source names the render ("render surf, simulate
 * relaxing"). NULL with a message. */
session_render *session_render_open(const char *db_path, const char *source, double sample_rate,
                                    char *err, size_t errlen);
/* [main] Hooks into o->observe (after any observer already set). */
void session_render_attach(session_render *r, offline_render_opts *o);
/* [main] Ends the session and commits; true, or false with a message. Frees r either
 * way; *id_out (may be NULL) gets the session's id. */
bool session_render_finish(session_render *r, long long *id_out, char *err, size_t errlen);
/* [main] Abandons the recording (rolls back) and frees r. */
void session_render_free(session_render *r);

#endif
