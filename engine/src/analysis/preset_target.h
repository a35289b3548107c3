/* The loudness a preset declares for itself (top-level "loudness", LUFS), read the
 * way the offline driver finds the preset: a file path, or a name in the preset
 * directory ($LULL_PRESET_DIR, else the source tree's presets/, else the installed
 * ones; the engine's default). Used by `lull loudness` and `lull render --plot`.
 * Not realtime: [main]. */
#ifndef LULL_ANALYSIS_PRESET_TARGET_H
#define LULL_ANALYSIS_PRESET_TARGET_H

#include <stddef.h>

struct plugin_registry;

/* [main] *lufs gets the declared target, NaN when the preset declares none.
 * Returns 0, or -1 with the preset's own "file:line:column: message" or
 * "no preset named ...". */
int preset_declared_loudness(const struct plugin_registry *reg, const char *preset, double *lufs,
                             char *err, size_t errlen);

#endif
