#!/usr/bin/env bash
# DNS-SD publication with a real avahi-daemon started by the test, as the tests
# start jackd: a private D-Bus system bus, then avahi-daemon with a private config
# that allows only the loopback interface (allow-interfaces=lo, use-ipv6=no) —
# all inside a private network and mount namespace (unshare -n -m), so nothing is
# sent to any address but this namespace's loopback. lulld publishes _osc._udp,
# lull-web _http._tcp under the room's name; a second lull-web with the same room
# name gets Avahi's alternative name. `avahi-browse -rtpk` must find them.
# Without an Avahi daemon, lull-web warns once and serves as usual.
source "$(dirname "$0")/lib.sh"
source "$HERE/tablet_lib.sh"
require_tools
for t in avahi-daemon avahi-browse dbus-daemon unshare ip; do
    command -v "$t" >/dev/null || skip "no $t (tools/install-deps.sh installs avahi-daemon, avahi-utils)"
done
unshare -n -m true 2>/dev/null || skip "cannot create network and mount namespaces here (needs root)"
[ -x "$LULL_BIN/lull-web" ] || fail "no $LULL_BIN/lull-web"

# No daemon at all: a warning, and lull-web still serves.
OSC_PORT=9
WEB_MDNS="" DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TEST_TMP/no-bus" start_web
python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$WEB_PORT/')" ||
    fail "lull-web without Avahi does not serve"
sleep 0.5
grep -i "mdns" "$TEST_TMP/web.log" >&2 || fail "no warning about the missing Avahi daemon"
stop_web

mkdir -p /run/avahi-daemon
cat >"$TEST_TMP/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$TEST_TMP/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
XML
cat >"$TEST_TMP/avahi.conf" <<INI
[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
INI

cat >"$TEST_TMP/inside.sh" <<'SH'
set -uo pipefail
mount -t tmpfs lulltest /run/avahi-daemon        # a private pid/socket directory
ip link set lo up
ip link set lo multicast on                        # mDNS needs a multicast interface
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TEST_TMP/bus"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
dbus-daemon --config-file="$TEST_TMP/bus.conf" --nofork >>"$TEST_TMP/dbus.log" 2>&1 &
pids+=($!)
for i in $(seq 50); do [ -S "$TEST_TMP/bus" ] && break; sleep 0.1; done
avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f "$TEST_TMP/avahi.conf" \
    >>"$TEST_TMP/avahi.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do grep -q "Server startup complete" "$TEST_TMP/avahi.log" && break; sleep 0.1; done
grep -q "Server startup complete" "$TEST_TMP/avahi.log" || { echo "SKIP-AVAHI: $(tail -3 "$TEST_TMP/avahi.log")"; exit 3; }

"$LULL_BIN/lulld" --osc-port 19000 --presets "$LULL_PRESET_DIR" --plugins "$LULL_PLUGIN_DIR" \
    --preset default --room "Test Room" >>"$TEST_TMP/lulld-ns.log" 2>&1 &
pids+=($!)
for port in 18080 18081; do
    "$LULL_BIN/lull-web" --port $port --osc 127.0.0.1:19000 --root "$SRC/web" \
        --pin-file "$TEST_TMP/pin" --room "Test Room" >>"$TEST_TMP/web-ns.log" 2>&1 &
    pids+=($!)
    sleep 1   # the second one meets the first one's name
done
sleep 2
avahi-browse -rtpk _osc._udp >"$TEST_TMP/osc.txt" 2>&1
avahi-browse -rtpk _http._tcp >"$TEST_TMP/http.txt" 2>&1
cat "$TEST_TMP/osc.txt" "$TEST_TMP/http.txt" | grep '^=' >&2
ok=0
grep -q '^=;lo;IPv4;Test\\032Room;_osc._udp;local;.*;19000;' "$TEST_TMP/osc.txt" || { echo "no _osc._udp 'Test Room' on 19000"; ok=1; }
grep -q '^=;lo;IPv4;Test\\032Room;_http._tcp;local;.*;1808[01];' "$TEST_TMP/http.txt" || { echo "no _http._tcp 'Test Room'"; ok=1; }
grep -q '^=;lo;IPv4;Test\\032Room\\032\\0352;_http._tcp;local;.*;1808[01];' "$TEST_TMP/http.txt" || { echo "no alternative name for the second lull-web"; ok=1; }
grep -i "taken" "$TEST_TMP/web-ns.log" >&2
exit $ok
SH
export LULL_BIN LULL_PRESET_DIR LULL_PLUGIN_DIR TEST_TMP SRC
unset JACK_DEFAULT_SERVER
set +e
out="$(timeout 60 unshare -n -m bash "$TEST_TMP/inside.sh" 2>&1)"
rc=$?
set -e
echo "$out" >&2
[ $rc -eq 3 ] && skip "avahi-daemon would not start here: $out"
[ $rc -eq 0 ] || { tail -n 20 "$TEST_TMP/avahi.log" "$TEST_TMP/web-ns.log" >&2; fail "DNS-SD publication"; }
log "PASS"
