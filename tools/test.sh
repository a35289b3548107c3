#!/bin/sh
# Builds lull and runs every test: the README's test command and what CI runs.
#   1. installs the Debian/Ubuntu packages (tools/install-deps.sh, needs root or sudo)
#   2. builds with warnings as errors and runs all tests (unit, realtime proofs,
#      integration against a real jackd with the dummy backend)
#   3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
#      unit tests there
#   4. builds the threaded tests with ThreadSanitizer and runs them (label tsan)
#   5. builds the fuzz harnesses with clang/libFuzzer and fuzzes each for 20 s (~75 s)
# Usage: tools/test.sh [--quick]   (--quick skips the passes 3-5)
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLULL_WERROR=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j1

if [ "${1:-}" != "--quick" ]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLULL_WERROR=ON -DLULL_SANITIZE=ON
    cmake --build build-asan -j"$jobs"
    ctest --test-dir build-asan --output-on-failure -L unit -j"$jobs"

    # 4. ThreadSanitizer: the tests where threads share data (label tsan: queue
    #    stress, the daemon's threads together, engine, OSC server, biosignals).
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLULL_WERROR=ON -DLULL_SANITIZE=thread
    cmake --build build-tsan --target tsan_tests -j"$jobs"
    ctest --test-dir build-tsan --output-on-failure -L tsan -j1

    # 5. libFuzzer: every harness of tests/fuzz (7) for LULL_FUZZ_SECONDS (20 s) from
    #    its seed corpus and regression inputs, nproc at a time (~75 s on 2 cores)
    #    (clang; tools/fuzz.sh runs them for hours). The replays ran in passes 2 and 3.
    cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DLULL_WERROR=ON -DLULL_FUZZ=ON -DLULL_FUZZ_SECONDS=20
    cmake --build build-fuzz --target fuzz_harnesses -j"$jobs"
    ctest --test-dir build-fuzz --output-on-failure -L fuzz -j"$jobs"
fi
echo "lull: all tests passed"
