# Shared helpers for the daemon integration tests (source it from a test_*.sh).
#
# Each test gets a private JACK server (dummy backend, unique name through
# JACK_DEFAULT_SERVER, never the user's), its own UDP port and temp dir; every
# process started here is stopped by the EXIT trap.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${LULL_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}"
LULL_BIN="${LULL_BIN:-$SRC/build/bin}"
LULL_PRESET_DIR="${LULL_PRESET_DIR:-$SRC/presets}"
LULL_PLUGIN_DIR="${LULL_PLUGIN_DIR:-$(dirname "$LULL_BIN")/plugins}"
OSC="python3 $HERE/../../tools/lull_osc.py"
# The tests import the OSC client (tools/lull_osc.py) and wavcheck.py as modules.
export PYTHONPATH="$HERE/../../tools:$HERE${PYTHONPATH:+:$PYTHONPATH}"
WAVCHECK="python3 $HERE/wavcheck.py"

export JACK_DEFAULT_SERVER="lulltest_$$_${RANDOM}"
export JACK_NO_START_SERVER=1          # a client must never start a server by itself
TEST_TMP="$(mktemp -d "${TMPDIR:-/tmp}/lulltest.XXXXXX")"
# lulld records sessions by default under $XDG_STATE_HOME: keep each test's apart.
export XDG_STATE_HOME="$TEST_TMP/state"
JACKD_PID=""
LULLD_PID=""
EXTRA_PIDS=()
TEST_NAME="$(basename "$0" .sh)"

log() { echo "[$TEST_NAME] $*" >&2; }
fail() {
    echo "[$TEST_NAME] FAIL: $*" >&2
    if [ -f "$TEST_TMP/lulld.log" ]; then
        if grep -q -E "ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer" "$TEST_TMP/lulld.log"; then
            echo "--- lulld sanitizer report ---" >&2
            grep -A 40 -E "ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer" \
                "$TEST_TMP/lulld.log" | head -n 60 >&2
        fi
        echo "--- lulld log (last 30 lines) ---" >&2
        tail -n 30 "$TEST_TMP/lulld.log" >&2
    fi
    exit 1
}

cleanup() {
    local pid
    for pid in "${EXTRA_PIDS[@]:-}" "$LULLD_PID" "$JACKD_PID"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${EXTRA_PIDS[@]:-}" "$LULLD_PID" "$JACKD_PID"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT

require_tools() {
    local t
    for t in jackd jack_lsp jack_rec python3 "$@"; do
        command -v "$t" >/dev/null || fail "missing tool: $t (run tools/install-deps.sh)"
    done
    [ -x "$LULL_BIN/lulld" ] || fail "no $LULL_BIN/lulld (build first)"
}

# A free UDP port on loopback.
free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 0)); print(s.getsockname()[1])'
}

# start_jackd [RATE] [PERIOD]: a private dummy server; waits until it answers.
start_jackd() {
    local rate="${1:-48000}" period="${2:-512}"
    jackd --no-realtime -d dummy -r "$rate" -p "$period" >>"$TEST_TMP/jackd.log" 2>&1 &
    JACKD_PID=$!
    local i
    for i in $(seq 1 100); do
        if jack_lsp >/dev/null 2>&1; then return 0; fi
        kill -0 "$JACKD_PID" 2>/dev/null || fail "jackd exited: $(tail -n 5 "$TEST_TMP/jackd.log")"
        sleep 0.1
    done
    fail "jackd did not come up within 10 s"
}

stop_jackd() {
    [ -n "$JACKD_PID" ] || return 0
    kill "$JACKD_PID" 2>/dev/null || true
    wait "$JACKD_PID" 2>/dev/null || true
    JACKD_PID=""
}

# start_lulld [ARGS...]: runs lulld on a fresh port ($OSC_PORT) with the test's
# presets and plugins, and waits until /lull/status answers. Extra args are
# passed through (they come after the defaults, so they win).
start_lulld() {
    OSC_PORT="$(free_port)"
    "$LULL_BIN/lulld" --osc-port "$OSC_PORT" --presets "$LULL_PRESET_DIR" \
        --plugins "$LULL_PLUGIN_DIR" --log-level debug "$@" >>"$TEST_TMP/lulld.log" 2>&1 &
    LULLD_PID=$!
    wait_for_status
}

