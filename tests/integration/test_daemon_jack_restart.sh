#!/usr/bin/env bash
# The JACK server goes away and comes back: lulld stays alive and reports jack
# "down", then within 2 s of the server's return reports "up" again with its
# connections restored (the ones it had, including a manual re-patch) and sound
# flowing. A server that returns at another sample rate gets a new engine at that
# rate with the same preset and volume.
source "$(dirname "$0")/lib.sh"
require_tools jack_connect jack_disconnect

RECONNECT_LIMIT_S=2.0
MARGIN_S=1.0   # status polling and a loaded test machine

start_jackd 48000 512
start_lulld --preset default
[ "$(status_field jack)" = "up" ] || fail "jack not up at start"

# A technician re-patches: both outputs to playback_1.
jack_disconnect lulld:out_right system:playback_2
jack_connect lulld:out_right system:playback_1
sleep 1   # the supervisor remembers connections every 0.5 s

for kill_signal in TERM KILL; do
    kill -s "$kill_signal" "$JACKD_PID"; wait "$JACKD_PID" 2>/dev/null || true; JACKD_PID=""
    t="$(wait_status jack down 3)"
    log "SIG$kill_signal to jackd: status says jack down after ${t} s"
    kill -0 "$LULLD_PID" || fail "lulld died with the server"
    sleep 1
    [ "$(status_field jack)" = "down" ] || fail "jack not reported down"
    start_jackd 48000 512
    t="$(wait_status jack up "$(python3 -c "print($RECONNECT_LIMIT_S + $MARGIN_S)")")"
    log "server back: jack up after ${t} s (limit ${RECONNECT_LIMIT_S} s + margin)"
    conns="$(jack_lsp -c)"
    echo "$conns" | grep -A2 '^lulld:out_right' | grep -q 'system:playback_1' ||
        fail "re-patched connection not restored: $conns"
    echo "$conns" | grep -A2 '^lulld:out_right' | grep -q 'system:playback_2' &&
        fail "a connection removed before the restart came back: $conns"
    echo "$conns" | grep -A2 '^lulld:out_left' | grep -q 'system:playback_1' ||
        fail "out_left connection not restored: $conns"
    [ "$(status_field preset)" = "default" ] || fail "preset lost"
    sleep 2.5   # the engine was never stopped, but give the output a moment
    audio="$(check_audio 2 --min-rms-db -50 --max-peak-db -6)"   # an assignment: a failed check stops the test
    log "audio: $audio"
done

# Back at 44.1 kHz: a new engine, same preset and volume.
$OSC call "$OSC_PORT" /lull/volume f:-12 >/dev/null
kill "$JACKD_PID"; wait "$JACKD_PID" 2>/dev/null || true; JACKD_PID=""
wait_status jack down 3 >/dev/null
start_jackd 44100 512
t="$(wait_status jack up "$(python3 -c "print($RECONNECT_LIMIT_S + $MARGIN_S)")")"
log "server back at 44100 Hz: jack up after ${t} s"
[ "$(status_field rate)" = "44100" ] || fail "rate $(status_field rate) after the rate change"
[ "$(status_field preset)" = "default" ] || fail "preset lost across the rate change"
python3 -c "import sys; sys.exit(0 if abs($(status_field volume) + 12) < 0.01 else 1)" ||
    fail "volume $(status_field volume) not carried over"
sleep 2.5   # the new engine fades in
audio="$(check_audio 2 --min-rms-db -50 --max-peak-db -6)"   # an assignment: a failed check stops the test
log "audio at 44100 Hz: $audio"
log "PASS"
