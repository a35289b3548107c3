/* Preset loading: jansson parses, preset_json.c locates every value in the text, and
 * the code below checks the preset against the schema (docs/presets.md) and the
 * plugin registry, stopping at the first fault with "origin:line:column: message". */
#include "preset/preset.h"

#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/names.h"
#include "plugin/registry.h"
#include "preset/preset_json.h"
#include "sound/sound_bank.h"

#define PRESET_FORMAT_VERSION 1
#define PRESET_MAX_FILE_BYTES (1u << 20)
#define PRESET_MAX_NODES 256u
#define PRESET_MAX_CONNECTIONS 1024u
#define PRESET_MAX_MODULATIONS 256u
#define PRESET_MAX_SOUNDS 256u
#define PRESET_MAX_NAME 63u
#define OUTPUT_NAME "out"

typedef struct loader {
    const char *origin;
    const plugin_registry *reg;
    char *err;
    size_t errlen;
    lull_preset *p;
    const json_pos *node_pos;       /* the "nodes" array, for earlier nodes' positions */
    const json_pos *connection_pos; /* the "connections" array */
    bool has_neutral[MOD_SOURCE_COUNT];
    float neutral[MOD_SOURCE_COUNT];
} loader;

/* ---------------------------------------------------------------------------------
 * Messages */

__attribute__((format(printf, 4, 5))) static bool fail_at(loader *L, int line, int column,
                                                          const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(L->err, L->errlen, "%s:%d:%d: %s", L->origin, line, column, msg);
    return false;
}
#define fail_value(L, pos, ...) fail_at((L), (pos)->line, (pos)->column, __VA_ARGS__)
#define fail_key(L, pos, ...) fail_at((L), (pos)->key_line, (pos)->key_column, __VA_ARGS__)

/* "a, b, c" built up to a fixed size; an overlong list ends in "...". */
typedef struct name_list {
    char text[512];
    size_t len;
} name_list;

static void name_list_add(name_list *l, const char *name)
{
    if (l->len + 8 >= sizeof l->text) return;
    int n = snprintf(l->text + l->len, sizeof l->text - l->len, "%s%s", l->len ? ", " : "", name);
    if (n < 0 || l->len + (size_t)n >= sizeof l->text - 8) {
        snprintf(l->text + l->len, sizeof l->text - l->len, ", ...");
        l->len = sizeof l->text - 1;
        return;
    }
    l->len += (size_t)n;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* " Hz" for a unit "Hz", "" for none. */
static const char *unit_suffix(const char *unit, char *buf, size_t n)
{
    if (!unit || !*unit) return "";
    snprintf(buf, n, " %s", unit);
    return buf;
}

/* ---------------------------------------------------------------------------------
 * Typed access to JSON values, each failing with the value's position */

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static bool want_type(loader *L, const json_t *v, const json_pos *pos, const char *what,
                      json_type type, const char *type_name)
{
    if (json_typeof(v) == type) return true;
    return fail_value(L, pos, "%s must be %s, not %s", what, type_name, json_type_name(v));
}

/* A finite number within [min, max]; also refuses values a float cannot hold. The
 * range is checked as 32-bit floats: a bound declared as a float (a node's parameter
 * range, 0.001f say, which is 0.0010000000475 as a double) must accept the decimal
 * that names it ("attack": 0.001); the value is then clamped into the range, so a
 * double a hair outside it (the same float) never gets through. */
static bool want_number(loader *L, const json_t *v, const json_pos *pos, const char *what,
                        double min, double max, const char *unit, double *out)
{
    if (!json_is_number(v))
        return fail_value(L, pos, "%s must be a number, not %s", what, json_type_name(v));
    double x = json_number_value(v);
    if (!isfinite(x) || fabs(x) > FLT_MAX)
        return fail_value(L, pos, "%s %g is not a finite number (beyond the 32-bit float range)",
                          what, x);
    char ub[32];
    if ((float)x < (float)min || (float)x > (float)max)
        return fail_value(L, pos, "%s %g is out of range %g..%g%s", what, x, min, max,
                          unit_suffix(unit, ub, sizeof ub));
    *out = x < min ? min : x > max ? max : x;
    return true;
}

/* Looks up an optional member: NULL when absent. */
static json_t *member(json_t *obj, const json_pos *obj_pos, const char *key, const json_pos **pos)
{
    json_t *v = json_object_get(obj, key);
    *pos = v ? json_pos_member(obj_pos, key) : NULL;
    return *pos ? v : NULL;
}

static json_t *required_member(loader *L, json_t *obj, const json_pos *obj_pos, const char *key,
                               const char *where, const json_pos **pos)
{
    json_t *v = member(obj, obj_pos, key, pos);
    if (!v) fail_value(L, obj_pos, "%s is missing the required key \"%s\"", where, key);
    return v;
}

/* Optional number member: keeps *out (the default) when absent. */
static bool optional_number(loader *L, json_t *obj, const json_pos *obj_pos, const char *key,
                            const char *what, double min, double max, const char *unit, float *out)
{
    const json_pos *pos;
    json_t *v = member(obj, obj_pos, key, &pos);
    if (!v) return true;
    double x = 0.0;
    if (!want_number(L, v, pos, what, min, max, unit, &x)) return false;
    *out = (float)x;
    return true;
}

/* Every key of the object must be one of `known` (NULL-terminated): catches typos. */
static bool check_keys(loader *L, const json_pos *obj_pos, const char *where,
                       const char *const *known)
{
    for (size_t k = 0; k < obj_pos->count; k++) {
        const json_pos *m = &obj_pos->children[k];
        bool ok = false;
        for (const char *const *n = known; *n && !ok; n++) ok = strcmp(*n, m->key) == 0;
        if (ok) continue;
        name_suggestion s = {m->key, NULL, SIZE_MAX};
        name_list names = {0};
        for (const char *const *n = known; *n; n++) {
            name_suggestion_consider(&s, *n);
            name_list_add(&names, *n);
        }
        char hint[96];
        return fail_key(L, m, "unknown key \"%s\" in %s%s (known keys: %s)", m->key, where,
                        name_suggestion_text(&s, hint, sizeof hint), names.text);
    }
    return true;
}

/* ---------------------------------------------------------------------------------
 * Descriptor and name look-ups */

int descriptor_find_param(const lull_descriptor *d, const char *id)
{
    for (uint32_t i = 0; i < d->param_count; i++)
        if (strcmp(d->params[i].id, id) == 0) return (int)i;
    return -1;
}

int descriptor_find_input(const lull_descriptor *d, const char *id)
{
    for (uint32_t i = 0; i < d->input_count; i++)
        if (strcmp(d->inputs[i].id, id) == 0) return (int)i;
    return -1;
}

int descriptor_find_output(const lull_descriptor *d, const char *id)
{
    for (uint32_t i = 0; i < d->output_count; i++)
        if (strcmp(d->outputs[i].id, id) == 0) return (int)i;
    return -1;
}

int descriptor_find_note_input(const lull_descriptor *d, const char *id)
{
    for (uint32_t i = 0; i < d->note_input_count; i++)
        if (strcmp(d->note_inputs[i].id, id) == 0) return (int)i;
    return -1;
}

int descriptor_find_note_output(const lull_descriptor *d, const char *id)
{
    for (uint32_t i = 0; i < d->note_output_count; i++)
        if (strcmp(d->note_outputs[i].id, id) == 0) return (int)i;
    return -1;
}

uint32_t descriptor_sound_slot_count(const lull_descriptor *d)
{
    size_t end = offsetof(lull_descriptor, sound_slots) + sizeof d->sound_slots;
    return d->struct_size >= end && d->sound_slots ? d->sound_slot_count : 0;
}

int preset_find_node(const lull_preset *p, const char *name)
{
    for (size_t i = 0; i < p->node_count; i++)
        if (p->nodes[i].name && strcmp(p->nodes[i].name, name) == 0) return (int)i;
    return -1;
}

static const char *const k_pacer_modes[] = {[PACER_OFF] = "off",
                                            [PACER_FOLLOW] = "follow",
                                            [PACER_GUIDE] = "guide",
                                            [PACER_RESONANCE] = "resonance",
                                            NULL};
#define PACER_MODE_COUNT (PACER_RESONANCE + 1)

const char *pacer_mode_name(enum pacer_mode m)
{
    return (unsigned)m < PACER_MODE_COUNT ? k_pacer_modes[m] : NULL;
}

int pacer_mode_parse(const char *name)
{
    for (size_t i = 0; i < PACER_MODE_COUNT; i++)
        if (strcmp(k_pacer_modes[i], name) == 0) return (int)i;
    return -1;
}

static const char *const k_curves[] = {[MOD_CURVE_LINEAR] = "linear",
                                       [MOD_CURVE_EXP] = "exp",
                                       [MOD_CURVE_LOG] = "log",
                                       [MOD_CURVE_SMOOTH] = "smooth",
                                       NULL};
static const char *const k_mod_modes[] = {
    [MOD_MODE_SET] = "set", [MOD_MODE_ADD] = "add", [MOD_MODE_MUL] = "multiply", NULL};

/* Index of `name` in a NULL-terminated list, or -1. */
static int list_index(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0) return i;
    return -1;
}

