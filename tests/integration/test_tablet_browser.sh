#!/usr/bin/env bash
# The therapist's page in headless Chromium, driven over the DevTools protocol
# (tests/integration/cdp.py): pair with the PIN (a wrong one first), see the
# presets, switch one (lulld's status shows it, crossfading), change volume and
# pacer mode, see breath and heart from `lull simulate` within 2 s; kill lull-web:
# the page says it is disconnected, its controls are off, and it recovers when
# lull-web returns; stop lulld: the data is shown stale, not as if live.
# Screenshots at 1024x768, 820x1180 and 800x1280 go to build/tablet-screenshots/.
source "$(dirname "$0")/lib.sh"
source "$HERE/tablet_lib.sh"
require_tools
python3 -c "import sys; sys.path.insert(0, '$HERE'); import cdp; sys.exit(0 if cdp.find_chromium() else 1)" ||
    skip "no chromium (tools/install-deps.sh installs it)"
[ -x "$LULL_BIN/lull" ] || fail "no $LULL_BIN/lull"

SHOTS="$(dirname "$LULL_BIN")/tablet-screenshots"
mkdir -p "$SHOTS"
start_jackd 48000 1024
start_lulld --preset default
start_web
"$LULL_BIN/lull" simulate --target "127.0.0.1:$OSC_PORT" --profile relaxing >>"$TEST_TMP/sim.log" 2>&1 &
SIM_PID=$!
EXTRA_PIDS+=("$SIM_PID")

# lulld has breath and heart before the page is opened, so that the page's
# delay is measured, not the extractors' warm-up.
python3 - "$OSC_PORT" <<'PY' || fail "lulld never had breath and heart from the simulator"
import math, sys, time
from lull_osc import Client, pairs
c = Client(int(sys.argv[1]), timeout=1.0)
c.send("/lull/subscribe", 250)
t0 = time.time()
while time.time() - t0 < 60:
    m = c.receive()
    if m and m[0] == "/lull/state":
        s = pairs(m[1])
        if math.isfinite(s["breath"]) and math.isfinite(s["heart"]):
            print("lulld: breath %.1f/min and heart %.0f bpm after %.1f s" %
                  (s["breath"], s["heart"], time.time() - t0), file=sys.stderr)
            c.send("/lull/unsubscribe")
            sys.exit(0)
sys.exit(1)
PY

export OSC_PORT WEB_PORT WEB_PID LULLD_PID SHOTS TEST_TMP LULL_BIN SRC
python3 - <<'PY' || fail "page checks"
import json, os, signal, subprocess, sys, time
import cdp
from lull_osc import Client

osc = Client(int(os.environ["OSC_PORT"]), timeout=1.0)
url = "http://127.0.0.1:%s/" % os.environ["WEB_PORT"]
pin = open(os.path.join(os.environ["TEST_TMP"], "pin")).read().strip()
shots = os.environ["SHOTS"]
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAILED: " + what, file=sys.stderr)

