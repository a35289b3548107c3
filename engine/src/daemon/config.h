/* lulld's settings: command-line flags and an optional config file of `key = value`
 * lines using the long flag names (without the dashes). Flags win over the file;
 * a list flag given on the command line (--allow, --presets, --plugins, --sounds, --connect)
 * replaces the file's list instead of adding to it. Errors name the flag, or the
 * file and line, and what was wrong. */
#ifndef LULL_DAEMON_CONFIG_H
#define LULL_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "osc/device_map.h"
#include "osc/net_filter.h"

#define LULLD_PATH_MAX 512
#define LULLD_NAME_MAX 64
#define LULLD_MAX_CONNECT 16

typedef struct lulld_config {
    char config_path[LULLD_PATH_MAX]; /* "" = none */
    char preset[LULLD_NAME_MAX];      /* "" = the first preset found */
    char preset_dirs[LULL_MAX_DIRS][LULLD_PATH_MAX];
    size_t preset_dir_count; /* 0 = the engine's default directories */
    char plugin_dirs[LULL_MAX_DIRS][LULLD_PATH_MAX];
    size_t plugin_dir_count;
    char sound_dirs[LULL_MAX_DIRS][LULLD_PATH_MAX];
    size_t sound_dir_count;         /* 0 = the engine's default: $LULL_SOUND_DIR, else
                                           each preset directory's sounds/ */
    int osc_port;                   /* default 9000 */
    char bind[LULLD_NAME_MAX];      /* "" = all interfaces */
    net_filter allow;               /* who may send at all (sensors): default list
                                           unless --allow / --allow-sensors was given */
    net_filter allow_control;       /* who among those may control and subscribe:
                                           loopback, plus each --allow-control block */
    char room[LULLD_NAME_MAX];      /* --room: the DNS-SD service name; "" = host name */
    char jack_name[LULLD_NAME_MAX]; /* default "lulld" */
    /* Ports to connect: out_left to [0], out_right to [1], then alternating.
     * Empty = the first two physical playback ports. */
    char connect[LULLD_MAX_CONNECT][LULLD_NAME_MAX * 2];
    size_t connect_count;
    float max_volume_db;             /* default 0 */
    char session_db[LULLD_PATH_MAX]; /* "" = the default path (session/session_paths.h),
                                           "off" = record no sessions */
    double session_retention_days;   /* frames older than this are deleted; 0 = keep */
    int log_level;                   /* LOG_* (default info) */
    bool mlock;                      /* --mlock on|off: lock memory at start
                                           (daemon/memory_lock.h); default on */
    device_map devices;              /* --device-map: device dialects to accept */
} lulld_config;

enum lulld_config_outcome {
    LULLD_CONFIG_RUN = 0, /* go on and run the daemon */
    LULLD_CONFIG_EXIT_OK, /* --help or --version was printed: exit 0 */
    LULLD_CONFIG_ERROR,   /* err says why: exit 2 */
};

/* [main] */
void lulld_config_defaults(lulld_config *c);

/* [main] Defaults, then the file named by --config (if any), then the flags. --help and
 * --version print to stdout. */
enum lulld_config_outcome lulld_config_from_args(lulld_config *c, int argc, char **argv, char *err,
                                                 size_t errlen);

/* [main] Applies a config file on top of c. Errors read "FILE:LINE: message". */
bool lulld_config_load_file(lulld_config *c, const char *path, char *err, size_t errlen);

/* [main] Writes the settings that describe this instance (used by the session manager's
 * save): preset, jack-name, connect, max-volume. */
bool lulld_config_save_file(const lulld_config *c, const char *path, char *err, size_t errlen);

/* [main] The usage text printed by --help. */
const char *lulld_config_usage(void);

#endif