/* A string member that must be one of `choices`. */
static bool want_choice(loader *L, json_t *v, const json_pos *pos, const char *what,
                        const char *const *choices, int *out)
{
    if (!want_type(L, v, pos, what, JSON_STRING, "a string")) return false;
    int i = list_index(choices, json_string_value(v));
    if (i >= 0) {
        *out = i;
        return true;
    }
    name_suggestion s = {json_string_value(v), NULL, SIZE_MAX};
    name_list names = {0};
    for (const char *const *c = choices; *c; c++) {
        name_suggestion_consider(&s, *c);
        name_list_add(&names, *c);
    }
    char hint[96];
    return fail_value(L, pos, "unknown %s \"%s\"%s (one of: %s)", what, json_string_value(v),
                      name_suggestion_text(&s, hint, sizeof hint), names.text);
}

/* Node names, sound ids and LFO names: [a-z0-9_]+, at most PRESET_MAX_NAME bytes. */
static bool valid_node_name(const char *s) { return name_valid(s, NAME_ID_CHARS, PRESET_MAX_NAME); }

/* Splits "node:port" into its two halves (copied into a and b). */
static bool split_pair(const char *text, char *a, size_t an, char *b, size_t bn)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || !colon[1] || strchr(colon + 1, ':')) return false;
    size_t la = (size_t)(colon - text), lb = strlen(colon + 1);
    if (la >= an || lb >= bn) return false;
    memcpy(a, text, la);
    a[la] = '\0';
    memcpy(b, colon + 1, lb + 1);
    return true;
}

/* A node named in a connection or modulation; fails naming the known nodes. */
static bool find_node(loader *L, const char *name, const char *text, const json_pos *pos,
                      uint32_t *out)
{
    int n = preset_find_node(L->p, name);
    if (n >= 0) {
        *out = (uint32_t)n;
        return true;
    }
    name_suggestion s = {name, NULL, SIZE_MAX};
    name_list names = {0};
    for (size_t i = 0; i < L->p->node_count; i++) {
        name_suggestion_consider(&s, L->p->nodes[i].name);
        name_list_add(&names, L->p->nodes[i].name);
    }
    if (L->p->node_count == 0) name_list_add(&names, "none");
    char hint[96];
    return fail_value(L, pos, "unknown node \"%s\" in \"%s\"%s (nodes: %s)", name, text,
                      name_suggestion_text(&s, hint, sizeof hint), names.text);
}

static void list_ports(name_list *l, const lull_port_info *ports, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) name_list_add(l, ports[i].id);
    if (n == 0) name_list_add(l, "none");
}

/* ---------------------------------------------------------------------------------
 * Nodes */

static bool parse_param_value(loader *L, const preset_node *node, uint32_t pi, json_t *v,
                              const json_pos *pos, float *out)
{
    const lull_param_info *info = &node->desc->params[pi];
    bool stepped = info->flags & LULL_PARAM_STEPPED;
    char what[160];
    snprintf(what, sizeof what, "%s:%s", node->name, info->id);
    name_list names = {0};
    if (stepped && info->value_names)
        for (int k = 0; k <= (int)(info->max - info->min); k++)
            name_list_add(&names, info->value_names[k]);

    if (json_is_string(v)) {
        if (!stepped || !info->value_names)
            return fail_value(L, pos, "%s must be a number, not a string", what);
        const char *s = json_string_value(v);
        name_suggestion sg = {s, NULL, SIZE_MAX};
        for (int k = 0; k <= (int)(info->max - info->min); k++) {
            if (strcmp(info->value_names[k], s) == 0) {
                *out = info->min + (float)k;
                return true;
            }
            name_suggestion_consider(&sg, info->value_names[k]);
        }
        char hint[96];
        return fail_value(L, pos, "unknown value \"%s\" for %s%s (one of: %s)", s, what,
                          name_suggestion_text(&sg, hint, sizeof hint), names.text);
    }
    double x;
    if (!want_number(L, v, pos, what, info->min, info->max, info->unit, &x)) return false;
    if (stepped && x != floor(x)) {
        if (info->value_names)
            return fail_value(L, pos, "%s must be a whole number or one of: %s", what, names.text);
        return fail_value(L, pos, "%s must be a whole number", what);
    }
    *out = (float)x;
    return true;
}

