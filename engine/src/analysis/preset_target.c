#include "analysis/preset_target.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/install_paths.h"
#include "engine/engine.h"
#include "preset/preset.h"
#include "preset/preset_name.h"

/* The offline driver's rule: a path, a *.json name or an existing file is a file. */
static int looks_like_file(const char *s)
{
    struct stat st;
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".json") == 0) ||
           (stat(s, &st) == 0 && S_ISREG(st.st_mode));
}

int preset_declared_loudness(const struct plugin_registry *reg, const char *preset, double *lufs,
                             char *err, size_t errlen)
{
    *lufs = NAN;
    char path[4096];
    if (looks_like_file(preset)) {
        snprintf(path, sizeof path, "%s", preset);
    } else {
        if (!preset_name_valid(preset, err, errlen)) return -1;
        /* The engine's default preset directory (engine_control.c). */
        const char *dir = getenv("LULL_PRESET_DIR");
        struct stat st;
        if (!dir || !*dir) dir = lull_default_preset_dir();
        snprintf(path, sizeof path, "%s/%s.json", dir, preset);
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "no preset named \"%s\" in %s", preset, dir);
            return -1;
        }
    }
    lull_preset *p = preset_load_file(path, reg, err, errlen);
    if (!p) return -1;
    *lufs = p->loudness_lufs;
    preset_free(p);
    return 0;
}
