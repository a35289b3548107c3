#include "daemon/nsm_client.h"

#include <lo/lo.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define NSM_MAX_SERVER_ADDRS 4

struct nsm_client {
    lo_server_thread thread;
    lo_address server;
    /* The session manager's numeric addresses and port: only it may command us. */
    char server_hosts[NSM_MAX_SERVER_ADDRS][64];
    int server_host_count;
    char server_port[16];
    pthread_mutex_t lock;
    pthread_cond_t opened_cond;
    bool opened;
    char client_id[64];
    char path[512];
    nsm_save_fn save;
    void *save_ud;
};

static void reply(nsm_client *c, const char *to_path, const char *message)
{
    lo_send_from(c->server, lo_server_thread_get_server(c->thread), LO_TT_IMMEDIATE, "/reply", "ss",
                 to_path, message);
}

static void reply_error(nsm_client *c, const char *to_path, const char *message)
{
    /* NSM's generic error code (ERR_GENERAL = -1). */
    lo_send_from(c->server, lo_server_thread_get_server(c->thread), LO_TT_IMMEDIATE, "/error",
                 "sis", to_path, -1, message);
}

/* Our NSM socket is reachable from the network like any UDP socket; a message that
 * does not come from the session manager's address and port is ignored (an open
 * names a path we later write a file to). */
static bool from_server(const nsm_client *c, lo_message m)
{
    lo_address src = lo_message_get_source(m);
    const char *host = src ? lo_address_get_hostname(src) : NULL;
    const char *port = src ? lo_address_get_port(src) : NULL;
    if (!host || !port || strcmp(port, c->server_port) != 0) return false;
    for (int i = 0; i < c->server_host_count; i++)
        if (strcmp(host, c->server_hosts[i]) == 0) return true;
    return false;
}

static void resolve_server(nsm_client *c)
{
    const char *host = lo_address_get_hostname(c->server);
    const char *port = lo_address_get_port(c->server);
    snprintf(c->server_port, sizeof c->server_port, "%s", port ? port : "");
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    if (!host || getaddrinfo(host, NULL, &hints, &res) != 0) return;
    for (struct addrinfo *a = res; a && c->server_host_count < NSM_MAX_SERVER_ADDRS;
         a = a->ai_next) {
        char buf[64];
        if (getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof buf, NULL, 0, NI_NUMERICHOST) == 0)
            snprintf(c->server_hosts[c->server_host_count++], sizeof c->server_hosts[0], "%s", buf);
    }
    freeaddrinfo(res);
}

static int on_open(const char *path, const char *types, lo_arg **argv, int argc, lo_message m,
                   void *ud)
{
    nsm_client *c = ud;
    if (!from_server(c, m)) {
        log_warn("nsm: ignored /nsm/client/open from an address that is not the session manager");
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    snprintf(c->path, sizeof c->path, "%s", (const char *)argv[0]);
    snprintf(c->client_id, sizeof c->client_id, "%s", (const char *)argv[2]);
    c->opened = true;
    pthread_cond_broadcast(&c->opened_cond);
    pthread_mutex_unlock(&c->lock);
    log_info("nsm: open %s as %s", (const char *)argv[0], (const char *)argv[2]);
    reply(c, "/nsm/client/open", "opened");
    return 0;
}

static int on_save(const char *path, const char *types, lo_arg **argv, int argc, lo_message m,
                   void *ud)
{
    nsm_client *c = ud;
    if (!from_server(c, m)) {
        log_warn("nsm: ignored /nsm/client/save from an address that is not the session manager");
        return 0;
    }
    char err[256] = "not ready";
    char file[600];
    pthread_mutex_lock(&c->lock);
    nsm_save_fn fn = c->save;
    void *fn_ud = c->save_ud;
    snprintf(file, sizeof file, "%s.conf", c->path);
    pthread_mutex_unlock(&c->lock);
    if (fn && fn(fn_ud, file, err, sizeof err)) {
        reply(c, "/nsm/client/save", "saved");
    } else {
        log_error("nsm: save failed: %s", err);
        reply_error(c, "/nsm/client/save", err);
    }
    return 0;
}

static int on_reply(const char *path, const char *types, lo_arg **argv, int argc, lo_message m,
                    void *ud)
{
    if (argc >= 2 && types[0] == 's' && types[1] == 's')
        log_info("nsm: %s: %s", (const char *)argv[0], (const char *)argv[1]);
    return 0;
}

static int on_error(const char *path, const char *types, lo_arg **argv, int argc, lo_message m,
                    void *ud)
{
    if (argc >= 3 && types[0] == 's' && types[2] == 's')
        log_error("nsm: %s failed: %s", (const char *)argv[0], (const char *)argv[2]);
    return 0;
}

nsm_client *nsm_client_start(const char *url, const char *executable, double timeout_s,
                             char *client_id, size_t id_len, char *config_path, size_t path_len,
                             char *err, size_t errlen)
{
    nsm_client *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->opened_cond, NULL);
    c->server = lo_address_new_from_url(url);
    c->thread = lo_server_thread_new(NULL, NULL);
    if (!c->server || !c->thread) {
        snprintf(err, errlen, "NSM_URL '%s' is not usable", url);
        nsm_client_stop(c);
        return NULL;
    }
    resolve_server(c);
    lo_server_thread_add_method(c->thread, "/nsm/client/open", "sss", on_open, c);
    lo_server_thread_add_method(c->thread, "/nsm/client/save", "", on_save, c);
    lo_server_thread_add_method(c->thread, "/reply", NULL, on_reply, c);
    lo_server_thread_add_method(c->thread, "/error", NULL, on_error, c);
    lo_server_thread_start(c->thread);

    lo_send_from(c->server, lo_server_thread_get_server(c->thread), LO_TT_IMMEDIATE,
                 "/nsm/server/announce", "sssiii", "lulld", ":", executable, 1, 2, (int)getpid());

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)timeout_s;
    pthread_mutex_lock(&c->lock);
    while (!c->opened)
        if (pthread_cond_timedwait(&c->opened_cond, &c->lock, &deadline) != 0) break;
    bool opened = c->opened;
    snprintf(client_id, id_len, "%s", c->client_id);
    snprintf(config_path, path_len, "%s.conf", c->path);
    pthread_mutex_unlock(&c->lock);
    if (!opened) {
        snprintf(err, errlen,
                 "the session manager at %s did not send /nsm/client/open within %.0f s", url,
                 timeout_s);
        nsm_client_stop(c);
        return NULL;
    }
    return c;
}

void nsm_client_set_save(nsm_client *c, nsm_save_fn fn, void *ud)
{
    pthread_mutex_lock(&c->lock);
    c->save = fn;
    c->save_ud = ud;
    pthread_mutex_unlock(&c->lock);
}

void nsm_client_stop(nsm_client *c)
{
    if (!c) return;
    if (c->thread) {
        lo_server_thread_stop(c->thread);
        lo_server_thread_free(c->thread);
    }
    if (c->server) lo_address_free(c->server);
    pthread_cond_destroy(&c->opened_cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
