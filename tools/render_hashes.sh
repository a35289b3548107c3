#!/usr/bin/env bash
# Prints an md5 of every shipped preset rendered 40 s against the simulated `stressed`
# and `relaxing` clients, of voices64 (120 s) on the AVX2 and the SSE2 paths
# (LULL_SIMD=sse2), and of a 2-thread render: the oracle for a change that must leave
# every render bit for bit as it was (an optimisation). Write the hashes before the
# change, again after, and diff the two files. About 30 s on 2 cores.
#
# Usage (from anywhere): tools/render_hashes.sh [BUILD_DIR] > hashes.txt
#   BUILD_DIR: a build with `lull` and every plugin (default: ./build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
b=${1:-$root/build}
b=$(cd "$b" && pwd)
[ -x "$b/bin/lull" ] || { echo "render_hashes.sh: no $b/bin/lull (build first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LULL_PLUGIN_DIR=$b/plugins LULL_PRESET_DIR=$root/presets
hash() { md5sum <"$tmp/o.wav" | cut -c1-32; }
render() { "$b/bin/lull" render "$@" -o "$tmp/o.wav" >/dev/null 2>"$tmp/err" ||
    { echo "render_hashes.sh: lull render $*:" >&2; cat "$tmp/err" >&2; exit 1; }; }
for p in "$root"/presets/*.json; do
    for sim in stressed relaxing; do
        render --preset "$p" --simulate $sim --seconds 40
        echo "$(basename "$p") $sim $(hash)"
    done
done
render --preset "$root/tools/bench/voices64.json" --seconds 120
echo "voices64 $(hash)"
LULL_SIMD=sse2 render --preset "$root/tools/bench/voices64.json" --seconds 120
echo "voices64-sse2 $(hash)"
render --threads 2 --preset "$root/presets/default.json" --simulate stressed --seconds 40
echo "default-threads2 $(hash)"
