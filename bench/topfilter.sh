#!/usr/bin/env bash
# Benchmark: what a narrowed top costs. `taskstat top -b -n 1 -p P` against
# a one-shot `taskstat tgid P` (the floor: one process queried once) and
# an unfiltered `taskstat top -b -n 1`, with SLEEPERS (1,000) extra
# sleeping processes on the machine so that a sweep has something to sweep.
#
# Cost is CPU time, user + system from wait4(2) (bench/cpu.py), of whole
# runs, interleaved, ROUNDS rounds of RUNS cycles, median of the rounds'
# ratios; not wall time, since top waits its interval (-d 0.001 here)
# between its two samples. Goal (issue 25): `top -b -n 1 -p P` at most 1.2
# of the one-shot `tgid P`, with a margin.
#
#   bench/topfilter.sh        # needs root and python3
#   SLEEPERS=1000 ROUNDS=5 RUNS=20 bench/topfilter.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
export ROUNDS=${ROUNDS:-5} RUNS=${RUNS:-20} WARMUP=${WARMUP:-3}
build_measured workload

trap 'kill_workload; kill_sleepers' EXIT
stopped_workload
start_sleepers "${SLEEPERS:-1000}"
echo "tasks now: $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes"

bench/cpu.py \
    -c "tgid P (one-shot)" "$ts tgid $wl" \
    -c "top -b -n 1 -p P" "$ts top -b -n 1 -d 0.001 -p $wl" \
    -c "top -b -n 1 (every process)" "$ts top -b -n 1 -d 0.001" \
    --vs "top -b -n 1 (every process)=top -b -n 1 -p P" \
    --goal "top -b -n 1 -p P:1.2"
