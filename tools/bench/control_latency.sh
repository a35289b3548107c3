#!/usr/bin/env bash
# Control latency and sensor flood of lulld on a private JACK dummy server.
#
# 1. OSC-to-audio latency: for each JACK period in PERIODS (default "64 256") at
#    48 kHz, starts `jackd --no-realtime -d dummy` and lulld with a one-sine preset
#    (node `tone`, osc sine 1000 Hz, level 0, pacer off) and runs
#    `bench_control_latency latency`: TRIALS (default 300) /lull/param/set tone level
#    messages alternating 0.5 and 0, each timed from the send (jack_get_time) to the
#    first output frame that changes by more than -60 dBFS (jack_frames_to_time).
# 2. Sensor flood (at the last period): xruns and drops in a quiet window, then
#    while FLOOD (default 20000) /lull/bio/ecg messages of 10 floats are sent as fast
#    as possible from one UDP socket, padded with at least 1 s of waiting to the same
#    length as the quiet window.
#
# Prints figures only; asserts nothing about timing. Every process it starts is
# stopped on exit.
#
# Usage (from anywhere): tools/bench/control_latency.sh
# Environment: LULL_BUILD_DIR (default ./build; built if lulld, the bench or the osc
# plugin is missing), PERIODS, TRIALS, FLOOD.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${LULL_BUILD_DIR:-$root/build}
periods=${PERIODS:-"64 256"}
trials=${TRIALS:-300}
flood=${FLOOD:-20000}
rate=48000
osc="python3 $root/tools/lull_osc.py"

for t in jackd jack_lsp python3; do
    command -v "$t" >/dev/null || { echo "control_latency.sh: missing $t (tools/install-deps.sh)" >&2; exit 1; }
done
if [ ! -x "$build/bin/lulld" ] || [ ! -x "$build/bin/bench_control_latency" ] ||
    [ ! -f "$build/plugins/osc.so" ]; then
    echo "control_latency.sh: building in $build" >&2
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" -j "$(nproc)" --target lulld bench_control_latency osc >/dev/null
fi

export JACK_DEFAULT_SERVER="lullbench_$$_${RANDOM}"
export JACK_NO_START_SERVER=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lullbench.XXXXXX")
jackd_pid=""
lulld_pid=""

stop() {   # stop PID: TERM, then wait for it
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    stop "$lulld_pid"
    stop "$jackd_pid"
    rm -rf "$tmp"
}
trap cleanup EXIT
die() {
    echo "control_latency.sh: $*" >&2
    for f in "$tmp"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
    exit 1
}

mkdir -p "$tmp/presets"
cat >"$tmp/presets/latency.json" <<'EOF'
{
  "name": "latency",
  "description": "One 1 kHz sine (48 frames per cycle at 48 kHz), silent until a level is set.",
  "lull_preset": 1,
  "nodes": [
    {"name": "tone", "type": "osc", "params": {"waveform": "sine", "freq": 1000, "level": 0}}
  ],
  "connections": [
    {"from": "tone:out", "to": "out:left"},
    {"from": "tone:out", "to": "out:right"}
  ],
  "pacer": {"mode": "off", "rate": 6}
}
EOF

osc_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 0)); print(s.getsockname()[1])')

status_field() {   # status_field KEY...: the values, space-separated
    $osc status "$osc_port" | python3 -c "
import json, sys
st = json.load(sys.stdin)
print(' '.join(str(st[k]) for k in sys.argv[1:]))" "$@"
}

