#!/usr/bin/env bash
# Benchmark: one sweep of every task on this machine. taskstat top -b -n 1
# (two sweeps, one interval apart, since rates need two samples; -d 0.001)
# against iotop-c -b -n 1 (Debian package iotop-c), in one hyperfine run,
# and the in-process floor (examples/sweep: one socket, one query per task).
#
#   bench/sweep.sh        # needs root, hyperfine and iotop-c
set -euo pipefail
cd "$(dirname "$0")/.."
command -v iotop-c >/dev/null || { echo "apt-get install iotop-c" >&2; exit 1; }
cargo build --release --locked -q --bin taskstat --example sweep
ts=target/release/taskstat
echo "tasks now: $(ls -d /proc/[0-9]* | wc -l) processes, $(ls -d /proc/[0-9]*/task/[0-9]* | wc -l) threads"
target/release/examples/sweep
target/release/examples/sweep -H
hyperfine -N --warmup 5 --runs "${RUNS:-50}" \
    -n "taskstat top -b -n 1 (processes)" "$ts top -b -n 1 -d 0.001" \
    -n "taskstat top -b -n 1 -H (threads)" "$ts top -b -n 1 -H -d 0.001" \
    -n "iotop-c -b -n 1 (threads)" "iotop-c -b -n 1" \
    -n "iotop-c -b -n 1 -P (processes)" "iotop-c -b -n 1 -P"
