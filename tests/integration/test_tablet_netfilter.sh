#!/usr/bin/env bash
# lulld's network defaults (docs/daemon.md, "Network safety"): a sender on a
# non-loopback address may stream sensors but cannot control, subscribe or get
# any reply, unless --allow-control admits it. The non-loopback sender is a second
# address (on a dummy interface, or on lo) inside a private network namespace made for this
# test (unshare -n): no packet leaves the namespace, nothing touches a real network.
source "$(dirname "$0")/lib.sh"
require_tools
command -v unshare >/dev/null && command -v ip >/dev/null || skip_reason="no unshare or ip (iproute2)"
if [ -z "${skip_reason:-}" ] && ! unshare -n true 2>/dev/null; then
    skip_reason="cannot create a network namespace here (needs root / CAP_SYS_ADMIN)"
fi
if [ -n "${skip_reason:-}" ]; then
    echo "[$TEST_NAME] SKIP: $skip_reason" >&2
    exit 0
fi

# Inside the namespace: lo up, a dummy interface with 10.99.0.1/32, lulld without
# JACK (control and sensors do not need audio).
cat >"$TEST_TMP/inside.sh" <<'SH'
set -euo pipefail
ip link set lo up
# A second address: on a dummy interface where the kernel has them, else on this
# namespace's own lo (the address, not the interface, is what lulld judges).
if ip link add lulltest0 type dummy 2>/dev/null; then
    ip addr add 10.99.0.1/32 dev lulltest0
    ip link set lulltest0 up
else
    ip addr add 10.99.0.1/32 dev lo
fi
run() {  # run MODE [lulld args...]
    local mode="$1"; shift
    "$LULL_BIN/lulld" --osc-port 19000 --presets "$LULL_PRESET_DIR" --plugins "$LULL_PLUGIN_DIR" \
        --preset default "$@" >>"$TEST_TMP/lulld-ns.log" 2>&1 &
    local pid=$!
    python3 - "$mode" <<'PY'
import math, sys, time
from lull_osc import Client, pairs
mode = sys.argv[1]
local = Client(19000, timeout=1.0)
t0 = time.time()
while local.status() is None:
    if time.time() - t0 > 15:
        sys.exit("lulld did not answer on loopback")
lan = Client(19000, host="10.99.0.1", bind="10.99.0.1", timeout=1.0)
before = local.status()
status = lan.call("/lull/status")
vol = lan.call("/lull/volume", -33.0)
sub = lan.call("/lull/subscribe", 100)
state = lan.receive(0.6)
for _ in range(5):
    lan.send("/lull/bio/hr", 72.0)
time.sleep(0.3)
after = local.status()
got_reply = [m is not None for m in (status, vol, sub, state)]
print("%s: replies to status/volume/subscribe/state from 10.99.0.1: %s; volume %.1f dB; "
      "sensor samples +%d; net_dropped +%d; subscribers %d" %
      (mode, got_reply, after["volume"], after["sensor_samples"] - before["sensor_samples"],
       after["net_dropped"] - before["net_dropped"], after["subscribers"]), file=sys.stderr)
ok = after["sensor_samples"] - before["sensor_samples"] == 5   # sensors always accepted
if mode == "default":
    ok &= not any(got_reply) and abs(after["volume"] - (-33.0)) > 0.5
    ok &= after["net_dropped"] - before["net_dropped"] == 3 and after["subscribers"] == 0
else:
    ok &= all(got_reply) and abs(after["volume"] - (-33.0)) < 0.01 and after["subscribers"] == 1
    ok &= state[0] == "/lull/state" and "seq" in pairs(state[1])
sys.exit(0 if ok else 1)
PY
    local rc=$?
    kill "$pid"; wait "$pid" 2>/dev/null || true
    return $rc
}
run default
run allowed --allow-control 10.99.0.0/24
SH
export LULL_BIN LULL_PRESET_DIR LULL_PLUGIN_DIR TEST_TMP PYTHONPATH
unset JACK_DEFAULT_SERVER
timeout 80 unshare -n bash "$TEST_TMP/inside.sh" || {
    tail -n 20 "$TEST_TMP/lulld-ns.log" >&2
    fail "network defaults"
}
log "PASS"
