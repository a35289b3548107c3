/* The preset catalog: what the preset directories offer, for the therapist's
 * list and the preset info address. Every *.json file is parsed and validated
 * against the loaded node types (the same checks as a load), once per change of
 * the file: a file that fails is left out of the catalog and its error logged once
 * (until the file changes again). Presets are found by file name, or by display
 * name (case-insensitive), so a tablet may load "Singing bowls".
 *
 * Threads: [control] only (the OSC thread, or the CLI), once created on [main];
 * not realtime. */
#ifndef LULL_PRESET_PRESET_CATALOG_H
#define LULL_PRESET_PRESET_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

struct name_suggestion;

struct plugin_registry;

#define PRESET_CATALOG_MAX 256 /* presets listed; further files are ignored (logged) */
#define PRESET_INFO_TAGS 8

typedef struct preset_info {
    char name[64];          /* file name without ".json": what a load uses */
    char display_name[128]; /* "name" in the file, else the file name */
    char description[1024];
    char tags[PRESET_INFO_TAGS][33];
    unsigned tag_count;
    float loudness_lufs; /* declared integrated loudness target; NAN: none */
    char path[4096];
} preset_info;

typedef struct preset_catalog preset_catalog;

/* [main] (lull_engine_create) dirs: NULL-terminated, searched in order (the first file of a name
 * wins, as for loads); copied. reg must outlive the catalog. */
preset_catalog *preset_catalog_new(const char *const *dirs, const struct plugin_registry *reg);
void preset_catalog_free(preset_catalog *c);

/* [control] Look at the directories again; (re)validate new or changed files.
 * Returns the number of valid presets. */
size_t preset_catalog_refresh(preset_catalog *c);

/* [control] Valid presets, sorted by name; valid until the next refresh. */
size_t preset_catalog_count(const preset_catalog *c);
const preset_info *preset_catalog_get(const preset_catalog *c, size_t i);

/* [control] A valid preset by file name, else by display name ignoring case;
 * NULL when none matches. */
const preset_info *preset_catalog_find(const preset_catalog *c, const char *name);

/* [control] Weigh every valid preset's file and display name as the closest to a
 * misspelt one (core/names.h), for "did you mean". */
void preset_catalog_suggest(const preset_catalog *c, struct name_suggestion *s);

/* [control] The error of an invalid preset file named `name` ("" when it is valid
 * or unknown): why a load by that name would fail. */
const char *preset_catalog_error(const preset_catalog *c, const char *name);

#endif
