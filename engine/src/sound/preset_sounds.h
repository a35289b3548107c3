/* A preset's sound files, loaded from a sound bank and presented to the nodes as
 * lull_sound structs (plugin.h, "lull.sounds/1"). A plan holds one of these for as
 * long as it lives; messages point at the file string in the preset's "sounds"
 * ("file:line:column: sound \"water\": <reason>"). */
#ifndef LULL_SOUND_PRESET_SOUNDS_H
#define LULL_SOUND_PRESET_SOUNDS_H

#include <stdbool.h>
#include <stddef.h>

#include "lull/plugin.h"
#include "preset/preset.h"
#include "sound/sound_bank.h"

typedef struct preset_sounds {
    sound_bank *bank;
    size_t count;            /* = the preset's sound_count */
    lull_sound *sounds;      /* one per declared sound; zeroed when unused */
    const sound_data **data; /* the bank's references; NULL when unused */
    char **strings;          /* copies of ids and files: 2 per sound */
} preset_sounds;

/* [worker] Acquires every sound that a node of `p` binds (unused declarations are
 * not loaded). `bank` may be NULL when the preset binds none. On failure releases
 * what it took and returns false with "origin:line:column: sound \"id\": reason". */
bool preset_sounds_acquire(preset_sounds *ps, const lull_preset *p, sound_bank *bank, char *err,
                           size_t errlen);
/* [worker] Returns every reference. Safe on a zeroed or released struct. */
void preset_sounds_release(preset_sounds *ps);

/* [worker] The sound bound to slot `slot` of preset node `node`, or NULL. */
const lull_sound *preset_sounds_for_slot(const preset_sounds *ps, const lull_preset *p, size_t node,
                                         uint32_t slot);

/* [worker] What `lull validate` runs: every bound file found, decoded and within the
 * limits at the bank's rate, nothing kept. Same messages as acquire. */
bool preset_sounds_check(const lull_preset *p, sound_bank *bank, char *err, size_t errlen);

#endif
