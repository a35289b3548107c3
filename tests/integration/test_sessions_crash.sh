#!/usr/bin/env bash
# The session store under failure:
#  1. kill -9 of lulld mid-session loses at most the last 2 s of frames and leaves
#     the database consistent (integrity_check); the next lulld closes the
#     crashed session at its last frame ("crash") and starts a new one;
#  2. disk full (a 1 MiB tmpfs, filled while lulld records; without mount
#     rights: a read-only store) is reported in /lull/status and the log, the
#     sound is unaffected, and recording resumes once space is back.
source "$(dirname "$0")/lib.sh"
require_tools sqlite3
[ -x "$LULL_BIN/lull" ] || fail "no $LULL_BIN/lull (build first)"

MNT=""
crash_cleanup() {
    if [ -n "$MNT" ]; then
        [ -n "$LULLD_PID" ] && kill -9 "$LULLD_PID" 2>/dev/null && wait "$LULLD_PID" 2>/dev/null
        LULLD_PID=""
        umount "$MNT" 2>/dev/null || true
    fi
    cleanup
}
trap crash_cleanup EXIT

start_jackd 48000 1024

# ---- 1. kill -9 ------------------------------------------------------------------
DB="$TEST_TMP/crash/sessions.db"
start_lulld --preset default --session-db "$DB"
"$LULL_BIN/lull" simulate --target "127.0.0.1:$OSC_PORT" --profile steady --speed 1 \
    --seconds 30 --seed 2 >"$TEST_TMP/simulate.log" 2>&1 &
SIM_PID=$!
EXTRA_PIDS+=("$SIM_PID")
sleep 4
$OSC call "$OSC_PORT" /lull/session/mark s:before-crash >/dev/null || fail "mark"
sleep 6
KILL_T="$(date +%s.%N)"
kill -9 "$LULLD_PID"
wait "$LULLD_PID" 2>/dev/null || true
LULLD_PID=""
kill "$SIM_PID" 2>/dev/null || true
python3 - "$DB" "$KILL_T" <<'PY' || fail "store after kill -9"
import sqlite3, sys
db, kill_t = sys.argv[1], float(sys.argv[2])
con = sqlite3.connect(db)
ok = con.execute("PRAGMA integrity_check").fetchone()[0]
sid, ended = con.execute("SELECT id, ended FROM sessions ORDER BY id DESC").fetchone()
n, last = con.execute("SELECT COUNT(*), MAX(t) FROM frames WHERE session_id=?", (sid,)).fetchone()
marks = con.execute("SELECT COUNT(*) FROM events WHERE kind='mark'").fetchone()[0]
lost = kill_t - last
print("after kill -9: integrity %s, %d frames, last frame %.2f s before the kill, marks %d"
      % (ok, n, lost, marks), file=sys.stderr)
if ok != "ok": sys.exit("integrity_check: " + ok)
if ended is not None: sys.exit("session has an end although lulld was killed")
if lost > 2.0: sys.exit("lost %.2f s (> 2 s)" % lost)
if n < 7 or marks != 1: sys.exit("frames %d marks %d" % (n, marks))
PY
start_lulld --preset default --session-db "$DB"
sleep 2.5
"$LULL_BIN/lull" sessions list --db "$DB" >"$TEST_TMP/list.txt" || fail "sessions list"
cat "$TEST_TMP/list.txt" >&2
awk '$1 == 1' "$TEST_TMP/list.txt" | grep -q " crash$" || fail "session 1 not closed as crash"
kill "$LULLD_PID"; wait "$LULLD_PID" 2>/dev/null || true; LULLD_PID=""
"$LULL_BIN/lull" sessions list --db "$DB" | awk '$1 == 2' | grep -q -E " (stop|shutdown)$" ||
    fail "session 2 did not end when lulld stopped"
log "kill -9: PASS"

# ---- 2. disk full (or read-only) ------------------------------------------------------
MNT="$TEST_TMP/full"
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m,mode=0700 tmpfs "$MNT" 2>/dev/null; then
    DB="$MNT/sessions.db"
    start_lulld --preset default --session-db "$DB"
    sleep 2.5
    [ "$(status_field session_db)" = "ok" ] || fail "store not ok before filling the disk"
    dd if=/dev/zero of="$MNT/filler" bs=16k 2>/dev/null || true   # until ENOSPC
    log "tmpfs filled: $(df -k "$MNT" | tail -1)"
    state=""
    for i in $(seq 1 30); do
        state="$(status_field session_db)"
        [ "$state" = "error" ] && break
        sleep 0.2
    done
    [ "$state" = "error" ] || fail "disk full not reported (session_db=$state)"
    msg="$(status_field session_db_error)"
    log "status: session_db=error: $msg"
    echo "$msg" | grep -q -i "full" || fail "status message does not say the disk is full: $msg"
    grep -q "session store: .*full" "$TEST_TMP/lulld.log" || fail "disk full not in the log"
    audio="$(check_audio 2 --min-rms-db -50 --max-peak-db -6)"   # an assignment: a failed check stops the test
    log "audio while the store fails: $audio"
    rm -f "$MNT/filler"
    for i in $(seq 1 30); do
        state="$(status_field session_db)"
        [ "$state" = "ok" ] && break
        sleep 0.2
    done
    [ "$state" = "ok" ] || fail "store did not recover after space came back ($state)"
    log "recovered; session_lost=$(status_field session_lost)"
    kill "$LULLD_PID"; wait "$LULLD_PID" 2>/dev/null || true; LULLD_PID=""
    sqlite3 "$DB" "PRAGMA integrity_check" | grep -qx ok || fail "integrity after disk full"
else
    # No mount rights: a store that is read-only from the start.
    DB="$TEST_TMP/ro/sessions.db"
    mkdir -p "$(dirname "$DB")"
    sqlite3 "$DB" "PRAGMA user_version = 0;" && chmod 0400 "$DB" && chmod 0500 "$(dirname "$DB")"
    start_lulld --preset default --session-db "$DB"
    sleep 1
    [ "$(status_field session_db)" = "error" ] || fail "read-only store not reported"
    log "status: session_db=error: $(status_field session_db_error)"
    audio="$(check_audio 2 --min-rms-db -50 --max-peak-db -6)"   # an assignment: a failed check stops the test
    log "audio with a read-only store: $audio"
    chmod 0700 "$(dirname "$DB")"
fi
log "disk full: PASS"
log "PASS"
