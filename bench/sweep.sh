#!/usr/bin/env bash
# Benchmark: one sweep of every task on this machine, with SLEEPERS (1,000)
# extra sleeping processes. `taskstat top -b -n 1 -d 0.001` against
# `iotop-c -b -n 1 -P` (processes), and `taskstat top -b -n 1 -H -d 0.001`
# against `iotop-c -b -n 1` (threads). taskstat's top takes two samples
# 1 ms apart (rates need two; -d 0.001 keeps the wait short, and a wait
# costs no CPU); iotop-c's first and only batch screen takes one.
#
# Cost is CPU time, user + system from wait4(2) (bench/cpu.py), of whole
# runs, interleaved, ROUNDS rounds of RUNS cycles, median of the rounds'
# ratios; wall time beside it. Also the in-process floor (examples/sweep:
# one socket, one query per task, best of 20). Goal (issue 22): top -b -n 1
# at most 1.0 of `iotop-c -b -n 1`, printed also like for like (processes
# against -P, threads against threads).
#
#   bench/sweep.sh        # needs root, python3 and iotop-c (apt-get install iotop-c)
#   SLEEPERS=1000 ROUNDS=5 RUNS=30 bench/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v iotop-c >/dev/null || { echo "apt-get install iotop-c" >&2; exit 1; }
export ROUNDS=${ROUNDS:-5} RUNS=${RUNS:-30} WARMUP=${WARMUP:-3}
build_measured sweep
trap kill_sleepers EXIT
start_sleepers "${SLEEPERS:-1000}"
echo "tasks now: $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes, $(find /proc/[0-9]*/task -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l) threads (${SLEEPERS:-1000} of them extra sleepers)"
"$ex/sweep"
"$ex/sweep" -H
bench/cpu.py --anchor "iotop-c -b -n 1 -P" \
    -c "iotop-c -b -n 1 -P" "iotop-c -b -n 1 -P" \
    -c "taskstat top -b -n 1" "$ts top -b -n 1 -d 0.001" \
    -c "iotop-c -b -n 1" "iotop-c -b -n 1" \
    -c "taskstat top -b -n 1 -H" "$ts top -b -n 1 -H -d 0.001" \
    --vs "taskstat top -b -n 1 -H=iotop-c -b -n 1" \
    --vs "taskstat top -b -n 1=iotop-c -b -n 1" \
    --goal "taskstat top -b -n 1=iotop-c -b -n 1:1.0" \
    --goal "taskstat top -b -n 1:1.0" \
    --goal "taskstat top -b -n 1 -H=iotop-c -b -n 1:1.0"
