/* SPDX-License-Identifier: MIT
 *
 * lull plugin ABI — the one header a DSP node is written against.
 *
 * Copyright (c) 2026 the lull developers
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy of
 * this software and associated documentation files (the "Software"), to deal in the
 * Software without restriction, including without limitation the rights to use,
 * copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the
 * Software, and to permit persons to whom the Software is furnished to do so,
 * subject to the following conditions: The above copyright notice and this
 * permission notice shall be included in all copies or substantial portions of the
 * Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
 *
 * ---------------------------------------------------------------------------------
 * How a plugin is found and used
 *
 *   A plugin is a shared object exporting one symbol, LULL_ENTRY_SYMBOL
 *   ("lull_entry"), a function returning a pointer to a const lull_plugin_entry. The entry
 *   lists the node descriptors the object provides. The host checks abi_major
 *   (must equal LULL_ABI_MAJOR) and struct sizes, then validates every descriptor
 *   before any node is created; a plugin that fails is refused with a message
 *   naming the file and the fault.
 *
 * Threads and states used in the annotations below
 *
 *   [worker]  the host's non-realtime worker thread (or the offline driver's only
 *             thread). It may allocate, lock and do I/O.
 *   [audio]   the realtime audio thread. Code called here must not allocate, free,
 *             lock, print, do file or network I/O, or make any other system call.
 *             The host proves its own audio path obeys this in its tests and
 *             `lull plugin-check` checks your process() the same way.
 *   [any]     any thread, no state required; must be thread-safe and realtime-safe.
 *
 *   States of a node instance: created -> active -> (processing) -> active ->
 *   created -> destroyed. A function says in which state it may be called.
 *   The host never calls two functions of one instance at the same time.
 *
 * Buffers and parameters
 *
 *   The host runs the graph in fixed sub-blocks of at most `max_frames` frames
 *   (given to activate). Every audio port is one mono channel of 32-bit floats.
 *   Input and output buffers never alias each other. Parameters are smoothed by the
 *   host from each parameter's declared smoothing time, so process() receives one
 *   value per frame for every parameter and need not smooth anything itself.
 *   Denormals are flushed to zero (FTZ/DAZ) on the audio thread.
 */
#ifndef LULL_PLUGIN_H
#define LULL_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LULL_ABI_MAJOR 1u
#define LULL_ABI_MINOR 2u

#if defined(_WIN32)
#define LULL_EXPORT __declspec(dllexport)
#else
#define LULL_EXPORT __attribute__((visibility("default")))
#endif

#define LULL_ENTRY_SYMBOL "lull_entry"

/* The entry function has C linkage in a C++ plugin too, or the host's dlsym would
 * not find LULL_ENTRY_SYMBOL under its mangled name (the extern "C" block around
 * this header covers declarations here, not what LULL_PLUGIN_ENTRY expands to in
 * the plugin's own file). */
#ifdef __cplusplus
#define LULL_EXTERN_C extern "C"
#else
#define LULL_EXTERN_C
#endif

/* Largest number of frames the host will ever pass to one process() call. */
#define LULL_MAX_BLOCK 64u

/* --------------------------------------------------------------------------------
 * Host services offered to a node. */
enum lull_log_level {
    LULL_LOG_ERROR = 0,
    LULL_LOG_WARN = 1,
    LULL_LOG_INFO = 2,
    LULL_LOG_DEBUG = 3
};

typedef struct lull_host {
    uint32_t struct_size;  /* sizeof(lull_host) as the host knows it */
    const char *host_name; /* "lull" */
    const char *host_version;
    const char *node_name; /* the node's name in its preset, e.g. "surf_filter" */
    /* A per-instance seed: the same preset gives the same seed to the same node on
     * every run, so noise and random walks render bit-identically. */
    uint64_t seed;
    /* [worker] Log a message against this node. Never call it from process(). */
    void (*log)(const struct lull_host *host, enum lull_log_level level, const char *msg);
    void *host_data; /* reserved for the host */
    /* ABI 1.2 (read it only when struct_size covers it; NULL before 1.2).
     * [worker] from create() on, never in process(). A host service named `name`
     * (e.g. LULL_HOST_EXT_SOUNDS) or NULL when the host does not offer it. */
    const void *(*get_extension)(const struct lull_host *host, const char *name);
} lull_host;

