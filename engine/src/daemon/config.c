#include "daemon/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static const char usage_text[] =
    "usage: lulld [options]\n"
    "  --config FILE        read settings from FILE (key = value, keys as below)\n"
    "  --preset NAME        preset to start with (default: the first one found)\n"
    "  --presets DIR        preset directory (repeatable; replaces the defaults)\n"
    "  --plugins DIR        plugin directory (repeatable; replaces the defaults)\n"
    "  --sounds DIR         sound file directory (repeatable; replaces the defaults:\n"
    "                       $LULL_SOUND_DIR, else each preset directory's sounds/)\n"
    "  --osc-port N         UDP port for OSC (default 9000)\n"
    "  --bind ADDR          listen on this local address only (default: all)\n"
    "  --allow CIDR         accept OSC only from this block (repeatable; replaces the\n"
    "                       default loopback/private/link-local list); also\n"
    "                       --allow-sensors CIDR\n"
    "  --allow-control CIDR of those, accept control and subscriptions from this block\n"
    "                       too (repeatable; by default only loopback, which always may)\n"
    "  --room NAME          name published over DNS-SD as _osc._udp (default: host name)\n"
    "  --jack-name NAME     JACK client name (default lulld)\n"
    "  --connect PORTS      comma-separated JACK ports: left, right, left, ...\n"
    "                       (default: the first two physical playback ports)\n"
    "  --max-volume DB      cap for every volume request (default 0)\n"
    "  --session-db FILE    record sessions into this SQLite file (default\n"
    "                       /var/lib/lull/sessions.db as a service, else\n"
    "                       $XDG_STATE_HOME/lull/sessions.db; \"off\": record none)\n"
    "  --session-retention-days N  delete the frames of sessions older than N days\n"
    "                       (default 0: keep; docs/sessions.md)\n"
    "  --log-level LEVEL    error, warn, info or debug (default info)\n"
    "  --mlock on|off       lock memory in RAM at start, so no page fault or swap-in\n"
    "                       lands in the audio thread (default on; needs\n"
    "                       RLIMIT_MEMLOCK unlimited, e.g. LimitMEMLOCK=infinity)\n"
    "  --device-map MAP     also accept a device's own OSC addresses (repeatable): a\n"
    "                       shipped dialect (emotibit, mindmonitor, openbci,\n"
    "                       polar2osc, bitalino, riot) or a .map file (docs/devices.md)\n"
    "  --help, --version\n";

const char *lulld_config_usage(void) { return usage_text; }

void lulld_config_defaults(lulld_config *c)
{
    memset(c, 0, sizeof *c);
    c->osc_port = 9000;
    net_filter_defaults(&c->allow);
    net_filter_control_defaults(&c->allow_control);
    snprintf(c->jack_name, sizeof c->jack_name, "lulld");
    c->max_volume_db = 0.0f;
    c->log_level = LOG_INFO;
    c->mlock = true;
}

/* Which list options were already reset by the current source, so that the first
 * occurrence in a source replaces what an earlier source (file, defaults) set. */
typedef struct list_reset {
    bool presets, plugins, sounds, allow, allow_control, connect, device_map;
} list_reset;

static bool copy_string(char *dst, size_t cap, const char *value, const char *key, char *err,
                        size_t errlen)
{
    size_t n = strlen(value);
    if (n == 0) {
        snprintf(err, errlen, "%s needs a value", key);
        return false;
    }
    if (n >= cap) {
        snprintf(err, errlen, "%s is too long (at most %zu characters)", key, cap - 1);
        return false;
    }
    memcpy(dst, value, n + 1);
    return true;
}

static bool add_dir(char (*dirs)[LULLD_PATH_MAX], size_t *count, bool *reset, const char *value,
                    const char *key, char *err, size_t errlen)
{
    if (!*reset) {
        *count = 0;
        *reset = true;
    }
    if (*count >= LULL_MAX_DIRS - 1) { /* the engine's lists are NULL-terminated */
        snprintf(err, errlen, "%s given too often (at most %d)", key, LULL_MAX_DIRS - 1);
        return false;
    }
    if (!copy_string(dirs[*count], LULLD_PATH_MAX, value, key, err, errlen)) return false;
    (*count)++;
    return true;
}

static bool parse_connect(lulld_config *c, list_reset *r, const char *value, char *err,
                          size_t errlen)
{
    if (!r->connect) {
        c->connect_count = 0;
        r->connect = true;
    }
    const char *p = value;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0) {
            snprintf(err, errlen, "connect: empty port name in '%s'", value);
            return false;
        }
        if (n >= sizeof c->connect[0]) {
            snprintf(err, errlen, "connect: port name too long in '%s'", value);
            return false;
        }
        if (c->connect_count >= LULLD_MAX_CONNECT) {
            snprintf(err, errlen, "connect: too many ports (at most %d)", LULLD_MAX_CONNECT);
            return false;
        }
        memcpy(c->connect[c->connect_count], p, n);
        c->connect[c->connect_count][n] = '\0';
        c->connect_count++;
        p += n;
        if (*p == ',') p++;
    }
    if (c->connect_count == 0) {
        snprintf(err, errlen, "connect needs at least one port name");
        return false;
    }
    return true;
}

