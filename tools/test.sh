#!/bin/sh
# Builds lull and runs every test: the README's test command and what CI runs.
#   1. installs the Debian/Ubuntu packages (tools/install-deps.sh, needs root or sudo)
#   2. builds with warnings as errors and runs all tests (unit, realtime proofs,
#      integration against a real jackd with the dummy backend)
#   3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
#      unit tests there
# Usage: tools/test.sh [--quick]   (--quick skips the sanitizer pass)
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
fi
echo "lull: all tests passed"
