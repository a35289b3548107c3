#!/usr/bin/env bash
# lull-web refuses what it must: a wrong Host or Origin (403, also on the
# WebSocket), no token (403 on the WebSocket, 401 on the API), a PIN brute force
# (locked out: 429, even for the right PIN), an oversize frame and a
# non-allowlisted address such as /lull/bio/hr (answered /lull/fail, never
# reaching lulld). Closing a WebSocket unsubscribes its UDP socket from lulld.
# --bind puts lull-web on one address only.
source "$(dirname "$0")/lib.sh"
source "$HERE/tablet_lib.sh"
require_tools
start_jackd 48000 1024
start_lulld --preset default
start_web

export OSC_PORT WEB_PORT TEST_TMP
python3 - <<'PY' || fail "security checks"
import http.client, json, os, struct, sys, time
import cdp
from lull_osc import Client, encode_message, decode_message, pairs

port = int(os.environ["WEB_PORT"])
me = "127.0.0.1:%d" % port
origin = "http://" + me
pin = open(os.path.join(os.environ["TEST_TMP"], "pin")).read().strip()
osc = Client(int(os.environ["OSC_PORT"]), timeout=1.0)
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAILED: " + what, file=sys.stderr)

def request(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.putrequest(method, path, skip_host=True)
    h = {"Host": me}
    h.update(headers or {})
    for k, v in h.items():
        if v is not None:
            c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Type", "application/x-www-form-urlencoded")
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body.encode() if body is not None else None)
    r = c.getresponse()
    data = r.read()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

def ws(headers):
    return cdp.WebSocket("127.0.0.1", port, "/osc", headers=headers, subprotocol="osc")

# Host and Origin.
st, _, _ = request("GET", "/")
check(st == 200, "GET / with the right Host: %d" % st)
st, _, body = request("GET", "/", headers={"Host": "attacker.example:%d" % port})
print("GET / with Host attacker.example: %d %s" % (st, body.decode()), file=sys.stderr)
check(st == 403, "wrong Host: %d" % st)
st, _, _ = request("GET", "/../../etc/passwd")
check(st in (403, 404), "path traversal: %d" % st)
st, _, body = request("POST", "/pair", "pin=" + pin, {"Origin": "http://attacker.example"})
print("POST /pair with a foreign Origin: %d %s" % (st, body.decode()), file=sys.stderr)
check(st == 403, "wrong Origin on /pair: %d" % st)
st, _, _ = request("POST", "/pair", "pin=" + pin, {"Origin": None})
check(st == 403, "no Origin on /pair: %d" % st)

# Pair once (the right PIN, right Origin): an HttpOnly, SameSite=Strict cookie.
st, h, body = request("POST", "/pair", "pin=" + pin, {"Origin": origin})
cookie = h.get("set-cookie", "")
print("pairing: %d, cookie attributes: %s" % (st, "; ".join(cookie.split("; ")[1:])), file=sys.stderr)
check(st == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie, "pairing: %d %r" % (st, cookie))
token = cookie.split(";")[0]
st, _, _ = request("GET", "/api/whoami", headers={"Cookie": token})
check(st == 200, "whoami with the token: %d" % st)
st, _, _ = request("GET", "/api/stats")
check(st == 401, "API without a token: %d" % st)

# The WebSocket: token, Origin and Host all needed.
for label, hdrs, want in [
        ("no token", {"Origin": origin}, 403),
        ("forged token", {"Origin": origin, "Cookie": "lull_token=" + "ab" * 32}, 403),
        ("foreign Origin", {"Origin": "http://attacker.example", "Cookie": token}, 403),
        ("no Origin", {"Cookie": token}, 403),
        ("rebinding Host", {"Origin": "http://evil.example:%d" % port, "Host": "evil.example:%d" % port,
                            "Cookie": token}, 403),
        ("paired", {"Origin": origin, "Cookie": token}, 101)]:
    w = ws(hdrs)
    print("WebSocket, %s: HTTP %d" % (label, w.status), file=sys.stderr)
    check(w.status == want, "WebSocket %s: %d, expected %d" % (label, w.status, want))
    if w.status != 101:
        w.close()
sock = w

