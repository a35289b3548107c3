#!/usr/bin/env bash
# Session record end to end: lulld on the dummy JACK server records a synthetic
# relaxing client (lull simulate at 4x speed), two therapist marks, a preset
# change and a volume change sent over OSC; the session is stopped; the store
# holds the frames and events; `lull report --last` writes HTML whose SVG data
# shows the breath rate falling; headless Chromium prints it to PDF and takes a
# screenshot (kept in the build tree: session-report.png / .pdf).
#
# Speed: lulld stamps samples on arrival, so a stream sent 4x faster is declared
# at 4x its sampling rate (/lull/bio/<signal>/rate): lulld then measures a client
# breathing 4x faster (about 56 -> 49 /min over the run instead of 14 -> 12.3);
# the fall is what is checked.
source "$(dirname "$0")/lib.sh"
require_tools sqlite3
[ -x "$LULL_BIN/lull" ] || fail "no $LULL_BIN/lull (build first)"
SPEED=4
DB="$TEST_TMP/state/lull/sessions.db"

start_jackd 48000 1024
start_lulld --preset default --session-db "$DB"
log "lulld up on UDP $OSC_PORT, store $DB"
[ "$(status_field session_db)" = "ok" ] || fail "session_db is $(status_field session_db)"

"$LULL_BIN/lull" simulate --target "127.0.0.1:$OSC_PORT" --profile relaxing --speed "$SPEED" \
    --seconds 160 --seed 5 >"$TEST_TMP/simulate.log" 2>&1 &
SIM_PID=$!
EXTRA_PIDS+=("$SIM_PID")

python3 - "$OSC_PORT" "$SPEED" <<'PY' || fail "OSC script failed"
import sys, time
import lull_osc as osc
port, speed = int(sys.argv[1]), float(sys.argv[2])
c = osc.Client(port, timeout=2.0)
time.sleep(0.3)   # after lull simulate's own rate announcement
for sig, fs in (("resp", 50.0), ("ecg", 250.0), ("ppg", 125.0)):
    c.send("/lull/bio/%s/rate" % sig, ("f", fs * speed))
def call(*a):
    m = c.call(*a)
    if not m or m[0] != "/lull/done":
        sys.exit("%s -> %r" % (a[0], m))
t0 = time.time()
for at, msg in ((9, ("/lull/session/mark", ("s", "settling"))),
                (14, ("/lull/preset/load", ("s", "drone"))),
                (22, ("/lull/session/mark", ("s", "release"))),
                (27, ("/lull/volume", ("f", -10.0)))):
    time.sleep(max(0.0, t0 + at - time.time()))
    call(*msg)
# Bad marks are refused with a reason; nothing is stored.
for bad in ((), (("f", 1.0),), (("s", ""),), (("s", "x" * 64),), (("s", "a\x01b"),)):
    m = c.call("/lull/session/mark", *bad)
    if not m or m[0] != "/lull/fail":
        sys.exit("bad mark %r accepted: %r" % (bad, m))
PY

wait "$SIM_PID" || fail "lull simulate exited with $?: $(tail -n 3 "$TEST_TMP/simulate.log")"
$OSC call "$OSC_PORT" /lull/session/stop >/dev/null
sleep 2.5   # the writer commits about once a second
log "status: session_db=$(status_field session_db) session_lost=$(status_field session_lost)"

"$LULL_BIN/lull" sessions list --db "$DB" >&2 || fail "sessions list"
"$LULL_BIN/lull" sessions show --db "$DB" --last >"$TEST_TMP/show.txt" || fail "sessions show"
cat "$TEST_TMP/show.txt" >&2
"$LULL_BIN/lull" sessions export --db "$DB" --last --csv -o "$TEST_TMP/frames.csv" ||
    fail "sessions export"
OUT_DIR="$(dirname "$LULL_BIN")"
REPORT="$OUT_DIR/session-report.html"
"$LULL_BIN/lull" report --db "$DB" --last -o "$REPORT" || fail "lull report"
# Bad input: a clear error naming what was wrong.
"$LULL_BIN/lull" report --db "$DB" --session 99 -o "$TEST_TMP/x.html" 2>"$TEST_TMP/err.txt" &&
    fail "report of a missing session succeeded"
grep -q "no session 99" "$TEST_TMP/err.txt" || fail "unclear error: $(cat "$TEST_TMP/err.txt")"
"$LULL_BIN/lull" report --db "$TEST_TMP/nope.db" --last -o "$TEST_TMP/x.html" 2>"$TEST_TMP/err.txt" &&
    fail "report of a missing file succeeded"
grep -q "nope.db" "$TEST_TMP/err.txt" || fail "unclear error: $(cat "$TEST_TMP/err.txt")"

python3 - "$DB" "$REPORT" "$TEST_TMP/frames.csv" <<'PY' || fail "session content check failed"
import csv, os, re, sqlite3, statistics, stat, sys
db, report, frames_csv = sys.argv[1:4]
mode = stat.S_IMODE(os.stat(db).st_mode)
dmode = stat.S_IMODE(os.stat(os.path.dirname(db)).st_mode)
if mode != 0o600 or dmode != 0o700:
    sys.exit("modes: file %o folder %o, want 600/700" % (mode, dmode))
