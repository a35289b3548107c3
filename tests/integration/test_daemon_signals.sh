#!/usr/bin/env bash
# Signals and flags: SIGHUP is harmless; SIGTERM fades the sound out, then lulld
# exits 0 (also when JACK is down); bad flags and config files exit 2 with a
# message naming the problem.
source "$(dirname "$0")/lib.sh"
require_tools

# --- bad command lines: exit 2, clear message, nothing started ---
expect_exit2() {
    local want="$1"
    shift
    local out rc=0
    out="$("$LULL_BIN/lulld" "$@" 2>&1)" || rc=$?
    [ "$rc" -eq 2 ] || fail "lulld $* exited $rc, not 2 ($out)"
    echo "$out" | grep -qF -- "$want" || fail "lulld $*: message '$out' lacks '$want'"
}
expect_exit2 "unknown option '--bogus'" --bogus
expect_exit2 "needs a value" --osc-port
expect_exit2 "osc-port" --osc-port abc
expect_exit2 "osc-port" --osc-port 70000
expect_exit2 "allow" --allow 999.1.1.1/8
expect_exit2 "prefix length" --allow 10.0.0.0/40
expect_exit2 "log-level" --log-level loud
expect_exit2 "max-volume" --max-volume nan
expect_exit2 "not a path" --preset ../x
expect_exit2 "unexpected argument" stray
printf 'osc-port = 9000\n# comment\n\nmax-volume = loud\n' >"$TEST_TMP/bad.conf"
expect_exit2 "$TEST_TMP/bad.conf:4: max-volume" --config "$TEST_TMP/bad.conf"
printf 'colour = blue\n' >"$TEST_TMP/bad2.conf"
expect_exit2 "bad2.conf:1: unknown key 'colour'" --config "$TEST_TMP/bad2.conf"
expect_exit2 "cannot open" --config "$TEST_TMP/missing.conf"
"$LULL_BIN/lulld" --version | grep -q '^lulld ' || fail "--version"
"$LULL_BIN/lulld" --help | grep -q -- '--allow CIDR' || fail "--help"

# --- SIGTERM with JACK down: nothing to fade, exit 0 at once ---
start_lulld --preset default
[ "$(status_field jack)" = "down" ] || fail "jack should be down (no server started)"
t0=$(date +%s.%N)
kill -TERM "$LULLD_PID"
rc=0; wait "$LULLD_PID" || rc=$?
LULLD_PID=""
[ "$rc" -eq 0 ] || fail "SIGTERM without JACK: exit $rc"
log "SIGTERM without JACK: exit 0 after $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s"

# --- with sound: SIGHUP changes nothing, SIGTERM fades out then exits 0 ---
start_jackd 48000 512
start_lulld --preset default
sleep 2.5
kill -HUP "$LULLD_PID"
sleep 0.3
kill -0 "$LULLD_PID" || fail "SIGHUP killed lulld"
[ "$(status_field preset)" = "default" ] || fail "SIGHUP changed the preset"

record 6 "$TEST_TMP/term.wav" &
rec_pid=$!
EXTRA_PIDS+=("$rec_pid")
sleep 2
t0=$(date +%s.%N)
kill -TERM "$LULLD_PID"
rc=0; wait "$LULLD_PID" || rc=$?
LULLD_PID=""
took="$(python3 -c "print(round($(date +%s.%N) - $t0, 2))")"
[ "$rc" -eq 0 ] || fail "SIGTERM: exit $rc"
wait "$rec_pid" || fail "recording failed"
log "SIGTERM: exit 0 after $took s"
python3 -c "import sys; sys.exit(0 if 1.5 <= $took <= 5.0 else 1)" ||
    fail "exit after $took s: the 2 s fade-out did not run (or hung)"

# Before SIGTERM: sound. The last 0.1 s before the ports went away: silence
# (faded, not cut). Throughout: no click.
python3 - "$TEST_TMP/term.wav" "$HERE" <<'PY' || fail "fade-out shape"
import sys
sys.path.insert(0, sys.argv[2])
from wavcheck import read_wav, rms, db, clicks
ch, rate = read_wav(sys.argv[1])
x = ch[0]
# lulld's ports disappear at exit: jack_rec records exact zeros from then on.
end = max(i for i, v in enumerate(x) if v != 0.0) + 1
before = db(rms(x[int(0.5 * rate):int(1.8 * rate)]))
tail = db(rms(x[max(0, end - int(0.1 * rate)):end]))
c = clicks(x[:end], rate, 12.0, 10 ** (-60 / 20))
print("level before SIGTERM %.1f dBFS, last 0.1 s %.1f dBFS, clicks %d" % (before, tail, len(c)),
      file=sys.stderr)
if before < -50: sys.exit("no sound before SIGTERM")
if tail > -60: sys.exit("not faded out before exit (last 0.1 s at %.1f dBFS)" % tail)
if c: sys.exit("click during the fade-out")
PY
log "PASS"
