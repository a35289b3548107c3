#!/usr/bin/env bash
# The daemon's own hygiene (issue 12, item 8; docs/daemon.md, "Memory and threads"):
#  1. lulld defines none of the allocation guard's replacements (malloc, calloc,
#     realloc, free, posix_memalign, pthread_mutex_lock): the guard is a test
#     instrument. The same nm check finds them in test_rt_audio_path, which must
#     keep them to catch an allocation in the audio path (control of the check).
#  2. Every lulld thread has its name (/proc/PID/task/*/comm): audio, osc, bio,
#     worker, supervisor, session-writer.
#  3. lulld locks its memory (log line, VmLck in /proc/PID/status) by default, and
#     not with --mlock off (VmLck is then what libjack locks by itself).
#  4. Minor page faults of the audio thread during preset switches, read from
#     /proc/PID/task/TID/stat (field minflt) from outside, locked vs --mlock off:
#     printed, and with memory locked there must be none.
source "$(dirname "$0")/lib.sh"
require_tools nm

guard_syms='malloc|calloc|realloc|free|posix_memalign|pthread_mutex_lock'
defined() {
    nm -D --defined-only "$1" | awk '{print $NF}' | { grep -xE "$guard_syms" || true; } |
        sort | tr '\n' ' '
}

got="$(defined "$LULL_BIN/lulld")"
[ -z "$got" ] || fail "lulld defines the allocation guard's symbols: $got"
log "ok: lulld defines none of: ${guard_syms//|/ }"
rt_test="$LULL_BIN/test_rt_audio_path"
if [ -x "$rt_test" ]; then
    got="$(defined "$rt_test")"
    for s in malloc free pthread_mutex_lock; do
        [[ " $got" == *" $s "* ]] || fail "test_rt_audio_path lost the guard's $s (defines: $got)"
    done
    log "ok: test_rt_audio_path keeps the guard (defines: $got)"
else
    log "note: $rt_test not built (sanitizer build?): the guard's control check is skipped"
fi

# thread_tid NAME: the task id of lulld's thread NAME.
thread_tid() {
    local t
    for t in /proc/"$LULLD_PID"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "$1" ] && { basename "$t"; return 0; }
    done
    return 1
}
minflt() { awk '{ sub(/^.*\) /, ""); print $8 }' "/proc/$LULLD_PID/task/$1/stat"; }

# switch_faults: minor faults of the audio thread over 4 preset switches (1 s
# crossfades) through presets it has not played yet in this run.
switch_faults() {
    local tid f0 f1 p
    tid="$(thread_tid audio)" || fail "no thread named audio"
    f0="$(minflt "$tid")"
    for p in brook surf bowls drone; do
        $OSC call "$OSC_PORT" /lull/preset/load "s:$p" f:1 >/dev/null || fail "load $p"
        sleep 1.6
    done
    f1="$(minflt "$tid")"
    echo $((f1 - f0))
}

start_jackd 48000 256
tmp_log_lines=0
for mode in on off; do
    start_lulld --preset default --mlock "$mode"
    names="$(cat /proc/"$LULLD_PID"/task/*/comm | sort | tr '\n' ' ')"
    log "mlock $mode: threads: $names"
    for want in audio osc bio worker supervisor session-writer; do
        thread_tid "$want" >/dev/null || fail "no lulld thread named $want (threads: $names)"
    done
    vmlck="$(awk '/^VmLck:/ {print $2}' /proc/"$LULLD_PID"/status)"
    rss="$(awk '/^VmRSS:/ {print $2}' /proc/"$LULLD_PID"/status)"
    faults="$(switch_faults)"
    log "mlock $mode: VmLck ${vmlck} kB, VmRSS ${rss} kB, audio thread minor faults over 4 preset switches: $faults"
    if [ "$mode" = on ]; then
        vmlck_on=$vmlck
        if grep -q "memory locked" "$TEST_TMP/lulld.log"; then
            [ "$vmlck" -gt 0 ] || fail "lulld says memory is locked but VmLck is $vmlck kB"
            [ "$faults" -eq 0 ] || fail "$faults page faults in the audio thread with memory locked"
        else
            # Not allowed to lock here (no CAP_IPC_LOCK, finite RLIMIT_MEMLOCK): the
            # warning must name the limit.
            grep -q "RLIMIT_MEMLOCK" "$TEST_TMP/lulld.log" ||
                fail "memory not locked and no warning naming RLIMIT_MEMLOCK"
            log "note: this process may not lock memory: $(grep -m1 RLIMIT_MEMLOCK "$TEST_TMP/lulld.log")"
        fi
    else
        # VmLck need not be 0: libjack locks its own shared-memory buffers.
        [ "$vmlck" -lt "$vmlck_on" ] || fail "--mlock off locks as much as on: $vmlck kB"
        [ "$(tail -n +$((tmp_log_lines + 1)) "$TEST_TMP/lulld.log" | grep -c "memory locked")" -eq 0 ] ||
            fail "--mlock off, yet lulld says memory locked"
    fi
    kill "$LULLD_PID"
    wait "$LULLD_PID" 2>/dev/null || true
    LULLD_PID=""
    tmp_log_lines="$(wc -l <"$TEST_TMP/lulld.log")"
done
echo "1 passed, 0 failed"
