/* The one name checker. Every name that reaches a file path, a preset, a plugin
 * descriptor or an OSC address is checked here, against an alphabet the caller
 * names: a few alphabets, each one place, instead of a loop per parser.
 *
 *   NAME_ID_CHARS          [a-z0-9_]   parameter, port and sound slot ids (plugin.h),
 *                                      preset node names, sound ids, LFO names
 *   NAME_TYPE_ID_CHARS     [a-z0-9_.]  descriptor (node type) ids (plugin.h)
 *   NAME_TAG_CHARS         [a-z0-9-]   preset tags
 *   NAME_FILE_CHARS        [A-Za-z0-9_.-]  preset names resolved to files
 *   NAME_OSC_CHARS         [A-Za-z0-9_.- ] node and parameter names sent over OSC
 *
 * Pure functions on NUL-terminated strings: [any] thread, realtime-safe. */
#ifndef LULL_CORE_NAMES_H
#define LULL_CORE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"
#define NAME_ID_CHARS NAME_LOWER_DIGITS "_"
#define NAME_TYPE_ID_CHARS NAME_LOWER_DIGITS "_."
#define NAME_TAG_CHARS NAME_LOWER_DIGITS "-"
#define NAME_FILE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ" NAME_LOWER_DIGITS "_.-"
#define NAME_OSC_CHARS NAME_FILE_CHARS " "

/* Longest id, preset name or OSC name, bytes without the NUL (buffers of 64). */
#define NAME_MAX_LEN 63u

/* [any] True when s is non-NULL, 1..max_len bytes long and every byte is one of
 * `allowed`. */
bool name_valid(const char *s, const char *allowed, size_t max_len);

/* [any] Offset of the first byte of s not in `allowed` (strlen(s) when none). */
size_t name_first_bad(const char *s, const char *allowed);

/* [any] True when s cannot climb out of a directory: it does not start with '.'
 * and holds no "..". (The alphabets above have no '/'.) */
bool name_is_plain(const char *s);

/* The closest of several candidates to a misspelt name, for "did you mean" hints:
 * Levenshtein distance, accepted when at most a third of the candidate's length
 * plus one (and less than its length), the first of equals kept. Start with
 * {typo, NULL, SIZE_MAX}. */
typedef struct name_suggestion {
    const char *typo;
    const char *best; /* NULL: none close enough */
    size_t distance;
} name_suggestion;

/* [any] Weigh one candidate. Names longer than 64 bytes are never suggested. */
void name_suggestion_consider(name_suggestion *s, const char *candidate);

/* [any] "; did you mean \"x\"?" into buf, or "" when there is no suggestion.
 * Returns buf (or the empty string). */
const char *name_suggestion_text(const name_suggestion *s, char *buf, size_t n);

#endif
