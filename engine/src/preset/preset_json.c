#include "preset/preset_json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Same nesting limit as jansson's default parser. */
#define JSON_POS_MAX_DEPTH 2048

typedef struct scanner {
    const unsigned char *s;
    size_t len, i;
    int line, column; /* of s[i] */
} scanner;

static int peek(const scanner *sc) { return sc->i < sc->len ? sc->s[sc->i] : -1; }

/* Consumes one byte; a column advances on the first byte of each UTF-8 sequence. */
static int next(scanner *sc)
{
    if (sc->i >= sc->len) return -1;
    int c = sc->s[sc->i++];
    if (c == '\n') {
        sc->line++;
        sc->column = 1;
    } else if (sc->i >= sc->len || (sc->s[sc->i] & 0xC0) != 0x80) {
        sc->column++;
    }
    return c;
}

static void skip_ws(scanner *sc)
{
    for (int c = peek(sc); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(sc)) next(sc);
}

static bool expect(scanner *sc, char c)
{
    if (peek(sc) != (unsigned char)c) return false;
    next(sc);
    return true;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(scanner *sc, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_value(next(sc));
        if (h < 0) return false;
        v = v * 16 + (uint32_t)h;
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string; when `decoded` is not NULL, returns its decoded UTF-8 text (the
 * same bytes jansson stores for it) in a malloc'd buffer. */
static bool scan_string(scanner *sc, char **decoded)
{
    if (!expect(sc, '"')) return false;
    size_t start = sc->i;
    char *out = NULL;
    size_t n = 0;
    if (decoded) {
        /* Decoding never makes a string longer than its source text, which ends at
         * the closing quote (the first '"' not escaped): allocate just that, not
         * the rest of the file (a file of many keys would otherwise cost its size
         * squared). */
        size_t end = start;
        while (end < sc->len && sc->s[end] != '"') end += sc->s[end] == '\\' ? 2 : 1;
        out = malloc((end < sc->len ? end : sc->len) - start + 1);
        if (!out) return false;
    }
    for (;;) {
        int c = next(sc);
        if (c < 0 || c < 0x20) goto fail;
        if (c == '"') break;
        if (c != '\\') {
            if (out) out[n++] = (char)c;
            continue;
        }
        c = next(sc);
        uint32_t cp;
        switch (c) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (!read_hex4(sc, &cp)) goto fail;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (!expect(sc, '\\') || !expect(sc, 'u') || !read_hex4(sc, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    goto fail;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            break;
        default: goto fail;
        }
        if (out) n += put_utf8(out + n, cp);
    }
    if (out) {
        out[n] = '\0';
        *decoded = out;
    }
    return true;
fail:
    free(out);
    return false;
}

static bool scan_scalar(scanner *sc)
{
    /* Numbers and literals: jansson has checked their syntax already. */
    size_t start = sc->i;
    for (int c = peek(sc); c >= 0; c = peek(sc)) {
        bool part = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
                    c == '.' || c == 'E';
        if (!part) break;
        next(sc);
    }
    return sc->i > start;
}

static void free_children(json_pos *p)
{
    for (size_t k = 0; k < p->count; k++) {
        free_children(&p->children[k]);
        free(p->children[k].key);
    }
    free(p->children);
    p->children = NULL;
    p->count = 0;
}

static json_pos *add_child(json_pos *p, size_t *cap)
{
    if (p->count == *cap) {
        size_t n = *cap ? *cap * 2 : 4;
        json_pos *c = realloc(p->children, n * sizeof *c);
        if (!c) return NULL;
        p->children = c;
        *cap = n;
    }
    json_pos *child = &p->children[p->count++];
    memset(child, 0, sizeof *child);
    return child;
}

static bool scan_value(scanner *sc, json_pos *p, int depth)
{
    if (depth > JSON_POS_MAX_DEPTH) return false;
    skip_ws(sc);
    p->line = sc->line;
    p->column = sc->column;
    int c = peek(sc);
    size_t cap = 0;
    if (c == '{') {
        next(sc);
        skip_ws(sc);
        if (expect(sc, '}')) return true;
        for (;;) {
            json_pos *m = add_child(p, &cap);
            if (!m) return false;
            skip_ws(sc);
            m->key_line = sc->line;
            m->key_column = sc->column;
            if (!scan_string(sc, &m->key)) return false;
            skip_ws(sc);
            if (!expect(sc, ':') || !scan_value(sc, m, depth + 1)) return false;
            skip_ws(sc);
            if (expect(sc, '}')) return true;
            if (!expect(sc, ',')) return false;
        }
    }
    if (c == '[') {
        next(sc);
        skip_ws(sc);
        if (expect(sc, ']')) return true;
        for (;;) {
            json_pos *e = add_child(p, &cap);
            if (!e || !scan_value(sc, e, depth + 1)) return false;
            skip_ws(sc);
            if (expect(sc, ']')) return true;
            if (!expect(sc, ',')) return false;
        }
    }
    if (c == '"') return scan_string(sc, NULL);
    return scan_scalar(sc);
}

json_pos *json_pos_scan(const char *text, size_t len)
{
    scanner sc = {(const unsigned char *)text, len, 0, 1, 1};
    json_pos *root = calloc(1, sizeof *root);
    if (!root) return NULL;
    if (!scan_value(&sc, root, 0)) {
        json_pos_free(root);
        return NULL;
    }
    return root;
}

void json_pos_free(json_pos *root)
{
    if (!root) return;
    free_children(root);
    free(root);
}

const json_pos *json_pos_member(const json_pos *obj, const char *key)
{
    for (size_t k = 0; obj && k < obj->count; k++)
        if (obj->children[k].key && strcmp(obj->children[k].key, key) == 0)
            return &obj->children[k];
    return NULL;
}

const json_pos *json_pos_element(const json_pos *arr, size_t i)
{
    return arr && i < arr->count ? &arr->children[i] : NULL;
}
