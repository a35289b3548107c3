/* lull plugin-check FILE.so: the checks of plugin/plugin_check.h, for sound designers. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "plugin/plugin_check.h"

int cmd_plugin_check(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: lull plugin-check FILE.so\n"
               "Loads the plugin as lulld would and checks every node it provides: ABI,\n"
               "parameter metadata, NaN/denormal behaviour, allocation in process(),\n"
               "determinism and cost per sample. Exits 1 if any check fails.\n");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: lull plugin-check FILE.so\n");
        return 2;
    }
    /* A bare "mynode.so" means the file here, as a user types it: dlopen would
     * search the system's library path for a name without a slash instead. */
    char path[4096];
    if (!strchr(argv[1], '/') && snprintf(path, sizeof path, "./%s", argv[1]) < (int)sizeof path)
        return plugin_check_run(path, stdout);
    return plugin_check_run(argv[1], stdout);
}
