#!/usr/bin/env bash
# Bad network input changes nothing: truncated and malformed packets, wrong types,
# NaN/Inf, path traversal in preset names, unknown addresses, bundles, a flood of
# 20 000 sensor messages, and packets from a disallowed address (dropped, counted,
# never answered). Afterwards status answers, the preset is unchanged and audio plays.
source "$(dirname "$0")/lib.sh"
require_tools

start_jackd 48000 512
start_lulld --preset default
sleep 2   # the fade-in

python3 - "$OSC_PORT" "$HERE" <<'PY' || fail "hostile input checks"
import math, struct, sys, time
sys.path.insert(0, sys.argv[2])
from lull_osc import Client, encode_message, encode_bundle, pairs

c = Client(int(sys.argv[1]), timeout=2.0)
failures = []

def expect_fail(label, data, must_mention=None):
    c.drain(0.01)
    c.send_raw(data)
    m = c.receive()
    if m is None or m[0] != "/lull/fail":
        failures.append("%s: expected /lull/fail, got %r" % (label, m))
        return
    reason = m[1][1] if len(m[1]) > 1 else ""
    if must_mention and must_mention not in reason:
        failures.append("%s: reason %r does not mention %r" % (label, reason, must_mention))

good = encode_message("/lull/volume", -10.0)
# Truncated and malformed packets.
expect_fail("truncated after the address", good[:12], "malformed")
expect_fail("type tag without its value", good[:-4], "malformed")
expect_fail("length not a multiple of 4", good + b"\x01", "malformed")
expect_fail("no type tags", b"/lull/volume\0\0\0\0", "malformed")
expect_fail("bad string padding", b"/lull/status\0\xff\xff\xff,\0\0\0", "malformed")
expect_fail("garbage", bytes(range(1, 64)) + b"\0", "malformed")
expect_fail("unterminated string arg", encode_message("/lull/preset/load", "x")[:-4] + b"abcd", "malformed")
expect_fail("bundle element too long", b"#bundle\0" + b"\0" * 7 + b"\x01" + struct.pack(">i", 400) + good)
# Wrong types and counts.
expect_fail("volume as string", encode_message("/lull/volume", "loud"), "must be a number")
expect_fail("volume missing", encode_message("/lull/volume"), "expected arguments")
expect_fail("preset as int", encode_message("/lull/preset/load", 3), "must be a string")
expect_fail("param/set types", encode_message("/lull/param/set", 1.0, 2.0, 3.0), "must be a string")
expect_fail("pacer mode unknown", encode_message("/lull/pacer/mode", "fast"), "unknown pacer mode")
expect_fail("status with args", encode_message("/lull/status", 1), "expected arguments")
expect_fail("subscribe interval tiny", encode_message("/lull/subscribe", 1), "out of range")
# Non-finite numbers.
expect_fail("volume NaN", encode_message("/lull/volume", float("nan")), "not a finite")
expect_fail("volume Inf", encode_message("/lull/volume", ("d", float("inf"))), "not a finite")
expect_fail("crossfade NaN", encode_message("/lull/preset/load", "surf", float("nan")), "not a finite")
expect_fail("pacer target -Inf", encode_message("/lull/pacer/mode", "guide", float("-inf")), "not a finite")
expect_fail("param NaN", encode_message("/lull/param/set", "a", "b", float("nan")), "not a finite")
# Path traversal and odd names never reach the file system.
for name in ["../../etc/passwd", "/etc/passwd", "a/b", "..", ".hidden", "x" * 300, "nul\x01"]:
    expect_fail("preset name %r" % name[:20], encode_message("/lull/preset/load", name), "preset")
# Unknown addresses, including OSC patterns (never expanded).
for addr in ["/lull/nope", "/lull/*", "/lull/status/x", "/LULL/STATUS", "/"]:
    expect_fail("address %s" % addr, encode_message(addr), "unknown address")

