/* Fuzz harness: device address map files (engine/src/osc/device_map), parsed as
 * `lulld --device-map FILE` does; every rule of an accepted map then translates
 * one numeric message and builds its reverse message (lull simulate --dialect). */
#include <lo/lo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "osc/device_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strdup(data, size);
    device_map *m = malloc(sizeof *m); /* fixed tables: large for the stack */
    if (!m) abort();
    device_map_init(m);
    char err[512];
    err[0] = '\0';
    if (device_map_parse(m, text, "fuzz.map", err, sizeof err)) {
        for (size_t i = 0; i < m->n; i++) {
            const device_rule *r = &m->rules[i];
            float in[8] = {0.5f, -1, 2, 3, 4, 5, 6, 7}, out[64];
            lo_arg a[8], *argv[8];
            char types[9];
            for (int k = 0; k < 8; k++) {
                a[k].f = in[k];
                argv[k] = &a[k];
                types[k] = 'f';
            }
            for (int argc = 0; argc <= 8; argc++) {
                types[argc] = '\0';
                enum sensor_kind kind;
                int count = 0;
                const device_rule *hit = NULL;
                const char *why = NULL;
                device_map_translate(m, r->address, types, argv, argc, &kind, out, 64, &count, &hit,
                                     &why);
                types[argc] = 'f';
            }
            lo_message msg = device_rule_message(r, in, 1);
            if (msg) lo_message_free(msg);
        }
    } else if (!err[0]) {
        fprintf(stderr, "fuzz_device_map: a map was refused without a message\n");
        abort();
    }
    free(m);
    free(text);
    return 0;
}
