/* Fuzz harness: preset JSON parsing and validation (engine/src/preset), against the
 * real plugin registry ($LULL_PLUGIN_DIR), as `lull validate` and a preset load do.
 * A refused preset must come with a message; an accepted one is freed again. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "plugin/registry.h"
#include "preset/preset.h"

static plugin_registry *reg;

static void setup(void)
{
    char err[512];
    reg = registry_load_default(err, sizeof err);
    if (!reg) {
        fprintf(stderr, "fuzz_preset: no plugin registry: %s\n", err);
        abort();
    }
    return;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Set up on the first input, not in LLVMFuzzerInitialize: libFuzzer (clang 14)
     * crashed clearing its counters after this setup ran there. */
    static bool ready;
    if (!ready) setup(), ready = true;
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
