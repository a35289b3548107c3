/* `lull plugin-check` passes good plugins and fails each deliberately broken one in
 * tests/plugins/ with a message that names the fault. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/alloc_guard.h"
#include "plugin/plugin_check.h"

static char test_plugin_dir[4096];

/* Runs the check on `path`; returns its report (caller frees) and status. */
static char *check_file(const char *path, int *status)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        fprintf(stderr, "open_memstream failed\n");
        exit(2);
    }
    *status = plugin_check_run(path, f);
    fclose(f);
    return text;
}

static void expect_pass(const char *path)
{
    int status;
    char *text = check_file(path, &status);
    CHECK(status == 0, "%s should pass, report:\n%s", path, text);
    CHECK(strstr(text, "RESULT: PASS") != NULL, "%s: no PASS verdict:\n%s", path, text);
    CHECK(strstr(text, "FAIL") == NULL, "%s: a FAIL line in a passing report:\n%s", path, text);
    fprintf(stderr, "%s", text);
    free(text);
}

/* The check must fail and every one of the NULL-terminated phrases must appear. */
static void expect_fail(const char *name, const char *const *phrases)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.so", test_plugin_dir, name);
    int status;
    char *text = check_file(path, &status);
    CHECK(status != 0, "%s should fail, report:\n%s", name, text);
    CHECK(strstr(text, "RESULT: FAIL") != NULL, "%s: no FAIL verdict:\n%s", name, text);
    for (const char *const *p = phrases; *p; p++)
        CHECK(strstr(text, *p) != NULL, "%s: the report does not say \"%s\":\n%s", name, *p, text);
    free(text);
}

#define FAILS_WITH(name, ...)                                                                      \
    do {                                                                                           \
        const char *const phrases_[] = {__VA_ARGS__, NULL};                                        \
        expect_fail(name, phrases_);                                                               \
    } while (0)

int main(void)
{
    const char *plugin_dir = test_env("LULL_PLUGIN_DIR");
    const char *tp = getenv("LULL_TEST_PLUGIN_DIR");
    if (tp && *tp)
        snprintf(test_plugin_dir, sizeof test_plugin_dir, "%s", tp);
    else /* tests/plugins/CMakeLists.txt puts them beside the plugin directory */
        snprintf(test_plugin_dir, sizeof test_plugin_dir, "%s/../test-plugins", plugin_dir);

    char path[4200];
    /* Every shipped node passes, as a sound designer's would have to: every .so of
     * the plugin directory (a new node is checked without being listed here). */
    DIR *dir = opendir(plugin_dir);
    CHECK(dir != NULL, "cannot read %s", plugin_dir);
    size_t shipped = 0;
    for (struct dirent *de; dir && (de = readdir(dir));) {
        size_t n = strlen(de->d_name);
        if (n < 4 || strcmp(de->d_name + n - 3, ".so") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", plugin_dir, de->d_name);
        expect_pass(path);
        shipped++;
    }
    if (dir) closedir(dir);
    CHECK(shipped >= 9, "only %zu plugins found in %s", shipped, plugin_dir);

    /* Refused at load: nothing of the plugin runs. */
    FAILS_WITH("bad_abi", "FAIL  load", "built for plugin ABI 2.0", "refused");
    FAILS_WITH("bad_no_entry", "FAIL  load", "does not export \"lull_entry\"");
    FAILS_WITH("bad_range", "FAIL  load", "param \"cutoff\"", "[8000, 20]");
    FAILS_WITH("bad_null_id", "FAIL  load", "descriptor id \"(null)\"");
    FAILS_WITH("bad_dup_param", "FAIL  load", "param \"gain\" is declared twice");
    FAILS_WITH("missing_file", "FAIL  load", "cannot load");

    /* Loaded, then caught by a behavioural check that names node and fault. */
    FAILS_WITH("bad_nan", "node \"bad_nan\"", "FAIL  signals", "+20 dB sine",
               "output \"out\" is NaN/Inf");
    FAILS_WITH("bad_denormal", "FAIL  denormals", "denormal output samples");
    FAILS_WITH("bad_random", "FAIL  determinism", "same seed differ on output \"out\"");
    FAILS_WITH("bad_batch", "FAIL  batch", "must be bit-identical");
    /* A crash is reported with the check it happened in (under ASan its handler
     * exits instead of the signal killing the process). */
    FAILS_WITH("bad_crash", "FAIL  param extremes");
    if (alloc_guard_available()) {
        FAILS_WITH("bad_alloc", "FAIL  alloc/locks", "process() called free");
        FAILS_WITH("bad_lock", "FAIL  alloc/locks", "process() called pthread_mutex_lock");
    } else {
        /* Nothing to prove it with: the report must say so rather than pass it. */
        int status;
        snprintf(path, sizeof path, "%s/bad_alloc.so", test_plugin_dir);
        char *text = check_file(path, &status);
        CHECK(strstr(text, "SKIP  alloc/locks") && strstr(text, "not checked"),
              "without the guard the report must say \"not checked\":\n%s", text);
        free(text);
    }

    return check_finish("test_plugin_check");
}