def status_until(key, want, timeout=5.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = osc.status()
        if st and st.get(key) == want:
            return st, time.time() - t0
        time.sleep(0.05)
    return osc.status(), None

with cdp.Browser() as b:
    page = b.new_page(url, 1024, 768)
    page.wait("document.readyState === 'complete' && !document.getElementById('pairing').hidden")
    page.screenshot(os.path.join(shots, "pairing-1024x768.png"))

    # A wrong PIN is refused and says so; the right one pairs.
    wrong = "0" * len(pin) if pin != "0" * len(pin) else "1" * len(pin)
    page.eval("document.getElementById('pin').value = '%s'; document.getElementById('pair').click()" % wrong)
    msg, _ = page.wait("document.getElementById('pair-error').textContent")
    print("wrong PIN: %r" % msg, file=sys.stderr)
    check("wrong" in msg.lower(), "wrong PIN message: %r" % msg)
    time.sleep(1.1)   # one attempt a second per address
    page.eval("document.getElementById('pin').value = '%s'; document.getElementById('pair').click()" % pin)
    _, t = page.wait("window.lullDebug.connected", timeout=10)
    print("paired and connected after %.2f s" % t, file=sys.stderr)
    check(page.eval("document.cookie") == "", "the token is readable from script (not HttpOnly)")

    # Breath and heart within 2 s of connecting.
    _, t = page.wait("isFinite(parseFloat(document.getElementById('breath-rate').textContent)) && "
                     "isFinite(parseFloat(document.getElementById('heart-rate').textContent))", timeout=10)
    print("breath and heart shown %.2f s after connecting: breath %s/min, heart %s bpm" %
          (t, page.eval("document.getElementById('breath-rate').textContent"),
           page.eval("document.getElementById('heart-rate').textContent")), file=sys.stderr)
    check(t <= 2.0, "breath and heart took %.2f s (> 2 s)" % t)

    # Presets: one card per preset lulld lists.
    listed = osc.call("/lull/preset/list")[1]
    n, _ = page.wait("document.querySelectorAll('#presets .card').length >= %d && "
                     "document.querySelectorAll('#presets .card').length" % len(listed))
    check(n == len(listed), "%d cards for %d presets" % (n, len(listed)))
    names = page.eval("[...document.querySelectorAll('#presets .card')].map(c => c.dataset.name)")
    current = osc.status()["preset"]
    target = next(x for x in names if x != current)
    page.eval("document.querySelector('#presets .card[data-name=\"%s\"]').click()" % target)
    t0 = time.time()
    saw_crossfade = False
    while time.time() - t0 < 5:
        st = osc.status()
        saw_crossfade |= bool(st and st["crossfading"])
        if st and st["preset"] == target:
            break
        time.sleep(0.02)
    print("preset %s -> %s: lulld shows it after %.2f s, crossfading seen: %s" %
          (current, target, time.time() - t0, saw_crossfade), file=sys.stderr)
    check(st["preset"] == target, "lulld preset %r, not %r" % (st["preset"], target))
    check(saw_crossfade, "no crossfade seen in lulld's status")
    page.wait("document.querySelector('#presets .card.current') && "
              "document.querySelector('#presets .card.current').dataset.name === '%s'" % target)

    # Volume and pacer mode.
    page.eval("{ const v = document.getElementById('volume'); v.value = -20; "
              "v.dispatchEvent(new Event('change')) }")
    st, t = status_until("volume", -20.0)
    check(t is not None, "volume: lulld has %r" % (st or {}).get("volume"))
    page.eval("document.querySelector('#pacer-mode [data-mode=guide]').click()")
    st, t = status_until("pacer_mode", "guide")
    check(t is not None, "pacer mode: lulld has %r" % (st or {}).get("pacer_mode"))
    page.wait("document.querySelector('#pacer-mode [data-mode=guide]').classList.contains('active')")

    # Screenshots at the three tablet sizes (landscape and portrait).
    for w, h in [(1024, 768), (820, 1180), (800, 1280)]:
        page.viewport(w, h)
        time.sleep(0.6)
        page.screenshot(os.path.join(shots, "room-%dx%d.png" % (w, h)))
        overflow = page.eval("[...document.querySelectorAll('button, input, .panel, canvas')].filter(e => "
                             "e.offsetParent && e.getBoundingClientRect().right > "
                             "document.documentElement.clientWidth + 0.5).map(e => e.id || e.textContent.trim())")
        check(not overflow, "outside the page at %dx%d: %r" % (w, h, overflow))
        small = page.eval("[...document.querySelectorAll('button, input')].filter(e => "
                          "e.offsetParent && (e.getBoundingClientRect().height < 44)).map(e => e.id || e.textContent)")
        check(not small, "targets under 44 px at %dx%d: %r" % (w, h, small))
    page.viewport(1024, 768)

    # Kill lull-web: the page says so and its controls are off; it comes back.
    os.kill(int(os.environ["WEB_PID"]), signal.SIGKILL)
    _, t = page.wait("!window.lullDebug.connected && document.getElementById('controls').disabled && "
                     "/disconnected/.test(document.getElementById('conn').textContent)", timeout=5)
    print("lull-web killed: page shows disconnected after %.2f s: %r" %
          (t, page.eval("document.getElementById('conn').textContent")), file=sys.stderr)
    page.screenshot(os.path.join(shots, "disconnected-1024x768.png"))
    # A press while disconnected is not queued: volume -30 must never reach lulld.
    page.eval("{ const v = document.getElementById('volume'); v.value = -30; "
              "v.dispatchEvent(new Event('change')) }")
    time.sleep(1.0)
    web = subprocess.Popen([os.path.join(os.environ["LULL_BIN"], "lull-web"), "--port", os.environ["WEB_PORT"],
                            "--osc", "127.0.0.1:" + os.environ["OSC_PORT"], "--root",
                            os.path.join(os.environ["SRC"], "web"), "--pin-file",
                            os.path.join(os.environ["TEST_TMP"], "pin"), "--room", "Test Room", "--no-mdns"],
                           stderr=open(os.path.join(os.environ["TEST_TMP"], "web.log"), "ab"))
    _, t = page.wait("window.lullDebug.connected && document.querySelectorAll('#presets .card').length > 0",
                     timeout=20)
    print("lull-web back: page reconnected after %.2f s" % t, file=sys.stderr)
    time.sleep(0.5)
    check(osc.status()["volume"] == -20.0, "a command from the disconnected time was replayed")

    # Stop lulld: the page marks its data stale and says how old it is.
    os.kill(int(os.environ["LULLD_PID"]), signal.SIGKILL)
    _, t = page.wait("document.querySelector('.breath').classList.contains('stale')", timeout=10)
    time.sleep(5)
    upd = page.eval("document.getElementById('updated').textContent")
    print("lulld stopped: stale after %.2f s; page says %r" % (t, upd), file=sys.stderr)
    check("ago" in upd, "no age shown for stale data: %r" % upd)
    page.wait("document.getElementById('heart-rate').textContent === '–'", timeout=8)
    page.screenshot(os.path.join(shots, "stale-1024x768.png"))
    web.terminate()
    web.wait()

print("screenshots in %s" % shots, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
log "PASS (screenshots in $SHOTS)"
