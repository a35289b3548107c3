#!/usr/bin/env bash
# lulld through PipeWire's JACK (pw-jack), headless: a private PipeWire and
# WirePlumber on a private session bus and runtime directory, a null sink as the
# only "device" (nothing reaches a sound card). lulld connects to the sink; the
# periods PipeWire chooses (forced quanta of 93 and 441 frames, not powers of
# two, switched while lulld plays) leave no click or gap in what lulld writes,
# recorded at each quantum. The instant of a switch is not recorded: there the
# recording (jack_rec, another client of the graph) showed a splice twice in ~16
# runs — a jump of 0.11 with the slope continuous on both sides, a stretch of the
# stream skipped or repeated between the two clients' buffers, 0 xruns — while
# lulld's own stream is continuous across any change of period by construction
# (engine.c renders fixed 64-frame blocks into a carry buffer) and by test
# (test_engine: identical output for periods of 64, 93, 256, 441, 1024 and 1).
# The same splice showed once within a recording at a steady quantum (441, after
# PipeWire came back from SIGKILL: one click in both channels at 2.91 s, 0 xruns,
# 1 run in 3): a recording failing only that way is recorded again, once per check
# (CHECK_AUDIO_SPLICE_RETRIES, lib.sh), and says so in the log; a second one fails.
# PipeWire killed and started again: lulld stays alive, reports jack "down", and
# "up" again within 2 s of PipeWire's return with its connections and sound back.
#
# Skips (exit 77) with the reason only when PipeWire is not installed or cannot
# start here. Sends nothing beyond loopback.

# The whole test runs inside its own D-Bus session (WirePlumber wants one): the
# bus goes away with the test.
if [ -z "${LULL_PW_TEST_BUS:-}" ]; then
    if ! command -v dbus-run-session >/dev/null; then
        echo "[test_daemon_pipewire] SKIP: dbus-run-session not installed (package dbus)" >&2
        exit 77
    fi
    LULL_PW_TEST_BUS=1 exec dbus-run-session -- bash "$0" "$@"
fi

source "$(dirname "$0")/lib.sh"
CHECK_AUDIO_SPLICE_RETRIES=1

skip() { echo "[$TEST_NAME] SKIP: $*" >&2; exit 77; }

for t in pipewire wireplumber pw-cli pw-metadata pw-jack; do
    command -v "$t" >/dev/null ||
        skip "$t not installed (tools/install-deps.sh: pipewire pipewire-bin pipewire-jack wireplumber)"
done
require_tools

RECONNECT_LIMIT_S=2.0
MARGIN_S=1.0   # status polling and a loaded test machine
SINK=lull_null

# Private runtime and configuration: the user's PipeWire (if any) is never seen,
# and ours is never seen by anything else.
export XDG_RUNTIME_DIR="$TEST_TMP/run"
export XDG_CONFIG_HOME="$TEST_TMP/config"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
mkdir -p "$XDG_CONFIG_HOME/pipewire/pipewire.conf.d"
unset PIPEWIRE_REMOTE PULSE_SERVER
# PipeWire rounds a forced quantum down to a power of two unless told not to:
# without this, "93" would be 64 and the odd periods would never be tested.
cat >"$XDG_CONFIG_HOME/pipewire/pipewire.conf.d/lull-test.conf" <<'EOF'
context.properties = {
    clock.power-of-two-quantum = false
    default.clock.min-quantum = 16
}
EOF
# What pw-jack does: PipeWire's libjack first in the library path, for lulld,
# jack_lsp and jack_rec alike. pipewire-jack's libjack takes JACK_DEFAULT_SERVER
# (set by lib.sh for jackd) as the PipeWire remote's name: ours is the default.
export LD_LIBRARY_PATH="$(pw-jack printenv LD_LIBRARY_PATH)"
unset JACK_DEFAULT_SERVER

PW_PID=""
WP_PID=""
stop_pipewire() {
    local sig="${1:-TERM}"
    [ -n "$WP_PID" ] && kill -s "$sig" "$WP_PID" 2>/dev/null || true
    [ -n "$PW_PID" ] && kill -s "$sig" "$PW_PID" 2>/dev/null || true
    [ -n "$WP_PID" ] && wait "$WP_PID" 2>/dev/null || true
    [ -n "$PW_PID" ] && wait "$PW_PID" 2>/dev/null || true
    WP_PID=""
    PW_PID=""
}
trap 'cleanup; stop_pipewire' EXIT