# wait_for_status [FROM_ADDR]: until lulld answers /lull/status (15 s).
wait_for_status() {
    local from=() i
    [ $# -gt 0 ] && from=(--from "$1")
    for i in $(seq 1 75); do
        kill -0 "$LULLD_PID" 2>/dev/null || fail "lulld exited early"
        if $OSC --timeout 0.2 "${from[@]}" status "$OSC_PORT" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    fail "lulld did not answer /lull/status within 15 s"
}

# status_field KEY [FROM_ADDR]: one value of /lull/status.
status_field() {
    local key="$1"
    shift
    local from=()
    [ $# -gt 0 ] && from=(--from "$1")
    $OSC "${from[@]}" status "$OSC_PORT" | python3 -c "import json,sys; print(json.load(sys.stdin)['$key'])"
}

# wait_status KEY VALUE SECONDS: polls until the key has the value; prints the wait.
wait_status() {
    local key="$1" want="$2" secs="$3" t0 now got
    t0=$(date +%s.%N)
    while :; do
        got="$(status_field "$key" 2>/dev/null || true)"
        now=$(date +%s.%N)
        if [ "$got" = "$want" ]; then
            python3 -c "print(round($now - $t0, 2))"
            return 0
        fi
        if python3 -c "import sys; sys.exit(0 if $now - $t0 > $secs else 1)"; then
            fail "status $key is '$got', not '$want', after $secs s"
        fi
        sleep 0.05
    done
}

# record SECONDS FILE: records lulld's two outputs (32-bit WAV). jack_rec queues
# what its process callback sees in a ring buffer for its disk thread and, when
# that thread falls behind, drops samples (a gap or a click in the file that lulld
# never made) yet exits 0: its buffer is 256 Ki frames (5.5 s at 48 kHz, the
# default is 16 Ki: 0.34 s), and an overrun it reports is written to FILE.overruns
# so that a check can tell the recorder's fault from lulld's.
record() {
    local log="$TEST_TMP/jack_rec.$$.$RANDOM.log"
    rm -f "$2.overruns"
    timeout $(( $1 + 20 )) jack_rec -f "$2" -d "$1" -b 32 -B 262144 \
        "lulld:out_left" "lulld:out_right" >"$log" 2>&1 ||
        { cat "$log" >>"$TEST_TMP/jack_rec.log"; fail "jack_rec failed: $(tail -n 3 "$log")"; }
    cat "$log" >>"$TEST_TMP/jack_rec.log"
    if grep -q "overruns" "$log"; then
        grep "overruns" "$log" | head -n 1 >"$2.overruns"
        log "the recorder (jack_rec) dropped samples: $(cat "$2.overruns")"
    fi
    rm -f "$log"
}

# spoiled XRUNS_BEFORE XRUNS_AFTER FILE: true when an xrun or the recorder's own
# overrun happened during the recording of FILE, so a failed check proves nothing.
spoiled() {
    [ "$2" -gt "$1" ] || [ -e "$3.overruns" ]
}

# True when wavcheck's JSON ($1) failed only for clicks, in both channels at the same
# instant, with no gap: what a splice between two clients' buffers in PipeWire's
# graph looks like from the recorder (see test_daemon_pipewire.sh).
splice_only() {
    python3 -c '
import json, re, sys
r = json.loads(sys.argv[1])
f = r.get("failures", [])
at = [re.search(r"worst at ([0-9.]+) s", x) for x in f]
ok = (len(f) == 2 and all("click" in x for x in f) and all(at)
      and at[0].group(1) == at[1].group(1) and r.get("gaps_0", 1) == 0 and r.get("gaps_1", 1) == 0)
sys.exit(0 if ok else 1)' "$1"
}

# check_audio SECONDS WAVCHECK_ARGS...: records and checks; a recording spoiled by
# an xrun (the dummy server without realtime scheduling on a busy machine) is
# retried, up to 3 times. With CHECK_AUDIO_SPLICE_RETRIES=N, a recording that fails
# only by a click in both channels at one instant, with no xrun (splice_only), is
# retried too, at most N times per check, each said in the log. Prints wavcheck's
# JSON of the last attempt.
check_audio() {
    local secs="$1" attempt out x0 x1
    shift
    for attempt in 1 2 3; do
        x0="$(status_field xruns)"
        record "$secs" "$TEST_TMP/rec.wav"
        x1="$(status_field xruns)"
        if out="$($WAVCHECK "$TEST_TMP/rec.wav" "$@")"; then
            echo "$out"
            return 0
        fi
        log "attempt $attempt: $out (xruns during it: $((x1 - x0)))"
        spoiled "$x0" "$x1" "$TEST_TMP/rec.wav" && continue
        if [ "${CHECK_AUDIO_SPLICE_RETRIES:-0}" -gt 0 ] && splice_only "$out"; then
            CHECK_AUDIO_SPLICE_RETRIES=$((CHECK_AUDIO_SPLICE_RETRIES - 1))
            log "attempt $attempt: a click in both channels at one instant, no xrun:" \
                "recorded again (splice retries left: $CHECK_AUDIO_SPLICE_RETRIES)"
            continue
        fi
        break   # a clean run that fails is a real failure
    done
    fail "audio check failed: $out"
}
