#!/bin/bash
# Soaks: a simulated treatment day, offline and live (issue 12, docs/testing.md).
#
#   tools/soak.sh offline [HOURS]    renders HOURS (default 24) of audio with
#       build/bin/bench_soak: presets default <-> brook (the heaviest) every 4 min,
#       driven by the dropouts and follower clients; checks NaN, clicks at switches,
#       the engine clock and pacer phase, RSS and level (about 100 s of CPU per
#       simulated hour on the 2-core VM: 24 h takes ~40 min).
#   tools/soak.sh live [MINUTES]     runs lulld on a private dummy JACK server
#       (48 kHz, $SOAK_PERIOD frames, default 1024: the dummy backend on a shared VM
#       xruns at 256 frames even with no client) for MINUTES (default 60) with `lull simulate --profile dropouts` streaming
#       sensors and an OSC control loop (a preset switch every 2 min, volume and
#       status every 10 s); every 30 s prints lulld's RSS, xruns, DSP load and
#       dropped counts; fails when lulld dies, stops answering, or its RSS grows by
#       more than 8 MB after the first 5 minutes.
# Binaries: $LULL_BIN (default build/bin); plugins next to it.
set -euo pipefail
mode=${1:-offline}
src="$(cd "$(dirname "$0")/.." && pwd)"
export LULL_BIN="${LULL_BIN:-$src/build/bin}"
export LULL_PLUGIN_DIR="${LULL_PLUGIN_DIR:-$(dirname "$LULL_BIN")/plugins}"
export LULL_PRESET_DIR="${LULL_PRESET_DIR:-$src/presets}"

if [ "$mode" = offline ]; then
    exec "$LULL_BIN/bench_soak" --hours "${2:-24}" --switch 4 --check
fi
[ "$mode" = live ] || { echo "usage: tools/soak.sh offline [HOURS] | live [MINUTES]" >&2; exit 2; }

minutes=${2:-60}
# The integration tests' helpers: private jackd, lulld on a free port, cleanup trap.
# shellcheck source=../tests/integration/lib.sh
source "$src/tests/integration/lib.sh"
TEST_NAME=soak
require_tools
start_jackd 48000 "${SOAK_PERIOD:-1024}"
start_lulld --log-level info
"$LULL_BIN/lull" simulate --target "127.0.0.1:$OSC_PORT" --profile dropouts \
    >>"$TEST_TMP/simulate.log" 2>&1 &
EXTRA_PIDS+=($!)

rss_kb() { ps -o rss= -p "$LULLD_PID" | tr -d ' '; }
field() { printf '%s' "$1" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2'))"; }
presets=(default brook drone surf)
t0=$(date +%s)
end=$((t0 + minutes * 60))
next_switch=$((t0 + 120)) next_print=$t0 i=0 rss_warm="" rss_max=0 failures=0
printf '%6s %8s %6s %8s %8s %s\n' "min" "rss KB" "xruns" "dsp %" "dropped" "preset"
while [ "$(date +%s)" -lt "$end" ]; do
    now=$(date +%s)
    kill -0 "$LULLD_PID" 2>/dev/null || fail "lulld died after $(( (now - t0) / 60 )) min"
    if [ "$now" -ge "$next_switch" ]; then
        i=$((i + 1))
        $OSC call "$OSC_PORT" /lull/preset/load "s:${presets[$((i % 4))]}" >/dev/null ||
            { log "preset load ${presets[$((i % 4))]} not answered /lull/done"; failures=$((failures + 1)); }
        next_switch=$((now + 120))
    fi
    $OSC call "$OSC_PORT" /lull/volume "f:-$((12 + i % 6))" >/dev/null || failures=$((failures + 1))
    st=$($OSC status "$OSC_PORT") || fail "lulld stopped answering /lull/status"
    if [ "$now" -ge "$next_print" ]; then
        rss=$(rss_kb)
        [ "$rss" -gt "$rss_max" ] && rss_max=$rss
        [ -z "$rss_warm" ] && [ $((now - t0)) -ge 300 ] && rss_warm=$rss
        printf '%6.1f %8s %6s %8s %8s %s\n' "$(echo "($now - $t0) / 60" | bc -l)" "$rss" \
            "$(field "$st" xruns)" "$(field "$st" dsp_load)" "$(field "$st" dropped)" \
            "$(field "$st" preset)"
        next_print=$((now + 30))
    fi
    sleep 10
done
rss_end=$(rss_kb)
echo "live soak: $minutes min, $i preset switches, $failures control failures;" \
     "RSS start of run ${rss_warm:-n/a} KB (after 5 min), end $rss_end KB, max $rss_max KB;" \
     "final status: $st"
[ "$failures" -eq 0 ] || fail "$failures control messages failed"
if [ -n "$rss_warm" ] && [ $((rss_end - rss_warm)) -gt 8192 ]; then
    fail "RSS grew by $((rss_end - rss_warm)) KB"
fi