/* --------------------------------------------------------------------------------
 * Host service "lull.sounds/1" (ABI 1.2): sound files, loaded by the host.
 *
 * A node never opens a file. It declares named sound slots in its descriptor
 * (`sound_slots`); a preset binds each slot to one of the sound files it declares
 * (docs/presets.md, "sounds"). The host loads the file on its worker thread from
 * the configured sound directories only (libsndfile: WAV, FLAC, Ogg Vorbis, ...),
 * converts it once to the engine rate (libsamplerate, SRC_SINC_BEST_QUALITY) and
 * hands the node a read-only, deinterleaved buffer. Buffers are shared between
 * nodes and presets that use the same file; never write to them. */
#define LULL_HOST_EXT_SOUNDS "lull.sounds/1"

typedef struct lull_sound {
    uint32_t struct_size;     /* sizeof(lull_sound) as the host knows it */
    uint32_t channels;        /* 1 (mono) or 2 (stereo: data[0] left, data[1] right) */
    uint64_t frames;          /* frames per channel, >= 1 */
    double sample_rate;       /* Hz; always the rate the node was activated at */
    const float *const *data; /* data[channel][frame], read-only; nominal -1..1 */
    const char *name;         /* the preset's name for the sound, e.g. "water" */
    const char *path;         /* the file as the preset wrote it, for messages */
} lull_sound;

typedef struct lull_host_sounds {
    /* [worker] in activate() and later, any state but destroyed (not in process():
     * fetch the pointer in activate() and keep it). The sound bound to sound slot
     * `slot` (index into desc->sound_slots) at the rate passed to activate(), or
     * NULL when the slot is unbound or out of range. The struct and its samples stay
     * valid and unchanged until deactivate() returns. */
    const lull_sound *(*get)(const lull_host *host, uint32_t slot);
} lull_host_sounds;

/* --------------------------------------------------------------------------------
 * Static description of a node type. */
enum lull_param_flags {
    LULL_PARAM_STEPPED = 1u << 0,     /* integer values min..max; never smoothed */
    LULL_PARAM_LOGARITHMIC = 1u << 1, /* smoothed and mapped on a log scale (Hz, time);
                                         min must then be > 0 */
    LULL_PARAM_MODULATABLE = 1u << 2, /* preset modulations may drive it */
};

typedef struct lull_param_info {
    const char *id;   /* stable machine name used by presets and OSC: [a-z0-9_]+ */
    const char *name; /* human-readable name */
    const char *unit; /* "Hz", "dB", "s", "" ... */
    float min, max, def;
    float smoothing_ms; /* host smoothing time; 0 = jump (stepped params) */
    uint32_t flags;     /* lull_param_flags */
    /* For STEPPED params only, optional: names of the values min..max, in order, so
     * a preset may write "lowpass" instead of 0. NULL when values are numbers. */
    const char *const *value_names;
} lull_param_info;

typedef struct lull_port_info {
    const char *id; /* [a-z0-9_]+, unique among the node's inputs or outputs */
} lull_port_info;

typedef struct lull_descriptor lull_descriptor;

/* --------------------------------------------------------------------------------
 * Timing information computed by the host for every block. */
typedef struct lull_clocks {
    double sample_rate;
    uint64_t frame; /* frames rendered since the engine started */
    /* Tempo clock. beat is the position (in beats) at the first frame of the block;
     * it advances by beat_inc per frame. */
    double tempo_bpm;
    double beat;
    double beat_inc;
    /* Breath pacer. phase in [0,1) at the first frame: 0 = start of inhale,
     * inhale_fraction = start of exhale. Advances by pacer_phase_inc per frame
     * and wraps at 1. pacer_active is 0 when the pacer mode is "off"; phase still
     * runs at the preset's rate so that swells keep moving smoothly. */
    double pacer_rate; /* breaths per minute */
    double pacer_phase;
    double pacer_phase_inc;
    double inhale_fraction; /* 0.2..0.6, default 0.4: the exhale is longer */
    uint32_t pacer_active;
} lull_clocks;

enum lull_event_type {
    LULL_EVENT_BEAT = 1,   /* a tempo beat starts at this frame */
    LULL_EVENT_INHALE = 2, /* the pacer's inhale starts at this frame */
    LULL_EVENT_EXHALE = 3, /* the pacer's exhale starts at this frame */
    LULL_EVENT_SESSION_START = 4,
    LULL_EVENT_SESSION_STOP = 5,
};

