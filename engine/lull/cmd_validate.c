/* `lull validate FILE|NAME...`: checks preset files (a NAME is the file of that name
 * in the default preset directory, as `lull render --preset NAME` finds it) against
 * the schema and the node types of the installed plugins, and the sound files they
 * bind (found, decoded, within the limits), printing "file:line:column: message"
 * for each refused file (stderr) and "file: ok" for each valid one (stdout). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "engine/engine.h"
#include "plugin/registry.h"
#include "preset/preset.h"
#include "preset/preset_name.h"
#include "sound/preset_sounds.h"

/* Sound limits depend on the rate a file converts to: check at the daemon's usual. */
#define VALIDATE_RATE 48000.0

/* argv[0] is the subcommand name ("validate"); the files follow. Exit status: 0 when
 * every file is valid, 1 when any is refused, 2 on a usage or plugin loading error. */
int cmd_validate(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: lull validate [--sounds DIR]... FILE|NAME...\n"
               "Checks preset files (docs/presets.md) against the node types of the plugins in\n"
               "the default plugin directory and $LULL_PLUGIN_DIR (which adds to it), and\n"
               "reads every sound file\n"
               "they bind from the sound directories (--sounds, repeatable; default\n"
               "$LULL_SOUND_DIR, else the preset directory's sounds/). Prints\n"
               "FILE:LINE:COLUMN: MESSAGE for each invalid file; exits 1 if any is invalid.\n"
               "A NAME (no '/', no .json, not a file here) is the preset of that file name, or\n"
               "that display name, in the preset directory ($LULL_PRESET_DIR, else the\n"
               "installed one), as the daemon finds it.\n");
        return 0;
    }
    const char *dirs[LULL_MAX_DIRS] = {NULL};
    size_t ndirs = 0;
    int first = 1;
    while (first + 1 < argc && strcmp(argv[first], "--sounds") == 0) {
        if (ndirs >= LULL_MAX_DIRS - 1) {
            fprintf(stderr, "lull validate: --sounds given too often (at most %d)\n",
                    LULL_MAX_DIRS - 1);
            return 2;
        }
        dirs[ndirs++] = argv[first + 1];
        first += 2;
    }
    if (first >= argc || strcmp(argv[first], "--sounds") == 0) {
        fprintf(stderr, "usage: lull validate [--sounds DIR]... FILE|NAME...\n");
        return 2;
    }
    static char defaults[LULL_MAX_DIRS - 1][LULL_DIR_MAX];
    if (ndirs == 0) {
        size_t n = lull_engine_default_sound_dirs(NULL, defaults, LULL_MAX_DIRS - 1);
        for (size_t i = 0; i < n; i++) dirs[i] = defaults[i];
    }
    sound_bank *bank = sound_bank_create(VALIDATE_RATE, dirs);
    char err[2048];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    if (!reg || !bank) {
        fprintf(stderr, "lull validate: cannot load the plugins: %s\n",
                bank ? err : "out of memory");
        registry_free(reg);
        sound_bank_destroy(bank);
        return 2;
    }
    int status = 0;
    for (int i = first; i < argc; i++) {
        char path[LULL_DIR_MAX + 80];
        if (preset_arg_is_file(argv[i])) {
            snprintf(path, sizeof path, "%s", argv[i]);
        } else if (!lull_engine_default_preset_file(argv[i], reg, path, sizeof path, err,
                                                    sizeof err)) {
            fprintf(stderr, "lull validate: %s\n", err);
            status = 1;
            continue;
        }
        lull_preset *p = preset_load_file(path, reg, err, sizeof err);
        if (p && !preset_sounds_check(p, bank, err, sizeof err)) {
            preset_free(p);
            p = NULL;
        }
        if (p) {
            printf("%s: ok\n", path);
            preset_free(p);
        } else {
            fprintf(stderr, "%s\n", err);
            status = 1;
        }
    }
    registry_free(reg);
    sound_bank_destroy(bank);
    return status;
}
