#!/usr/bin/env bash
# Renders the same 64-voice graph (64 x white noise -> 2-pole lowpass swept at
# 0.1 Hz -> gain 0.05, 120 s, 48 kHz, stereo) with Csound, Pure Data and lull,
# offline, and prints how long each took: best wall-clock time of RUNS runs (and the
# best CPU time, which a busy machine disturbs less), the real-time factor and the
# ratio to lull. The runs are interleaved so that a burst of load elsewhere on the
# machine hits every engine alike. Both columns are printed, wall and CPU (user + sys
# of the whole process). lull runs as `lull render` runs by default (one thread),
# and, on a machine with two cores or more, again with `--threads 2` (its offline
# driver, graph/plan_pool.h), whose wall time can only be shorter where the second
# core is free and whose CPU time is larger (the helper spins between blocks); the
# peers use one core. The ratios are to lull's default row. The files of lull's
# rows are identical. Installs nothing: the peers come from
# `sudo tools/install-deps.sh --bench`; an engine that is not installed is skipped.
#
# Usage (from anywhere): tools/bench/peers.sh
# Environment: RUNS (default 3), LULL_THREADS (lull render --threads for the one lull
# row; unset: lull's default, one thread, plus the --threads 2 row), LULL_BUILD_DIR (default ./build, built if lull or
# the plugins are missing), LULL_PEERS_DIR (default ../shared/peers beside the
# project root), OUT_DIR (where the WAVs go, default /tmp; the peers' own files
# write /tmp/cs_out.wav and /tmp/pd_out.wav whatever OUT_DIR says).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
runs=${RUNS:-3}
build=${LULL_BUILD_DIR:-$root/build}
peers=${LULL_PEERS_DIR:-$root/../shared/peers}
out_dir=${OUT_DIR:-/tmp}
seconds=120
rate=48000
frames=$((seconds * rate))

if [ ! -f "$peers/voices.csd" ] || [ ! -f "$peers/voices.pd" ]; then
    echo "peers.sh: the peer patches are not in $peers (set LULL_PEERS_DIR)" >&2
    exit 1
fi

