/* `lull plugin-check FILE.so`: loads a plugin through the registry exactly as the
 * engine would and puts every node it provides through its paces: ABI and
 * metadata, activation at 44.1 and 48 kHz, process() on silence, noise, a +20 dB
 * sine, denormal-range input and every parameter at its extremes (outputs must stay
 * finite and be written), denormals produced without FTZ, allocation and mutex
 * calls inside process() (with the allocation guard, when the build has it),
 * determinism under a fixed seed, and cost per sample.
 *
 * Each node is checked in a child process, so a node that crashes or hangs is
 * reported as such (with the check it was in) instead of taking the tool down. */
#ifndef LULL_PLUGIN_CHECK_H
#define LULL_PLUGIN_CHECK_H

#include <stdio.h>

/* [worker] Writes a PASS/FAIL/WARN/SKIP line per check, per node, and a final
 * verdict to `report`. Returns 0 when every check passed (WARN and SKIP do not
 * fail), 1 when any failed or the plugin was refused. */
int plugin_check_run(const char *path, FILE *report);

#endif
