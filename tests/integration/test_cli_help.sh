#!/bin/bash
# Every program and every `lull` subcommand answers --help (and -h): exit status 0,
# a "usage:" line naming the command on stdout, nothing on stderr. The subcommands
# are taken from `lull --help`, so a new one is covered without editing this test.
# The man pages (man/*.1) format without a groff warning and name every subcommand.
set -u
src=${LULL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${LULL_BIN:-$src/build/bin}
fails=0 checked=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_help() {   # check_help "usage: PROG" PROG ARGS...
    local want=$1; shift
    local before=$fails
    for flag in --help -h; do
        checked=$((checked + 1))
        "$@" "$flag" >"$tmp/out" 2>"$tmp/err" </dev/null
        local rc=$?
        if [ $rc -ne 0 ]; then fail "$* $flag exits $rc: $(head -n 2 "$tmp/err")"; continue; fi
        grep -q "^usage: $want" "$tmp/out" || grep -q "^ *$want" "$tmp/out" ||
            fail "$* $flag prints no \"usage: $want\" line: $(head -n 1 "$tmp/out")"
        [ -s "$tmp/err" ] && fail "$* $flag writes to stderr: $(head -n 1 "$tmp/err")"
    done
    [ $fails -eq $before ] && echo "ok: $* --help: $(head -n 1 "$tmp/out")"
}

check_help "lull" "$bin/lull"
subs=$("$bin/lull" --help | sed -n -E 's/^  lull ([a-z][a-z-]*).*/\1/p' | sort -u)
[ "$(printf '%s\n' "$subs" | grep -c .)" -ge 10 ] || fail "lull --help lists only: $subs"
for s in $subs; do check_help "lull $s" "$bin/lull" "$s"; done
# Nested commands (`lull sessions export`...): the lowercase words that follow
# "lull SUB" in that subcommand's own usage lines; each answers --help with its form.
nested=""
for s in $subs; do
    verbs=$("$bin/lull" "$s" --help 2>/dev/null |
        sed -n -E "s/^(usage: |       )lull $s ([a-z][a-z-]*)( .*)?\$/\2/p" | sort -u)
    for v in $verbs; do
        check_help "lull $s $v" "$bin/lull" "$s" "$v"
        nested="$nested $s:$v"
    done
done
[ -n "$nested" ] || fail "found no nested commands (lull sessions list, ...) in the usage lines"
echo "nested commands walked:$nested"
check_help "lulld" "$bin/lulld"
if [ -x "$bin/lull-web" ]; then check_help "lull-web" "$bin/lull-web"; fi

# Man pages: the installed ones come from these through configure_file (@VAR@ filled in).
if command -v man >/dev/null 2>&1; then
    for page in "$src"/man/*.1; do
        name=$(basename "$page")
        sed 's/@[A-Z_]*@/X/g' "$page" >"$tmp/$name"
        warn=$(MANWIDTH=80 man --warnings -l "$tmp/$name" 2>&1 >"$tmp/$name.txt")
        [ -z "$warn" ] || fail "man $name: $warn"
        grep -q "^SYNOPSIS" "$tmp/$name.txt" || fail "man $name has no SYNOPSIS"
    done
    for s in $subs; do
        grep -q "^   $s\$" "$tmp/lull.1.txt" || fail "man lull has no section for \"$s\""
    done
    # Each nested command is named in its subcommand's section of man lull.
    for sv in $nested; do
        s=${sv%%:*} v=${sv#*:}
        awk -v sec="   $s" '$0 == sec {on = 1; next} /^   [a-z]/ {on = 0} on' "$tmp/lull.1.txt" |
            grep -qw -- "$v" || fail "man lull's section \"$s\" does not name \"$s $v\""
    done
    echo "ok: man pages format cleanly; lull.1 has a section for each of: $(echo $subs)"
else
    echo "note: man is not installed; the man pages were not formatted"
fi
echo "checked $checked --help/-h calls"
if [ $fails -eq 0 ]; then echo "1 passed, 0 failed"; exit 0; fi
echo "0 passed, 1 failed ($fails problems)"
exit 1
