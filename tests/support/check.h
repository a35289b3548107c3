/* Minimal test assertions: every CHECK counts; a failing CHECK prints where and
 * why and makes the test exit non-zero. A test that checks nothing fails too. */
#ifndef LULL_TEST_CHECK_H
#define LULL_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

extern int check_failures;
extern int check_count;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

/* Call at the end of main: prints a summary, returns the exit status. */
int check_finish(const char *test_name);

/* Environment helpers: the value of an environment variable set by ctest, or a
 * fallback; aborts the test when neither exists. */
const char *test_env(const char *name);

#endif
