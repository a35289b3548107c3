#include "core/names.h"

#include <string.h>

bool name_valid(const char *s, const char *allowed, size_t max_len)
{
    if (!s || !*s) return false;
    size_t n = strlen(s);
    return n <= max_len && strspn(s, allowed) == n;
}

size_t name_first_bad(const char *s, const char *allowed) { return strspn(s, allowed); }

bool name_is_plain(const char *s) { return s[0] != '.' && !strstr(s, ".."); }
