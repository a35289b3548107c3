/* Where the programs look for their data by default: the build tree when the running
 * executable is one built there (build/bin/lull, the tests), else the installed
 * locations under the CMAKE_INSTALL_PREFIX compiled in (a package's /usr). An
 * installed program never looks into the build tree it was made in, even when that
 * tree still exists on the machine. Environment overrides ($LULL_PLUGIN_DIR,
 * $LULL_PRESET_DIR, $LULL_DEVICE_MAP_DIR) are the callers' business. */
#ifndef LULL_CORE_INSTALL_PATHS_H
#define LULL_CORE_INSTALL_PATHS_H

#include <stdbool.h>

/* [any] true when /proc/self/exe lies inside the build directory this binary was
 * compiled for (LULL_BUILD_DIR). Computed once. */
bool lull_running_from_build_tree(void);

/* [any] The default plugin directory: <build>/plugins from the build tree, else
 * <prefix>/lib/lull/plugins. Never NULL; may not exist. */
const char *lull_default_plugin_dir(void);

/* [any] The default preset directory: the source tree's presets/ from the build
 * tree, else <prefix>/share/lull/presets. Never NULL; may not exist. */
const char *lull_default_preset_dir(void);

/* [any] The default device map directory: the source tree's tools/devices from the
 * build tree, else <prefix>/share/lull/devices. Never NULL; may not exist. */
const char *lull_default_device_map_dir(void);

#endif
