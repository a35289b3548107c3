#!/usr/bin/env bash
# A preset switch while audio plays: the crossfade has no click and no gap, the
# status names the new preset; a load of a missing preset answers /lull/fail and
# the sound plays on unchanged.
source "$(dirname "$0")/lib.sh"
require_tools

start_jackd 48000 512
start_lulld --preset default
sleep 2.5   # the fade-in

targets=(surf drone surf)
for attempt in 1 2 3; do
    target="${targets[$((attempt - 1))]}"
    x0="$(status_field xruns)"
    record 8 "$TEST_TMP/xfade.wav" &
    rec_pid=$!
    EXTRA_PIDS+=("$rec_pid")
    sleep 1.5
    reply="$($OSC --timeout 5 call "$OSC_PORT" /lull/preset/load "s:$target" f:2.0)"
    echo "$reply" | grep -q "\"/lull/done\", \"args\": \[\"/lull/preset/load\", \"$target\"\]" ||
        fail "load $target: $reply"
    sleep 3
    reply="$($OSC call "$OSC_PORT" /lull/preset/load s:no_such_preset)"
    echo "$reply" | grep -q '"/lull/fail"' || fail "missing preset not refused: $reply"
    echo "$reply" | grep -q 'no_such_preset' || fail "failure does not name the preset: $reply"
    wait "$rec_pid" || fail "recording failed"
    [ "$(status_field preset)" = "$target" ] || fail "preset is $(status_field preset), not $target"
    x1="$(status_field xruns)"
    if out="$($WAVCHECK "$TEST_TMP/xfade.wav" --skip 0.1 --min-rms-db -50 --max-peak-db -6 \
              --no-clicks --no-gaps)"; then
        log "crossfade to $target: $out"
        # The check can fail: the same recording with one 10 ms block zeroed
        # (what a lost period sounds like) must be caught as a click and a gap.
        python3 - "$TEST_TMP/xfade.wav" "$TEST_TMP/broken.wav" <<'PY'
import sys, wave
r = wave.open(sys.argv[1], "rb"); p = r.getparams(); data = bytearray(r.readframes(p.nframes))
frame = p.sampwidth * p.nchannels; start = int(p.framerate * 4.0) * frame
data[start:start + int(p.framerate * 0.010) * frame] = bytes(int(p.framerate * 0.010) * frame)
w = wave.open(sys.argv[2], "wb"); w.setparams(p); w.writeframes(bytes(data)); w.close()
PY
        if broken="$($WAVCHECK "$TEST_TMP/broken.wav" --skip 0.1 --no-clicks --no-gaps)"; then
            fail "a zeroed block went unnoticed: $broken"
        fi
        echo "$broken" | grep -q 'click' && echo "$broken" | grep -q 'gap' ||
            fail "a zeroed block was not reported as click and gap: $broken"
        log "PASS"
        exit 0
    fi
    log "attempt $attempt ($target): $out (xruns during it: $((x1 - x0)))"
    [ "$x1" -gt "$x0" ] || break
done
fail "crossfade check failed: $out"