static bool parse_number(const char *value, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || errno != 0 || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* One setting from either source. key is the long flag name without dashes. */
static bool apply_option(lulld_config *c, list_reset *r, const char *key, const char *value,
                         char *err, size_t errlen)
{
    double v;
    if (!strcmp(key, "preset")) {
        if (strchr(value, '/') || strstr(value, "..")) {
            snprintf(err, errlen, "preset: '%s' must be a preset name, not a path", value);
            return false;
        }
        return copy_string(c->preset, sizeof c->preset, value, key, err, errlen);
    }
    if (!strcmp(key, "presets"))
        return add_dir(c->preset_dirs, &c->preset_dir_count, &r->presets, value, key, err, errlen);
    if (!strcmp(key, "plugins"))
        return add_dir(c->plugin_dirs, &c->plugin_dir_count, &r->plugins, value, key, err, errlen);
    if (!strcmp(key, "sounds"))
        return add_dir(c->sound_dirs, &c->sound_dir_count, &r->sounds, value, key, err, errlen);
    if (!strcmp(key, "osc-port")) {
        if (!parse_number(value, 1, 65535, &v) || v != floor(v)) {
            snprintf(err, errlen, "osc-port: '%s' is not a port number 1..65535", value);
            return false;
        }
        c->osc_port = (int)v;
        return true;
    }
    if (!strcmp(key, "bind")) {
        net_cidr probe;
        if (!net_cidr_parse(value, &probe, err, errlen) || strchr(value, '/')) {
            snprintf(err, errlen, "bind: '%s' is not an IPv4 or IPv6 address", value);
            return false;
        }
        return copy_string(c->bind, sizeof c->bind, value, key, err, errlen);
    }
    if (!strcmp(key, "allow") || !strcmp(key, "allow-sensors") || !strcmp(key, "allow-control")) {
        bool control = !strcmp(key, "allow-control");
        net_filter *list = control ? &c->allow_control : &c->allow;
        bool *reset = control ? &r->allow_control : &r->allow;
        if (!*reset) {
            /* --allow replaces its defaults; --allow-control adds to loopback,
             * which always keeps control: lull-web, the tablet's way in, is there. */
            if (control)
                net_filter_control_defaults(list);
            else
                net_filter_clear(list);
            *reset = true;
        }
        char why[160];
        if (!net_filter_add_text(list, value, why, sizeof why)) {
            snprintf(err, errlen, "%s: %s", key, why);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "room")) {
        for (const unsigned char *p = (const unsigned char *)value; *p; p++)
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(err, errlen, "room: the name may not contain control characters");
                return false;
            }
        return copy_string(c->room, sizeof c->room, value, key, err, errlen);
    }
    if (!strcmp(key, "jack-name")) {
        if (strchr(value, ':')) {
            snprintf(err, errlen, "jack-name: '%s' may not contain ':'", value);
            return false;
        }
        return copy_string(c->jack_name, sizeof c->jack_name, value, key, err, errlen);
    }
    if (!strcmp(key, "connect")) return parse_connect(c, r, value, err, errlen);
    if (!strcmp(key, "max-volume")) {
        if (!parse_number(value, -80.0, 12.0, &v)) {
            snprintf(err, errlen, "max-volume: '%s' is not a level in dB between -80 and 12",
                     value);
            return false;
        }
        c->max_volume_db = (float)v;
        return true;
    }
    if (!strcmp(key, "session-db"))
        return copy_string(c->session_db, sizeof c->session_db, value, key, err, errlen);
    if (!strcmp(key, "session-retention-days")) {
        if (!parse_number(value, 0.0, 36500.0, &v)) {
            snprintf(err, errlen,
                     "session-retention-days: '%s' is not a number of days "
                     "0..36500 (0 keeps everything)",
                     value);
            return false;
        }
        c->session_retention_days = v;
        return true;
    }
    if (!strcmp(key, "session-log")) {
        snprintf(err, errlen,
                 "session-log: the CSV session log was replaced by the session "
                 "store: use --session-db FILE, and `lull sessions export --csv` for a CSV");
        return false;
    }
    if (!strcmp(key, "log-level")) {
        int level = log_level_parse(value);
        if (level < 0) {
            snprintf(err, errlen, "log-level: '%s' is not one of error, warn, info, debug", value);
            return false;
        }
        c->log_level = level;
        return true;
    }
    if (!strcmp(key, "mlock")) {
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            snprintf(err, errlen, "mlock: '%s' is not on or off", value);
            return false;
        }
        c->mlock = !strcmp(value, "on");
        return true;
    }
    if (!strcmp(key, "device-map")) {
        if (!r->device_map) {
            device_map_init(&c->devices);
            r->device_map = true;
        }
        char path[LULLD_PATH_MAX], why[200];
        device_map_path_for(value, path, sizeof path);
        size_t before = c->devices.n;
        if (!device_map_load(&c->devices, path, why, sizeof why)) {
            snprintf(err, errlen, "device-map: %s", why);
            return false;
        }
        /* lull's own addresses are handled before any map: such a rule would be dead. */
        for (size_t i = before; i < c->devices.n; i++)
            if (strncmp(c->devices.rules[i].address, "/lull/", 6) == 0) {
                snprintf(err, errlen,
                         "device-map: %s: %s is lull's own address; a device map "
                         "cannot remap it",
                         c->devices.rules[i].source, c->devices.rules[i].address);
                return false;
            }
        return true;
    }
    if (!strcmp(key, "config")) {
        snprintf(err, errlen, "config: a config file cannot name another config file");
        return false;
    }
    snprintf(err, errlen, "unknown setting '%s'", key);
    return false;
}

