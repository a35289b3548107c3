#include "core/install_paths.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifndef LULL_BUILD_DIR
#error "LULL_BUILD_DIR must be defined by the build (engine/CMakeLists.txt)"
#endif

static bool g_in_build;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* realpath() on both sides: the build directory may be reached through a symlink. */
static void decide(void)
{
    char exe[PATH_MAX], build[PATH_MAX];
    if (!realpath("/proc/self/exe", exe) || !realpath(LULL_BUILD_DIR, build)) return;
    size_t n = strlen(build);
    g_in_build = strncmp(exe, build, n) == 0 && exe[n] == '/';
}

bool lull_running_from_build_tree(void)
{
    pthread_once(&g_once, decide);
    return g_in_build;
}

const char *lull_default_plugin_dir(void)
{
    return lull_running_from_build_tree() ? LULL_BUILD_PLUGIN_DIR : LULL_INSTALL_PLUGIN_DIR;
}

const char *lull_default_preset_dir(void)
{
    return lull_running_from_build_tree() ? LULL_SOURCE_PRESET_DIR : LULL_INSTALL_PRESET_DIR;
}

const char *lull_default_device_map_dir(void)
{
    return lull_running_from_build_tree() ? LULL_SOURCE_PRESET_DIR "/../tools/devices"
                                          : LULL_INSTALL_DEVICE_MAP_DIR;
}
