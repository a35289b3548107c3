#!/usr/bin/env bash
# Real sensor data over OSC: 25 s of a resting participant's ECG and respiration
# (tests/data/bio_resting_5min_100hz.csv, 100 Hz) streamed in real time like a
# wearable would. The daemon's biosignal thread must mark both sensors ok, report
# the heart and breathing rates that the same pipeline computes offline from the
# same 25 s (`lull analyze --features`: within 5 %, the stream's network timing
# being the only difference), deliver /lull/state to a subscriber, and mark both
# sensors stale once the stream stops.
source "$(dirname "$0")/lib.sh"
require_tools
DATA="${LULL_TEST_DATA:-$SRC/tests/data}/bio_resting_5min_100hz.csv"
[ -f "$DATA" ] || fail "missing $DATA"

# The offline reference: the same segment through `lull analyze`.
python3 - "$DATA" "$TEST_TMP/segment.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
w = csv.writer(open(sys.argv[2], "w"))
w.writerow(["ECG", "RSP"])
for r in rows[60 * 100:60 * 100 + 25 * 100]:
    w.writerow([r[0], r[2]])
PY
"$LULL_BIN/lull" analyze "$TEST_TMP/segment.csv" --features --rate 100 -o "$TEST_TMP/ref.csv" ||
    fail "lull analyze failed"
REF="$(tail -n 1 "$TEST_TMP/ref.csv")"
log "offline features at 25 s: $REF"

start_jackd 48000 512
start_lulld --preset default

python3 - "$OSC_PORT" "$HERE" "$DATA" "$TEST_TMP/ref.csv" <<'PY' || fail "sensor stream checks"
import csv, sys, time, math
sys.path.insert(0, sys.argv[2])
from lull_osc import Client, pairs

rows = list(csv.reader(open(sys.argv[3])))[1:]
ecg = [float(r[0]) for r in rows]
rsp = [float(r[2]) for r in rows]
FS, SECONDS, START = 100, 25, 60 * 100
ecg, rsp = ecg[START:START + SECONDS * FS], rsp[START:START + SECONDS * FS]

ref = list(csv.DictReader(open(sys.argv[4])))[-1]
ref_hr, ref_br = float(ref["heart_rate"]), float(ref["breath_rate"])

c = Client(int(sys.argv[1]), timeout=2.0)
c.send("/lull/bio/ecg/rate", 100.0)
c.send("/lull/bio/resp/rate", 100.0)
sub = Client(int(sys.argv[1]), timeout=2.0)
if sub.call("/lull/subscribe", ("i", 500))[0] != "/lull/done":
    sys.exit("subscribe refused")

t0 = time.time()
for k in range(0, SECONDS * FS, 10):          # 10 samples per message, 10 messages/s
    c.send("/lull/bio/ecg", *ecg[k:k + 10])
    c.send("/lull/bio/resp", *rsp[k:k + 10])
    delay = t0 + (k + 10) / FS - time.time()
    if delay > 0:
        time.sleep(delay)

st = c.status()
states = [pairs(m[1]) for m in sub.drain(0.6, max_s=0.1) if m[0] == "/lull/state"]
print("offline HR %.1f bpm, breath %.1f/min; status breath %s heart %s; %d state messages; last state %r"
      % (ref_hr, ref_br, st["breath"], st["heart"], len(states), states[-1] if states else None),
      file=sys.stderr)
errors = []
if st["breath"] != "ok" or st["heart"] != "ok":
    errors.append("sensors not ok while streaming: breath %s heart %s" % (st["breath"], st["heart"]))
if len(states) < 40:
    errors.append("only %d /lull/state messages in %d s at 500 ms" % (len(states), SECONDS))
if states:
    s = states[-1]
    if not (math.isfinite(s["heart"]) and abs(s["heart"] - ref_hr) <= 0.05 * ref_hr):
        errors.append("heart %.1f bpm vs offline %.1f" % (s["heart"], ref_hr))
    if not (math.isfinite(s["breath"]) and abs(s["breath"] - ref_br) <= 0.05 * ref_br):
        errors.append("breath %.2f/min vs offline %.2f" % (s["breath"], ref_br))
    if s["preset"] != "default":
        errors.append("state preset %r" % s["preset"])
time.sleep(3.0)                                 # the stream stops: 1 s (+ beat margin) to stale
st = c.status()
if st["breath"] != "stale" or st["heart"] != "stale":
    errors.append("after the stream stopped: breath %s heart %s" % (st["breath"], st["heart"]))
sub.call("/lull/unsubscribe")
if errors:
    sys.exit("\n".join(errors))
PY
log "PASS"
