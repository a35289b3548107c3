/* New Session Manager (NSM) client: when NSM_URL is set, lulld announces itself,
 * takes the client id as its JACK name and keeps a small config file (the same
 * `key = value` format as --config) at the path the session manager gives.
 *
 * Protocol (NSM API 1.2): -> /nsm/server/announce s:name s:capabilities s:exe
 * i:1 i:2 i:pid; <- /reply "/nsm/server/announce" ...; <- /nsm/client/open
 * s:path s:display_name s:client_id -> /reply "/nsm/client/open" s:msg;
 * <- /nsm/client/save -> /reply "/nsm/client/save" s:msg (or /error on failure). */
#ifndef LULL_DAEMON_NSM_CLIENT_H
#define LULL_DAEMON_NSM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nsm_client nsm_client;

/* Writes the session's state to path; false + err on failure. [NSM thread] */
typedef bool (*nsm_save_fn)(void *ud, const char *path, char *err, size_t errlen);

/* [main] Announces to url and waits up to timeout_s for /nsm/client/open. On success
 * fills client_id and config_path (path + ".conf"). NULL with a message when the
 * session manager does not answer. */
nsm_client *nsm_client_start(const char *url, const char *executable, double timeout_s,
                             char *client_id, size_t id_len, char *config_path, size_t path_len,
                             char *err, size_t errlen);
/* [main] Saves go to fn from now on (before this, a save request is answered with /error). */
void nsm_client_set_save(nsm_client *c, nsm_save_fn fn, void *ud);
/* [main] */
void nsm_client_stop(nsm_client *c);

#endif
