/* The feature sources a preset modulation can read (docs/design.md "Modulation"). */
#ifndef LULL_MODULATION_MOD_SOURCE_H
#define LULL_MODULATION_MOD_SOURCE_H

enum mod_source {
    MOD_BREATH_RATE = 0, /* breaths/min, measured */
    MOD_BREATH_PHASE,    /* 0..1, measured */
    MOD_BREATH_DEPTH,    /* relative depth */
    MOD_HEART_RATE,      /* bpm */
    MOD_HEART_RMSSD,     /* ms */
    MOD_HEART_COHERENCE, /* ratio */
    MOD_AROUSAL,         /* ~-1..1 */
    MOD_PACER_PHASE,     /* 0..1 */
    MOD_PACER_RATE,      /* breaths/min */
    MOD_PACER_BREATH,    /* 0..1 raised-cosine breath envelope of the pacer */
    MOD_TEMPO_BEAT,      /* 0..1 phase within the current beat */
    MOD_TEMPO_BPM,       /* bpm */
    MOD_RELEASE,         /* 0/1: a release moment is in progress (bio/release_detector.h) */
    MOD_LFO,             /* -1..1, one of the preset's "lfos" (lfo.<name>; modulation/lfo.h) */
    MOD_SOURCE_COUNT
};

/* [any] "breath.rate" etc.; NULL for an out-of-range value. */
const char *mod_source_name(enum mod_source s);
/* [any] Returns -1 for an unknown name. */
int mod_source_parse(const char *name);
/* [any] Which sensor a source depends on: 0 none (clocks), 1 breath, 2 heart. */
int mod_source_sensor(enum mod_source s);
/* [any] The engine's default neutral value for a source. */
float mod_source_default_neutral(enum mod_source s);

#endif
