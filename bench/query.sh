#!/usr/bin/env bash
# Benchmark: one whole `taskstat tgid PID` process against the kernel's
# `getdelays -d -i -q -t PID` on the same SIGSTOPped task (four threads).
#
# Cost is CPU time, user + system from wait4(2) (bench/cpu.py), of whole
# runs interleaved with getdelays' in ROUNDS rounds of RUNS cycles; the
# ratio is the median of the rounds' ratios of medians. Wall time is shown
# beside it. Peak RSS comes from /usr/bin/time (median of 20 runs each).
# Goal (issue 22): `tgid P --json` and the table at most 2.0 times getdelays.
#
#   bench/query.sh                      # builds getdelays from Debian's linux-source
#   GETDELAYS=/path/to/getdelays ROUNDS=5 RUNS=500 bench/query.sh
#
# Needs root (CAP_NET_ADMIN), python3 and /usr/bin/time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
export ROUNDS=${ROUNDS:-5} RUNS=${RUNS:-500}

# The README's build, which distributions make: `cargo build --release`.
build_measured workload
echo "taskstat: $(stat -c %s "$ts") bytes; getdelays from linux-source $(cat "$(dirname "$GETDELAYS")/linux-source-version" 2>/dev/null || echo '(unknown version)'), on kernel $(uname -r)"

trap 'kill_workload' EXIT
stopped_workload

bench/cpu.py \
    -c "getdelays -d -i -q -t" "$GETDELAYS -d -i -q -t $wl" \
    -c "taskstat tgid" "$ts tgid $wl" \
    -c "taskstat tgid --json" "$ts tgid $wl --json" \
    -c "taskstat tgid -f getdelays" "$ts tgid $wl -f getdelays" \
    -c "taskstat tgid -f ndjson" "$ts tgid $wl -f ndjson" \
    -c "taskstat pid --json" "$ts pid $wl --json" \
    --goal "taskstat tgid --json:2.0" --goal "taskstat tgid:2.0"

echo
echo "peak RSS (KiB), median of 20 runs (/usr/bin/time):"
for cmd in "$GETDELAYS -d -i -q -t $wl" "$ts tgid $wl" "$ts tgid $wl --json"; do
    # shellcheck disable=SC2086 # cmd is a word list
    rss=$(for _ in $(seq 20); do /usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 10p)
    echo "  $rss  $cmd"
done