start_servers() {   # start_servers PERIOD
    jackd --no-realtime -d dummy -r "$rate" -p "$1" >"$tmp/jackd.log" 2>&1 &
    jackd_pid=$!
    local i
    for i in $(seq 1 100); do
        jack_lsp >/dev/null 2>&1 && break
        kill -0 "$jackd_pid" 2>/dev/null || die "jackd exited"
        sleep 0.1
    done
    jack_lsp >/dev/null 2>&1 || die "jackd did not come up"
    # lulld's outputs go to the dummy's playback ports (its default); the bench
    # connects its own inputs as well.
    "$build/bin/lulld" --osc-port "$osc_port" --presets "$tmp/presets" \
        --plugins "$build/plugins" --preset latency >"$tmp/lulld.log" 2>&1 &
    lulld_pid=$!
    for i in $(seq 1 75); do
        kill -0 "$lulld_pid" 2>/dev/null || die "lulld exited"
        $osc --timeout 0.2 status "$osc_port" >/dev/null 2>&1 && break
        sleep 0.2
    done
    [ "$(status_field jack)" = up ] || die "lulld is not up"
    sleep 2.5   # the session's 2 s fade-in
}

stop_servers() {
    stop "$lulld_pid"
    lulld_pid=""
    stop "$jackd_pid"
    jackd_pid=""
}

echo "# lull control latency (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)," \
    "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
last=""
for period in $periods; do
    echo
    echo "## period $period"
    start_servers "$period"
    x0=$(status_field xruns)
    t0=$(date +%s.%N)
    "$build/bin/bench_control_latency" latency --port "$osc_port" --trials "$trials" \
        --node tone --param level --level 0.5 --freq 1000 --threshold 1e-3 ||
        die "bench_control_latency failed"
    t1=$(date +%s.%N)
    x1=$(status_field xruns)
    python3 -c "print('lulld xruns during the %.1f s of trials: %d' % ($t1 - $t0, $x1 - $x0))"
    last=$period
    [ "$period" = "${periods##* }" ] || stop_servers
done

# --- sensor flood, on the servers still running at the last period ---------------
echo
echo "## sensor flood (period $last)"
$osc --timeout 0.1 call "$osc_port" /lull/bio/ecg/rate f:250 >/dev/null 2>&1 || true   # never answered
read -r qx0 qd0 <<<"$(status_field xruns dropped)"
q0=$(date +%s.%N)
sleep 3
read -r qx1 qd1 <<<"$(status_field xruns dropped)"
q1=$(date +%s.%N)
read -r fx0 fd0 fs0 fsd0 <<<"$(status_field xruns dropped sensor_samples sensor_dropped)"
f0=$(date +%s.%N)
out=$("$build/bin/bench_control_latency" flood --port "$osc_port" --messages "$flood" --values 10)
echo "$out" | head -n 1
sent=$(echo "$out" | sed -n 's/.*flood_sent=\([0-9]*\).*/\1/p')
# at least 1 s after the last message, and the window as long as the quiet one
python3 -c "import time; t=time.time(); time.sleep(max(1.0, $f0 + ($q1 - $q0) - t))"
read -r fx1 fd1 fs1 fsd1 <<<"$(status_field xruns dropped sensor_samples sensor_dropped)"
f1=$(date +%s.%N)
python3 - "$sent" "$qx0" "$qx1" "$qd0" "$qd1" "$q0" "$q1" "$fx0" "$fx1" "$fd0" "$fd1" \
    "$fs0" "$fs1" "$fsd0" "$fsd1" "$f0" "$f1" <<'PY'
import sys
a = sys.argv[1:]
sent = int(a[0])
qx0, qx1, qd0, qd1 = map(int, a[1:5]); q0, q1 = map(float, a[5:7])
fx0, fx1, fd0, fd1, fs0, fs1, fsd0, fsd1 = map(int, a[7:15]); f0, f1 = map(float, a[15:17])
taken = (fs1 - fs0) // 10
seen = taken + (fsd1 - fsd0)
print(f"quiet window {q1 - q0:.2f} s: xruns {qx1 - qx0}, dropped {qd1 - qd0}")
print(f"flood window {f1 - f0:.2f} s: messages sent {sent}, taken by lulld {taken}, "
      f"dropped by lulld {fsd1 - fsd0} (status 'dropped' +{fd1 - fd0}), "
      f"never reached lulld (socket buffer) {sent - seen}; xruns {fx1 - fx0}")
print(f"xruns attributable to the flood (flood - quiet): {(fx1 - fx0) - (qx1 - qx0)}")
PY
