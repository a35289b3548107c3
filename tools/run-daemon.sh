#!/bin/sh
# Runs lulld in the foreground with the default preset: installs what is missing
# (tools/install-deps.sh), builds into ./build if needed, and when no JACK server
# answers starts a dummy one (no sound card needed; realtime off) in the background.
# Extra arguments go to lulld, e.g.: tools/run-daemon.sh --osc-port 9100
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build"

"$ROOT/tools/install-deps.sh"

if [ ! -x "$BUILD/bin/lulld" ] || [ -n "$(find "$ROOT/engine" "$ROOT/plugins" -newer "$BUILD/bin/lulld" -name '*.[ch]' 2>/dev/null | head -n 1)" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j"$(nproc)"
fi

JACKD_PID=""
if ! JACK_NO_START_SERVER=1 jack_lsp >/dev/null 2>&1; then
    echo "run-daemon: no JACK server running; starting a dummy one (48 kHz, 256 frames)"
    jackd --no-realtime -d dummy -r 48000 -p 256 >"${TMPDIR:-/tmp}/lull-jackd.log" 2>&1 &
    JACKD_PID=$!
    i=0
    until JACK_NO_START_SERVER=1 jack_lsp >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 100 ] || ! kill -0 "$JACKD_PID" 2>/dev/null; then
            echo "run-daemon: jackd did not start; see ${TMPDIR:-/tmp}/lull-jackd.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    trap 'kill "$JACKD_PID" 2>/dev/null' EXIT INT TERM
fi

cat <<'HINT'
run-daemon: lulld is starting. From another terminal in this directory:
  tools/lull_osc.py status 9000                       # the status reply, as JSON
  tools/lull_osc.py call 9000 /lull/preset/load s:surf  # switch preset (crossfaded)
  oscsend localhost 9000 /lull/volume f -12           # liblo's tool works too (it
                                                      #  does not wait for replies)
  build/bin/lull simulate --profile relaxing          # a synthetic client's sensors
Stop with Ctrl-C (fades out first). Reference: docs/daemon.md
HINT
"$BUILD/bin/lulld" --preset default "$@"
