/* `lull validate FILE...`: checks preset files against the schema and the node types
 * of the installed plugins, printing "file:line:column: message" for each refused
 * file (stderr) and "file: ok" for each valid one (stdout). */
#include <stdio.h>
#include <string.h>

#include "plugin/registry.h"
#include "preset/preset.h"

/* argv[0] is the subcommand name ("validate"); the files follow. Exit status: 0 when
 * every file is valid, 1 when any is refused, 2 on a usage or plugin loading error. */
int cmd_validate(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: lull validate FILE...\n"
               "Checks preset files (docs/presets.md) against the node types of the plugins in\n"
               "$LULL_PLUGIN_DIR (or the default plugin directory). Prints\n"
               "FILE:LINE:COLUMN: MESSAGE for each invalid file; exits 1 if any is invalid.\n");
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: lull validate FILE...\n");
        return 2;
    }
    char err[1024];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    if (!reg) {
        fprintf(stderr, "lull validate: cannot load the plugins: %s\n", err);
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        lull_preset *p = preset_load_file(argv[i], reg, err, sizeof err);
        if (p) {
            printf("%s: ok\n", argv[i]);
            preset_free(p);
        } else {
            fprintf(stderr, "%s\n", err);
            status = 1;
        }
    }
    registry_free(reg);
    return status;
}
