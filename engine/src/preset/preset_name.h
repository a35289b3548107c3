/* The rule for a preset name that is resolved to a file inside the preset
 * directories (OSC /lull/preset/load, lull render --preset, the catalog): 1..63
 * characters of [A-Za-z0-9_.-] (core/names.h, NAME_FILE_CHARS), not starting with
 * '.', no "..", so a name can never leave its directory. */
#ifndef LULL_PRESET_PRESET_NAME_H
#define LULL_PRESET_PRESET_NAME_H

#include <stdbool.h>
#include <stddef.h>

/* [any] True when `name` follows the rule; false with the reason in err. */
bool preset_name_valid(const char *name, char *err, size_t errlen);

/* [any !audio] How a command line reads a preset argument (lull render --preset,
 * lull validate): a file when it holds a '/', ends in ".json" or is an existing
 * regular file; otherwise a preset name, looked up in the preset directories. */
bool preset_arg_is_file(const char *arg);

#endif
