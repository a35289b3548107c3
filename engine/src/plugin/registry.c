#include "plugin/registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/install_paths.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/names.h"

/* desc is the registry's own full-size copy of the plugin's descriptor: fields the
 * plugin's ABI minor does not have (beyond its struct_size) are zero, so the rest of
 * the host reads note ports and sound slots without size checks. struct_size keeps
 * the value the plugin declared. Each copy is its own allocation so pointers handed
 * out stay valid while the item array grows. */
typedef struct registry_item {
    lull_descriptor *desc;
    char *origin;
} registry_item;

struct plugin_registry {
    registry_item *items;
    size_t count, cap;
    void **handles;
    size_t handle_count, handle_cap;
    char *searched; /* the directories loaded, "a, b" (for "unknown node type" errors) */
};

plugin_registry *registry_new(void) { return calloc(1, sizeof(plugin_registry)); }

void registry_free(plugin_registry *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].origin);
        free(r->items[i].desc);
    }
    for (size_t i = 0; i < r->handle_count; i++) dlclose(r->handles[i]);
    free(r->searched);
    free(r->items);
    free(r->handles);
    free(r);
}

/* [a-z0-9_]+ (or [a-z0-9_.]+ for descriptor ids), at most 63 bytes: core/names.h. */
static bool valid_id(const char *s, bool allow_dot)
{
    return name_valid(s, allow_dot ? NAME_TYPE_ID_CHARS : NAME_ID_CHARS, NAME_MAX_LEN);
}

static bool ports_valid(const char *what, const lull_port_info *ports, uint32_t n, char *err,
                        size_t errlen)
{
    if (n > 0 && !ports) {
        snprintf(err, errlen, "%s: %u ports declared but the array is NULL", what, n);
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!valid_id(ports[i].id, false)) {
            snprintf(err, errlen, "%s port %u: id \"%s\" is not [a-z0-9_]+", what, i,
                     ports[i].id ? ports[i].id : "(null)");
            return false;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(ports[i].id, ports[j].id) == 0) {
                snprintf(err, errlen, "%s port \"%s\" is declared twice", what, ports[i].id);
                return false;
            }
    }
    return true;
}

/* Note ports and sound slots (ABI 1.2): ids unique among ALL of a side's ports, audio
 * and note, since presets name both kinds the same way ("node:port"). */
#define MAX_NOTE_PORTS 16u
#define MAX_SOUND_SLOTS 8u

static bool ids_disjoint(const char *node, const char *side, const lull_port_info *audio,
                         uint32_t na, const lull_port_info *notes, uint32_t nn, char *err,
                         size_t errlen)
{
    for (uint32_t i = 0; i < nn; i++)
        for (uint32_t j = 0; j < na; j++)
            if (strcmp(notes[i].id, audio[j].id) == 0) {
                snprintf(err, errlen,
                         "node \"%s\": note %s \"%s\" has the id of an audio %s "
                         "(ids are unique among all of a node's %ss)",
                         node, side, notes[i].id, side, side);
                return false;
            }
    return true;
}

static bool note_ports_valid(const lull_descriptor *d, char *err, size_t errlen)
{
    char what[96];
    if (d->note_input_count > MAX_NOTE_PORTS || d->note_output_count > MAX_NOTE_PORTS) {
        snprintf(err, errlen, "node \"%s\": %u note inputs and %u note outputs (at most %u each)",
                 d->id, d->note_input_count, d->note_output_count, MAX_NOTE_PORTS);
        return false;
    }
    snprintf(what, sizeof what, "node \"%s\" note input", d->id);
    if (!ports_valid(what, d->note_inputs, d->note_input_count, err, errlen)) return false;
    snprintf(what, sizeof what, "node \"%s\" note output", d->id);
    if (!ports_valid(what, d->note_outputs, d->note_output_count, err, errlen)) return false;
    if (d->sound_slot_count > MAX_SOUND_SLOTS) {
        snprintf(err, errlen, "node \"%s\": %u sound slots (at most %u)", d->id,
                 d->sound_slot_count, MAX_SOUND_SLOTS);
        return false;
    }
    snprintf(what, sizeof what, "node \"%s\" sound slot", d->id);
    if (!ports_valid(what, d->sound_slots, d->sound_slot_count, err, errlen)) return false;
    return ids_disjoint(d->id, "input", d->inputs, d->input_count, d->note_inputs,
                        d->note_input_count, err, errlen) &&
           ids_disjoint(d->id, "output", d->outputs, d->output_count, d->note_outputs,
                        d->note_output_count, err, errlen);
}

