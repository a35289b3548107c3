#include "core/names.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool name_valid(const char *s, const char *allowed, size_t max_len)
{
    if (!s || !*s) return false;
    size_t n = strlen(s);
    return n <= max_len && strspn(s, allowed) == n;
}

size_t name_first_bad(const char *s, const char *allowed) { return strspn(s, allowed); }

bool name_is_plain(const char *s) { return s[0] != '.' && !strstr(s, ".."); }

static size_t edit_distance(const char *a, const char *b)
{
    size_t lb = strlen(b);
    if (strlen(a) > 64 || lb > 64) return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

void name_suggestion_consider(name_suggestion *s, const char *candidate)
{
    size_t d = edit_distance(s->typo, candidate);
    size_t len = strlen(candidate), limit = len / 3 + 1;
    if (d <= limit && d < len && d < s->distance) {
        s->distance = d;
        s->best = candidate;
    }
}

const char *name_suggestion_text(const name_suggestion *s, char *buf, size_t n)
{
    if (!s->best) return "";
    snprintf(buf, n, "; did you mean \"%s\"?", s->best);
    return buf;
}
