/* Device address maps: a device's own OSC addresses (EmotiBit, Mind Monitor,
 * OpenBCI GUI, polar2osc, BITalino, ...) mapped onto lull's sensor addresses,
 * from small text files (tools/devices/NAME.map, docs/devices.md):
 *
 *   # comment                         (also after a rule)
 *   DEVICE_ADDRESS -> LULL_ADDRESS [arg=N] [args=N] [scale=X] [offset=Y] [rate=HZ] [type=f|i]
 *
 *   LULL_ADDRESS  /lull/bio/resp, /lull/bio/ecg, /lull/bio/ppg, /lull/bio/rr (ms)
 *                 or /lull/bio/hr (bpm)
 *   arg=N         use only argument N (0-based) of each message, as one sample;
 *                 without it every argument is a sample (a batch)
 *   args=N        how many arguments the device sends (default arg+1); the others
 *                 are 0 when lull plays the device (`lull simulate --dialect`)
 *   scale, offset lull value = device value x scale + offset (default 1, 0)
 *   rate=HZ       the device's nominal sampling rate of that waveform
 *   type=f|i      argument type the device sends (default f); on input any
 *                 numeric type (i, h, f, d) is accepted
 *
 * One address may feed several signals, one rule per argument: every rule of
 * such an address has its own arg=N, and all of them the same args= and type=
 * (e.g. the BITalino R-IoT's /<ID>/bitalino, 11 ints: A2 -> ECG, A3 -> resp).
 * Otherwise a device address appears at most once. Several maps may be loaded
 * into one device_map (the daemon's --device-map FILE, repeatable); the rules
 * are checked across files too.
 *
 * Loading allocates nothing (fixed tables). Translation is plain arithmetic, safe
 * on the control thread; the map must not change while it is used. */
#ifndef LULL_OSC_DEVICE_MAP_H
#define LULL_OSC_DEVICE_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include <lo/lo.h>

#include "osc/sensor_msg.h"

#define DEVICE_MAP_MAX_RULES 64
#define DEVICE_MAP_ADDRESS_MAX 128

typedef struct device_rule {
    char address[DEVICE_MAP_ADDRESS_MAX];
    enum sensor_kind kind; /* SENSOR_RESP, _ECG, _PPG, _RR or _HR */
    int arg;               /* -1: every argument is a sample */
    int nargs;             /* arguments the device sends (when arg >= 0) */
    double scale, offset;
    double rate;     /* Hz, 0 when not given */
    char type;       /* 'f' or 'i' */
    char source[64]; /* file name (without directory) and line, for messages */
} device_rule;

typedef struct device_map {
    size_t n;
    device_rule rules[DEVICE_MAP_MAX_RULES];
} device_map;

/* [main] */
void device_map_init(device_map *m);

/* [main] Appends the rules of a map file. Returns true, or false with "file:line:
 * message" in err (the map is left as it was before the call). */
bool device_map_load(device_map *m, const char *path, char *err, size_t errlen);
/* [main] The same from text; `name` stands for the file name in messages. */
bool device_map_parse(device_map *m, const char *text, const char *name, char *err, size_t errlen);

/* [control] The rule for a device address, or NULL. */
const device_rule *device_map_find(const device_map *m, const char *address);

/* [control] The next rule for a device address after `after` (NULL: the first), or NULL:
 * walks the rules of an address that feeds several signals. */
const device_rule *device_map_next(const device_map *m, const char *address,
                                   const device_rule *after);

/* Translates a device message into lull sensor values under one rule. Returns true
 * and fills values (at most max) and *count, or false when the message does not
 * fit the rule (too few arguments, non-numeric or non-finite value), with the
 * reason in *why (a constant string: nothing is formatted on the OSC thread). [control] */
bool device_rule_translate(const device_rule *r, const char *types, lo_arg **argv, int argc,
                           float *values, int max, int *count, const char **why);

/* One signal's share of a device message (device_map_translate_all). */
typedef struct device_output {
    const device_rule *rule;
    enum sensor_kind kind;
    int first, count; /* its values: values[first .. first + count) */
} device_output;

/* Translates a device message under every rule of its address, all or nothing:
 * returns the number of outputs (>= 1) with their values packed into values
 * (at most max in all), 0 when no rule maps the address, -1 when the message
 * does not fit one of its rules (nothing is output; the reason in *why, the
 * rule in *bad when bad is not NULL). [control] */
int device_map_translate_all(const device_map *m, const char *address, const char *types,
                             lo_arg **argv, int argc, float *values, int max, device_output *outs,
                             int max_outs, const char **why, const device_rule **bad);

/* The first rule of an address only (kept for one-signal addresses and tools):
 * returns 1 and fills *kind, values (at most max) and *count; 0 when no rule
 * maps the address; -1 when the message does not fit its rule, with the reason
 * in *why. The rule is in *rule (may be NULL) for 1 and -1. [control] */
int device_map_translate(const device_map *m, const char *address, const char *types, lo_arg **argv,
                         int argc, enum sensor_kind *kind, float *values, int max, int *count,
                         const device_rule **rule, const char **why);

/* [main] The first rule feeding `kind` (for playing the device), or NULL. */
const device_rule *device_map_rule_for(const device_map *m, enum sensor_kind kind);

/* [main] The device message carrying lull values (the reverse of translate): n values
 * for a batch rule, exactly 1 for an arg=N rule. NULL when n does not fit. */
lo_message device_rule_message(const device_rule *r, const float *values, int n);

/* [main] The directory of the shipped maps: $LULL_DEVICE_MAP_DIR, else the source
 * tree's tools/devices when it exists, else the installed one. */
const char *device_map_dir(void);

/* [main] Resolves --dialect NAME: a path (contains '/' or ends in ".map") is used as is,
 * otherwise NAME.map in device_map_dir(). Writes the path to out. */
void device_map_path_for(const char *dialect, char *out, size_t outlen);

/* [any] "/lull/bio/ecg" etc. for a kind. */
const char *device_map_lull_address(enum sensor_kind kind);

#endif
