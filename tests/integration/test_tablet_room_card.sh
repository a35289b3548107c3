#!/usr/bin/env bash
# lull room-card: the printed card has the room (escaped), both URLs and the PIN,
# and a QR code whose module grid has a valid size and the three finder patterns
# (decoding it is left to a phone; no QR decoder is packaged here).
# Bad input (no PIN file, a bad --ip) is an error naming what was wrong.
source "$(dirname "$0")/lib.sh"
source "$HERE/tablet_lib.sh"
[ -x "$LULL_BIN/lull" ] || fail "no $LULL_BIN/lull"
echo 482913 >"$TEST_TMP/pin"
"$LULL_BIN/lull" room-card --room "Room <3>" --port 8080 --ip 192.0.2.10 --pin-file "$TEST_TMP/pin" \
    -o "$TEST_TMP/card.html" >&2 || fail "room-card failed"
python3 - "$TEST_TMP/card.html" <<'PY' || fail "card content"
import re, sys
html = open(sys.argv[1]).read()
need = ["Room &lt;3&gt;", "http://192.0.2.10:8080/", ".local:8080/", "482913"]
missing = [n for n in need if n not in html]
if missing:
    sys.exit("card lacks %r" % missing)
m = re.search(r'<svg class="qr" viewBox="0 0 (\d+) \1".*?d="([^"]*)"', html, re.S)
if not m:
    sys.exit("no QR code in the card")
size = int(m.group(1))
cells = set((int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", m.group(2)))
n = size - 8
# The three 7x7 finder patterns (ISO/IEC 18004 6.3.3): dark ring, light ring, dark 3x3.
def finder(x0, y0):
    for y in range(7):
        for x in range(7):
            ring = max(abs(x - 3), abs(y - 3))
            if ((x0 + x, y0 + y) in cells) != (ring != 2):
                return False
    return True
ok = finder(4, 4) and finder(4 + n - 7, 4) and finder(4, 4 + n - 7)
print("QR: version %d (%d modules), %d dark, finder patterns %s" %
      ((n - 17) // 4, n, len(cells), "ok" if ok else "WRONG"), file=sys.stderr)
sys.exit(0 if ok and (n - 17) % 4 == 0 else 1)
PY
# Bad input.
out="$("$LULL_BIN/lull" room-card --pin-file "$TEST_TMP/none" --ip 192.0.2.1 -o "$TEST_TMP/x.html" 2>&1)" &&
    fail "a missing PIN file was accepted"
echo "$out" | grep -q "$TEST_TMP/none" || fail "the error does not name the PIN file: $out"
out="$("$LULL_BIN/lull" room-card --ip nonsense --pin-file "$TEST_TMP/pin" -o "$TEST_TMP/x.html" 2>&1)" &&
    fail "--ip nonsense accepted"
echo "$out" | grep -q "nonsense" || fail "the error does not name the bad address: $out"
log "PASS"
