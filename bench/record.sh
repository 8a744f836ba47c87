#!/usr/bin/env bash
# Benchmark: what `taskstat record` costs, against issue 23's goals.
#
#   CPU      <= 20 us per process per sample (<= 0.5% of one CPU for 1,000
#            processes every 5 s): the recorder's own CPU time over a run,
#            summed over its threads from /proc/PID/task/*/schedstat (the
#            scheduler's precise run time) just before SIGTERM, divided by
#            the process records it stored. Start-up and the first sample,
#            which queries every process whole, are included.
#   Storage  <= 100 MB per day for 1,000 processes every 5 s: the store's
#            bytes after the run, split into the first sample (a file's
#            keyframe; the writer starts a file each hour) and the mean of
#            the samples after it, extrapolated to a day at 5 s (24
#            keyframes, 17,256 deltas) and scaled to 1,000 processes.
#
# The run: SLEEPERS (1000) extra processes that sleep throughout, beside
# whatever the machine runs, recorded every INTERVAL (1) s for DURATION
# (60) s by the release binary.
#
#   bench/record.sh        # needs root (CAP_NET_ADMIN); honours CARGO_TARGET_DIR
#   TASKSTAT=path/to/taskstat bench/record.sh     # without building
#
# Measured 2026-12-03 (2 vCPUs shared with other agents' builds and tests,
# Linux 6.18, taskstats v16, delay accounting off, release build),
# SLEEPERS=1000 INTERVAL=1 DURATION=60, 62 samples each:
#   run 08:29  1,076 processes a sample, 287 exits heard: CPU 22.5 us per
#              process per sample with start-up and the first sample
#              (0.45% of one CPU for 1,000 every 5 s); storage: keyframe
#              53 KB, mean delta 1.2 KB, 20.5 MB a day for 1,000 every 5 s.
#   run 08:33  1,123 processes a sample, 1,209 exits heard: CPU 21.6 us
#              in all, 17.8 us per process per sample after the first
#              sample (0.36% of one CPU); storage: keyframe 99 KB, mean
#              delta 2.1 KB, 34.0 MB a day.
#   Goals: CPU <= 20 us (met in the steady state; the first sample, which
#   queries every process whole, costs some 200 us a process), storage
#   <= 100 MB a day (met). Runs while other tests stormed exits (up to
#   1,800 a second) measured 29-66 us and 146-447 MB a day: each exit is a
#   whole record stored once, and new processes are queried whole.
#   Final run, INTERVAL=5 DURATION=120, 1,068 processes a sample, with atop
#   beside it (results/2026-12-03/final/record.txt): CPU 18.7 us per process
#   per sample with start-up and the first sample, 12.7 after it (0.25% of a
#   CPU); store 16.5 MB a day. atop -w 5 over the same sleepers: 71.6 us and
#   281.0 MB a day.
#   below is not packaged in Debian and was not measured.
set -euo pipefail
cd "$(dirname "$0")/.."
sleepers=${SLEEPERS:-1000}
interval=${INTERVAL:-1}
duration=${DURATION:-60}
if [ -n "${TASKSTAT:-}" ]; then
    ts=$TASKSTAT                # a release binary already built
else
    cargo build --release --locked -q
    ts=${CARGO_TARGET_DIR:-target}/release/taskstat
fi

store=$(mktemp -d)
pids=()
rec=
cleanup() {
    [ -n "$rec" ] && kill "$rec" 2>/dev/null
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
    rm -rf "$store"
}
trap cleanup EXIT
for _ in $(seq "$sleepers"); do
    sleep 100000 &
    pids+=($!)
done