/* A full-size copy of `d`: the bytes the plugin declared (struct_size, at most
 * sizeof), the rest zero. The caller has checked struct_size >= the 1.1 size. */
static void descriptor_normalize(const lull_descriptor *d, lull_descriptor *out)
{
    memset(out, 0, sizeof *out);
    size_t n = d->struct_size < sizeof *out ? d->struct_size : sizeof *out;
    memcpy(out, d, n);
}

static bool param_valid(const lull_param_info *p, uint32_t i, char *err, size_t errlen)
{
    if (!valid_id(p->id, false)) {
        snprintf(err, errlen, "param %u: id \"%s\" is not [a-z0-9_]+", i, p->id ? p->id : "(null)");
        return false;
    }
    if (!p->name || !p->unit) {
        snprintf(err, errlen, "param \"%s\": name and unit must not be NULL (use \"\")", p->id);
        return false;
    }
    if (!isfinite(p->min) || !isfinite(p->max) || !isfinite(p->def) || !(p->min < p->max)) {
        snprintf(err, errlen, "param \"%s\": range [%g, %g] is not finite and increasing", p->id,
                 p->min, p->max);
        return false;
    }
    if (p->def < p->min || p->def > p->max) {
        snprintf(err, errlen, "param \"%s\": default %g is outside [%g, %g]", p->id, p->def, p->min,
                 p->max);
        return false;
    }
    if (!isfinite(p->smoothing_ms) || p->smoothing_ms < 0 || p->smoothing_ms > 10000) {
        snprintf(err, errlen, "param \"%s\": smoothing_ms %g is outside 0..10000", p->id,
                 p->smoothing_ms);
        return false;
    }
    if ((p->flags & LULL_PARAM_LOGARITHMIC) && p->min <= 0) {
        snprintf(err, errlen, "param \"%s\": logarithmic but min %g is not > 0", p->id, p->min);
        return false;
    }
    if (p->flags & LULL_PARAM_STEPPED) {
        if (p->min != floorf(p->min) || p->max != floorf(p->max) || p->def != floorf(p->def)) {
            snprintf(err, errlen, "param \"%s\": stepped but min/max/default are not integers",
                     p->id);
            return false;
        }
        if (p->value_names) {
            int n = (int)(p->max - p->min) + 1;
            for (int k = 0; k < n; k++)
                if (!p->value_names[k] || !valid_id(p->value_names[k], false)) {
                    snprintf(err, errlen,
                             "param \"%s\": value name %d is missing or not [a-z0-9_]+", p->id, k);
                    return false;
                }
        }
    } else if (p->value_names) {
        snprintf(err, errlen, "param \"%s\": value_names given but the param is not stepped",
                 p->id);
        return false;
    }
    return true;
}