# --- lull, built if needed ---------------------------------------------------------
plugins=()
for d in "$root"/plugins/*/; do
    name=$(basename "$d")
    [ -f "$d/$name.c" ] && plugins+=("$name")
done
need_build=0
[ -x "$build/bin/lull" ] || need_build=1
for p in "${plugins[@]}"; do [ -f "$build/plugins/$p.so" ] || need_build=1; done
if [ "$need_build" = 1 ]; then
    echo "peers.sh: building lull in $build" >&2
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" -j "$(nproc)" --target lull "${plugins[@]}" >/dev/null
fi

# --- the engines: name, output file, command (run in the peers directory) ------------
engines=()
declare -A out cmd
if command -v csound >/dev/null; then
    engines+=(csound)
    out[csound]=/tmp/cs_out.wav
    cmd[csound]="csound -W -o /tmp/cs_out.wav voices.csd"
else
    echo "peers.sh: csound is not installed (sudo tools/install-deps.sh --bench); skipped" >&2
fi
if command -v pd >/dev/null; then
    engines+=(puredata)
    out[puredata]=/tmp/pd_out.wav   # written by voices.pd itself
    cmd[puredata]="pd -nogui -nosound -batch -r $rate -open voices.pd"
else
    echo "peers.sh: pd is not installed (sudo tools/install-deps.sh --bench); skipped" >&2
fi
engines+=(lull)
out[lull]=$out_dir/lull_out.wav
lull_threads=${LULL_THREADS:+--threads $LULL_THREADS}
cmd[lull]="$build/bin/lull render $lull_threads --preset $root/tools/bench/voices64.json --seconds $seconds -o $out_dir/lull_out.wav --rate $rate"
# With two cores or more, lull on two threads as well (the offline driver's
# `--threads 2`; the file is identical), unless LULL_THREADS chose the count.
if [ -z "${LULL_THREADS:-}" ] && [ "$(nproc)" -ge 2 ]; then
    engines+=(lull-2t)
    out[lull-2t]=$out_dir/lull_out_2t.wav
    cmd[lull-2t]="$build/bin/lull render --threads 2 --preset $root/tools/bench/voices64.json --seconds $seconds -o $out_dir/lull_out_2t.wav --rate $rate"
fi

# Frames, channels and rate of a WAV from its RIFF chunks (the `wave` module does
# not read the float WAVs lull writes).
wav_info() {
    python3 - "$1" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    riff, _, wave = struct.unpack("<4sI4s", f.read(12))
    if riff != b"RIFF" or wave != b"WAVE":
        sys.exit("not a RIFF/WAVE file")
    fmt = None
    while True:
        head = f.read(8)
        if len(head) < 8:
            sys.exit("no data chunk")
        cid, size = struct.unpack("<4sI", head)
        if cid == b"fmt ":
            body = f.read(size + (size & 1))
            _, ch, sr, _, align, _ = struct.unpack("<HHIIHH", body[:16])
            fmt = (ch, sr, align)
        elif cid == b"data":
            if fmt is None:
                sys.exit("data before fmt")
            ch, sr, align = fmt
            print(size // align, ch, sr)
            break
        else:
            f.seek(size + (size & 1), 1)
EOF
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A best_wall best_cpu
log=$(mktemp)
trap 'rm -f "$log"' EXIT
TIMEFORMAT='%R %U %S'
cd "$peers"   # the peers' commands name their patch relative to it
for ((r = 1; r <= runs; r++)); do
    for e in "${engines[@]}"; do
        rm -f "${out[$e]}"
        # `time` reports on the group's stderr; the engine's own output goes to $log.
        # (No subshell around the command: bash's exec shortcut would lose the report.)
        t=$( { time ${cmd[$e]} >"$log" 2>&1; } 2>&1 ) || {
            echo "peers.sh: $e failed:" >&2
            cat "$log" >&2
            exit 1
        }
        read -r wall user sys <<<"$t"
        cpu=$(python3 -c "print(f'{$user + $sys:.2f}')")
        if [ -z "${best_wall[$e]:-}" ] || python3 -c "import sys; sys.exit(not $wall < ${best_wall[$e]})"; then
            best_wall[$e]=$wall
        fi
        if [ -z "${best_cpu[$e]:-}" ] || python3 -c "import sys; sys.exit(not $cpu < ${best_cpu[$e]})"; then
            best_cpu[$e]=$cpu
        fi
        if ! info=$(wav_info "${out[$e]}" 2>&1); then
            echo "peers.sh: $e: ${out[$e]}: $info" >&2
            exit 1
        fi
        read -r n ch sr <<<"$info"
        if [ "$n" != "$frames" ] || [ "$ch" != 2 ] || [ "$sr" != "$rate" ]; then
            echo "peers.sh: $e: ${out[$e]} has $n frames x $ch channels at $sr Hz;" \
                 "expected $frames x 2 at $rate" >&2
            exit 1
        fi
        echo "run $r/$runs: $e ${wall} s wall, ${cpu} s cpu" >&2
    done
done

if [ -n "${out[lull-2t]:-}" ] && ! cmp -s "${out[lull]}" "${out[lull-2t]}"; then
    echo "peers.sh: lull's files on one and two threads differ: ${out[lull]} ${out[lull-2t]}" >&2
    exit 1
fi

echo "# 64 voices, ${seconds} s at ${rate} Hz, best of $runs runs; ratio = engine time / lull time (< 1: the engine is faster than lull)"
echo "# lull: ${cmd[lull]}"
echo "# $(nproc) cores, load average before the runs: $load_before; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
printf '%-9s %9s %11s %9s %11s %11s\n' engine "wall s" "x realtime" "cpu s" "wall ratio" "cpu ratio"
for e in "${engines[@]}"; do
    python3 - "$e" "${best_wall[$e]}" "${best_cpu[$e]}" "${best_wall[lull]}" "${best_cpu[lull]}" "$seconds" <<'EOF'
import sys
e, w, c, lw, lc, s = sys.argv[1], *map(float, sys.argv[2:])
print(f"{e:<9} {w:9.2f} {s / w:11.1f} {c:9.2f} {w / lw:11.2f} {c / lc:11.2f}")
EOF
done
