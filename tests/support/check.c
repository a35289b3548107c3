#include "check.h"

#include <stdlib.h>

int check_failures = 0;
int check_count = 0;

int check_finish(const char *test_name)
{
    if (check_count == 0) {
        fprintf(stderr, "%s: no checks ran\n", test_name);
        return 1;
    }
    fprintf(stderr, "%s: %d checks, %d failed\n", test_name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

const char *test_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "environment variable %s is not set (run the test with ctest)\n", name);
        exit(2);
    }
    return v;
}
