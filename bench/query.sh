#!/usr/bin/env bash
# Benchmark: one whole `taskstat tgid PID` process against the kernel's
# `getdelays -d -i -q -t PID` on the same SIGSTOPped task, side by side.
#
# A single query takes well under a millisecond, and this 2-core machine's
# timing drifts by more than the difference between the two, so hyperfine
# runs ROUNDS rounds, rotating the order of the commands each round; the
# report gives each round's median ratio to getdelays and the median of
# those. Peak RSS comes from /usr/bin/time.
#
#   bench/query.sh                      # builds getdelays from Debian's linux-source
#   GETDELAYS=/path/to/getdelays bench/query.sh
#
# Needs root (CAP_NET_ADMIN), hyperfine, python3 and /usr/bin/time
# (apt-get install hyperfine time; linux-perf adds a perf stat comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
RUNS=${RUNS:-1000}
ROUNDS=${ROUNDS:-5}

# The README's build, which distributions make: `cargo build --release`
# (dynamically linked).
build_measured workload
echo "taskstat: $(stat -c %s $ts) bytes stripped; getdelays from linux-source $(cat "$(dirname "$GETDELAYS")/linux-source-version" 2>/dev/null || echo '(unknown version)'), on kernel $(uname -r)"

fifo=$(mktemp -u) && mkfifo "$fifo"
target/release/examples/workload threads 3 50 >"$fifo" &
wl=$!
out=$(mktemp -d)
trap 'kill -9 $wl 2>/dev/null; rm -rf "$fifo" "$out"' EXIT
read -r ready <"$fifo"
[ "$ready" = ready ]
while [ "$(awk '{print $3}' /proc/$wl/stat)" != T ]; do sleep 0.01; done

names=("getdelays -d -i -q -t" "taskstat tgid" "taskstat tgid --json" "taskstat tgid -f getdelays" "taskstat tgid -f ndjson" "taskstat pid --json")
cmds=("$GETDELAYS -d -i -q -t $wl" "$ts tgid $wl" "$ts tgid $wl --json" "$ts tgid $wl -f getdelays" "$ts tgid $wl -f ndjson" "$ts pid $wl --json")
run_rounds "$out"
report_rounds "$out" "getdelays -d -i -q -t"

if command -v perf >/dev/null; then
    echo
    echo "perf stat -r $RUNS, task-clock (CPU ms) and elapsed (ms), alternating, $ROUNDS rounds:"
    for round in $(seq "$ROUNDS"); do
        for c in "$GETDELAYS -d -i -q -t $wl" "$ts tgid $wl --json"; do
            perf stat -r "$RUNS" $c 2>&1 >/dev/null |
                awk -v c="${c%% *}" '/task-clock/ {t=$1} /elapsed/ {e=$1*1000} END {printf "  %-60s %.3f %.3f\n", c, t, e}'
        done
    done
fi

echo
echo "peak RSS (KiB), median of 20 runs:"
for cmd in "$GETDELAYS -d -i -q -t $wl" "$ts tgid $wl" "$ts tgid $wl --json"; do
    rss=$(for _ in $(seq 20); do /usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 10p)
    echo "  $rss  $cmd"
done
