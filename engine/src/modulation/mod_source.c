#include "modulation/mod_source.h"

#include <string.h>

#include "core/limits.h"

static const struct {
    const char *name;
    int sensor;
    float neutral;
} k_sources[MOD_SOURCE_COUNT] = {
    [MOD_BREATH_RATE] = {"breath.rate", 1, 12.0f},
    [MOD_BREATH_PHASE] = {"breath.phase", 1, 0.5f},
    [MOD_BREATH_DEPTH] = {"breath.depth", 1, 1.0f},
    [MOD_HEART_RATE] = {"heart.rate", 2, 70.0f},
    [MOD_HEART_RMSSD] = {"heart.rmssd", 2, 40.0f},
    [MOD_HEART_COHERENCE] = {"heart.coherence", 2, 1.0f},
    [MOD_AROUSAL] = {"arousal", 2, 0.0f},
    [MOD_PACER_PHASE] = {"pacer.phase", 0, 0.0f},
    [MOD_PACER_RATE] = {"pacer.rate", 0, (float)LULL_PACER_DEFAULT_RATE},
    [MOD_PACER_BREATH] = {"pacer.breath", 0, 0.0f},
    [MOD_TEMPO_BEAT] = {"tempo.beat", 0, 0.0f},
    [MOD_TEMPO_BPM] = {"tempo.bpm", 0, (float)LULL_TEMPO_DEFAULT_BPM},
    [MOD_RELEASE] = {"release", 1, 0.0f},
    [MOD_LFO] = {"lfo.<name>", 0, 0.0f},
};

const char *mod_source_name(enum mod_source s)
{
    return (unsigned)s < MOD_SOURCE_COUNT ? k_sources[s].name : NULL;
}

int mod_source_parse(const char *name)
{
    for (int i = 0; i < MOD_SOURCE_COUNT; i++)
        if (strcmp(k_sources[i].name, name) == 0) return i;
    return -1;
}

int mod_source_sensor(enum mod_source s)
{
    return (unsigned)s < MOD_SOURCE_COUNT ? k_sources[s].sensor : 0;
}

float mod_source_default_neutral(enum mod_source s)
{
    return (unsigned)s < MOD_SOURCE_COUNT ? k_sources[s].neutral : 0.0f;
}
