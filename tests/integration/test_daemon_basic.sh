#!/usr/bin/env bash
# lulld against a private JACK server: /lull/status answers with every key of
# docs/design.md, the preset list matches the preset directory, and sound reaches the
# output (RMS above a floor, peak at or under the -6 dBFS ceiling). Started without
# --preset: the daemon plays the preset named `default` (docs/presets.md), not the
# first one alphabetically (`bowls`).
source "$(dirname "$0")/lib.sh"
require_tools

start_jackd 48000 512
start_lulld
log "lulld up on UDP $OSC_PORT"

status="$($OSC status "$OSC_PORT")"
log "status: $status"
python3 - "$status" <<'PY' || fail "status reply incomplete"
import json, sys
st = json.loads(sys.argv[1])
want = {"version": str, "jack": str, "rate": int, "period": int, "dsp_load": float,
        "xruns": int, "preset": str, "tempo": float, "pacer": float, "breath": str,
        "heart": str, "dropped": int, "uptime": float}
bad = [k for k, t in want.items() if not isinstance(st.get(k), t)]
if bad:
    sys.exit("missing or mistyped keys: %s" % bad)
checks = [(st["jack"] == "up", "jack up"), (st["rate"] == 48000, "rate 48000"),
          (st["period"] == 512, "period 512"), (st["preset"] == "default", "preset default"),
          (st["breath"] == "none" and st["heart"] == "none", "no sensors yet"),
          (0.0 <= st["dsp_load"] < 100.0, "dsp_load a percentage"),
          (st["uptime"] > 0, "uptime positive")]
failed = [what for ok, what in checks if not ok]
if failed:
    sys.exit("wrong values: %s" % failed)
PY

# The preset list is what the directory holds.
list="$($OSC call "$OSC_PORT" /lull/preset/list)"
expected="$(cd "$LULL_PRESET_DIR" && ls *.json | sed 's/\.json$//' | sort | tr '\n' ' ')"
got="$(echo "$list" | python3 -c "import json,sys; m=json.load(sys.stdin); assert m['address']=='/lull/preset/list.reply'; print(' '.join(sorted(m['args'])), end=' ')")"
[ "$got" = "$expected" ] || fail "preset list '$got' != directory '$expected'"

# The output is connected to the physical playback ports.
jack_lsp -c | grep -A1 '^lulld:out_left' | grep -q 'system:playback_1' || fail "out_left not connected"
jack_lsp -c | grep -A1 '^lulld:out_right' | grep -q 'system:playback_2' || fail "out_right not connected"

sleep 2.5   # the fade-in
audio="$(check_audio 3 --min-rms-db -50 --max-peak-db -6)"
log "audio: $audio"
log "PASS"