bool descriptor_validate(const lull_descriptor *desc, char *err, size_t errlen)
{
    if (!desc) {
        snprintf(err, errlen, "descriptor pointer is NULL");
        return false;
    }
    /* ABI 1.0/1.1 descriptors end at get_extension; never read past struct_size. */
    if (desc->struct_size < LULL_DESCRIPTOR_SIZE_1_1) {
        snprintf(err, errlen, "descriptor struct_size %u is smaller than %zu (the ABI 1.1 size)",
                 desc->struct_size, (size_t)LULL_DESCRIPTOR_SIZE_1_1);
        return false;
    }
    lull_descriptor full;
    descriptor_normalize(desc, &full);
    const lull_descriptor *d = &full;
    if (!valid_id(d->id, true)) {
        snprintf(err, errlen, "descriptor id \"%s\" is not [a-z0-9_.]+ (at most 63 chars)",
                 d->id ? d->id : "(null)");
        return false;
    }
    char what[96];
    if (!d->name || !d->version) {
        snprintf(err, errlen, "node \"%s\": name and version must be set", d->id);
        return false;
    }
    if (!d->create || !d->activate || !d->process || !d->deactivate || !d->destroy) {
        snprintf(err, errlen,
                 "node \"%s\": create, activate, process, deactivate and destroy "
                 "must all be set",
                 d->id);
        return false;
    }
    if (d->input_count > LULL_NODE_MAX_PORTS || d->output_count > LULL_NODE_MAX_PORTS ||
        d->param_count > LULL_NODE_MAX_PARAMS) {
        snprintf(err, errlen, "node \"%s\": too many ports or params (max %u/%u/%u)", d->id,
                 LULL_NODE_MAX_PORTS, LULL_NODE_MAX_PORTS, LULL_NODE_MAX_PARAMS);
        return false;
    }
    snprintf(what, sizeof what, "node \"%s\" input", d->id);
    if (!ports_valid(what, d->inputs, d->input_count, err, errlen)) return false;
    snprintf(what, sizeof what, "node \"%s\" output", d->id);
    if (!ports_valid(what, d->outputs, d->output_count, err, errlen)) return false;
    if (d->param_count > 0 && !d->params) {
        snprintf(err, errlen, "node \"%s\": %u params declared but the array is NULL", d->id,
                 d->param_count);
        return false;
    }
    for (uint32_t i = 0; i < d->param_count; i++) {
        char perr[256];
        if (!param_valid(&d->params[i], i, perr, sizeof perr)) {
            snprintf(err, errlen, "node \"%s\": %s", d->id, perr);
            return false;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(d->params[i].id, d->params[j].id) == 0) {
                snprintf(err, errlen, "node \"%s\": param \"%s\" is declared twice", d->id,
                         d->params[i].id);
                return false;
            }
    }
    return note_ports_valid(d, err, errlen);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) n *= 2;
    void *p = realloc(*arr, n * item);
    if (!p) return false;
    *arr = p;
    *cap = n;
    return true;
}

bool registry_add_entry(plugin_registry *r, const lull_plugin_entry *e, const char *origin,
                        char *err, size_t errlen)
{
    if (!e) {
        snprintf(err, errlen, "%s: the entry function returned NULL", origin);
        return false;
    }
    if (e->abi_major != LULL_ABI_MAJOR) {
        snprintf(err, errlen,
                 "%s: built for plugin ABI %u.%u, this host speaks ABI %u.x; rebuild the plugin "
                 "against this lull's plugin.h",
                 origin, e->abi_major, e->abi_minor, LULL_ABI_MAJOR);
        return false;
    }
    if (e->struct_size < sizeof(lull_plugin_entry)) {
        snprintf(err, errlen, "%s: entry struct_size %u is smaller than %zu", origin,
                 e->struct_size, sizeof(lull_plugin_entry));
        return false;
    }
    if (e->descriptor_count == 0 || e->descriptor_count > 256 || !e->descriptors) {
        snprintf(err, errlen, "%s: the entry lists no descriptors", origin);
        return false;
    }
    for (uint32_t i = 0; i < e->descriptor_count; i++) {
        char derr[384];
        if (!descriptor_validate(e->descriptors[i], derr, sizeof derr)) {
            snprintf(err, errlen, "%s: descriptor %u: %s", origin, i, derr);
            return false;
        }
        const char *id = e->descriptors[i]->id;
        const lull_descriptor *clash = registry_find(r, id);
        for (uint32_t j = 0; j < i && !clash; j++)
            if (strcmp(e->descriptors[j]->id, id) == 0) clash = e->descriptors[j];
        if (clash) {
            const char *by = "another node of the same plugin";
            for (size_t k = 0; k < r->count; k++)
                if (strcmp(r->items[k].desc->id, id) == 0) by = r->items[k].origin;
            snprintf(err, errlen,
                     "%s: node id \"%s\" is already provided by %s (the first plugin "
                     "directory that has an id wins)",
                     origin, id, by);
            return false;
        }
    }
    if (!grow((void **)&r->items, &r->cap, r->count + e->descriptor_count, sizeof(registry_item))) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return false;
    }
    size_t first = r->count;
    for (uint32_t i = 0; i < e->descriptor_count; i++) {
        lull_descriptor *copy = malloc(sizeof *copy);
        char *o = strdup(origin);
        if (!copy || !o) {
            free(copy);
            free(o);
            while (r->count > first) { /* all or nothing */
                r->count--;
                free(r->items[r->count].desc);
                free(r->items[r->count].origin);
            }
            snprintf(err, errlen, "%s: out of memory", origin);
            return false;
        }
        descriptor_normalize(e->descriptors[i], copy);
        r->items[r->count].desc = copy;
        r->items[r->count].origin = o;
        r->count++;
    }
    return true;
}