static bool known_key(const char *key)
{
    static const char *const keys[] = {"config",
                                       "preset",
                                       "presets",
                                       "plugins",
                                       "sounds",
                                       "osc-port",
                                       "bind",
                                       "allow",
                                       "allow-sensors",
                                       "allow-control",
                                       "room",
                                       "jack-name",
                                       "connect",
                                       "max-volume",
                                       "session-log",
                                       "session-db",
                                       "session-retention-days",
                                       "log-level",
                                       "mlock",
                                       "device-map"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(key, keys[i])) return true;
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

bool lulld_config_load_file(lulld_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    list_reset reset = {0};
    char line[1024];
    unsigned lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line too long (at most %zu characters)", path, lineno,
                     sizeof line - 2);
            ok = false;
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#') continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected 'key = value'", path, lineno);
            ok = false;
            break;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (!known_key(key) || !strcmp(key, "config")) {
            snprintf(err, errlen, "%s:%u: unknown key '%s'", path, lineno, key);
            ok = false;
            break;
        }
        char why[256];
        if (!apply_option(c, &reset, key, value, why, sizeof why)) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

enum lulld_config_outcome lulld_config_from_args(lulld_config *c, int argc, char **argv, char *err,
                                                 size_t errlen)
{
    lulld_config_defaults(c);

    /* First pass: shape of the command line, --help/--version and --config. */
    const char *config_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return LULLD_CONFIG_EXIT_OK;
        }
        if (!strcmp(a, "--version")) {
            printf("lulld %s\n", LULL_VERSION);
            return LULLD_CONFIG_EXIT_OK;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s' (see lulld --help)", a);
            return LULLD_CONFIG_ERROR;
        }
        char key[64];
        const char *eq = strchr(a + 2, '=');
        size_t klen = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (klen >= sizeof key) klen = sizeof key - 1;
        memcpy(key, a + 2, klen);
        key[klen] = '\0';
        if (!known_key(key)) {
            snprintf(err, errlen, "unknown option '--%s' (see lulld --help)", key);
            return LULLD_CONFIG_ERROR;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "option '--%s' needs a value", key);
                return LULLD_CONFIG_ERROR;
            }
            value = argv[++i];
        }
        if (!strcmp(key, "config")) config_path = value;
    }

    if (config_path) {
        if (!copy_string(c->config_path, sizeof c->config_path, config_path, "config", err, errlen))
            return LULLD_CONFIG_ERROR;
        if (!lulld_config_load_file(c, config_path, err, errlen)) return LULLD_CONFIG_ERROR;
    }

    /* Second pass: flags on top of the file. */
    list_reset reset = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i] + 2;
        char key[64];
        const char *eq = strchr(a, '=');
        size_t klen = eq ? (size_t)(eq - a) : strlen(a);
        if (klen >= sizeof key) klen = sizeof key - 1;
        memcpy(key, a, klen);
        key[klen] = '\0';
        const char *value = eq ? eq + 1 : argv[++i];
        if (!strcmp(key, "config")) continue;
        char why[256];
        if (!apply_option(c, &reset, key, value, why, sizeof why)) {
            snprintf(err, errlen, "--%s", why);
            return LULLD_CONFIG_ERROR;
        }
    }
    return LULLD_CONFIG_RUN;
}

bool lulld_config_save_file(const lulld_config *c, const char *path, char *err, size_t errlen)
{
    char tmp[LULLD_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        return false;
    }
    fprintf(f, "# lulld settings saved by the session manager\n");
    if (c->preset[0]) fprintf(f, "preset = %s\n", c->preset);
    fprintf(f, "jack-name = %s\n", c->jack_name);
    for (size_t i = 0; i < c->connect_count; i++) fprintf(f, "connect = %s\n", c->connect[i]);
    fprintf(f, "max-volume = %g\n", (double)c->max_volume_db);
    bool ok = fflush(f) == 0;
    ok = (fclose(f) == 0) && ok;
    /* Write-then-rename: a crash mid-save never leaves a half-written file. */
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        return false;
    }
    return true;
}
