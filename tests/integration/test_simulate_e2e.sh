#!/usr/bin/env bash
# lull simulate -> lulld over OSC, end to end: a steady synthetic client (12
# breaths/min, heart ~68 bpm) streams respiration, ECG, PPG, RR and HR for 40 s
# in real time; a /lull/subscribe client reads /lull/state and checks that lulld
# measured breath ~12 and heart ~68 with both sensors ok.
source "$(dirname "$0")/lib.sh"
require_tools
[ -x "$LULL_BIN/lull" ] || fail "no $LULL_BIN/lull (build first)"

start_jackd 48000 512
start_lulld --preset default
log "lulld up on UDP $OSC_PORT"

"$LULL_BIN/lull" simulate --target "127.0.0.1:$OSC_PORT" --profile steady --speed 1 \
    --seconds 40 --seed 3 >"$TEST_TMP/simulate.log" 2>&1 &
SIM_PID=$!
EXTRA_PIDS+=("$SIM_PID")

python3 - "$HERE" "$OSC_PORT" <<'PY' || fail "state check failed (simulate log: $(tail -n 3 "$TEST_TMP/simulate.log"))"
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
import lull_osc as osc
c = osc.Client(int(sys.argv[2]), timeout=1.0)
c.send("/lull/subscribe", ("i", 500))
t0 = time.time()
frames = []
while time.time() - t0 < 41:
    m = c.receive(1.0)
    if m and m[0] == "/lull/state":
        frames.append((time.time() - t0, osc.pairs(m[1])))
c.send("/lull/unsubscribe")
late = [f for t, f in frames if t > 25]
if len(late) < 20:
    sys.exit("only %d /lull/state frames after 25 s (of %d)" % (len(late), len(frames)))
ok_b = [f["breath"] for f in late if f.get("breath_state") == "ok"]
ok_h = [f["heart"] for f in late if f.get("heart_state") == "ok"]
print("frames %d, breath ok %d, heart ok %d" % (len(late), len(ok_b), len(ok_h)), file=sys.stderr)
if len(ok_b) < 0.9 * len(late) or len(ok_h) < 0.9 * len(late):
    sys.exit("sensors not ok: breath %d, heart %d of %d frames" % (len(ok_b), len(ok_h), len(late)))
b, h = statistics.median(ok_b), statistics.median(ok_h)
print("breath median %.2f/min (range %.2f..%.2f), heart median %.1f bpm (range %.1f..%.1f)"
      % (b, min(ok_b), max(ok_b), h, min(ok_h), max(ok_h)), file=sys.stderr)
if abs(b - 12.0) > 1.5:
    sys.exit("breath %.2f/min, want 12 +- 1.5" % b)
if abs(h - 68.0) > 5.0:
    sys.exit("heart %.1f bpm, want 68 +- 5" % h)
PY

wait "$SIM_PID" || fail "lull simulate exited with $?: $(tail -n 3 "$TEST_TMP/simulate.log")"
log "$(tail -n 1 "$TEST_TMP/simulate.log")"
dropped="$(status_field dropped)"
log "lulld dropped $dropped"
log "PASS"