# start_pipewire: PipeWire, WirePlumber and the null sink; sets PW_UP_AT to the
# moment PipeWire answered. Returns 1 (with the log) when PipeWire cannot start.
start_pipewire() {
    local i
    env -u LD_LIBRARY_PATH pipewire >>"$TEST_TMP/pipewire.log" 2>&1 &
    PW_PID=$!
    for i in $(seq 1 100); do
        env -u LD_LIBRARY_PATH pw-cli info 0 >/dev/null 2>&1 && break
        kill -0 "$PW_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    env -u LD_LIBRARY_PATH pw-cli info 0 >/dev/null 2>&1 || return 1
    PW_UP_AT=$(date +%s.%N)
    env -u LD_LIBRARY_PATH wireplumber >>"$TEST_TMP/wireplumber.log" 2>&1 &
    WP_PID=$!
    env -u LD_LIBRARY_PATH pw-cli create-node adapter "{ factory.name=support.null-audio-sink
        node.name=$SINK media.class=Audio/Sink
        object.linger=true audio.position=[ FL FR ] }" >>"$TEST_TMP/pipewire.log" 2>&1 || return 1
    # The sink's JACK ports appear once WirePlumber has configured it. (Whole
    # outputs are read, never cut short by grep -q: with pipefail, a SIGPIPE in
    # jack_lsp would read as "not found".)
    for i in $(seq 1 100); do
        [[ "$(jack_lsp 2>/dev/null)" == *"$SINK:playback_FR"* ]] && return 0
        sleep 0.05
    done
    return 1
}

pw_quantum() {   # pw_quantum N: force the graph's period (0 = PipeWire's choice)
    env -u LD_LIBRARY_PATH pw-metadata -n settings 0 clock.force-quantum "$1" >/dev/null
}

# wait_period N SECONDS: until lulld's status reports a period of N frames.
wait_period() {
    local t
    t="$(wait_status period "$1" "$2")"
    log "period $1 frames after ${t} s"
}

# connected PORT PEER: jack_lsp -c lists PEER under PORT.
connected() {
    jack_lsp -c | awk -v port="$1" -v peer="$2" '
        /^[^ \t]/ { cur = $0; next }
        cur == port && $1 == peer { found = 1 }
        END { exit !found }'
}

# check_connections: lulld's outputs patched to the sink, left to left, right to right.
check_connections() {
    connected lulld:out_left "$SINK:playback_FL" && connected lulld:out_right "$SINK:playback_FR" &&
        ! connected lulld:out_left "$SINK:playback_FR" ||
        fail "lulld's outputs not connected to $SINK as configured: $(jack_lsp -c)"
}

if ! start_pipewire; then
    echo "--- pipewire log ---" >&2
    tail -n 20 "$TEST_TMP/pipewire.log" >&2 || true
    echo "--- wireplumber log ---" >&2
    tail -n 20 "$TEST_TMP/wireplumber.log" >&2 || true
    skip "PipeWire (with WirePlumber and a null sink) cannot start here"
fi
log "PipeWire $(pipewire --version | sed -n "s/^Linked with libpipewire //p") up with sink $SINK"

start_lulld --preset default --connect "$SINK:playback_FL,$SINK:playback_FR"
[ "$(status_field jack)" = "up" ] || fail "jack not up at start"
check_connections
log "lulld up through PipeWire: rate $(status_field rate) Hz, period $(status_field period) frames"
sleep 2.5   # the fade-in

# Odd periods, switched while lulld plays.
pw_quantum 93
wait_period 93 3
# (Assigned, not expanded inside log's arguments: a failing check must end the test.)
for q in 441 93 441; do
    pw_quantum "$q"
    wait_period "$q" 3
    audio="$(check_audio 3 --skip 0.05 --min-rms-db -50 --max-peak-db -6 --no-clicks --no-gaps)"
    log "audio at quantum $q, switched while lulld plays: $audio"
done
[ "$(status_field xruns)" -ge 0 ] || fail "no xrun count"

# PipeWire goes away (the whole session: WirePlumber goes with it) and returns.
for kill_signal in TERM KILL; do
    stop_pipewire "$kill_signal"
    t="$(wait_status jack down 3)"
    log "SIG$kill_signal to PipeWire: status says jack down after ${t} s"
    kill -0 "$LULLD_PID" || fail "lulld died with PipeWire"
    sleep 1
    [ "$(status_field jack)" = "down" ] || fail "jack not reported down"
    start_pipewire || fail "PipeWire did not start again: $(tail -n 5 "$TEST_TMP/pipewire.log")"
    t="$(wait_status jack up "$(python3 -c "print($RECONNECT_LIMIT_S + $MARGIN_S)")")"
    since="$(python3 -c "print(round($(date +%s.%N) - $PW_UP_AT, 2))")"
    log "PipeWire back: jack up after ${t} s of polling, ${since} s after PipeWire answered" \
        "(limit ${RECONNECT_LIMIT_S} s + margin)"
    python3 -c "import sys; sys.exit(0 if $since <= $RECONNECT_LIMIT_S + $MARGIN_S else 1)" ||
        fail "jack up ${since} s after PipeWire's return"
    [ "$(status_field preset)" = "default" ] || fail "preset lost"
    check_connections
    pw_quantum 93
    wait_period 93 3
    sleep 2.5   # the engine was never stopped, but give the output a moment
    audio="$(check_audio 3 --skip 0.05 --min-rms-db -50 --max-peak-db -6 --no-clicks --no-gaps)"
    log "audio after the restart at quantum 93: $audio"
    pw_quantum 441
    wait_period 441 3
    audio="$(check_audio 3 --skip 0.05 --min-rms-db -50 --max-peak-db -6 --no-clicks --no-gaps)"
    log "audio after the restart at quantum 441: $audio"
done
grep -q "jack down" "$TEST_TMP/lulld.log" || fail "lulld's log does not say jack down"
log "PASS"
