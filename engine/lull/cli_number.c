/* One parser for the numbers the `lull` subcommands take on their command lines. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

bool cli_parse_number(const char *cmd, const char *flag, const char *s, double lo, double hi,
                      double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "lull %s: %s expects a number in %g..%g, got \"%s\"\n", cmd, flag, lo, hi,
                s);
        return false;
    }
    *out = v;
    return true;
}
