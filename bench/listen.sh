#!/usr/bin/env bash
# Benchmark: exit records under a storm, taskstat listen against the kernel's
# getdelays -l, each listening alone to the same storm (10,000 single-threaded
# processes and 4,000 with three threads: 22,003 exiting tasks, forked as
# fast as two workers can). Reports records received, records lost, storm
# rate, and listener CPU time per record (from /usr/bin/time).
#
#   bench/listen.sh                     # builds getdelays from Debian's linux-source
#   GETDELAYS=/path/to/getdelays bench/listen.sh
#
# Needs root, python3 and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
SINGLE=${SINGLE:-10000}
THREADED=${THREADED:-4000}
cargo build --release --locked -q --bin taskstat --example storm
ts=target/release/taskstat
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
    kill -TERM "$pid"
    wait "$timer" || true
    echo "$t0 $t1" >"$out/$name.window"
}

run getdelays "$GETDELAYS" -d -i -q -l -m "$cpus"
run taskstat-getdelays "$ts" listen -f getdelays
run taskstat-ndjson "$ts" listen -f ndjson
run getdelays-64m "$GETDELAYS" -d -i -q -l -m "$cpus" -r 67108864

python3 - "$out" "$SINGLE" "$THREADED" <<'PY'
import json, sys
out, single, threaded = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tasks = single + 3 * threaded + 3          # + two forking workers and the storm itself
groups = threaded
print(f"storm: {tasks} exiting tasks ({tasks} pid records + {groups} tgid records expected)")
print(f"{'listener':26} {'pid recs':>9} {'tgid recs':>9} {'missing':>8} {'storm s':>8} {'exits/s':>8} {'CPU s':>7} {'µs/record':>9} {'max RSS KiB':>11}")
for name in ["getdelays", "taskstat-getdelays", "taskstat-ndjson", "getdelays-64m"]:
    text = open(f"{out}/{name}.out", errors="replace").read()
    if name.endswith("ndjson"):
        recs = [json.loads(l) for l in text.splitlines()]
        comm = lambda r: r.get("comm") or ""
        pid = sum(1 for r in recs if r["type"] == "pid" and (comm(r).startswith("tsstorm") or comm(r) == "storm"))
        tg = {r["tgid"] for r in recs if r["type"] == "pid" and comm(r).startswith("tsstorm-3")}
        tgid = sum(1 for r in recs if r["type"] == "tgid" and r["id"] in tg)
    else:
        # getdelays text: count the I/O lines of storm tasks (comm first).
        lines = text.splitlines()
        pid = sum(1 for l in lines if l.startswith(("tsstorm", "storm:")))
        tgid = sum(1 for i, l in enumerate(lines) if l.startswith("TGID\t"))
    u, s, rss = open(f"{out}/{name}.time").read().split()[-3:]
    t0, t1 = map(float, open(f"{out}/{name}.window").read().split())
    cpu = float(u) + float(s)
    got = pid + tgid
    missing = tasks + groups - got
    per = cpu / got * 1e6 if got else float("nan")
    print(f"{name:26} {pid:9} {tgid:9} {missing:8} {t1 - t0:8.2f} {tasks / (t1 - t0):8.0f} {cpu:7.2f} {per:9.1f} {rss:>11}")
    err = open(f"{out}/{name}.err", errors="replace").read().strip().splitlines()
    notes = [l for l in err if "lost" in l or "nonfatal" in l or "truncated" in l]
    if notes:
        print(f"{'':26} stderr: {notes[-1][:110]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""))
PY