typedef struct lull_event {
    uint32_t offset; /* frame within the block, 0 <= offset < frames */
    uint32_t type;   /* lull_event_type; ignore types you don't know */
    double value;    /* BEAT: beat number; others: 0 */
} lull_event;

/* Note events (ABI 1.2): sample-accurate triggers that one node emits from a note
 * output port and others receive on note input ports, wired by the preset's
 * connections exactly like audio ("pattern:notes" -> "bowl:notes"). A note
 * connection is an edge of the graph: the sender runs first in every block, and a
 * loop of note connections is refused like an audio cycle. */
enum lull_note_type {
    LULL_NOTE_ON = 1, /* strike / trigger / start a one-shot */
};

/* Pitch convention: MIDI note numbers, fractional allowed (69 = A4 = 440 Hz,
 * 60 = C4 = 261.63 Hz): f = 440 * 2^((pitch - 69) / 12). */
typedef struct lull_note {
    uint32_t offset;  /* frame within the block, 0 <= offset < frames */
    uint32_t port;    /* received: index of the note input port it arrived on;
                            emitted: index of the note output port it leaves from */
    uint32_t type;    /* lull_note_type; ignore types you don't know */
    float pitch;      /* MIDI note number, 0..127, fractional allowed */
    float velocity;   /* 0..1 (0 is a valid, silent note) */
    float duration_s; /* how long the note should sound, s; 0 = its natural decay */
} lull_note;

/* Most notes one node may emit in one block, and most a node receives in one. */
#define LULL_MAX_NOTES 64u

typedef struct lull_note_output {
    lull_note *notes;  /* room for `capacity` notes */
    uint32_t capacity; /* LULL_MAX_NOTES */
    uint32_t count;    /* 0 when process() starts; append at notes[count++] while
                            count < capacity, in non-decreasing offset order. Notes
                            beyond capacity are the node's to drop. */
} lull_note_output;

typedef struct lull_process {
    uint32_t struct_size;
    uint32_t frames;              /* 1..max_frames */
    const float *const *inputs;   /* one buffer per input port; silent if unconnected */
    float *const *outputs;        /* one buffer per output port; write every frame */
    const float *const *params;   /* params[i][f]: smoothed value of param i at frame f */
    const uint8_t *params_static; /* params_static[i] != 0: params[i][f] == params[i][0] */
    const lull_clocks *clocks;
    const lull_event *events; /* sorted by offset */
    uint32_t event_count;
    /* ABI 1.2 (read only when struct_size covers them). */
    const lull_note *notes;      /* received on the note inputs, sorted by offset */
    uint32_t note_count;         /* <= LULL_MAX_NOTES */
    lull_note_output *notes_out; /* NULL unless the node has note outputs */
} lull_process;

/* --------------------------------------------------------------------------------
 * A node type. A node instance is an opaque pointer the plugin returns from
 * create(); the host passes it back to every other function. */
struct lull_descriptor {
    uint32_t struct_size; /* sizeof(lull_descriptor) */
    const char *id;       /* unique type id used by presets: [a-z0-9_.]+, e.g. "noise" */
    const char *name;
    const char *version; /* the node's own version, e.g. "1.0.0" */
    const char *description;

    uint32_t input_count;
    const lull_port_info *inputs;
    uint32_t output_count;
    const lull_port_info *outputs;
    uint32_t param_count;
    const lull_param_info *params;

    /* [worker] Create an instance. `host` stays valid until destroy(). Returns NULL
     * on failure. State: -> created. `desc` has this descriptor's contents but may be
     * the host's copy (hosts of ABI 1.2 keep a full-size copy of older descriptors):
     * tell your node types apart by desc->id, not by address. */
    void *(*create)(const lull_descriptor *desc, const lull_host *host);

    /* [worker] created -> active. The only place a node may allocate its buffers.
     * max_frames <= LULL_MAX_BLOCK. Returns false on failure (node stays created). */
    bool (*activate)(void *self, double sample_rate, uint32_t max_frames);

    /* [audio] active. Render ctx->frames frames. Must be realtime-safe (see top),
     * must write every output frame, must keep outputs finite for finite inputs. */
    void (*process)(void *self, const lull_process *ctx);

    /* [audio] active. Optional (may be NULL). Clear internal state (delay lines,
     * filter memories) so the next block starts from silence. */
    void (*reset)(void *self);

