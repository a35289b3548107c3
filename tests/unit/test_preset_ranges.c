/* Every parameter of every installed node accepts the ends of its declared range as
 * the docs print them (docs/nodes.md, `lull plugin-check`: "%g"), and refuses a value
 * beyond them naming the range. A float bound such as 0.001f is 0.0010000000475 as a
 * double: compared in double, "attack": 0.001 was refused as out of range 0.001..10.
 * The check runs over the whole registry so that a new node or parameter is covered
 * without editing this test. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "plugin/registry.h"
#include "preset/preset.h"

/* Loads a one-node preset with `param` set to the decimal `value`; returns whether
 * the refusal, if any, is about the range. */
static bool range_refused(const plugin_registry *reg, const lull_descriptor *d, const char *param,
                          const char *value, char *err, size_t errlen)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\":\"r\",\"lull_preset\":1,\"nodes\":[{\"name\":\"n\",\"type\":\"%s\","
             "\"params\":{\"%s\":%s}}],\"connections\":[]}",
             d->id, param, value);
    err[0] = '\0';
    lull_preset *p = preset_load_string(json, "range", reg, err, errlen);
    preset_free(p);
    return strstr(err, "out of range") != NULL;
}

int main(void)
{
    char err[1024];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    CHECK(reg != NULL, "registry: %s", err);
    if (!reg) return check_finish("test_preset_ranges");
    unsigned params = 0;
    for (size_t i = 0; i < registry_count(reg); i++) {
        const lull_descriptor *d = registry_get(reg, i);
        if (strcmp(d->id, "safety") == 0) continue; /* never in a preset: the engine's own */
        for (uint32_t k = 0; k < d->param_count; k++) {
            const lull_param_info *info = &d->params[k];
            char lo[32], hi[32], below[32], above[32];
            snprintf(lo, sizeof lo, "%g", info->min);
            snprintf(hi, sizeof hi, "%g", info->max);
            double span = (double)info->max - info->min;
            snprintf(below, sizeof below, "%.9g", info->min - 0.01 * span - 1e-3);
            snprintf(above, sizeof above, "%.9g", info->max + 0.01 * span + 1e-3);
            CHECK(!range_refused(reg, d, info->id, lo, err, sizeof err), "%s:%s = %s refused: %s",
                  d->id, info->id, lo, err);
            CHECK(!range_refused(reg, d, info->id, hi, err, sizeof err), "%s:%s = %s refused: %s",
                  d->id, info->id, hi, err);
            CHECK(range_refused(reg, d, info->id, below, err, sizeof err),
                  "%s:%s = %s (below the range) not refused as out of range: %s", d->id, info->id,
                  below, err[0] ? err : "accepted");
            CHECK(range_refused(reg, d, info->id, above, err, sizeof err),
                  "%s:%s = %s (above the range) not refused as out of range: %s", d->id, info->id,
                  above, err[0] ? err : "accepted");
            params++;
        }
    }
    printf("%u parameters of %zu node types (safety aside): both ends accepted as printed, beyond "
           "refused\n",
           params, registry_count(reg));
    registry_free(reg);
    return check_finish("test_preset_ranges");
}
