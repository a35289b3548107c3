#include "preset/preset_name.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/names.h"

bool preset_name_valid(const char *name, char *err, size_t errlen)
{
    size_t len = name ? strnlen(name, NAME_MAX_LEN + 1) : 0;
    if (len == 0 || len > NAME_MAX_LEN) {
        snprintf(err, errlen, "preset name must be 1..%u characters", NAME_MAX_LEN);
        return false;
    }
    if (!name_valid(name, NAME_FILE_CHARS, NAME_MAX_LEN)) {
        snprintf(err, errlen, "preset name \"%.63s\" may only use letters, digits, '_', '-', '.'",
                 name);
        return false;
    }
    if (!name_is_plain(name)) {
        snprintf(err, errlen, "preset name \"%s\" may not start with '.' or contain \"..\"", name);
        return false;
    }
    return true;
}

bool preset_arg_is_file(const char *arg)
{
    struct stat st;
    size_t n = strlen(arg);
    return strchr(arg, '/') || (n > 5 && strcmp(arg + n - 5, ".json") == 0) ||
           (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}