"$ts" record --dir "$store" -d "$interval" 2>/dev/null &
rec=$!
# The first sample alone: the file's size once it appears, before the
# second sample (an interval later) is appended.
# The recorder's CPU time so far, ns, summed over its threads.
cpu_of() {
    local t run sum=0
    for t in /proc/"$rec"/task/*/schedstat; do
        read -r run _ < "$t"
        sum=$((sum + run))
    done
    echo "$sum"
}
keyframe=0
for _ in $(seq 500); do
    f=$(ls "$store"/*.tsh 2>/dev/null | head -n 1 || true)
    if [ -n "$f" ] && [ -s "$f" ]; then
        keyframe=$(stat -c %s "$f")
        break
    fi
    sleep 0.01
done
# After start-up and the first sample: the steady state is what follows.
cpu_first=$(cpu_of)
sleep "$duration"
cpu_ns=$(cpu_of)
kill -TERM "$rec"
wait "$rec" || true
rec=
bytes=$(cat "$store"/*.tsh | wc -c)
files=$(ls "$store"/*.tsh | wc -l)

"$ts" dump --dir "$store" 2>/dev/null | python3 -c '
import json, sys
cpu_ns, cpu_first, keyframe, total, files = (int(a) for a in sys.argv[1:6])
times = {}
order = []
exited = 0
for line in sys.stdin:
    r = json.loads(line)
    if r["time"] not in times:
        order.append(r["time"])
    times[r["time"]] = times.get(r["time"], 0) + 1
    exited += r["exit_code"] is not None
samples = len(times)
records = sum(times.values())
per = records / samples
us = cpu_ns / 1e3 / records
print(f"samples {samples}, process records {records} ({per:.0f} a sample, {exited} of them exits), store files {files}")
if exited > records / 100:
    print(f"warning: {exited} processes exited during the run (another workload?): their exit records "
          "are in the CPU and storage figures below, which the goals do not count; run on a quiet machine")
print(f"CPU      {cpu_ns / 1e6:.1f} ms in all: {us:.1f} us per process per sample "
      f"(goal <= 20); for 1,000 processes every 5 s, {us * 1000 / 5e6 * 100:.3f}% of one CPU (goal <= 0.5%)")
steady = (cpu_ns - cpu_first) / 1e3 / (records - times[order[0]])
print(f"         after the first sample: {steady:.1f} us per process per sample, "
      f"{steady * 1000 / 5e6 * 100:.3f}% of one CPU for 1,000 processes every 5 s")
delta = (total - keyframe) / max(samples - 1, 1)
day = (24 * keyframe + (86400 // 5 - 24) * delta) * 1000 / per
print(f"Storage  keyframe {keyframe} B, mean delta {delta:.0f} B, {total} B in all; "
      f"a day at 5 s for 1,000 processes: {day / 1e6:.1f} MB (goal <= 100)")
' "$cpu_ns" "$cpu_first" "$keyframe" "$bytes" "$files"

# The same run for atop, side by side: `atop -w` keeps history too (every
# process's CPU, memory and disk counters, no delay categories, zlib
# compressed), over the same sleepers, for the same interval and duration.
# Its raw file's bytes per sample extrapolated alike, and its CPU time from
# wait4 (python's os.wait4).
if command -v atop >/dev/null; then
    samples=$(( duration / interval ))
    python3 -c '
import os, subprocess, sys
raw, interval, samples, procs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = subprocess.Popen(["atop", "-w", raw, interval, str(samples)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
size = os.path.getsize(raw)
cpu = ru.ru_utime + ru.ru_stime
per_sample = size / samples
day = per_sample * (86400 // 5) * 1000 / procs
print(f"atop     -w every {interval} s, {samples} samples: {size} B, {per_sample:.0f} B a sample, "
      f"a day at 5 s for 1,000 processes: {day / 1e6:.1f} MB; "
      f"CPU {cpu * 1e3:.0f} ms, {cpu * 1e6 / samples / procs:.1f} us per process per sample")
' "$store/atop.raw" "$interval" "$samples" "$(ls -d /proc/[0-9]* | wc -l)"
else
    echo "atop     not installed (apt-get install atop): no side-by-side figures"
fi

