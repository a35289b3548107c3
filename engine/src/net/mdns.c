#include "net/mdns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void say(mdns_log_fn log, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(mdns_log_fn log, int level, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (log)
        log(level, msg);
    else
        fprintf(stderr, "%s: %s\n", level ? "warning" : "info", msg);
}

#ifndef LULL_HAVE_AVAHI

bool mdns_available(void) { return false; }

mdns_service *mdns_publish(const char *name, const char *type, int port, const char *const *txt,
                           mdns_log_fn log)
{
    say(log, 1, "mDNS: not published (%s): this build has no Avahi support", type);
    return NULL;
}

void mdns_stop(mdns_service *s) { (void)s; }

#else

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>

#define MDNS_MAX_TXT 8

struct mdns_service {
    AvahiThreadedPoll *poll;
    AvahiClient *client;
    AvahiEntryGroup *group;
    char *name; /* avahi_malloc'd: replaced on a collision */
    char type[32];
    int port;
    char txt[MDNS_MAX_TXT][128];
    int txt_count;
    mdns_log_fn log;
    bool warned_no_daemon;
};

bool mdns_available(void) { return true; }

static void create_services(mdns_service *s, AvahiClient *c);

static void group_callback(AvahiEntryGroup *g, AvahiEntryGroupState state, void *ud)
{
    mdns_service *s = ud;
    s->group = g;
    switch (state) {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
        say(s->log, 0, "mDNS: published '%s' as %s on port %d", s->name, s->type, s->port);
        break;
    case AVAHI_ENTRY_GROUP_COLLISION: {
        /* Someone on the network has the name: take Avahi's alternative. */
        char *alt = avahi_alternative_service_name(s->name);
        say(s->log, 1, "mDNS: the name '%s' is taken on the network; using '%s'", s->name, alt);
        avahi_free(s->name);
        s->name = alt;
        create_services(s, avahi_entry_group_get_client(g));
        break;
    }
    case AVAHI_ENTRY_GROUP_FAILURE:
        say(s->log, 1, "mDNS: publishing %s failed: %s", s->type,
            avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
        break;
    default: break;
    }
}

static void create_services(mdns_service *s, AvahiClient *c)
{
    if (!s->group) {
        s->group = avahi_entry_group_new(c, group_callback, s);
        if (!s->group) {
            say(s->log, 1, "mDNS: cannot create an entry group: %s",
                avahi_strerror(avahi_client_errno(c)));
            return;
        }
    }
    avahi_entry_group_reset(s->group);
    AvahiStringList *txt = NULL;
    for (int i = s->txt_count - 1; i >= 0; i--) txt = avahi_string_list_add(txt, s->txt[i]);
    for (;;) {
        int rc = avahi_entry_group_add_service_strlst(s->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                      0, s->name, s->type, NULL, NULL,
                                                      (uint16_t)s->port, txt);
        if (rc == AVAHI_ERR_COLLISION) { /* a local service has the name */
            char *alt = avahi_alternative_service_name(s->name);
            say(s->log, 1, "mDNS: the name '%s' is taken here; using '%s'", s->name, alt);
            avahi_free(s->name);
            s->name = alt;
            continue;
        }
        if (rc < 0)
            say(s->log, 1, "mDNS: cannot add %s '%s': %s", s->type, s->name, avahi_strerror(rc));
        else if ((rc = avahi_entry_group_commit(s->group)) < 0)
            say(s->log, 1, "mDNS: cannot publish %s: %s", s->type, avahi_strerror(rc));
        break;
    }
    avahi_string_list_free(txt);
}

static void client_callback(AvahiClient *c, AvahiClientState state, void *ud)
{
    mdns_service *s = ud;
    switch (state) {
    case AVAHI_CLIENT_S_RUNNING:
        s->warned_no_daemon = false;
        create_services(s, c);
        break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
        /* The host name changes or collides: withdraw until the daemon is running. */
        if (s->group) avahi_entry_group_reset(s->group);
        break;
    case AVAHI_CLIENT_CONNECTING:
        if (!s->warned_no_daemon)
            say(s->log, 1,
                "mDNS: no Avahi daemon running; %s '%s' will be published when "
                "one starts",
                s->type, s->name);
        s->warned_no_daemon = true;
        break;
    case AVAHI_CLIENT_FAILURE:
        say(s->log, 1, "mDNS: Avahi client failed: %s; %s not published",
            avahi_strerror(avahi_client_errno(c)), s->type);
        break;
    default: break;
    }
}

mdns_service *mdns_publish(const char *name, const char *type, int port, const char *const *txt,
                           mdns_log_fn log)
{
    mdns_service *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->log = log;
    s->port = port;
    snprintf(s->type, sizeof s->type, "%s", type);
    char label[64];
    snprintf(label, sizeof label, "%s", name); /* DNS-SD instance names: <= 63 bytes */
    s->name = avahi_strdup(label);
    for (int i = 0; txt && txt[i] && i < MDNS_MAX_TXT; i++)
        snprintf(s->txt[s->txt_count++], sizeof s->txt[0], "%s", txt[i]);
    s->poll = avahi_threaded_poll_new();
    if (!s->poll) {
        say(log, 1, "mDNS: cannot start Avahi's thread; %s not published", type);
        mdns_stop(s);
        return NULL;
    }
    int error = 0;
    /* The client is made under the poll's lock: its callback can run at once. */
    s->client = avahi_client_new(avahi_threaded_poll_get(s->poll), AVAHI_CLIENT_NO_FAIL,
                                 client_callback, s, &error);
    if (!s->client) {
        say(log, 1, "mDNS: no Avahi client (%s); %s not published", avahi_strerror(error), type);
        mdns_stop(s);
        return NULL;
    }
    if (avahi_threaded_poll_start(s->poll) < 0) {
        say(log, 1, "mDNS: cannot start Avahi's thread; %s not published", type);
        mdns_stop(s);
        return NULL;
    }
    return s;
}

void mdns_stop(mdns_service *s)
{
    if (!s) return;
    if (s->poll) avahi_threaded_poll_stop(s->poll);
    if (s->client) avahi_client_free(s->client); /* frees the group too */
    if (s->poll) avahi_threaded_poll_free(s->poll);
    avahi_free(s->name);
    free(s);
}

#endif