# A bundle is unpacked: its messages are answered one by one.
c.drain(0.01)
c.send_raw(encode_bundle(encode_message("/lull/status"), encode_message("/lull/nope")))
got = sorted(m[0] for m in [c.receive(), c.receive()] if m)
if got != ["/lull/fail", "/lull/status.reply"]:
    failures.append("bundle: got %r" % got)

# Bad sensor data is dropped silently and counted.
before = c.status()
bad_sensors = [encode_message("/lull/bio/ecg", float("nan")),
               encode_message("/lull/bio/ppg", "x"),
               encode_message("/lull/bio/hr", 900.0),
               encode_message("/lull/bio/rr", 5.0),
               encode_message("/lull/bio/resp"),
               encode_message("/lull/bio/unknown", 1.0),
               encode_message("/lull/bio/ecg", 1.0)[:-2]]
for b in bad_sensors:
    c.send_raw(b)
if c.receive(0.5) is not None:
    failures.append("a sensor message was answered")
after = c.status()
if after["sensor_dropped"] - before["sensor_dropped"] != len(bad_sensors):
    failures.append("sensor_dropped grew by %d, expected %d" %
                    (after["sensor_dropped"] - before["sensor_dropped"], len(bad_sensors)))
if after["dropped"] < before["dropped"] + len(bad_sensors):
    failures.append("status dropped did not count the bad sensor messages")

# A flood: 20 000 ECG messages of 8 samples as fast as the socket takes them.
msg = encode_message("/lull/bio/ecg", *[0.1 * i for i in range(8)])
t0 = time.time()
for _ in range(20000):
    c.send_raw(msg)
flood_s = time.time() - t0
time.sleep(0.5)
st = c.status()
if st is None:
    failures.append("no status after the flood")
else:
    took = st["sensor_samples"] - after["sensor_samples"]
    dropped = st["sensor_dropped"] - after["sensor_dropped"]
    print("flood: 20000 msgs in %.2f s; queued samples %d, dropped msgs %d" % (flood_s, took, dropped),
          file=sys.stderr)
    if took <= 0 or took > 20000 * 8:
        failures.append("flood accounting: %d samples queued" % took)
    if st["preset"] != "default":
        failures.append("preset changed to %r" % st["preset"])

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
PY

[ "$(status_field preset)" = "default" ] || fail "preset changed"
audio="$(check_audio 2 --min-rms-db -50 --max-peak-db -6)"   # an assignment: a failed check stops the test
log "audio after hostile input: $audio"

# Packets from an address outside the allow list: loopback excluded by
# --allow 10.0.0.0/8; a second block admits 127.0.0.2 to read the counters.
kill "$LULLD_PID"; wait "$LULLD_PID" || true; LULLD_PID=""
OSC_PORT="$(free_port)"
"$LULL_BIN/lulld" --osc-port "$OSC_PORT" --presets "$LULL_PRESET_DIR" --plugins "$LULL_PLUGIN_DIR" \
    --preset default --allow 10.0.0.0/8 --allow 127.0.0.2/32 >>"$TEST_TMP/lulld.log" 2>&1 &
LULLD_PID=$!
wait_for_status 127.0.0.2
python3 - "$OSC_PORT" "$HERE" <<'PY' || fail "disallowed address checks"
import sys
sys.path.insert(0, sys.argv[2])
from lull_osc import Client, encode_message
outsider = Client(int(sys.argv[1]), bind="127.0.0.1", timeout=1.0)
insider = Client(int(sys.argv[1]), bind="127.0.0.2", timeout=2.0)
before = insider.status()["net_dropped"]
outsider.send("/lull/status")
outsider.send("/lull/preset/load", "surf", 0.0)
outsider.send("/lull/volume", -40.0)
outsider.send_raw(b"garbage!")
if outsider.receive() is not None:
    sys.exit("a disallowed sender got a reply")
st = insider.status()
if st["net_dropped"] - before != 4:
    sys.exit("net_dropped grew by %d, expected 4" % (st["net_dropped"] - before))
if st["preset"] != "default" or abs(st["volume"] - (-6.0)) > 0.01:
    sys.exit("a disallowed packet changed something: %r" % st)
PY
log "PASS"
