#!/bin/bash
# A preset named on the command line the way a user types it: `lull validate NAME`
# checks the preset of that name (as `lull render --preset NAME` finds it), and a
# misspelt name is refused naming the directory searched and the closest preset.
# A file argument is still read as a file. `lull render` says each file it wrote
# (the WAV and its PNGs). No audio device, no daemon.
set -u
src=${LULL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${LULL_BIN:-$src/build/bin}
export LULL_PRESET_DIR=$src/presets
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# By name: validated, and the file it found printed.
"$bin/lull" validate default bowls >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "lull validate default bowls exits $rc: $(cat "$tmp/err")"
grep -q "presets/default.json: ok" "$tmp/out" || fail "no 'default.json: ok' line: $(cat "$tmp/out")"
grep -q "presets/bowls.json: ok" "$tmp/out" || fail "no 'bowls.json: ok' line: $(cat "$tmp/out")"
echo "ok: validate by name: $(tr '\n' ' ' <"$tmp/out")"

# By display name, as the daemon loads it: the file it names.
"$bin/lull" validate "Singing bowls" >"$tmp/out" 2>"$tmp/err" ||
    fail "lull validate 'Singing bowls': $(cat "$tmp/err")"
grep -q "presets/bowls.json: ok" "$tmp/out" || fail "display name not resolved: $(cat "$tmp/out")"

# A typo: refused, exit 1, the directory and the closest name said; the valid
# argument after it is still checked.
"$bin/lull" validate defualt surf >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "lull validate defualt exits $rc (want 1)"
grep -q "no preset named \"defualt\" in $LULL_PRESET_DIR; did you mean \"default\"?" "$tmp/err" ||
    fail "validate typo message: $(cat "$tmp/err")"
grep -q "surf.json: ok" "$tmp/out" || fail "the argument after a refused one was not checked"
echo "ok: validate typo: $(cat "$tmp/err")"

# Nothing close: no suggestion, still the directory.
"$bin/lull" validate qqqqqqqq >"$tmp/out" 2>"$tmp/err"
grep -q "no preset named \"qqqqqqqq\" in $LULL_PRESET_DIR (a file" "$tmp/err" ||
    fail "validate unknown message: $(cat "$tmp/err")"
grep -q "did you mean" "$tmp/err" && fail "a suggestion for a name close to nothing: $(cat "$tmp/err")"

# render by a misspelt name: the engine's own refusal says the same.
"$bin/lull" render --preset rain_leafs --seconds 1 -o "$tmp/x.wav" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -ne 0 ] || fail "render of a misspelt preset exits 0"
grep -q "no preset named \"rain_leafs\" in $LULL_PRESET_DIR; did you mean \"rain_leaves\"?" "$tmp/err" ||
    fail "render typo message: $(cat "$tmp/err")"
[ -e "$tmp/x.wav" ] && fail "render of a misspelt preset wrote a file"
echo "ok: render typo: $(tail -n 1 "$tmp/err")"

# The listening aids are said as written, like the WAV.
"$bin/lull" render --preset surf --seconds 1 -o "$tmp/s.wav" --spectrogram "$tmp/s.png" \
    --plot "$tmp/p.png" >"$tmp/out" 2>"$tmp/err" || fail "render with PNGs: $(cat "$tmp/err")"
for f in s.wav s.png p.png; do
    [ -s "$tmp/$f" ] || fail "render did not write $f"
    grep -q "wrote $tmp/$f" "$tmp/err" || fail "render does not say it wrote $f: $(cat "$tmp/err")"
done

# A CSV record without a time_s column: refused with the way out, rendered with it.
csv=$src/tests/data/bio_resting_5min_100hz.csv
"$bin/lull" render --preset surf --bio "$csv" --seconds 2 -o "$tmp/b.wav" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -ne 0 ] || fail "a CSV without time_s rendered without its rate"
grep -q -- "--bio-rate HZ" "$tmp/err" || fail "no --bio-rate hint: $(cat "$tmp/err")"
"$bin/lull" render --preset surf --bio "$csv" --bio-rate 100 --seconds 2 -o "$tmp/b.wav" \
    >"$tmp/out" 2>"$tmp/err" || fail "render --bio-rate 100: $(cat "$tmp/err")"
[ -s "$tmp/b.wav" ] || fail "render --bio-rate wrote no file"
"$bin/lull" render --preset surf --bio-rate 100 --seconds 2 -o "$tmp/c.wav" >"$tmp/out" 2>"$tmp/err"
grep -q "goes with --bio" "$tmp/err" || fail "--bio-rate without --bio: $(cat "$tmp/err")"
echo "ok: --bio-rate"

# A path is a file, never a name: a missing file says so.
"$bin/lull" validate ./default >"$tmp/out" 2>"$tmp/err"
grep -q "cannot open" "$tmp/err" || fail "./default read as a name: $(cat "$tmp/err")"

[ $fails -eq 0 ] && echo "test_cli_presets: all checks passed"
exit $((fails > 0))
