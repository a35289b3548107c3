/* Engine fixtures for tests: an offline (inline) or threaded engine with the
 * project's plugins and presets, preset files written from strings, and rendering
 * into growable buffers. */
#ifndef LULL_TEST_ENGINE_FIXTURE_H
#define LULL_TEST_ENGINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* An engine at `rate`; threaded or inline. Aborts the test on failure. */
lull_engine *fx_engine(double rate, bool threaded);

/* Write `json` to a fresh temporary file and return its path (static storage per
 * call slot: keep at most 8 alive). */
const char *fx_preset_file(const char *json);

/* Load a preset (file path, or name when it has no '/') and wait for the outcome.
 * Returns true when it loaded; the reason lands in why (may be NULL). */
bool fx_load(lull_engine *e, const char *preset, float crossfade_s, char *why, size_t whylen);

/* Render `frames` stereo frames in host buffers of `host_block` frames into l/r
 * (caller-allocated). */
void fx_render(lull_engine *e, float *l, float *r, size_t frames, uint32_t host_block);

#endif