def osc_call(w, address, *args, timeout=2.0, want=None):
    w.send(encode_message(address, *args))
    t0 = time.time()
    while time.time() - t0 < timeout:
        m = w.recv(timeout)
        if m is None:
            return None
        m = decode_message(m)
        if want is None or m[0] == want:
            return m
    return None

m = osc_call(sock, "/lull/status", want="/lull/status.reply")
check(m is not None and pairs(m[1])["preset"] == "default", "status through lull-web: %r" % (m,))

# Not allowlisted: /lull/bio/hr never reaches lulld.
before = osc.status()
m = osc_call(sock, "/lull/bio/hr", 70.0, want="/lull/fail")
print("/lull/bio/hr through the tablet: %r" % (m,), file=sys.stderr)
check(m is not None and "not allowed" in m[1][1], "bio/hr answer: %r" % (m,))
m = osc_call(sock, "/lull/param/set", "a", "b", 1.0, want="/lull/fail")
check(m is not None and "not allowed" in m[1][1], "param/set answer: %r" % (m,))
# Oversize frame (5000 bytes): refused; the connection stays usable.
big = encode_message("/lull/session/mark", "x" * 4970)
m = osc_call(sock, "/lull/status", want=None) if False else None
sock.send(big)
m = decode_message(sock.recv(2.0))
print("a %d-byte frame: %r" % (len(big), m), file=sys.stderr)
check(m[0] == "/lull/fail" and "larger" in m[1][1], "oversize answer: %r" % (m,))
m = osc_call(sock, "/lull/status", want="/lull/status.reply")
check(m is not None, "no status after the oversize frame")
after = osc.status()
check(after["sensor_samples"] == before["sensor_samples"] and after["dropped"] == before["dropped"],
      "something reached lulld: %r -> %r" % ((before["sensor_samples"], before["dropped"]),
                                             (after["sensor_samples"], after["dropped"])))

# Subscribe, then close: lulld has one subscriber less.
m = osc_call(sock, "/lull/subscribe", 250, want="/lull/done")
state = osc_call(sock, "/lull/status", want="/lull/state")
check(state is not None and "seq" in pairs(state[1]) and "time" in pairs(state[1]),
      "/lull/state without seq/time: %r" % (state,))
n_sub = osc.status()["subscribers"]
sock.close()
time.sleep(0.5)
n_after = osc.status()["subscribers"]
print("subscribers: %d while connected, %d after close" % (n_sub, n_after), file=sys.stderr)
check(n_sub >= 1 and n_after == n_sub - 1, "unsubscribe on close: %d -> %d" % (n_sub, n_after))

# Brute force: 5 wrong PINs lock this address out, even for the right PIN.
wrong = "0" * len(pin) if pin != "0" * len(pin) else "1" * len(pin)
codes = []
for i in range(6):
    time.sleep(1.05)
    st, h, body = request("POST", "/pair", "pin=" + wrong, {"Origin": origin})
    codes.append(st)
time.sleep(1.05)
st, h, body = request("POST", "/pair", "pin=" + pin, {"Origin": origin})
print("brute force: wrong PINs answered %r; then the right PIN: %d, Retry-After %s s" %
      (codes, st, h.get("retry-after")), file=sys.stderr)
check(codes[:5] == [403] * 5 and codes[5] == 429, "lockout codes %r" % codes)
check(st == 429 and int(h.get("retry-after", "0")) > 60, "right PIN during lockout: %d" % st)
# Too fast: two attempts within a second from a fresh start are throttled (429).
sys.exit(1 if failures else 0)
PY

# --bind: only that address listens.
stop_web
WEB_HOST=127.0.0.2 start_web --bind 127.0.0.2
python3 - "$WEB_PORT" <<'PY' || fail "--bind"
import socket, sys, time
port = int(sys.argv[1])
time.sleep(0.3)
try:
    socket.create_connection(("127.0.0.2", port), 1).close()
except OSError as e:
    sys.exit("--bind 127.0.0.2: not listening there: %s" % e)
try:
    socket.create_connection(("127.0.0.1", port), 1).close()
    sys.exit("--bind 127.0.0.2: 127.0.0.1 answers too")
except OSError:
    print("--bind 127.0.0.2: listens there only", file=sys.stderr)
PY
log "PASS"
