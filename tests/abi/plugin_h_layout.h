/* The layout of every plugin.h struct as one list of numbers (sizes and field
 * offsets), computed the same way by a C11 and a C++17 translation unit so the test
 * can check that both languages see one ABI. Included by plugin_h_c11.c and
 * plugin_h_cxx17.cpp only. */
#ifndef LULL_TEST_PLUGIN_H_LAYOUT_H
#define LULL_TEST_PLUGIN_H_LAYOUT_H

#include <lull/plugin.h>

#include <stddef.h>

/* X(value) for each figure; the order is the list's identity. Kept out of
 * clang-format, which cannot lay out a list of macro calls stably. */
// clang-format off
#define PLUGIN_H_LAYOUT(X)                                                               \
    X(sizeof(lull_host)) X(offsetof(lull_host, seed)) X(offsetof(lull_host, log))        \
    X(offsetof(lull_host, get_extension))                                                \
    X(sizeof(lull_sound)) X(offsetof(lull_sound, frames)) X(offsetof(lull_sound, data))  \
    X(offsetof(lull_sound, path)) X(sizeof(lull_host_sounds))                            \
    X(sizeof(lull_param_info)) X(offsetof(lull_param_info, min))                         \
    X(offsetof(lull_param_info, smoothing_ms)) X(offsetof(lull_param_info, value_names)) \
    X(sizeof(lull_port_info)) X(sizeof(lull_clocks))                                     \
    X(offsetof(lull_clocks, pacer_rate)) X(offsetof(lull_clocks, pacer_active))          \
    X(sizeof(lull_event)) X(offsetof(lull_event, value))                                 \
    X(sizeof(lull_note)) X(offsetof(lull_note, pitch))                                   \
    X(offsetof(lull_note, duration_s))                                                   \
    X(sizeof(lull_note_output)) X(offsetof(lull_note_output, count))                     \
    X(sizeof(lull_process)) X(offsetof(lull_process, clocks))                            \
    X(offsetof(lull_process, event_count)) X(offsetof(lull_process, notes))              \
    X(offsetof(lull_process, notes_out))                                                 \
    X(sizeof(lull_descriptor)) X(offsetof(lull_descriptor, create))                      \
    X(offsetof(lull_descriptor, get_extension)) X(LULL_DESCRIPTOR_SIZE_1_1)              \
    X(offsetof(lull_descriptor, note_input_count))                                       \
    X(offsetof(lull_descriptor, sound_slots))                                            \
    X(sizeof(lull_ext_latency)) X(sizeof(lull_ext_batch))                                \
    X(sizeof(lull_plugin_entry)) X(offsetof(lull_plugin_entry, descriptors))             \
    X(sizeof(enum lull_log_level)) X(sizeof(enum lull_event_type))                       \
    X(LULL_ABI_MAJOR) X(LULL_ABI_MINOR) X(LULL_MAX_BLOCK) X(LULL_MAX_NOTES)
// clang-format on

#define PLUGIN_H_LAYOUT_COUNT_ONE(v) +1
enum { PLUGIN_H_LAYOUT_COUNT = 0 PLUGIN_H_LAYOUT(PLUGIN_H_LAYOUT_COUNT_ONE) };

#ifdef __cplusplus
extern "C" {
#endif
/* [any] Fill out[0..PLUGIN_H_LAYOUT_COUNT) as each language sees the header. */
void plugin_h_layout_c11(size_t *out);
void plugin_h_layout_cxx17(size_t *out);
/* [any] The C11 unit's entry (LULL_ENTRY_NAME renamed, as the host does). */
const lull_plugin_entry *plugin_h_c11_entry(void);
#ifdef __cplusplus
}
#endif

#endif
