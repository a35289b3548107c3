/* A preset: the validated, in-memory form of a preset JSON file (schema in
 * docs/presets.md). Parsing and validation happen on a non-realtime thread; the
 * graph compiler (graph/graph.h) turns a preset into a runnable plan. */
#ifndef LULL_PRESET_PRESET_H
#define LULL_PRESET_PRESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lull/plugin.h"
#include "modulation/lfo.h"
#include "modulation/mod_source.h"

struct plugin_registry;

#define PRESET_OUTPUT_NODE UINT32_MAX /* connection target "out:left" / "out:right" */

typedef struct preset_node {
    char *name;                  /* unique within the preset */
    const lull_descriptor *desc; /* owned by the registry */
    float *param_values;         /* desc->param_count values, defaults filled in */
    /* The sound bound to each of the node type's sound slots: an index into
     * lull_preset.sounds, one per slot (descriptor_sound_slot_count); NULL when the
     * node type has no slots. Every slot is bound in a valid preset. */
    uint32_t *slot_sounds;
} preset_node;

/* A sound file the preset declares ("sounds": {"water": "water/loop.flac"}). The
 * file is only checked for its form here; it is found and loaded when the preset is
 * compiled (sound/preset_sounds.h), and its errors point at line:column. */
typedef struct preset_sound {
    char *id;         /* [a-z0-9_]+, unique */
    char *file;       /* relative to a sound directory */
    int line, column; /* of the file string in the preset text */
    bool used;        /* bound to at least one slot */
} preset_sound;

/* What a connection carries. Both kinds are edges of the graph (ordering, cycles). */
enum preset_connection_kind {
    PRESET_CONNECTION_AUDIO = 0, /* audio output -> audio input or out:left/right */
    PRESET_CONNECTION_NOTE = 1,  /* note output -> note input (ABI 1.2 note events) */
};

typedef struct preset_connection {
    uint32_t from_node, from_port; /* output port of a node (a note output's index
                                            into desc->note_outputs for a note connection) */
    uint32_t to_node, to_port;     /* input port, or PRESET_OUTPUT_NODE + 0/1 (note:
                                            index into desc->note_inputs) */
    float gain;                    /* linear, default 1; always 1 for notes */
    enum preset_connection_kind kind;
} preset_connection;

enum mod_curve { MOD_CURVE_LINEAR = 0, MOD_CURVE_EXP, MOD_CURVE_LOG, MOD_CURVE_SMOOTH };
/* How a mapping's value reaches its parameter. Several mappings may drive one
 * parameter: value = (the "set" mapping's value, else the preset's value) + the sum
 * of the "add" mappings, times the product of the "multiply" mappings; at most one
 * "set" per parameter. */
enum mod_mode { MOD_MODE_SET = 0, MOD_MODE_ADD, MOD_MODE_MUL };

typedef struct preset_modulation {
    enum mod_source source;
    uint32_t node, param;   /* indices into nodes[] and the node's params */
    float in_min, in_max;   /* source range mapped to 0..1 (clamped) */
    float out_min, out_max; /* parameter range */
    enum mod_curve curve;
    float smoothing_ms; /* one-pole smoothing of the mapped value */
    float slew_per_s;   /* max change of the output per second; 0 = none */
    float neutral;      /* source value used while its sensor is stale */
    enum mod_mode mode; /* set, add to or multiply the parameter's value */
    uint32_t lfo;       /* MOD_LFO: index into lull_preset.lfos */
} preset_modulation;

/* Most mappings onto one parameter. */
#define PRESET_MAX_MODS_PER_PARAM 8

enum pacer_mode { PACER_OFF = 0, PACER_FOLLOW, PACER_GUIDE, PACER_RESONANCE };

typedef struct preset_tempo {
    float bpm;         /* tempo without a heart signal */
    float heart_ratio; /* tempo = heart_rate * ratio; 0 = don't follow */
    float floor_bpm, ceiling_bpm;
    float slew_bpm_per_min; /* max tempo change per minute */
} preset_tempo;

/* The tempo of a preset without "tempo", and of the engine before any preset
 * (core/limits.h: 60 bpm, floor..ceiling 40..90, slew 4 bpm/min). */
extern const preset_tempo preset_tempo_default;

typedef struct preset_pacer {
    enum pacer_mode mode;
    float rate;            /* breaths/min without a breath signal */
    float target;          /* guide target, breaths/min (default 6) */
    float inhale_fraction; /* default 0.4 */
} preset_pacer;

/* The pacer of a preset without "pacer", and of the engine before any preset
 * (core/limits.h: follow, rate 6/min, target 6/min, inhale fraction 0.4). */
extern const preset_pacer preset_pacer_default;

/* Top-level "loudness" (LUFS, EBU R128 integrated) and "tags" limits. */
#define PRESET_LOUDNESS_MIN_LUFS (-50.0)
#define PRESET_LOUDNESS_MAX_LUFS (-14.0)
#define PRESET_MAX_TAGS 8
#define PRESET_MAX_TAG_LEN 32

typedef struct lull_preset {
    char *name; /* file name without ".json" */
    char *path;
    char *description;
    char *display_name; /* "name" in the file, else the file name */
    preset_node *nodes;
    size_t node_count;
    preset_connection *connections;
    size_t connection_count;
    preset_modulation *modulations;
    size_t modulation_count;
    preset_tempo tempo;
    preset_pacer pacer;
    float stale_glide_s; /* how long mappings take to reach neutral */
    float loudness_lufs; /* "loudness": target integrated loudness, LUFS; NaN none */
    char tags[PRESET_MAX_TAGS][PRESET_MAX_TAG_LEN + 1]; /* "tags", in text order */
    size_t tag_count;
    lfo_def lfos[LFO_MAX_PER_PRESET]; /* "lfos": slow modulation sources */
    size_t lfo_count;
    preset_sound *sounds; /* declared sound files, in text order */
    size_t sound_count;
    char *origin; /* the name used in messages (file path) */
} lull_preset;

/* [any !audio] Parse and validate a preset file. On failure returns NULL and writes
 * "file:line:column: message" into err. */
lull_preset *preset_load_file(const char *path, const struct plugin_registry *reg, char *err,
                              size_t errlen);
/* [any !audio] Same, from a string; `origin` names it in messages. */
lull_preset *preset_load_string(const char *json, const char *origin,
                                const struct plugin_registry *reg, char *err, size_t errlen);
/* [any !audio] */
void preset_free(lull_preset *p);

/* [any !audio] Index of the node called `name`, or -1. */
int preset_find_node(const lull_preset *p, const char *name);
/* [any] Index of the parameter `id` of a descriptor, or -1. */
int descriptor_find_param(const lull_descriptor *d, const char *id);
/* [any] */
int descriptor_find_input(const lull_descriptor *d, const char *id);
/* [any] */
int descriptor_find_output(const lull_descriptor *d, const char *id);
/* [any] Number of sound slots of a descriptor: 0 for one older than ABI 1.2 (whose
 * struct_size does not reach the field). */
uint32_t descriptor_sound_slot_count(const lull_descriptor *d);
/* [any] Index of a note input / note output port (a registry descriptor: see registry.h), or -1. */
int descriptor_find_note_input(const lull_descriptor *d, const char *id);
/* [any] */
int descriptor_find_note_output(const lull_descriptor *d, const char *id);

/* [any] */
const char *pacer_mode_name(enum pacer_mode m);
/* [any] Returns -1 for an unknown name. */
int pacer_mode_parse(const char *name);

#endif
