/* A preset: the validated, in-memory form of a preset JSON file (schema in
 * docs/presets.md). Parsing and validation happen on a non-realtime thread; the
 * graph compiler (graph/graph.h) turns a preset into a runnable plan. */
#ifndef LULL_PRESET_PRESET_H
#define LULL_PRESET_PRESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lull/plugin.h"
#include "modulation/mod_source.h"

struct plugin_registry;

#define PRESET_OUTPUT_NODE UINT32_MAX   /* connection target "out:left" / "out:right" */

typedef struct preset_node {
    char *name;                          /* unique within the preset */
    const lull_descriptor *desc;         /* owned by the registry */
    float *param_values;                 /* desc->param_count values, defaults filled in */
} preset_node;

typedef struct preset_connection {
    uint32_t from_node, from_port;       /* output port of a node */
    uint32_t to_node, to_port;           /* input port, or PRESET_OUTPUT_NODE + 0/1 */
    float gain;                          /* linear, default 1 */
} preset_connection;

enum mod_curve { MOD_CURVE_LINEAR = 0, MOD_CURVE_EXP, MOD_CURVE_LOG, MOD_CURVE_SMOOTH };
enum mod_mode { MOD_MODE_SET = 0, MOD_MODE_ADD };

typedef struct preset_modulation {
    enum mod_source source;
    uint32_t node, param;                /* indices into nodes[] and the node's params */
    float in_min, in_max;                /* source range mapped to 0..1 (clamped) */
    float out_min, out_max;              /* parameter range */
    enum mod_curve curve;
    float smoothing_ms;                  /* one-pole smoothing of the mapped value */
    float slew_per_s;                    /* max change of the output per second; 0 = none */
    float neutral;                       /* source value used while its sensor is stale */
    enum mod_mode mode;                  /* set the parameter, or add to its preset value */
} preset_modulation;

enum pacer_mode { PACER_OFF = 0, PACER_FOLLOW, PACER_GUIDE, PACER_RESONANCE };

typedef struct preset_tempo {
    float bpm;                           /* tempo without a heart signal */
    float heart_ratio;                   /* tempo = heart_rate * ratio; 0 = don't follow */
    float floor_bpm, ceiling_bpm;
    float slew_bpm_per_min;              /* max tempo change per minute */
} preset_tempo;

typedef struct preset_pacer {
    enum pacer_mode mode;
    float rate;                          /* breaths/min without a breath signal */
    float target;                        /* guide target, breaths/min (default 6) */
    float inhale_fraction;               /* default 0.4 */
} preset_pacer;

typedef struct lull_preset {
    char *name;                          /* file name without ".json" */
    char *path;
    char *description;
    char *display_name;                  /* "name" in the file, else the file name */
    preset_node *nodes;
    size_t node_count;
    preset_connection *connections;
    size_t connection_count;
    preset_modulation *modulations;
    size_t modulation_count;
    preset_tempo tempo;
    preset_pacer pacer;
    float stale_glide_s;                 /* how long mappings take to reach neutral */
} lull_preset;

/* [non-audio] Parse and validate a preset file. On failure returns NULL and writes
 * "file:line:column: message" into err. */
lull_preset *preset_load_file(const char *path, const struct plugin_registry *reg,
                              char *err, size_t errlen);
/* [non-audio] Same, from a string; `origin` names it in messages. */
lull_preset *preset_load_string(const char *json, const char *origin,
                                const struct plugin_registry *reg, char *err, size_t errlen);
void preset_free(lull_preset *p);

/* Index of the node called `name`, or -1. */
int preset_find_node(const lull_preset *p, const char *name);
/* Index of the parameter `id` of a descriptor, or -1. */
int descriptor_find_param(const lull_descriptor *d, const char *id);
int descriptor_find_input(const lull_descriptor *d, const char *id);
int descriptor_find_output(const lull_descriptor *d, const char *id);

const char *pacer_mode_name(enum pacer_mode m);
/* Returns -1 for an unknown name. */
int pacer_mode_parse(const char *name);

#endif
