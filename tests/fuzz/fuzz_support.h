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

#endif
