#!/usr/bin/env bash
# Minor page faults of lulld's audio thread (JACK's process thread) during preset
# switches, read from outside: /proc/PID/task/TID/stat, field minflt (no
# getrusage in the audio thread: that would be a system call in a period).
#
#   tools/bench/audio_faults.sh [LULLD] [LULLD_ARGS...]
#
# LULLD defaults to build/bin/lulld. The audio thread is the one named "audio";
# a lulld that names no thread (older builds) is measured on its busiest thread
# (most CPU time after 3 s of playing), which is the process thread. Runs on a
# private dummy JACK server at 48 kHz / 256 frames and switches through 8
# presets with 1 s crossfades, twice (the second round reuses freed memory).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lulld="${1:-$here/../../build/bin/lulld}"
[ $# -gt 0 ] && shift
export LULL_BIN="$(cd "$(dirname "$lulld")" && pwd)"
source "$here/../../tests/integration/lib.sh"

busiest_tid() {
    local t best="" most=-1 cpu
    for t in /proc/"$LULLD_PID"/task/*; do
        cpu="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat")"
        if [ "$cpu" -gt "$most" ]; then most=$cpu best="$(basename "$t")"; fi
    done
    echo "$best"
}
minflt() { awk '{ sub(/^.*\) /, ""); print $8 }' "/proc/$LULLD_PID/task/$1/stat"; }

start_jackd 48000 256
start_lulld --preset default "$@"
sleep 3
tid=""
for t in /proc/"$LULLD_PID"/task/*; do
    [ "$(cat "$t/comm")" = audio ] && tid="$(basename "$t")"
done
how="named audio"
[ -n "$tid" ] || { tid="$(busiest_tid)"; how="busiest thread"; }
for round in 1 2; do
    f0="$(minflt "$tid")"
    for p in brook surf bowls drone night_forest rain_leaves warm_pad default; do
        $OSC call "$OSC_PORT" /lull/preset/load "s:$p" f:1 >/dev/null || fail "load $p"
        sleep 1.6
    done
    f1="$(minflt "$tid")"
    echo "$(basename "$lulld") $*: round $round: audio thread ($how, tid $tid): $((f1 - f0)) minor faults over 8 preset switches; VmRSS $(awk '/^VmRSS:/ {print $2}' /proc/$LULLD_PID/status) kB, VmLck $(awk '/^VmLck:/ {print $2}' /proc/$LULLD_PID/status) kB"
done
