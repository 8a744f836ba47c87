#!/usr/bin/env bash
# Benchmark: one sweep of every task on this machine. taskstat top -b -n 1
# (two sweeps, one interval apart, since rates need two samples; -d 0.001)
# against iotop-c -b -n 1 (Debian package iotop-c), in one hyperfine run,
# and the in-process floor (examples/sweep: one socket, one query per task).
#
#   bench/sweep.sh        # needs root, hyperfine and iotop-c
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v iotop-c >/dev/null || { echo "apt-get install iotop-c" >&2; exit 1; }
build_measured sweep
echo "tasks now: $(ls -d /proc/[0-9]* | wc -l) processes, $(ls -d /proc/[0-9]*/task/[0-9]* | wc -l) threads"
target/release/examples/sweep
target/release/examples/sweep -H
out=$(mktemp)
trap 'rm -f "$out"' EXIT
hyperfine -N --warmup 5 --runs "${RUNS:-150}" --export-json "$out" \
    -n "taskstat top -b -n 1 (processes)" "$ts top -b -n 1 -d 0.001" \
    -n "taskstat top -b -n 1 -H (threads)" "$ts top -b -n 1 -H -d 0.001" \
    -n "iotop-c -b -n 1 (threads)" "iotop-c -b -n 1" \
    -n "iotop-c -b -n 1 -P (processes)" "iotop-c -b -n 1 -P"
python3 - "$out" <<'PY'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def figures(name):
    r = res[name]
    return statistics.median(r["times"]) * 1e3, (r["user"] + r["system"]) * 1e3
print(f"{'':36} {'wall ms':>8} {'CPU ms':>7}  {'wall ratio':>10} {'CPU ratio':>9}")
for ours, anchor in [("taskstat top -b -n 1 (processes)", "iotop-c -b -n 1 -P (processes)"),
                     ("taskstat top -b -n 1 -H (threads)", "iotop-c -b -n 1 (threads)")]:
    (w, c), (aw, ac) = figures(ours), figures(anchor)
    print(f"{anchor:36} {aw:8.2f} {ac:7.2f}")
    print(f"{ours:36} {w:8.2f} {c:7.2f}  {w / aw:10.2f} {c / ac:9.2f}")
PY
