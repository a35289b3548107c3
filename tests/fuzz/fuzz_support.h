/* Shared pieces of the fuzz harnesses (tests/fuzz/fuzz_*.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize). Under -DLULL_FUZZ=ON it is linked with libFuzzer's main;
 * in every other build with fuzz_replay.c, which runs it once on each file named
 * on the command line (the seed corpus and the regression inputs), so a crash
 * found once stays fixed in the ordinary and ASan test passes. [main] throughout:
 * a harness is single-threaded. */
#ifndef LULL_TEST_FUZZ_SUPPORT_H
#define LULL_TEST_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* [main] A private scratch directory for files a reader must open by name
 * (created on first use, on tmpfs when /dev/shm exists). */
const char *fuzz_scratch_dir(void);
/* [main] Writes size bytes to <scratch>/name; returns the full path (static
 * buffer, one per slot 0..3) or NULL when writing failed. */
const char *fuzz_write_file(int slot, const char *name, const void *data, size_t size);
/* [main] A NUL-terminated heap copy of the input (caller frees). */
char *fuzz_strdup(const uint8_t *data, size_t size);
/* [main] Finds `sep` in [data, data+size): returns the offset or size when absent. */
size_t fuzz_split(const uint8_t *data, size_t size, const char *sep);

/* [main] The one plugin directory the harnesses load: $LULL_PLUGIN_DIR (the fuzz
 * tests and tools/fuzz.sh set it to the GCC build's plugins). Aborts with a message
 * when it is unset. The harnesses never scan the build tree's default directory:
 * in a -DLULL_FUZZ=ON tree it can hold clang-built, coverage-instrumented copies
 * of the same nodes, which the registry refuses as clashes and dlcloses (see
 * __wrap_dlclose). */
const char *fuzz_plugin_dir(void);

/* [main] Linked in place of dlclose (-Wl,--wrap=dlclose) into the libFuzzer
 * binaries: does nothing and returns 0. libFuzzer registers the coverage
 * counters of every instrumented shared object when it is mapped and clears
 * them before each input for the rest of the run; it has no hook for dlclose,
 * so unmapping such an object (a plugin the registry refused) makes the next
 * TracePC::ClearInlineCounters write to an unmapped page. This was the crash
 * that kept fuzz_preset and fuzz_osc replay-only (issue 12). The replay
 * binaries keep the real dlclose. */
int __wrap_dlclose(void *handle);

#endif
