#!/usr/bin/env bash
# Benchmark: what `taskstat dump` writes per sample, by format and option
# (issue 32: one minute of history at 1,100 processes was 188 MB of
# ndjson). Records SECS (30) seconds at one sample a second with SLEEPERS
# (1,000) extra sleeping processes on the machine, then dumps the store
# each way and prints bytes per sample and the share of the full ndjson.
# Sizes do not depend on how taskstat was built: TASKSTAT=path skips the
# release build.
#
#   bench/dumpsize.sh                                  # needs root
#   TASKSTAT=target/debug/taskstat SECS=30 SLEEPERS=1000 bench/dumpsize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
if [ -n "${TASKSTAT:-}" ]; then
    ts=$TASKSTAT
else
    build_measured
fi
store=$(mktemp -d)
trap 'kill_sleepers; rm -rf "$store"' EXIT
start_sleepers "${SLEEPERS:-1000}"
echo "tasks now: $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes; load average $(cut -d' ' -f1 /proc/loadavg)"
"$ts" record --dir "$store" -d 1 &
rec=$!
sleep "${SECS:-30}"
kill -TERM "$rec"
wait "$rec"

samples=$("$ts" dump --dir "$store" --by cgroup | grep -o '"time":"[^"]*"' | sort -u | wc -l)
records=$("$ts" dump --dir "$store" | wc -l)
echo "store: $(du -sb "$store" | cut -f1) bytes on disk; $samples samples, $((records / samples)) process records a sample"
printf '%-32s %12s %13s %8s\n' "taskstat dump" "bytes" "bytes/sample" "share"
base=
for opts in "-f ndjson" "-f ndjson --compact" "-f ndjson --changed" "-f ndjson --changed --compact" \
    "-f csv" "-f csv --compact" "-f csv --changed" "-f csv --changed --compact"; do
    # shellcheck disable=SC2086 # the options are words
    b=$("$ts" dump --dir "$store" $opts | wc -c)
    base=${base:-$b}
    awk -v o="$opts" -v b="$b" -v s="$samples" -v base="$base" \
        'BEGIN { printf "%-32s %12d %13d %7.1f%%\n", o, b, b / s, 100 * b / base }'
done