    /* [worker] active -> created. Free what activate() allocated. */
    void (*deactivate)(void *self);

    /* [worker] created -> destroyed. */
    void (*destroy)(void *self);

    /* [worker] any state but destroyed. Optional (may be NULL). Returns the
     * extension struct named `name` (e.g. LULL_EXT_LATENCY) or NULL. */
    const void *(*get_extension)(void *self, const char *name);

    /* ABI 1.2, appended: a host reads them only when struct_size covers them (a 1.1
     * descriptor has none). Note ports carry lull_note events (see above); ids
     * [a-z0-9_]+, unique among all of the node's input ports (audio and note) and
     * among all of its output ports. */
    uint32_t note_input_count;
    const lull_port_info *note_inputs;
    uint32_t note_output_count;
    const lull_port_info *note_outputs;
    /* Sound slots (see LULL_HOST_EXT_SOUNDS): every slot must be bound by the
     * preset, or the preset is refused. ids [a-z0-9_]+, unique. */
    uint32_t sound_slot_count;
    const lull_port_info *sound_slots;
};

/* sizeof(lull_descriptor) in ABI 1.0/1.1, which ended at get_extension: hosts
 * accept descriptors at least this large. */
#define LULL_DESCRIPTOR_SIZE_1_1 (offsetof(lull_descriptor, get_extension) + sizeof(void *))

/* Extension "lull.latency/1": a node that delays its signal (lookahead) says by
 * how many frames, so the host can report it. */
#define LULL_EXT_LATENCY "lull.latency/1"
typedef struct lull_ext_latency {
    /* [worker] active. */
    uint32_t (*get)(void *self);
} lull_ext_latency;

/* Extension "lull.batch/1" (ABI minor 1): a node that can run several of its
 * instances together (e.g. one per SIMD lane) says how. The host only batches
 * active instances of the same descriptor, none of which feeds another in the same
 * call, and may still call process() on any instance alone. */
#define LULL_EXT_BATCH "lull.batch/1"
typedef struct lull_ext_batch {
    /* [audio] active, for every instance. Process `count` instances of this
     * descriptor: selves[i] with ctxs[i], exactly as if process(selves[i], ctxs[i])
     * were called for i = 0..count-1 in turn (bit-identical outputs and state).
     * The same realtime rules as process() apply. */
    void (*process_batch)(void *const *selves, const lull_process *const *ctxs, uint32_t count);
} lull_ext_batch;

/* --------------------------------------------------------------------------------
 * The exported entry. */
typedef struct lull_plugin_entry {
    uint32_t abi_major; /* LULL_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;
    uint32_t struct_size; /* sizeof(lull_plugin_entry) */
    uint32_t descriptor_count;
    const lull_descriptor *const *descriptors;
} lull_plugin_entry;

/* [worker] Exported by every plugin as LULL_ENTRY_SYMBOL. Returns a pointer to
 * static storage; must not fail and must not allocate. */
typedef const lull_plugin_entry *(*lull_entry_fn)(void);

/* Convenience for plugin authors: LULL_PLUGIN_ENTRY(descriptor, descriptor, ...)
 * defines the exported entry function for the listed descriptors. Define
 * LULL_ENTRY_NAME before including this header to rename the function (the host
 * does so to link a node statically). */
#ifndef LULL_ENTRY_NAME
#define LULL_ENTRY_NAME lull_entry
#endif
#define LULL_PLUGIN_ENTRY(...)                                                                     \
    static const lull_descriptor *const lull_entry_descriptors_[] = {__VA_ARGS__};                 \
    LULL_EXTERN_C LULL_EXPORT const lull_plugin_entry *LULL_ENTRY_NAME(void);                      \
    LULL_EXTERN_C LULL_EXPORT const lull_plugin_entry *LULL_ENTRY_NAME(void)                       \
    {                                                                                              \
        static const lull_plugin_entry e = {                                                       \
            LULL_ABI_MAJOR, LULL_ABI_MINOR, (uint32_t)sizeof(lull_plugin_entry),                   \
            (uint32_t)(sizeof(lull_entry_descriptors_) / sizeof(lull_entry_descriptors_[0])),      \
            lull_entry_descriptors_};                                                              \
        return &e;                                                                                 \
    }

#ifdef __cplusplus
}
#endif
#endif /* LULL_PLUGIN_H */
