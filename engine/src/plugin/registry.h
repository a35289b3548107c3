/* The plugin registry: node types found in plugin directories (dlopen), plus the
 * statically linked output safety stage. Loading and validation happen on a
 * non-realtime thread at start-up (and on SIGHUP); after that the registry is
 * read-only and may be shared between threads. */
#ifndef LULL_PLUGIN_REGISTRY_H
#define LULL_PLUGIN_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "lull/plugin.h"

#define LULL_MAX_PLUGIN_DIRS 8

typedef struct plugin_registry plugin_registry;

/* [main] */
plugin_registry *registry_new(void);
/* [main] */
void registry_free(plugin_registry *r); /* dlcloses every plugin */

/* [main] Load one shared object. On refusal returns false and writes "FILE: reason" into
 * err; nothing is added. A plugin whose node ids clash with loaded ones is refused. */
bool registry_load_file(plugin_registry *r, const char *path, char *err, size_t errlen);
/* [main] Load every *.so in dir. Refused files are logged (warn) and skipped. Returns the
 * number of files loaded, or -1 when the directory cannot be read (err says why). */
int registry_load_dir(plugin_registry *r, const char *dir, char *err, size_t errlen);
/* [main] Add an entry linked into the program (origin names it in messages). True, or
 * false with "ORIGIN: reason" in err. */
bool registry_add_entry(plugin_registry *r, const lull_plugin_entry *entry, const char *origin,
                        char *err, size_t errlen);

/* [any] The registry's full-size copy of a descriptor: a plugin built for ABI 1.0/1.1
 * (a smaller struct_size) has every later field zeroed (no note ports, no sound
 * slots), so callers read them without checking struct_size. The copy lives as
 * long as the registry; it is also what create() receives. */
const lull_descriptor *registry_find(const plugin_registry *r, const char *id);
/* [any] */
size_t registry_count(const plugin_registry *r);
/* [any] */
const lull_descriptor *registry_get(const plugin_registry *r, size_t i);
/* [any] File (or origin) the descriptor came from. */
const char *registry_origin(const plugin_registry *r, size_t i);

/* [any] Checks a descriptor's metadata, reading no further than its struct_size
 * (at least LULL_DESCRIPTOR_SIZE_1_1): ids, params, audio and note ports (at most
 * 16 note inputs and 16 note outputs, ids unique among all of a side's ports) and
 * sound slots (at most 8, unique ids). Writes the first fault into err. */
bool descriptor_validate(const lull_descriptor *d, char *err, size_t errlen);

/* [any !audio] A registry with the safety stage and every plugin of the default
 * directories: those of $LULL_PLUGIN_DIR (':'-separated) first, then the default
 * one when it exists (lull_default_plugin_dir: the build's plugins/ for a program
 * running from the build tree, else <prefix>/lib/lull/plugins). The variable adds
 * to the default, it does not replace it. NULL + err on failure. */
plugin_registry *registry_load_default(char *err, size_t errlen);
/* [any] The directories the registry loaded, ", "-separated ("" for none): what an
 * "unknown node type" error names. */
const char *registry_searched_dirs(const plugin_registry *r);
/* [any !audio] The same with explicit directories (NULL-terminated list). */
plugin_registry *registry_load_dirs(const char *const *dirs, char *err, size_t errlen);

/* [any] The safety stage's entry, linked statically (plugins/safety/safety.c). */
const lull_plugin_entry *lull_safety_entry(void);

#endif