con = sqlite3.connect(db)
if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    sys.exit("integrity check failed")
sid, ended_how = con.execute("SELECT id, ended_how FROM sessions ORDER BY id DESC").fetchone()
nframes = con.execute("SELECT COUNT(*) FROM frames WHERE session_id=?", (sid,)).fetchone()[0]
events = con.execute("SELECT kind, detail FROM events WHERE session_id=? ORDER BY t", (sid,)).fetchall()
print("session %d (%s): %d frames, events %s" % (sid, ended_how, nframes, events), file=sys.stderr)
if ended_how != "stop": sys.exit("session ended %r, want stop" % ended_how)
if nframes < 38: sys.exit("only %d frames for ~42 s" % nframes)
marks = [d for k, d in events if k == "mark"]
if marks != ["settling", "release"]: sys.exit("marks %r" % marks)
if ("preset", "drone") not in events: sys.exit("no preset event for drone")
if not any(k == "volume" and d.startswith("-10.0") for k, d in events): sys.exit("no volume event")
html = open(report, encoding="utf-8").read()
for bad in ("<script", "http://", "https://", "@import", "url("):
    if bad in html.replace('xmlns="http://www.w3.org/2000/svg"', ""):
        sys.exit("report references %r: not self-contained" % bad)
m = re.search(r'data-series="breath_rate"[^>]*data-t="([^"]*)" data-v="([^"]*)"', html)
if not m: sys.exit("no breath_rate series in the SVG")
t = [float(x) for x in m.group(1).split()]
v = [float(x) for x in m.group(2).split()]
third = len(v) // 3
first, last = statistics.median(v[:third]), statistics.median(v[-third:])
print("SVG breath_rate: %d points over %.2f min, median first third %.1f, last third %.1f /min"
      % (len(v), t[-1] - t[0], first, last), file=sys.stderr)
if len(v) < 20: sys.exit("too few breath points: %d" % len(v))
if not first > last + 2.0: sys.exit("breath rate does not fall: %.2f -> %.2f" % (first, last))
for name in ("pacer_rate", "heart_rate", "rmssd", "coherence"):
    if 'data-series="%s"' % name not in html: sys.exit("no %s series" % name)
if html.count('class="mark"') < 2 * 4: sys.exit("marks not drawn on every plot")
rows = list(csv.DictReader(open(frames_csv)))
if len(rows) != nframes: sys.exit("CSV rows %d != frames %d" % (len(rows), nframes))
if not re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$", rows[0]["time"]):
    sys.exit("CSV time %r is not a wall-clock ISO 8601 time" % rows[0]["time"])
print("CSV: %d rows, first %s" % (len(rows), rows[0]["time"]), file=sys.stderr)
PY

# Headless Chromium: print to PDF and screenshot, without errors.
CHROME="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROME" ] || fail "missing tool: chromium (run tools/install-deps.sh)"
FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$TEST_TMP/chromium")
timeout 60 "$CHROME" "${FLAGS[@]}" --no-pdf-header-footer --print-to-pdf="$OUT_DIR/session-report.pdf" \
    "file://$REPORT" >"$TEST_TMP/chrome-pdf.log" 2>&1 || fail "chromium print-to-pdf: $(tail -n 5 "$TEST_TMP/chrome-pdf.log")"
timeout 60 "$CHROME" "${FLAGS[@]}" --window-size=1000,1600 --screenshot="$OUT_DIR/session-report.png" \
    "file://$REPORT" >"$TEST_TMP/chrome-shot.log" 2>&1 || fail "chromium screenshot: $(tail -n 5 "$TEST_TMP/chrome-shot.log")"
# Errors about the page itself (not the sandbox's missing D-Bus or GPU).
if grep -v -E "dbus|bus\.cc|gpu|GPU|viz|sandbox|Fontconfig|crashpad|inotify" "$TEST_TMP/chrome-pdf.log" \
        "$TEST_TMP/chrome-shot.log" | grep -E "ERROR|CONSOLE|Uncaught|net::ERR" >&2; then
    fail "chromium reported errors loading the report"
fi
python3 - "$OUT_DIR/session-report.pdf" "$OUT_DIR/session-report.png" <<'PY' || fail "PDF/PNG check failed"
import re, struct, sys
pdf = open(sys.argv[1], "rb").read()
pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
if not pdf.startswith(b"%PDF") or pages < 1: sys.exit("not a PDF (%d bytes)" % len(pdf))
png = open(sys.argv[2], "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n": sys.exit("not a PNG")
w, h = struct.unpack(">II", png[16:24])
print("PDF %d bytes, %d page(s); screenshot %dx%d" % (len(pdf), pages, w, h), file=sys.stderr)
PY
log "report, PDF and screenshot in $OUT_DIR/session-report.{html,pdf,png}"
log "PASS"