static bool parse_params(loader *L, preset_node *node, json_t *params, const json_pos *pos)
{
    char where[96];
    snprintf(where, sizeof where, "the params of node \"%s\"", node->name);
    if (!want_type(L, params, pos, where, JSON_OBJECT, "an object")) return false;
    for (size_t k = 0; k < pos->count; k++) {
        const json_pos *m = &pos->children[k];
        int pi = descriptor_find_param(node->desc, m->key);
        if (pi < 0) {
            name_suggestion s = {m->key, NULL, SIZE_MAX};
            name_list names = {0};
            for (uint32_t i = 0; i < node->desc->param_count; i++) {
                name_suggestion_consider(&s, node->desc->params[i].id);
                name_list_add(&names, node->desc->params[i].id);
            }
            if (node->desc->param_count == 0) name_list_add(&names, "none");
            char hint[96];
            return fail_key(L, m, "unknown parameter \"%s\" for node \"%s\" (%s)%s (params: %s)",
                            m->key, node->name, node->desc->id,
                            name_suggestion_text(&s, hint, sizeof hint), names.text);
        }
        if (!parse_param_value(L, node, (uint32_t)pi, json_object_get(params, m->key), m,
                               &node->param_values[pi]))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------------
 * Sounds: "sounds": {"id": "relative/file.flac"} at the top, and per node
 * "sounds": {"slot": "id"} binding every sound slot of the node's type. */

static bool valid_sound_id(const char *s)
{
    return valid_node_name(s); /* the same alphabet and length */
}

static void list_sound_ids(const loader *L, name_list *names)
{
    for (size_t i = 0; i < L->p->sound_count; i++) name_list_add(names, L->p->sounds[i].id);
    if (L->p->sound_count == 0) name_list_add(names, "none declared in the top-level \"sounds\"");
}

static bool parse_sounds(loader *L, json_t *root, const json_pos *root_pos)
{
    const json_pos *pos;
    json_t *sounds = member(root, root_pos, "sounds", &pos);
    if (!sounds) return true;
    if (!want_type(L, sounds, pos, "sounds", JSON_OBJECT, "an object")) return false;
    if (pos->count > PRESET_MAX_SOUNDS)
        return fail_value(L, pos, "too many sounds (%zu; at most %u)", pos->count,
                          PRESET_MAX_SOUNDS);
    L->p->sounds = calloc(pos->count ? pos->count : 1, sizeof *L->p->sounds);
    if (!L->p->sounds) return fail_value(L, pos, "out of memory");
    for (size_t k = 0; k < pos->count; k++) {
        const json_pos *m = &pos->children[k];
        if (!valid_sound_id(m->key))
            return fail_key(L, m, "bad sound id \"%s\": use 1 to %u characters from a-z, 0-9 and _",
                            m->key, PRESET_MAX_NAME);
        json_t *file = json_object_get(sounds, m->key);
        char what[96];
        snprintf(what, sizeof what, "sounds.%s", m->key);
        if (!want_type(L, file, m, what, JSON_STRING, "a string (a file name)")) return false;
        const char *f = json_string_value(file);
        if (strlen(f) != json_string_length(file))
            return fail_value(L, m, "the file name of sound \"%s\" contains a NUL character",
                              m->key);
        char why[SOUND_MAX_PATH + 160];
        if (sound_path_check(f, why, sizeof why) != SOUND_OK)
            return fail_value(L, m, "sound \"%s\": %s", m->key, why);
        preset_sound *ps = &L->p->sounds[k];
        ps->id = dup_string(m->key);
        ps->file = dup_string(f);
        ps->line = m->line;
        ps->column = m->column;
        L->p->sound_count = k + 1;
        if (!ps->id || !ps->file) return fail_value(L, m, "out of memory");
    }
    return true;
}

/* `sounds` is the node's "sounds" object, or NULL (then pos is the node's). */
static bool parse_node_sounds(loader *L, preset_node *node, json_t *sounds, const json_pos *pos)
{
    uint32_t slots = descriptor_sound_slot_count(node->desc);
    const lull_port_info *slot = slots ? node->desc->sound_slots : NULL;
    name_list slot_names = {0};
    list_ports(&slot_names, slot, slots);
    if (sounds) {
        char where[96];
        snprintf(where, sizeof where, "the sounds of node \"%s\"", node->name);
        if (!want_type(L, sounds, pos, where, JSON_OBJECT, "an object")) return false;
        if (slots == 0 && pos->count > 0)
            return fail_key(L, &pos->children[0],
                            "node \"%s\" (%s) has no sound slots; remove \"sounds\"", node->name,
                            node->desc->id);
    }
    if (slots == 0) return true;
    node->slot_sounds = malloc(slots * sizeof *node->slot_sounds);
    if (!node->slot_sounds) return fail_value(L, pos, "out of memory");
    for (uint32_t i = 0; i < slots; i++) node->slot_sounds[i] = UINT32_MAX;
    for (size_t k = 0; sounds && k < pos->count; k++) {
        const json_pos *m = &pos->children[k];
        uint32_t si = 0;
        while (si < slots && strcmp(slot[si].id, m->key) != 0) si++;
        if (si == slots) {
            name_suggestion sg = {m->key, NULL, SIZE_MAX};
            for (uint32_t i = 0; i < slots; i++) name_suggestion_consider(&sg, slot[i].id);
            char hint[96];
            return fail_key(L, m, "node \"%s\" (%s) has no sound slot \"%s\"%s (slots: %s)",
                            node->name, node->desc->id, m->key,
                            name_suggestion_text(&sg, hint, sizeof hint), slot_names.text);
        }
        json_t *id = json_object_get(sounds, m->key);
        char what[160];
        snprintf(what, sizeof what, "%s.sounds.%s", node->name, m->key);
        if (!want_type(L, id, m, what, JSON_STRING, "a string (a sound id)")) return false;
        const char *sid = json_string_value(id);
        size_t found = 0;
        while (found < L->p->sound_count && strcmp(L->p->sounds[found].id, sid) != 0) found++;
        if (found == L->p->sound_count) {
            name_suggestion sg = {sid, NULL, SIZE_MAX};
            for (size_t i = 0; i < L->p->sound_count; i++)
                name_suggestion_consider(&sg, L->p->sounds[i].id);
            name_list ids = {0};
            list_sound_ids(L, &ids);
            char hint[96];
            return fail_value(L, m, "unknown sound \"%s\" for %s%s (sounds: %s)", sid, what,
                              name_suggestion_text(&sg, hint, sizeof hint), ids.text);
        }
        node->slot_sounds[si] = (uint32_t)found;
        L->p->sounds[found].used = true;
    }
    for (uint32_t i = 0; i < slots; i++)
        if (node->slot_sounds[i] == UINT32_MAX)
            return fail_value(L, pos,
                              "node \"%s\" (%s) needs a sound for its slot \"%s\": add "
                              "\"sounds\": {\"%s\": \"<sound id>\"} (slots: %s)",
                              node->name, node->desc->id, slot[i].id, slot[i].id, slot_names.text);
    return true;
}

static bool parse_node_type(loader *L, json_t *type, const json_pos *pos, const char *what,
                            const lull_descriptor **out)
{
    if (!want_type(L, type, pos, what, JSON_STRING, "a string")) return false;
    const char *id = json_string_value(type);
    if (strcmp(id, "safety") == 0)
        return fail_value(L, pos,
                          "node type \"safety\" cannot be used in a preset: the engine always "
                          "appends its own output safety stage");
    *out = registry_find(L->reg, id);
    if (*out) return true;
    name_suggestion s = {id, NULL, SIZE_MAX};
    name_list names = {0};
    for (size_t i = 0; i < registry_count(L->reg); i++) {
        const char *known = registry_get(L->reg, i)->id;
        if (strcmp(known, "safety") == 0) continue;
        name_suggestion_consider(&s, known);
        name_list_add(&names, known);
    }
    if (names.len == 0) name_list_add(&names, "none: no plugins loaded");
    char hint[96];
    const char *searched = registry_searched_dirs(L->reg);
    return fail_value(L, pos,
                      "unknown node type \"%s\"%s (known types: %s); plugin directories "
                      "searched: %s; to add one, set LULL_PLUGIN_DIR=DIR[:DIR...] (searched "
                      "first, the defaults stay; lulld --plugins DIR replaces them)",
                      id, name_suggestion_text(&s, hint, sizeof hint), names.text,
                      *searched ? searched : "none (no plugin directory exists)");
}

static bool parse_node(loader *L, json_t *v, const json_pos *pos, size_t index)
{
    static const char *const keys[] = {"name", "type", "params", "sounds", NULL};
    char what[64];
    snprintf(what, sizeof what, "nodes[%zu]", index);
    if (!want_type(L, v, pos, what, JSON_OBJECT, "an object") || !check_keys(L, pos, what, keys))
        return false;

    const json_pos *name_pos, *type_pos, *params_pos;
    json_t *name = required_member(L, v, pos, "name", what, &name_pos);
    if (!name) return false;
    snprintf(what, sizeof what, "nodes[%zu].name", index);
    if (!want_type(L, name, name_pos, what, JSON_STRING, "a string")) return false;
    const char *n = json_string_value(name);
    if (!valid_node_name(n))
        return fail_value(L, name_pos,
                          "bad node name \"%s\": use 1 to %u characters from a-z, 0-9 and _", n,
                          PRESET_MAX_NAME);
    if (strcmp(n, OUTPUT_NAME) == 0)
        return fail_value(L, name_pos,
                          "node name \"" OUTPUT_NAME "\" is reserved for the preset's output "
                          "(out:left, out:right)");
    int earlier = preset_find_node(L->p, n);
    if (earlier >= 0) {
        const json_pos *first =
            json_pos_member(json_pos_element(L->node_pos, (size_t)earlier), "name");
        return fail_value(L, name_pos,
                          "duplicate node name \"%s\" (first used at line %d, column %d)", n,
                          first->line, first->column);
    }

    snprintf(what, sizeof what, "nodes[%zu]", index);
    json_t *type = required_member(L, v, pos, "type", what, &type_pos);
    if (!type) return false;
    snprintf(what, sizeof what, "nodes[%zu].type", index);
    const lull_descriptor *desc;
    if (!parse_node_type(L, type, type_pos, what, &desc)) return false;

    preset_node *node = &L->p->nodes[index];
    node->desc = desc;
    node->name = dup_string(n);
    node->param_values = calloc(desc->param_count ? desc->param_count : 1, sizeof(float));
    L->p->node_count = index + 1; /* visible to preset_find_node and preset_free */
    if (!node->name || !node->param_values) return fail_value(L, pos, "out of memory");
    for (uint32_t i = 0; i < desc->param_count; i++) node->param_values[i] = desc->params[i].def;

    json_t *params = member(v, pos, "params", &params_pos);
    if (params && !parse_params(L, node, params, params_pos)) return false;
    const json_pos *sounds_pos;
    json_t *sounds = member(v, pos, "sounds", &sounds_pos);
    return parse_node_sounds(L, node, sounds, sounds ? sounds_pos : pos);
}

static bool parse_nodes(loader *L, json_t *root, const json_pos *root_pos)
{
    const json_pos *pos;
    json_t *nodes = required_member(L, root, root_pos, "nodes", "the preset", &pos);
    if (!nodes || !want_type(L, nodes, pos, "nodes", JSON_ARRAY, "an array")) return false;
    size_t n = json_array_size(nodes);
    if (n > PRESET_MAX_NODES)
        return fail_value(L, pos, "too many nodes (%zu; at most %u)", n, PRESET_MAX_NODES);
    L->node_pos = pos;
    L->p->nodes = calloc(n ? n : 1, sizeof *L->p->nodes);
    if (!L->p->nodes) return fail_value(L, pos, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!parse_node(L, json_array_get(nodes, i), json_pos_element(pos, i), i)) return false;
    return true;
}

/* ---------------------------------------------------------------------------------
 * Connections */

/* Resolves "node:port" as the source (an audio or note output port) or the
 * destination (an audio or note input port, or out:left / out:right) of a
 * connection; *kind says which kind of port it is. */
static bool parse_endpoint(loader *L, json_t *v, const json_pos *pos, const char *what,
                           bool is_from, uint32_t *node, uint32_t *port,
                           enum preset_connection_kind *kind)
{
    if (!want_type(L, v, pos, what, JSON_STRING, "a string")) return false;
    const char *text = json_string_value(v);
    char node_name[PRESET_MAX_NAME + 1], port_name[PRESET_MAX_NAME + 1];
    if (!split_pair(text, node_name, sizeof node_name, port_name, sizeof port_name))
        return fail_value(L, pos, "bad %s \"%s\": expected \"node:port\", e.g. \"%s\"", what, text,
                          is_from ? "noise:out" : "out:left");

    *kind = PRESET_CONNECTION_AUDIO;
    if (strcmp(node_name, OUTPUT_NAME) == 0) {
        if (is_from)
            return fail_value(L, pos,
                              "\"%s\" is the preset's output, an input: \"from\" needs an output "
                              "port of a node",
                              text);
        if (strcmp(port_name, "left") == 0 || strcmp(port_name, "right") == 0) {
            *node = PRESET_OUTPUT_NODE;
            *port = port_name[0] == 'l' ? 0 : 1;
            return true;
        }
        return fail_value(L, pos, "the output has no port \"%s\" (ports: left, right)", port_name);
    }
    if (!find_node(L, node_name, text, pos, node)) return false;
    const preset_node *n = &L->p->nodes[*node];
    const lull_descriptor *d = n->desc;
    int out_i = descriptor_find_output(d, port_name), in_i = descriptor_find_input(d, port_name);
    int nout_i = descriptor_find_note_output(d, port_name);
    int nin_i = descriptor_find_note_input(d, port_name);
    int audio = is_from ? out_i : in_i, note = is_from ? nout_i : nin_i;
    if (audio >= 0 || note >= 0) {
        *kind = audio >= 0 ? PRESET_CONNECTION_AUDIO : PRESET_CONNECTION_NOTE;
        *port = (uint32_t)(audio >= 0 ? audio : note);
        return true;
    }
    /* The right side's ports; note ports are listed only for nodes that have them,
     * so messages about audio-only nodes read as before. */
    name_list ports = {0};
    list_ports(&ports, is_from ? d->outputs : d->inputs,
               is_from ? d->output_count : d->input_count);
    uint32_t n_notes = is_from ? d->note_output_count : d->note_input_count;
    char note_ports[560] = "";
    if (n_notes) {
        name_list nl = {0};
        list_ports(&nl, is_from ? d->note_outputs : d->note_inputs, n_notes);
        snprintf(note_ports, sizeof note_ports, "; note %s: %s", is_from ? "outputs" : "inputs",
                 nl.text);
    }
    if (is_from && (in_i >= 0 || nin_i >= 0))
        return fail_value(L, pos,
                          "\"%s\" is an input port: \"from\" needs an output (outputs of %s: %s%s)",
                          text, n->name, ports.text, note_ports);
    if (!is_from && (out_i >= 0 || nout_i >= 0))
        return fail_value(L, pos,
                          "\"%s\" is an output port: \"to\" needs an input (inputs of %s: %s%s)",
                          text, n->name, ports.text, note_ports);
    return fail_value(L, pos, "node \"%s\" (%s) has no %s port \"%s\" (%s: %s%s)", n->name, d->id,
                      is_from ? "output" : "input", port_name, is_from ? "outputs" : "inputs",
                      ports.text, note_ports);
}

/* "audio outputs of osc: out" / "note inputs of bowl: notes" / "the output: left, right". */
static void describe_ports(const loader *L, uint32_t node, bool outputs,
                           enum preset_connection_kind kind, char *buf, size_t n)
{
    if (node == PRESET_OUTPUT_NODE) {
        snprintf(buf, n, "%s",
                 kind == PRESET_CONNECTION_AUDIO ? "audio inputs of out: left, right"
                                                 : "the output takes no notes, only audio");
        return;
    }
    const preset_node *pn = &L->p->nodes[node];
    const lull_descriptor *d = pn->desc;
    name_list l = {0};
    if (kind == PRESET_CONNECTION_AUDIO)
        list_ports(&l, outputs ? d->outputs : d->inputs,
                   outputs ? d->output_count : d->input_count);
    else
        list_ports(&l, outputs ? d->note_outputs : d->note_inputs,
                   outputs ? d->note_output_count : d->note_input_count);
    snprintf(buf, n, "%s %s of %s: %s", kind == PRESET_CONNECTION_AUDIO ? "audio" : "note",
             outputs ? "outputs" : "inputs", pn->name, l.text);
}

static const char *kind_name(enum preset_connection_kind k)
{
    return k == PRESET_CONNECTION_NOTE ? "note" : "audio";
}

static bool parse_connection(loader *L, json_t *v, const json_pos *pos, size_t index)
{
    static const char *const keys[] = {"from", "to", "gain", NULL};
    char what[64];
    snprintf(what, sizeof what, "connections[%zu]", index);
    if (!want_type(L, v, pos, what, JSON_OBJECT, "an object") || !check_keys(L, pos, what, keys))
        return false;
    preset_connection *c = &L->p->connections[index];
    c->gain = 1.0f;
    const json_pos *from_pos, *to_pos;
    enum preset_connection_kind from_kind, to_kind;
    json_t *from = required_member(L, v, pos, "from", what, &from_pos);
    if (!from || !parse_endpoint(L, from, from_pos, "connection source", true, &c->from_node,
                                 &c->from_port, &from_kind))
        return false;
    json_t *to = required_member(L, v, pos, "to", what, &to_pos);
    if (!to || !parse_endpoint(L, to, to_pos, "connection destination", false, &c->to_node,
                               &c->to_port, &to_kind))
        return false;
    if (from_kind != to_kind) {
        /* Name both kinds and list what would fit on either side. */
        char fits_to[640], fits_from[640];
        describe_ports(L, c->to_node, false, from_kind, fits_to, sizeof fits_to);
        describe_ports(L, c->from_node, true, to_kind, fits_from, sizeof fits_from);
        return fail_value(L, to_pos,
                          "\"%s\" is %s %s output and \"%s\" is %s %s input: a connection joins "
                          "ports of one kind (%s; or %s)",
                          json_string_value(from), from_kind == PRESET_CONNECTION_NOTE ? "a" : "an",
                          kind_name(from_kind), json_string_value(to),
                          to_kind == PRESET_CONNECTION_NOTE ? "a" : "an", kind_name(to_kind),
                          fits_to, fits_from);
    }
    c->kind = from_kind;
    snprintf(what, sizeof what, "connections[%zu].gain", index);
    const json_pos *gain_pos;
    if (c->kind == PRESET_CONNECTION_NOTE && member(v, pos, "gain", &gain_pos))
        return fail_key(L, gain_pos,
                        "%s: a note connection has no gain (\"%s\" -> \"%s\" carries note "
                        "events, not audio; scale velocity in the receiving node)",
                        what, json_string_value(from), json_string_value(to));
    if (!optional_number(L, v, pos, "gain", what, -4.0, 4.0, "", &c->gain)) return false;
    for (size_t i = 0; i < index; i++) {
        const preset_connection *o = &L->p->connections[i];
        if (o->kind == c->kind && o->from_node == c->from_node && o->from_port == c->from_port &&
            o->to_node == c->to_node && o->to_port == c->to_port) {
            const json_pos *first = json_pos_element(L->connection_pos, i);
            if (c->kind == PRESET_CONNECTION_NOTE)
                return fail_value(L, pos,
                                  "duplicate note connection from \"%s\" to \"%s\" (first at "
                                  "line %d, column %d): every note would arrive twice",
                                  json_string_value(from), json_string_value(to), first->line,
                                  first->column);
            return fail_value(L, pos,
                              "duplicate connection from \"%s\" to \"%s\" (first at line %d, "
                              "column %d); use \"gain\" instead",
                              json_string_value(from), json_string_value(to), first->line,
                              first->column);
        }
    }
    L->p->connection_count = index + 1;
    return true;
}

/* Depth-first search for a cycle through `n`. On finding one, fills `path` (node
 * indices, the first repeated at the end) and returns the connection closing it. */
typedef struct cycle_search {
    const lull_preset *p;
    uint8_t *state; /* 0 unvisited, 1 on the current path, 2 done */
    uint32_t *stack;
    size_t depth;
} cycle_search;

static long find_cycle_from(cycle_search *cs, uint32_t n)
{
    cs->state[n] = 1;
    cs->stack[cs->depth++] = n;
    for (size_t i = 0; i < cs->p->connection_count; i++) {
        const preset_connection *c = &cs->p->connections[i];
        if (c->from_node != n || c->to_node == PRESET_OUTPUT_NODE) continue;
        if (cs->state[c->to_node] == 1) return (long)i;
        if (cs->state[c->to_node] == 0) {
            long found = find_cycle_from(cs, c->to_node);
            if (found >= 0) return found;
        }
    }
    cs->depth--;
    cs->state[n] = 2;
    return -1;
}

static bool check_graph(loader *L)
{
    const lull_preset *p = L->p;
    bool left = false, right = false;
    for (size_t i = 0; i < p->connection_count; i++)
        if (p->connections[i].to_node == PRESET_OUTPUT_NODE) {
            left |= p->connections[i].to_port == 0;
            right |= p->connections[i].to_port == 1;
        }
    if (!left || !right)
        return fail_value(L, L->connection_pos, "nothing is connected to out:%s",
                          !left ? "left" : "right");

    uint8_t *state = calloc(p->node_count ? p->node_count : 1, 1);
    uint32_t *stack = calloc(p->node_count ? p->node_count : 1, sizeof *stack);
    if (!state || !stack) {
        free(state);
        free(stack);
        return fail_value(L, L->connection_pos, "out of memory");
    }
    cycle_search cs = {p, state, stack, 0};
    long closing = -1;
    for (uint32_t n = 0; n < p->node_count && closing < 0; n++)
        if (state[n] == 0) closing = find_cycle_from(&cs, n);
    bool ok = closing < 0;
    if (!ok) {
        /* The cycle runs from the closing connection's target to the top of the stack. */
        uint32_t start = p->connections[closing].to_node;
        size_t first = 0;
        while (stack[first] != start) first++;
        name_list path = {0};
        for (size_t k = first; k < cs.depth; k++) name_list_add(&path, p->nodes[stack[k]].name);
        name_list_add(&path, p->nodes[start].name);
        for (char *s = strstr(path.text, ", "); s; s = strstr(s, ", ")) memcpy(s, "->", 2);
        /* A step of the loop with no audio connection is made by notes: say so, since
         * a note loop has no audio feedback to look for. */
        size_t note_steps = 0;
        for (size_t k = first; k < cs.depth; k++) {
            uint32_t a = stack[k], b = k + 1 < cs.depth ? stack[k + 1] : start;
            bool audio = false;
            for (size_t i = 0; i < p->connection_count && !audio; i++)
                audio = p->connections[i].kind == PRESET_CONNECTION_AUDIO &&
                        p->connections[i].from_node == a && p->connections[i].to_node == b;
            note_steps += !audio;
        }
        fail_value(L, json_pos_element(L->connection_pos, (size_t)closing),
                   "the connections form a cycle through node \"%s\": %s (a graph cannot feed "
                   "back into itself%s)",
                   p->nodes[start].name, path.text,
                   note_steps == 0 ? ""
                   : note_steps == cs.depth - first
                       ? "; a loop of note connections is a cycle too"
                       : "; note connections are edges like audio ones");
    }
    free(state);
    free(stack);
    return ok;
}

static bool parse_connections(loader *L, json_t *root, const json_pos *root_pos)
{
    const json_pos *pos;
    json_t *conns = required_member(L, root, root_pos, "connections", "the preset", &pos);
    if (!conns || !want_type(L, conns, pos, "connections", JSON_ARRAY, "an array")) return false;
    size_t n = json_array_size(conns);
    if (n > PRESET_MAX_CONNECTIONS)
        return fail_value(L, pos, "too many connections (%zu; at most %u)", n,
                          PRESET_MAX_CONNECTIONS);
    L->connection_pos = pos;
    L->p->connections = calloc(n ? n : 1, sizeof *L->p->connections);
    if (!L->p->connections) return fail_value(L, pos, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!parse_connection(L, json_array_get(conns, i), json_pos_element(pos, i), i))
            return false;
    return check_graph(L);
}

/* ---------------------------------------------------------------------------------
 * Modulations */

/* "lfo.<name>": one of the preset's LFOs; false (no message) when not that form. */
static bool lfo_source(loader *L, const char *name, const json_pos *pos, uint32_t *lfo,
                       bool *failed)
{
    *failed = false;
    if (strncmp(name, "lfo.", 4) != 0) return false;
    for (size_t i = 0; i < L->p->lfo_count; i++)
        if (strcmp(L->p->lfos[i].name, name + 4) == 0) {
            *lfo = (uint32_t)i;
            return true;
        }
    name_list names = {0};
    for (size_t i = 0; i < L->p->lfo_count; i++) name_list_add(&names, L->p->lfos[i].name);
    if (names.len == 0) name_list_add(&names, "none; declare them in \"lfos\"");
    *failed = true;
    fail_value(L, pos, "unknown LFO \"%s\" (the preset's lfos: %s)", name + 4, names.text);
    return false;
}

static bool want_source(loader *L, json_t *v, const json_pos *pos, const char *what,
                        enum mod_source *out, uint32_t *lfo)
{
    if (!want_type(L, v, pos, what, JSON_STRING, "a string")) return false;
    const char *name = json_string_value(v);
    bool failed;
    if (lfo_source(L, name, pos, lfo, &failed)) {
        *out = MOD_LFO;
        return true;
    }
    if (failed) return false;
    int s = mod_source_parse(name);
    if (s >= 0 && s != MOD_LFO) {
        *out = (enum mod_source)s;
        return true;
    }
    name_suggestion sg = {name, NULL, SIZE_MAX};
    name_list names = {0};
    for (int i = 0; i < MOD_SOURCE_COUNT; i++) {
        name_suggestion_consider(&sg, mod_source_name((enum mod_source)i));
        name_list_add(&names, mod_source_name((enum mod_source)i));
    }
    char hint[96];
    return fail_value(L, pos, "unknown modulation source \"%s\"%s (sources: %s)", name,
                      name_suggestion_text(&sg, hint, sizeof hint), names.text);
}

static bool parse_target(loader *L, json_t *v, const json_pos *pos, const char *what,
                         preset_modulation *m)
{
    if (!want_type(L, v, pos, what, JSON_STRING, "a string")) return false;
    const char *text = json_string_value(v);
    char node_name[PRESET_MAX_NAME + 1], param_name[PRESET_MAX_NAME + 1];
    if (!split_pair(text, node_name, sizeof node_name, param_name, sizeof param_name))
        return fail_value(L, pos, "bad %s \"%s\": expected \"node:param\", e.g. \"lp:cutoff\"",
                          what, text);
    if (!find_node(L, node_name, text, pos, &m->node)) return false;
    const lull_descriptor *d = L->p->nodes[m->node].desc;
    name_list modulatable = {0};
    for (uint32_t i = 0; i < d->param_count; i++)
        if (d->params[i].flags & LULL_PARAM_MODULATABLE)
            name_list_add(&modulatable, d->params[i].id);
    if (modulatable.len == 0) name_list_add(&modulatable, "none");
    int pi = descriptor_find_param(d, param_name);
    if (pi < 0) {
        name_suggestion s = {param_name, NULL, SIZE_MAX};
        for (uint32_t i = 0; i < d->param_count; i++) name_suggestion_consider(&s, d->params[i].id);
        char hint[96];
        return fail_value(L, pos, "node \"%s\" (%s) has no parameter \"%s\"%s (modulatable: %s)",
                          node_name, d->id, param_name, name_suggestion_text(&s, hint, sizeof hint),
                          modulatable.text);
    }
    if (!(d->params[pi].flags & LULL_PARAM_MODULATABLE))
        return fail_value(L, pos,
                          "parameter \"%s\" cannot be modulated (modulatable parameters "
                          "of %s: %s)",
                          text, node_name, modulatable.text);
    m->param = (uint32_t)pi;
    return true;
}

/* A [from, to] pair of numbers, each checked by want_number within [min, max]. */
static bool parse_range(loader *L, json_t *v, const json_pos *pos, const char *what, double min,
                        double max, const char *unit, float *a, float *b)
{
    if (!json_is_array(v) || json_array_size(v) != 2)
        return fail_value(L, pos, "%s must be an array of two numbers [from, to]", what);
    double x[2];
    for (size_t k = 0; k < 2; k++)
        if (!want_number(L, json_array_get(v, k), json_pos_element(pos, k), what, min, max, unit,
                         &x[k]))
            return false;
    if (x[0] == x[1]) return fail_value(L, pos, "%s: the two ends are equal (%g)", what, x[0]);
    *a = (float)x[0];
    *b = (float)x[1];
    return true;
}

/* "lfos": {"tide": {"shape": "sine", "rate": 0.02, "phase": 0.25}, ...} */
static bool parse_lfos(loader *L, json_t *root, const json_pos *root_pos)
{
    static const char *const keys[] = {"shape", "rate", "period", "phase", NULL};
    static const char *const shapes[] = {"sine", "triangle", "noise1", "noise2", NULL};
    const json_pos *pos;
    json_t *lfos = member(root, root_pos, "lfos", &pos);
    if (!lfos) return true;
    if (!want_type(L, lfos, pos, "lfos", JSON_OBJECT, "an object")) return false;
    if (json_object_size(lfos) > LFO_MAX_PER_PRESET)
        return fail_value(L, pos, "too many lfos (%zu; at most %d)", json_object_size(lfos),
                          LFO_MAX_PER_PRESET);
    for (size_t k = 0; k < pos->count; k++) {
        const json_pos *m = &pos->children[k];
        char where[96], what[128];
        snprintf(where, sizeof where, "lfos.%s", m->key);
        if (!valid_node_name(m->key) || strlen(m->key) >= sizeof L->p->lfos[0].name)
            return fail_key(L, m, "LFO name \"%s\" must be 1 to 31 characters of a-z, 0-9, _",
                            m->key);
        json_t *v = json_object_get(lfos, m->key);
        if (!want_type(L, v, m, where, JSON_OBJECT, "an object") || !check_keys(L, m, where, keys))
            return false;
        lfo_def *d = &L->p->lfos[L->p->lfo_count];
        *d = (lfo_def){.shape = LFO_SINE};
        snprintf(d->name, sizeof d->name, "%s", m->key);
        const json_pos *p;
        json_t *x;
        if ((x = member(v, m, "shape", &p))) {
            int shape = LFO_SINE;
            if (!want_choice(L, x, p, "LFO shape", shapes, &shape)) return false;
            d->shape = (enum lfo_shape)shape;
        }
        const json_pos *pp;
        json_t *rate = member(v, m, "rate", &p), *period = member(v, m, "period", &pp);
        if ((rate != NULL) == (period != NULL))
            return fail_value(L, m, "%s needs exactly one of \"rate\" (Hz) or \"period\" (s)",
                              where);
        float r = 0.0f; /* (set by either branch; GCC -O3 cannot tell) */
        if (rate) {
            snprintf(what, sizeof what, "%s.rate", where);
            if (!optional_number(L, v, m, "rate", what, LFO_RATE_MIN, LFO_RATE_MAX, "Hz", &r))
                return false;
        } else {
            snprintf(what, sizeof what, "%s.period", where);
            if (!optional_number(L, v, m, "period", what, 1.0 / LFO_RATE_MAX, 1.0 / LFO_RATE_MIN,
                                 "s", &r))
                return false;
            r = 1.0f / r;
        }
        d->rate_hz = r;
        float ph = 0.0f;
        snprintf(what, sizeof what, "%s.phase", where);
        if (!optional_number(L, v, m, "phase", what, 0.0, 1.0, "cycles", &ph)) return false;
        d->phase = ph;
        L->p->lfo_count++;
    }
    return true;
}

static bool parse_modulation(loader *L, json_t *v, const json_pos *pos, size_t index)
{
    static const char *const keys[] = {"source",    "target", "in",   "out",     "curve",
                                       "smoothing", "slew",   "mode", "neutral", NULL};
    char where[64], what[96];
    snprintf(where, sizeof where, "modulations[%zu]", index);
    if (!want_type(L, v, pos, where, JSON_OBJECT, "an object") || !check_keys(L, pos, where, keys))
        return false;
    preset_modulation *m = &L->p->modulations[index];
    *m = (preset_modulation){.in_min = 0.0f,
                             .in_max = 1.0f,
                             .curve = MOD_CURVE_LINEAR,
                             .smoothing_ms = 50.0f,
                             .slew_per_s = 0.0f,
                             .mode = MOD_MODE_SET};
    const json_pos *p;
    json_t *x;

    if (!(x = required_member(L, v, pos, "source", where, &p))) return false;
    snprintf(what, sizeof what, "%s.source", where);
    if (!want_source(L, x, p, what, &m->source, &m->lfo)) return false;

    if (!(x = required_member(L, v, pos, "target", where, &p))) return false;
    snprintf(what, sizeof what, "%s.target", where);
    if (!parse_target(L, x, p, what, m)) return false;
    const preset_node *node = &L->p->nodes[m->node];
    const lull_param_info *info = &node->desc->params[m->param];

    if ((x = member(v, pos, "mode", &p))) {
        int mode;
        if (!want_choice(L, x, p, "modulation mode", k_mod_modes, &mode)) return false;
        m->mode = (enum mod_mode)mode;
    }
    if ((x = member(v, pos, "in", &p))) {
        snprintf(what, sizeof what, "%s.in", where);
        if (!parse_range(L, x, p, what, -FLT_MAX, FLT_MAX, "", &m->in_min, &m->in_max))
            return false;
    }
    if (!(x = required_member(L, v, pos, "out", where, &p))) return false;
    /* "set" writes the parameter; "add" offsets it by at most its span; "multiply"
     * scales it by a factor of 0..16. */
    double span = (double)info->max - (double)info->min;
    double lo = m->mode == MOD_MODE_SET ? info->min : m->mode == MOD_MODE_ADD ? -span : 0.0;
    double hi = m->mode == MOD_MODE_SET ? info->max : m->mode == MOD_MODE_ADD ? span : 16.0;
    snprintf(what, sizeof what, "%s.out (%s:%s%s)", where, node->name, info->id,
             m->mode == MOD_MODE_ADD   ? ", mode add"
             : m->mode == MOD_MODE_MUL ? ", mode multiply"
                                       : "");
    if (!parse_range(L, x, p, what, lo, hi, m->mode == MOD_MODE_MUL ? "x" : info->unit, &m->out_min,
                     &m->out_max))
        return false;

    if ((x = member(v, pos, "curve", &p))) {
        int curve;
        if (!want_choice(L, x, p, "curve", k_curves, &curve)) return false;
        m->curve = (enum mod_curve)curve;
    }
    float smoothing_s = 0.05f;
    snprintf(what, sizeof what, "%s.smoothing", where);
    if (!optional_number(L, v, pos, "smoothing", what, 0.0, 10.0, "s", &smoothing_s)) return false;
    m->smoothing_ms = smoothing_s * 1000.0f;
    snprintf(what, sizeof what, "%s.slew", where);
    if (!optional_number(L, v, pos, "slew", what, 0.0, 1e6, "per second", &m->slew_per_s))
        return false;
    m->neutral =
        L->has_neutral[m->source] ? L->neutral[m->source] : mod_source_default_neutral(m->source);
    snprintf(what, sizeof what, "%s.neutral", where);
    if (!optional_number(L, v, pos, "neutral", what, -1e6, 1e6, "", &m->neutral)) return false;

    /* Mappings onto one parameter combine (preset.h, enum mod_mode): two "set"s would
     * fight, so only one may set it. */
    size_t same = 0;
    for (size_t i = 0; i < index; i++) {
        const preset_modulation *o = &L->p->modulations[i];
        if (o->node != m->node || o->param != m->param) continue;
        same++;
        if (o->mode == MOD_MODE_SET && m->mode == MOD_MODE_SET)
            return fail_value(L, pos,
                              "%s:%s is already set by modulations[%zu]; a parameter takes one "
                              "\"set\" mapping (use \"mode\": \"add\" or \"multiply\" to combine)",
                              node->name, info->id, i);
    }
    if (same >= PRESET_MAX_MODS_PER_PARAM)
        return fail_value(L, pos, "%s:%s has more than %d modulations", node->name, info->id,
                          PRESET_MAX_MODS_PER_PARAM);
    L->p->modulation_count = index + 1;
    return true;
}

static bool parse_modulations(loader *L, json_t *root, const json_pos *root_pos)
{
    const json_pos *pos;
    json_t *mods = member(root, root_pos, "modulations", &pos);
    if (!mods) return true;
    if (!want_type(L, mods, pos, "modulations", JSON_ARRAY, "an array")) return false;
    size_t n = json_array_size(mods);
    if (n > PRESET_MAX_MODULATIONS)
        return fail_value(L, pos, "too many modulations (%zu; at most %u)", n,
                          PRESET_MAX_MODULATIONS);
    L->p->modulations = calloc(n ? n : 1, sizeof *L->p->modulations);
    if (!L->p->modulations) return fail_value(L, pos, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!parse_modulation(L, json_array_get(mods, i), json_pos_element(pos, i), i))
            return false;
    return true;
}

static bool parse_neutral(loader *L, json_t *root, const json_pos *root_pos)
{
    const json_pos *pos;
    json_t *neutral = member(root, root_pos, "neutral", &pos);
    if (!neutral) return true;
    if (!want_type(L, neutral, pos, "neutral", JSON_OBJECT, "an object")) return false;
    for (size_t k = 0; k < pos->count; k++) {
        const json_pos *m = &pos->children[k];
        int s = mod_source_parse(m->key);
        if (s < 0) {
            name_suggestion sg = {m->key, NULL, SIZE_MAX};
            name_list names = {0};
            for (int i = 0; i < MOD_SOURCE_COUNT; i++) {
                name_suggestion_consider(&sg, mod_source_name((enum mod_source)i));
                name_list_add(&names, mod_source_name((enum mod_source)i));
            }
            char hint[96];
            return fail_key(L, m, "unknown modulation source \"%s\" in neutral%s (sources: %s)",
                            m->key, name_suggestion_text(&sg, hint, sizeof hint), names.text);
        }
        char what[64];
        snprintf(what, sizeof what, "neutral.%s", m->key);
        double x = 0.0; /* (set by want_number when it succeeds) */
        if (!want_number(L, json_object_get(neutral, m->key), m, what, -1e6, 1e6, "", &x))
            return false;
        L->has_neutral[s] = true;
        L->neutral[s] = (float)x;
    }
    return true;
}

/* ---------------------------------------------------------------------------------
 * Clocks */

const preset_tempo preset_tempo_default = {.bpm = (float)LULL_TEMPO_DEFAULT_BPM,
                                           .heart_ratio = 0,
                                           .floor_bpm = (float)LULL_TEMPO_DEFAULT_FLOOR_BPM,
                                           .ceiling_bpm = (float)LULL_TEMPO_DEFAULT_CEILING_BPM,
                                           .slew_bpm_per_min = (float)LULL_TEMPO_DEFAULT_SLEW};

const preset_pacer preset_pacer_default = {.mode = PACER_FOLLOW,
                                           .rate = (float)LULL_PACER_DEFAULT_RATE,
                                           .target = (float)LULL_PACER_DEFAULT_TARGET,
                                           .inhale_fraction = (float)LULL_PACER_DEFAULT_INHALE};

static bool parse_tempo(loader *L, json_t *root, const json_pos *root_pos)
{
    static const char *const keys[] = {"bpm", "follow_heart", "floor", "ceiling", "slew", NULL};
    preset_tempo *t = &L->p->tempo;
    *t = preset_tempo_default;
    const json_pos *pos;
    json_t *tempo = member(root, root_pos, "tempo", &pos);
    if (!tempo) return true;
    if (!want_type(L, tempo, pos, "tempo", JSON_OBJECT, "an object") ||
        !check_keys(L, pos, "tempo", keys) ||
        !optional_number(L, tempo, pos, "bpm", "tempo.bpm", LULL_TEMPO_MIN_BPM, LULL_TEMPO_MAX_BPM,
                         "bpm", &t->bpm) ||
        !optional_number(L, tempo, pos, "follow_heart", "tempo.follow_heart", 0, 4, "",
                         &t->heart_ratio) ||
        !optional_number(L, tempo, pos, "floor", "tempo.floor", LULL_TEMPO_MIN_BPM,
                         LULL_TEMPO_MAX_BPM, "bpm", &t->floor_bpm) ||
        !optional_number(L, tempo, pos, "ceiling", "tempo.ceiling", LULL_TEMPO_MIN_BPM,
                         LULL_TEMPO_MAX_BPM, "bpm", &t->ceiling_bpm) ||
        !optional_number(L, tempo, pos, "slew", "tempo.slew", LULL_TEMPO_MIN_SLEW,
                         LULL_TEMPO_MAX_SLEW, "bpm per minute", &t->slew_bpm_per_min))
        return false;
    const json_pos *at = json_pos_member(pos, "ceiling");
    if (t->floor_bpm > t->ceiling_bpm)
        return fail_value(L, at ? at : pos, "tempo.floor %g bpm is above tempo.ceiling %g bpm",
                          t->floor_bpm, t->ceiling_bpm);
    at = json_pos_member(pos, "bpm");
    if (t->bpm < t->floor_bpm || t->bpm > t->ceiling_bpm)
        return fail_value(L, at ? at : pos, "tempo.bpm %g is outside floor..ceiling %g..%g bpm",
                          t->bpm, t->floor_bpm, t->ceiling_bpm);
    return true;
}

static bool parse_pacer(loader *L, json_t *root, const json_pos *root_pos)
{
    static const char *const keys[] = {"mode", "rate", "target", "inhale_fraction", NULL};
    preset_pacer *pc = &L->p->pacer;
    *pc = preset_pacer_default;
    const json_pos *pos, *mode_pos;
    json_t *pacer = member(root, root_pos, "pacer", &pos);
    if (!pacer) return true;
    if (!want_type(L, pacer, pos, "pacer", JSON_OBJECT, "an object") ||
        !check_keys(L, pos, "pacer", keys))
        return false;
    json_t *mode = member(pacer, pos, "mode", &mode_pos);
    int m = 0;
    if (mode) {
        if (!want_choice(L, mode, mode_pos, "pacer mode", k_pacer_modes, &m)) return false;
        pc->mode = (enum pacer_mode)m;
    }
    return optional_number(L, pacer, pos, "rate", "pacer.rate", LULL_PACER_MIN_RATE,
                           LULL_PACER_MAX_RATE, "breaths/min", &pc->rate) &&
           optional_number(L, pacer, pos, "target", "pacer.target", LULL_PACER_MIN_TARGET,
                           LULL_PACER_MAX_TARGET, "breaths/min", &pc->target) &&
           optional_number(L, pacer, pos, "inhale_fraction", "pacer.inhale_fraction",
                           LULL_PACER_MIN_INHALE, LULL_PACER_MAX_INHALE, "", &pc->inhale_fraction);
}

/* ---------------------------------------------------------------------------------
 * Tags: short lowercase words a preset browser can filter on ("water", "sleep") */

static bool parse_tags(loader *L, json_t *root, const json_pos *pos)
{
    const json_pos *tp;
    json_t *tags = member(root, pos, "tags", &tp);
    if (!tags) return true;
    if (!want_type(L, tags, tp, "tags", JSON_ARRAY, "an array of strings")) return false;
    if (json_array_size(tags) > PRESET_MAX_TAGS)
        return fail_value(L, tp, "tags has %zu entries; at most %d", json_array_size(tags),
                          PRESET_MAX_TAGS);
    for (size_t i = 0; i < json_array_size(tags); i++) {
        json_t *t = json_array_get(tags, i);
        const json_pos *ep = json_pos_element(tp, i);
        if (!want_type(L, t, ep, "a tag", JSON_STRING, "a string")) return false;
        const char *s = json_string_value(t);
        size_t n = strlen(s);
        if (!name_valid(s, NAME_TAG_CHARS, PRESET_MAX_TAG_LEN))
            return fail_value(L, ep, "tag \"%.40s\" must be 1 to %d characters from a-z, 0-9 and -",
                              s, PRESET_MAX_TAG_LEN);
        for (size_t j = 0; j < L->p->tag_count; j++)
            if (strcmp(L->p->tags[j], s) == 0)
                return fail_value(L, ep, "tag \"%s\" appears twice", s);
        memcpy(L->p->tags[L->p->tag_count++], s, n + 1);
    }
    return true;
}

/* ---------------------------------------------------------------------------------
 * The preset */

static bool parse_preset(loader *L, json_t *root, const json_pos *pos)
{
    static const char *const keys[] = {"name",        "description", "lull_preset", "nodes",
                                       "connections", "tempo",       "pacer",       "neutral",
                                       "stale_glide", "modulations", "sounds",      "lfos",
                                       "loudness",    "tags",        NULL};
    if (!json_is_object(root))
        return fail_value(L, pos, "a preset must be a JSON object, not %s", json_type_name(root));
    const json_pos *vp;
    json_t *version = required_member(L, root, pos, "lull_preset", "the preset", &vp);
    if (!version) return false;
    if (!json_is_number(version))
        return fail_value(L, vp, "lull_preset must be a number (the format version, %d), not %s",
                          PRESET_FORMAT_VERSION, json_type_name(version));
    if (json_number_value(version) != PRESET_FORMAT_VERSION)
        return fail_value(L, vp, "unsupported lull_preset version %g (this lull reads version %d)",
                          json_number_value(version), PRESET_FORMAT_VERSION);
    if (!check_keys(L, pos, "the preset", keys)) return false;

    json_t *x;
    if ((x = member(root, pos, "name", &vp))) {
        if (!want_type(L, x, vp, "name", JSON_STRING, "a string")) return false;
        if (!(L->p->display_name = dup_string(json_string_value(x))))
            return fail_value(L, vp, "out of memory");
    }
    if ((x = member(root, pos, "description", &vp))) {
        if (!want_type(L, x, vp, "description", JSON_STRING, "a string")) return false;
        if (!(L->p->description = dup_string(json_string_value(x))))
            return fail_value(L, vp, "out of memory");
    }
    L->p->loudness_lufs = NAN;
    if (!optional_number(L, root, pos, "loudness", "loudness", PRESET_LOUDNESS_MIN_LUFS,
                         PRESET_LOUDNESS_MAX_LUFS, "LUFS", &L->p->loudness_lufs) ||
        !parse_tags(L, root, pos))
        return false;
    L->p->stale_glide_s = 4.0f;
    return parse_sounds(L, root, pos) && parse_nodes(L, root, pos) &&
           parse_connections(L, root, pos) && parse_neutral(L, root, pos) &&
           parse_lfos(L, root, pos) && parse_modulations(L, root, pos) &&
           parse_tempo(L, root, pos) && parse_pacer(L, root, pos) &&
           optional_number(L, root, pos, "stale_glide", "stale_glide", 0, 60, "s",
                           &L->p->stale_glide_s);
}

/* "dir/surf.json" -> "surf". */
static char *name_from_origin(const char *origin)
{
    const char *base = strrchr(origin, '/');
    base = base ? base + 1 : origin;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0) n -= 5;
    char *name = malloc(n + 1);
    if (name) {
        memcpy(name, base, n);
        name[n] = '\0';
    }
    return name;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

/* jansson reports the column of the last character of the token it stopped at, and
 * names the token ("... near 'tok'"). Pointing at the token's first character reads
 * better; the move is made only when the text really holds the token there. */
static int syntax_error_column(const char *text, size_t len, const json_error_t *e)
{
    const char *near = strstr(e->text, " near '");
    size_t tlen = strlen(e->text);
    if (!near || e->line < 1 || e->column < 1 || tlen < 2 || e->text[tlen - 1] != '\'')
        return e->column > 0 ? e->column : 1;
    const char *token = near + 7;
    size_t token_len = (size_t)(e->text + tlen - 1 - token);
    size_t chars = utf8_chars(token, token_len);
    if (token_len == 0 || chars > (size_t)e->column) return e->column;
    int start = e->column - (int)chars + 1;
    /* Byte offset of (line, start). */
    size_t i = 0;
    for (int line = 1; line < e->line && i < len; i++)
        if (text[i] == '\n') line++;
    for (int col = 1; col < start && i < len; i++)
        if (i + 1 >= len || ((unsigned char)text[i + 1] & 0xC0) != 0x80) col++;
    if (i + token_len <= len && memcmp(text + i, token, token_len) == 0) return start;
    return e->column;
}

static lull_preset *load_text(const char *text, size_t len, const char *origin, const char *path,
                              const plugin_registry *reg, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", origin, jerr.line,
                 syntax_error_column(text, len, &jerr), jerr.text);
        return NULL;
    }
    json_pos *pos = json_pos_scan(text, len);
    lull_preset *p = calloc(1, sizeof *p);
    loader L = {.origin = origin, .reg = reg, .err = err, .errlen = errlen, .p = p};
    bool ok = false;
    if (!pos || !p) {
        snprintf(err, errlen, "%s: out of memory", origin);
    } else {
        p->name = name_from_origin(origin);
        p->path = path ? dup_string(path) : NULL;
        p->origin = dup_string(origin);
        if (!p->name || (path && !p->path) || !p->origin)
            snprintf(err, errlen, "%s: out of memory", origin);
        else
            ok = parse_preset(&L, root, pos);
    }
    if (ok && !p->display_name && !(p->display_name = dup_string(p->name))) {
        snprintf(err, errlen, "%s: out of memory", origin);
        ok = false;
    }
    json_pos_free(pos);
    json_decref(root);
    if (!ok) {
        preset_free(p);
        return NULL;
    }
    return p;
}

