/* Fuzz harness: preset JSON parsing and validation (engine/src/preset), against the
 * real plugin registry (only $LULL_PLUGIN_DIR: fuzz_plugin_dir says why), as
 * `lull validate` and a preset load do. A refused preset must come with a message;
 * an accepted one is freed again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "plugin/registry.h"
#include "preset/preset.h"

static plugin_registry *reg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[512];
    const char *dirs[2] = {fuzz_plugin_dir(), NULL};
    reg = registry_load_dirs(dirs, err, sizeof err);
    if (!reg) {
        fprintf(stderr, "fuzz_preset: no plugin registry: %s\n", err);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = fuzz_strdup(data, size);
    char err[512];
    err[0] = '\0';
    lull_preset *p = preset_load_string(json, "fuzz.json", reg, err, sizeof err);
    if (p) {
        preset_free(p);
    } else if (!err[0]) {
        fprintf(stderr, "fuzz_preset: a preset was refused without a message\n");
        abort();
    }
    free(json);
    return 0;
}
