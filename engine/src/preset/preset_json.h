/* Source positions of the values of a JSON text.
 *
 * jansson reports a position only for syntax errors. A preset validator must point
 * at the offending value, so after jansson has accepted a text, json_pos_scan walks
 * the same text again and records where every value (and every object member's key)
 * starts, as a tree mirroring the jansson value. Lines and columns are counted the
 * way jansson counts them (1-based, a column is a Unicode character), so positions
 * from both agree. */
#ifndef LULL_PRESET_PRESET_JSON_H
#define LULL_PRESET_PRESET_JSON_H

#include <stddef.h>

typedef struct json_pos {
    int line, column;          /* first character of the value */
    int key_line, key_column;  /* the member's key (object members only) */
    char *key;                 /* decoded key (object members only), else NULL */
    size_t count;              /* members of an object, elements of an array */
    struct json_pos *children; /* in text order */
} json_pos;

/* [any !audio] Scans a text that jansson has accepted. Returns NULL when the text is
 * not well-formed JSON or memory runs out. Free with json_pos_free. */
json_pos *json_pos_scan(const char *text, size_t len);
void json_pos_free(json_pos *root);

/* [any !audio] The member `key` of an object, or NULL. */
const json_pos *json_pos_member(const json_pos *obj, const char *key);
/* [any !audio] Element i of an array, or NULL. */
const json_pos *json_pos_element(const json_pos *arr, size_t i);

#endif
