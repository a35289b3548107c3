#!/bin/sh
# Runs lulld in the foreground with the default preset: installs what is missing
# (tools/install-deps.sh), builds into ./build if needed, and when no JACK server
# answers starts a dummy one (no sound card needed; realtime off) in the background.
# Extra arguments go to lulld, e.g.: tools/run-daemon.sh --osc-port 9100
#
# Only the package install needs root. Started through sudo, everything after it
# (the build, jackd, lulld) runs as the user who typed sudo ($SUDO_USER): a daemon
# that plays sound and parses network input has no business running as root, and a
# JACK server belongs to one user (lulld and jackd must be the same user to meet).
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build"

"$ROOT/tools/install-deps.sh"

# as_user CMD...: CMD as the invoking user when we are root through sudo, else as is.
RUN_AS=""
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    RUN_AS="$SUDO_USER"
    RUN_UID=$(id -u "$RUN_AS")
    RUN_HOME=$(getent passwd "$RUN_AS" | cut -d: -f6)
fi
as_user() {
    if [ -n "$RUN_AS" ]; then
        # The user's own session: PipeWire-JACK lives in its XDG_RUNTIME_DIR.
        runtime="/run/user/$RUN_UID"
        [ -d "$runtime" ] || runtime="${TMPDIR:-/tmp}"
        runuser -u "$RUN_AS" -- env HOME="$RUN_HOME" USER="$RUN_AS" LOGNAME="$RUN_AS" \
            XDG_RUNTIME_DIR="$runtime" "$@"
    else
        "$@"
    fi
}
[ -n "$RUN_AS" ] && echo "run-daemon: packages installed as root; building and running as $RUN_AS"

if [ ! -x "$BUILD/bin/lulld" ] || [ -n "$(find "$ROOT/engine" "$ROOT/plugins" -newer "$BUILD/bin/lulld" -name '*.[ch]' 2>/dev/null | head -n 1)" ]; then
    # A build/ left by an earlier root run stays root's: build it as root then.
    builder=as_user
    if [ -n "$RUN_AS" ] && [ -e "$BUILD" ] && [ "$(stat -c %u "$BUILD")" != "$RUN_UID" ]; then
        echo "run-daemon: $BUILD is not $RUN_AS's (an earlier root build); building it as root"
        builder=""
    fi
    $builder cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    $builder cmake --build "$BUILD" -j"$(nproc)"
fi

# The OSC port lulld will use: --osc-port from the arguments, else the config file's
# osc-port (--config FILE), else the default 9000.
PORT=9000
prev=""
for a in "$@"; do
    case "$prev" in
        --osc-port) PORT=$a ;;
        --config) p=$(sed -n -E 's/^[[:space:]]*osc-port[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$a" 2>/dev/null | tail -n 1)
                  [ -n "$p" ] && PORT=$p ;;
    esac
    case "$a" in --osc-port=*) PORT=${a#--osc-port=} ;; esac
    prev=$a
done

JACKD_PID=""
LOG="${TMPDIR:-/tmp}/lull-jackd${RUN_AS:+-$RUN_AS}.log"
if ! as_user env JACK_NO_START_SERVER=1 jack_lsp >/dev/null 2>&1; then
    echo "run-daemon: no JACK server running; starting a dummy one (48 kHz, 256 frames)"
    # jackd's own pid (through runuser, $! would be runuser's, which does not pass
    # SIGTERM on): the child writes it before it becomes jackd.
    PIDFILE=$(mktemp)
    [ -n "$RUN_AS" ] && chown "$RUN_AS" "$PIDFILE"
    as_user sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$PIDFILE" \
        jackd --no-realtime -d dummy -r 48000 -p 256 >"$LOG" 2>&1 &
    i=0
    until [ -s "$PIDFILE" ] || [ "$i" -gt 50 ]; do i=$((i + 1)); sleep 0.1; done
    JACKD_PID=$(cat "$PIDFILE")
    rm -f "$PIDFILE"
    i=0
    until as_user env JACK_NO_START_SERVER=1 jack_lsp >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 100 ] || [ -z "$JACKD_PID" ] || ! kill -0 "$JACKD_PID" 2>/dev/null; then
            echo "run-daemon: jackd did not start; see $LOG" >&2
            exit 1
        fi
        sleep 0.1
    done
    trap 'kill "$JACKD_PID" 2>/dev/null' EXIT INT TERM
fi

TARGET=""
[ "$PORT" != 9000 ] && TARGET=" --target 127.0.0.1:$PORT"
cat <<HINT
run-daemon: lulld is starting on OSC port $PORT${RUN_AS:+ as $RUN_AS}. From another terminal in this directory:
  tools/lull_osc.py status $PORT                       # the status reply, as JSON
  tools/lull_osc.py call $PORT /lull/preset/load s:surf  # switch preset (crossfaded)
  oscsend localhost $PORT /lull/volume f -12           # liblo's tool works too (it
                                                      #  does not wait for replies)
  build/bin/lull simulate --profile relaxing$TARGET          # a synthetic client's sensors
Stop with Ctrl-C (fades out first). Reference: docs/daemon.md
HINT
as_user "$BUILD/bin/lulld" --preset default "$@"
