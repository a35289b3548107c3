#!/bin/sh
# Long fuzzing of lull's parsers of outside input (tests/fuzz, docs/testing.md).
# Builds the libFuzzer harnesses with clang (build-fuzz/) and runs each one for
# HOURS hours in turn (default 1), growing build-fuzz/tests/fuzz/work/<h>/corpus.
# A crash is saved as build-fuzz/tests/fuzz/work/<h>/crash-*: fix it, then copy
# the file to tests/fuzz/regress/<h>/ so every test pass replays it.
# Usage: tools/fuzz.sh [HOURS] [HARNESS...]   e.g. tools/fuzz.sh 8 osc preset
# Harnesses: preset osc device_map wfdb csv edf session (all by default).
set -eu
cd "$(dirname "$0")/.."
hours=${1:-1}
[ $# -gt 0 ] && shift
harnesses=${*:-preset osc device_map wfdb csv edf session}
jobs=$(nproc 2>/dev/null || echo 2)
command -v clang >/dev/null || { echo "tools/fuzz.sh: clang is needed (libFuzzer)" >&2; exit 1; }
# The plugins come from the GCC build (tests/fuzz/CMakeLists.txt says why).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLULL_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DLULL_WERROR=ON -DLULL_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzz_harnesses -j"$jobs"
seconds=$(awk "BEGIN { printf \"%d\", $hours * 3600 }")
export LULL_PLUGIN_DIR="$PWD/build/plugins" LULL_PRESET_DIR="$PWD/presets" \
       LULL_DEVICE_MAP_DIR="$PWD/tools/devices"
status=0
for h in $harnesses; do
    inputs="tests/fuzz/corpus/$h"
    [ -d "tests/fuzz/regress/$h" ] && inputs="$inputs tests/fuzz/regress/$h"
    # shellcheck disable=SC2086
    sh tests/fuzz/run_fuzz.sh "build-fuzz/bin/fuzz_$h" "$seconds" \
       "build-fuzz/tests/fuzz/work/$h" $inputs || status=1
done
exit $status
