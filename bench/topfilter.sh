#!/usr/bin/env bash
# Benchmark: what a narrowed top costs. `taskstat top -b -n 1 -p P` against
# a one-shot `taskstat tgid P` (the floor: one process queried once) and
# against an unfiltered `taskstat top -b -n 1`, with 1,000 extra sleeping
# processes on the machine so that a sweep has something to sweep.
#
# Cost is CPU time (user + system), from hyperfine's runs, not wall time:
# top sleeps its interval (-d 0.001 here) between its two samples.
#
#   bench/topfilter.sh        # needs root and hyperfine (apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${RUNS:-100}
build_measured workload

fifo=$(mktemp -u) && mkfifo "$fifo"
target/release/examples/workload threads 3 50 >"$fifo" &
wl=$!
out=$(mktemp -d)
sleepers=()
cleanup() {
    kill -9 "$wl" "${sleepers[@]}" 2>/dev/null || true
    rm -rf "$fifo" "$out"
}
trap cleanup EXIT
read -r ready <"$fifo"
[ "$ready" = ready ]
for _ in $(seq 1000); do
    sleep 600 &
    sleepers+=($!)
done
echo "tasks now: $(ls -d /proc/[0-9]* | wc -l) processes"

hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$out/h.json" \
    -n "tgid P (one-shot)" "$ts tgid $wl" \
    -n "top -b -n 1 -p P" "$ts top -b -n 1 -d 0.001 -p $wl" \
    -n "top -b -n 1 (every process)" "$ts top -b -n 1 -d 0.001" >/dev/null

python3 - "$out/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
cpu = {k: (v["user"] + v["system"]) * 1e3 for k, v in r.items()}
wall = {k: v["mean"] * 1e3 for k, v in r.items()}
for k in r:
    print(f"{k:32} cpu {cpu[k]:8.3f} ms   wall {wall[k]:8.3f} ms")
one, flt, full = (cpu[k] for k in r)
print(f"filtered / one-shot: {flt / one:.2f}   full sweep / filtered: {full / flt:.1f}")
PY
