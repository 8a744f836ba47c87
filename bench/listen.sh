#!/usr/bin/env bash
# Benchmark: exit records under a storm, taskstat listen against the kernel's
# getdelays -l, each listening alone to the same storm (10,000 single-threaded
# processes and 4,000 with three threads: 22,003 exiting tasks, forked as
# fast as two workers can). Reports records received, records lost, storm
# rate, and listener CPU time per record (the scheduler's count in
# /proc/PID/schedstat, taken when the storm is over) with its ratio
# to getdelays -r 67108864 (a buffer large enough that getdelays loses
# nothing: the anchor). ROUNDS (default 5) storms per listener, interleaved.
#
#   bench/listen.sh                     # builds getdelays from Debian's linux-source
#   GETDELAYS=/path/to/getdelays bench/listen.sh
#
# Needs root, python3 and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
SINGLE=${SINGLE:-10000}
THREADED=${THREADED:-4000}
build_measured storm
storm=target/release/examples/storm
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpus=$(cat /sys/devices/system/cpu/possible)

# run NAME CMD...: listen with CMD while the storm runs; stop it with SIGTERM (background jobs ignore SIGINT).
run() {
    local name=$1; shift
    /usr/bin/time -o "$out/$name.time" -f "%U %S %M" "$@" >"$out/$name.out" 2>"$out/$name.err" &
    local timer=$!
    sleep 0.5
    local pid
    pid=$(pgrep -P "$timer")
    local t0 t1
    t0=$(date +%s.%N)
    "$storm" "$SINGLE" "$THREADED" >"$out/$name.storm"
    t1=$(date +%s.%N)
    sleep 1
    # The scheduler's own count of the listener's time on a CPU, in ns
    # (rusage, as /usr/bin/time prints it, has 10 ms steps: 5% of a storm).
    awk '{print $1}' "/proc/$pid/schedstat" >"$out/$name.cpu"
    kill -TERM "$pid"
    wait "$timer" || true
    echo "$t0 $t1" >"$out/$name.window"
}

# ROUNDS storms per listener, interleaved, and the report takes each
# listener's median round.
ROUNDS=${ROUNDS:-5}
for r in $(seq "$ROUNDS"); do
    run "getdelays.$r" "$GETDELAYS" -d -i -q -l -m "$cpus"
    run "taskstat-getdelays.$r" "$ts" listen -f getdelays
    run "taskstat-ndjson.$r" "$ts" listen -f ndjson
    run "getdelays-64m.$r" "$GETDELAYS" -d -i -q -l -m "$cpus" -r 67108864
done

python3 - "$out" "$SINGLE" "$THREADED" "$ROUNDS" <<'PY'
import json, statistics, sys
out, single, threaded, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
tasks = single + 3 * threaded + 3          # + two forking workers and the storm itself
groups = threaded
print(f"storm: {tasks} exiting tasks ({tasks} pid records + {groups} tgid records expected)")
print(f"{'listener':26} {'pid recs':>9} {'tgid recs':>9} {'missing':>8} {'storm s':>8} {'exits/s':>8} {'CPU s':>7} {'µs/record':>9} {'ratio':>6} {'max RSS KiB':>11}")
def one(run):
    """(pid records, tgid records, CPU s, max RSS KiB, storm s, stderr notes) of one round."""
    text = open(f"{out}/{run}.out", errors="replace").read()
    if "ndjson" in run:
        recs = [json.loads(l) for l in text.splitlines()]
        comm = lambda r: r.get("comm") or ""
        pid = sum(1 for r in recs if r["type"] == "pid" and (comm(r).startswith("tsstorm") or comm(r) == "storm"))
        tg = {r["tgid"] for r in recs if r["type"] == "pid" and comm(r).startswith("tsstorm-3")}
        tgid = sum(1 for r in recs if r["type"] == "tgid" and r["id"] in tg)
    else:
        # getdelays text: count the I/O lines of storm tasks (comm first).
        lines = text.splitlines()
        pid = sum(1 for l in lines if l.startswith(("tsstorm", "storm:")))
        tgid = sum(1 for l in lines if l.startswith("TGID\t"))
    rss = open(f"{out}/{run}.time").read().split()[-1]
    cpu = int(open(f"{out}/{run}.cpu").read()) / 1e9
    t0, t1 = map(float, open(f"{out}/{run}.window").read().split())
    err = open(f"{out}/{run}.err", errors="replace").read().strip().splitlines()
    notes = [l for l in err if "lost" in l or "nonfatal" in l or "truncated" in l]
    return pid, tgid, cpu, rss, t1 - t0, notes

anchor = None
for name in ["getdelays-64m", "getdelays", "taskstat-getdelays", "taskstat-ndjson"]:
    rounds_ = [one(f"{name}.{r}") for r in range(1, rounds + 1)]
    per_round = [c / (p + t) * 1e6 if p + t else float("nan") for p, t, c, *_ in rounds_]
    per = statistics.median(per_round)
    pid, tgid, cpu, rss, storm, notes = rounds_[per_round.index(per)] if per in per_round else rounds_[0]
    if anchor is None:
        anchor = per_round  # getdelays -r 67108864: it loses nothing
    # Each round's ratio to the anchor's storm of the same round (the
    # machine's pace drifts between rounds more than between neighbours),
    # and the median of those.
    ratios = [x / a for x, a in zip(per_round, anchor)]
    missing = tasks + groups - pid - tgid
    print(f"{name:26} {pid:9} {tgid:9} {missing:8} {storm:8.2f} {tasks / storm:8.0f} {cpu:7.3f} {per:9.2f} {statistics.median(ratios):6.2f} {rss:>11}")
    print(f"{'':26} µs/record by round: {' '.join(f'{x:.1f}' for x in per_round)}; ratio by round: {' '.join(f'{x:.2f}' for x in ratios)}")
    if notes:
        print(f"{'':26} stderr: {notes[-1][:110]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""))
PY
