/* A preset's sound files (preset_sounds.h). */
#include "sound/preset_sounds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail_sound(const lull_preset *p, size_t i, const char *why, char *err, size_t errlen)
{
    const preset_sound *s = &p->sounds[i];
    snprintf(err, errlen, "%s:%d:%d: sound \"%s\": %s", p->origin ? p->origin : p->name, s->line,
             s->column, s->id, why);
    return false;
}

/* Without a bank, a bound sound cannot be honoured: the first one is the error. */
static bool need_bank(const lull_preset *p, const sound_bank *bank, char *err, size_t errlen)
{
    for (size_t i = 0; !bank && i < p->sound_count; i++)
        if (p->sounds[i].used)
            return fail_sound(p, i, "this host loads no sound files (no sound bank)", err, errlen);
    return true;
}

bool preset_sounds_acquire(preset_sounds *ps, const lull_preset *p, sound_bank *bank, char *err,
                           size_t errlen)
{
    memset(ps, 0, sizeof *ps);
    if (!need_bank(p, bank, err, errlen)) return false;
    ps->bank = bank;
    ps->count = p->sound_count;
    size_t n = ps->count ? ps->count : 1;
    ps->sounds = calloc(n, sizeof *ps->sounds);
    ps->data = calloc(n, sizeof *ps->data);
    ps->strings = calloc(2 * n, sizeof *ps->strings);
    if (!ps->sounds || !ps->data || !ps->strings) {
        preset_sounds_release(ps);
        snprintf(err, errlen, "%s: out of memory", p->name);
        return false;
    }
    for (size_t i = 0; i < p->sound_count; i++) {
        const preset_sound *s = &p->sounds[i];
        if (!s->used) continue;
        char why[1536];
        const sound_data *d = sound_bank_acquire(bank, s->file, NULL, why, sizeof why);
        if (!d) {
            preset_sounds_release(ps);
            return fail_sound(p, i, why, err, errlen);
        }
        ps->data[i] = d;
        ps->strings[2 * i] = strdup(s->id);
        ps->strings[2 * i + 1] = strdup(s->file);
        if (!ps->strings[2 * i] || !ps->strings[2 * i + 1]) {
            preset_sounds_release(ps);
            return fail_sound(p, i, "out of memory", err, errlen);
        }
        ps->sounds[i] = (lull_sound){
            .struct_size = sizeof(lull_sound),
            .channels = d->channels,
            .frames = d->frames,
            .sample_rate = d->sample_rate,
            .data = d->data,
            .name = ps->strings[2 * i],
            .path = ps->strings[2 * i + 1],
        };
    }
    return true;
}

void preset_sounds_release(preset_sounds *ps)
{
    for (size_t i = 0; ps->data && i < ps->count; i++) sound_bank_release(ps->bank, ps->data[i]);
    for (size_t i = 0; ps->strings && i < 2 * ps->count; i++) free(ps->strings[i]);
    free(ps->sounds);
    free(ps->data);
    free(ps->strings);
    memset(ps, 0, sizeof *ps);
}

const lull_sound *preset_sounds_for_slot(const preset_sounds *ps, const lull_preset *p, size_t node,
                                         uint32_t slot)
{
    const preset_node *pn = &p->nodes[node];
    if (!pn->slot_sounds || slot >= descriptor_sound_slot_count(pn->desc)) return NULL;
    uint32_t i = pn->slot_sounds[slot];
    return i < ps->count && ps->data[i] ? &ps->sounds[i] : NULL;
}

bool preset_sounds_check(const lull_preset *p, sound_bank *bank, char *err, size_t errlen)
{
    if (!need_bank(p, bank, err, errlen)) return false;
    for (size_t i = 0; i < p->sound_count; i++) {
        if (!p->sounds[i].used) continue;
        char why[1536];
        if (sound_bank_check(bank, p->sounds[i].file, why, sizeof why) != SOUND_OK)
            return fail_sound(p, i, why, err, errlen);
    }
    return true;
}
