/* Scratch files and input splitting for the fuzz harnesses (fuzz_support.h). */
#define _GNU_SOURCE
#include "fuzz_support.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

/* The scratch files go with the process (libFuzzer ends with exit()). */
static void remove_scratch(void)
{
    const char *names[] = {"r.hea", "r.dat",    "r.atr",    "r.csv",       "r.edf",
                           "r.db",  "r.db-wal", "r.db-shm", "r.db-journal"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

const char *fuzz_scratch_dir(void)
{
    if (dir[0]) return dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/lull-fuzz-%ld", base, (long)getpid());
    if (mkdir(dir, 0700) != 0) {
        perror(dir);
        abort(); /* a harness that cannot write its inputs would test nothing */
    }
    atexit(remove_scratch);
    return dir;
}

const char *fuzz_write_file(int slot, const char *name, const void *data, size_t size)
{
    static char paths[4][512];
    char *path = paths[slot & 3];
    snprintf(path, sizeof paths[0], "%s/%s", fuzz_scratch_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    bool ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    return ok ? path : NULL;
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

size_t fuzz_split(const uint8_t *data, size_t size, const char *sep)
{
    const void *hit = memmem(data, size, sep, strlen(sep));
    return hit ? (size_t)((const uint8_t *)hit - data) : size;
}

const char *fuzz_plugin_dir(void)
{
    const char *plugins = getenv("LULL_PLUGIN_DIR");
    if (!plugins || !plugins[0]) {
        fprintf(stderr, "fuzz: LULL_PLUGIN_DIR is not set: the preset and OSC harnesses "
                        "need the directory of the (GCC-built) plugins\n");
        abort();
    }
    return plugins;
}

int __wrap_dlclose(void *handle)
{
    (void)handle; /* kept mapped for the rest of the run: see fuzz_support.h */
    return 0;
}