bool registry_load_file(plugin_registry *r, const char *path, char *err, size_t errlen)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "%s: cannot load: %s", path, dlerror());
        return false;
    }
    lull_entry_fn fn;
    *(void **)&fn = dlsym(h, LULL_ENTRY_SYMBOL);
    if (!fn) {
        snprintf(err, errlen, "%s: not a lull plugin: it does not export \"%s\"", path,
                 LULL_ENTRY_SYMBOL);
        dlclose(h);
        return false;
    }
    if (!registry_add_entry(r, fn(), path, err, errlen) ||
        !grow((void **)&r->handles, &r->handle_cap, r->handle_count + 1, sizeof(void *))) {
        dlclose(h);
        return false;
    }
    r->handles[r->handle_count++] = h;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int registry_load_dir(plugin_registry *r, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot read plugin directory: %s", dir, strerror(errno));
        return -1;
    }
    /* Sorted so that which of two clashing plugins wins does not depend on readdir. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0) continue;
        if (!grow((void **)&names, &cap, n + 1, sizeof(char *))) break;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    /* names is NULL in a directory without plugins, and qsort's pointer must not be. */
    if (n > 1) qsort(names, n, sizeof(char *), cmp_str);
    int loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096], perr[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        /* The statically linked safety stage also exists as safety.so: skip the twin. */
        if (strcmp(names[i], "safety.so") == 0 && registry_find(r, "safety")) {
            free(names[i]);
            continue;
        }
        if (registry_load_file(r, path, perr, sizeof perr))
            loaded++;
        else
            log_warn("plugin refused: %s", perr);
        free(names[i]);
    }
    free(names);
    return loaded;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

plugin_registry *registry_load_dirs(const char *const *dirs, char *err, size_t errlen)
{
    plugin_registry *r = registry_new();
    if (!r || !registry_add_entry(r, lull_safety_entry(), "(built-in safety stage)", err, errlen)) {
        registry_free(r);
        return NULL;
    }
    size_t len = 1;
    for (size_t i = 0; dirs && dirs[i]; i++) len += strlen(dirs[i]) + 2;
    if (!(r->searched = calloc(1, len))) {
        snprintf(err, errlen, "out of memory");
        registry_free(r);
        return NULL;
    }
    for (size_t i = 0; dirs && dirs[i]; i++) {
        if (i) strcat(r->searched, ", ");
        strcat(r->searched, dirs[i]);
        if (registry_load_dir(r, dirs[i], err, errlen) < 0) {
            registry_free(r);
            return NULL;
        }
    }
    return r;
}

const char *registry_searched_dirs(const plugin_registry *r)
{
    return r->searched ? r->searched : "";
}

/* Same directory twice (LULL_PLUGIN_DIR naming the default one): load it once. */
static bool same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

plugin_registry *registry_load_default(char *err, size_t errlen)
{
    /* $LULL_PLUGIN_DIR comes first and ADDS to the default directory (docs/plugins.md,
     * "Where plugins are found"): a sound designer's own nodes join the shipped ones,
     * and a node id found in both is taken from the first directory. */
    const char *env = getenv("LULL_PLUGIN_DIR");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", env ? env : "");
    const char *dirs[LULL_MAX_PLUGIN_DIRS + 2];
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ":", &save); tok && n < LULL_MAX_PLUGIN_DIRS;
         tok = strtok_r(NULL, ":", &save))
        dirs[n++] = tok;
    const char *def = lull_default_plugin_dir();
    bool dup = false;
    for (size_t i = 0; i < n && !dup; i++) dup = same_dir(dirs[i], def);
    if (!dup && is_dir(def)) dirs[n++] = def;
    dirs[n] = NULL;
    return registry_load_dirs(dirs, err, errlen);
}

const lull_descriptor *registry_find(const plugin_registry *r, const char *id)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->items[i].desc->id, id) == 0) return r->items[i].desc;
    return NULL;
}

size_t registry_count(const plugin_registry *r) { return r->count; }
const lull_descriptor *registry_get(const plugin_registry *r, size_t i) { return r->items[i].desc; }
const char *registry_origin(const plugin_registry *r, size_t i) { return r->items[i].origin; }