lull_preset *preset_load_string(const char *json, const char *origin,
                                const struct plugin_registry *reg, char *err, size_t errlen)
{
    return load_text(json, strlen(json), origin, NULL, reg, err, errlen);
}

lull_preset *preset_load_file(const char *path, const struct plugin_registry *reg, char *err,
                              size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(PRESET_MAX_FILE_BYTES + 1);
    size_t len = text ? fread(text, 1, PRESET_MAX_FILE_BYTES + 1, f) : 0;
    bool read_error = ferror(f);
    fclose(f);
    lull_preset *p = NULL;
    if (!text)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (read_error)
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    else if (len > PRESET_MAX_FILE_BYTES)
        snprintf(err, errlen, "%s: file is larger than %u bytes; not a preset", path,
                 PRESET_MAX_FILE_BYTES);
    else
        p = load_text(text, len, path, path, reg, err, errlen);
    free(text);
    return p;
}

void preset_free(lull_preset *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->node_count; i++) {
        free(p->nodes[i].name);
        free(p->nodes[i].param_values);
        free(p->nodes[i].slot_sounds);
    }
    for (size_t i = 0; i < p->sound_count; i++) {
        free(p->sounds[i].id);
        free(p->sounds[i].file);
    }
    free(p->sounds);
    free(p->origin);
    free(p->nodes);
    free(p->connections);
    free(p->modulations);
    free(p->name);
    free(p->display_name);
    free(p->path);
    free(p->description);
    free(p);
}
