#!/bin/sh
# Runs one libFuzzer harness for a bounded time (the fuzz tests, tools/fuzz.sh).
# Usage: run_fuzz.sh HARNESS SECONDS WORKDIR INPUT_DIR...
# New corpus entries go to WORKDIR/corpus (never into the source tree); a crash is
# saved as WORKDIR/crash-* (copy it to tests/fuzz/regress/<harness>/ once fixed).
# Prints the executions and the corpus size; exits non-zero on a crash, a leak,
# a timeout (>10 s for one input) or an out-of-memory (>2 GB).
set -eu
bin=$1 seconds=$2 work=$3
shift 3
mkdir -p "$work/corpus"
log="$work/fuzz.log"
status=0
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$work/" "$work/corpus" "$@" >"$log" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
echo "$(basename "$bin"): ${execs:-?} executions in ${seconds} s, ${cov:-cov: ?}," \
     "$(ls "$work/corpus" | wc -l) corpus entries, exit $status"
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
fi
exit "$status"
