#!/usr/bin/env bash
# Benchmark: `taskstat serve`, the per-cgroup Prometheus exporter, against
# Debian's prometheus-process-exporter, with 1,000 extra sleeping processes
# on the machine so that a sweep has something to sweep.
#
#   a. scrape latency (wall, connect to last byte of the body, one fresh
#      connection per scrape, from a Python client) and the exporter's CPU
#      per scrape: the server's utime+stime from /proc/PID/stat (10 ms ticks)
#      and its process CPU clock (clock_gettime on the PID's CPUCLOCK_SCHED,
#      ns), read before and after SCRAPES scrapes, divided by SCRAPES.
#      taskstat runs with --cache 0.001 and scrapes are GAP seconds apart
#      (0.01; the cache's clock starts when a sweep ends, and a client that
#      asks again at once comes back within the millisecond, so back-to-back
#      scrapes are every other one a cache hit), so that every scrape is a
#      real sweep; the summary counts any scrape whose sweep figures repeat
#      the previous one's (a cache hit).
#      ROUNDS rounds, rotating which exporter goes first; the ratio is the
#      median of the per-round ratios. Idle CPU (no scrapes) is given too,
#      and the time the server's threads waited for a CPU per scrape
#      (schedstat, summed over threads), which tells a busy machine (this
#      2-core VM is shared) from the exporter's own latency.
#   b. the in-process netlink floor for the same tasks: examples/sweep (one
#      socket, one query per process, best of 20).
#   c. prometheus-process-exporter tracking every process (a catch-all
#      `{{.Comm}}` matcher on cmdline '.*', which takes kernel threads too),
#      with its defaults (-threads, -gather-smaps, -children) and lean
#      (-threads=false -gather-smaps=false), scraped like taskstat.
#   d. short-lived processes in a cgroup: a new cgroup2 group runs, for
#      WINDOW seconds, a loop of `workload burn-exit BURN_MS` (each process
#      burns BURN_MS ms of CPU and exits). Compared over the window: the
#      group's cpu.stat usage_usec increase (the truth), the increase of
#      taskstat_cpu_seconds_total{cgroup="/GROUP"}, and the increase of the
#      process-exporter CPU counter of a group of its own (comm workload or
#      sh, cmdline the loop's, with -children so that the loop's `date`
#      children count too). Both exporters are scraped at the start, every
#      EVERY seconds during the window and at the end (1 s after the loop).
#
#   bench/serve.sh      # needs root, python3, a cgroup2 mount and
#                       # prometheus-process-exporter (apt-get install it)
#
# Everything listens on 127.0.0.1 (ports TS_PORT, PE_PORT..PE_PORT+2); the
# trap stops the servers, kills the sleepers and the loop, removes the group.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SLEEPERS=${SLEEPERS:-1000}
SCRAPES=${SCRAPES:-50}
ROUNDS=${ROUNDS:-3}
IDLE=${IDLE:-3}
WINDOW=${WINDOW:-12}
BURN_MS=${BURN_MS:-45}
EVERY=${EVERY:-1}
GAP=${GAP:-0.01}
TS_PORT=${TS_PORT:-19465}
PE_PORT=${PE_PORT:-19256}
command -v prometheus-process-exporter >/dev/null ||
    { echo "apt-get install prometheus-process-exporter" >&2; exit 1; }
cgroot=${CGROUP2:-$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)}
if [ -z "$cgroot" ] || [ ! -f "$cgroot/cgroup.procs" ]; then
    echo "no cgroup2 mount" >&2
    exit 1
fi
for p in "$TS_PORT" "$PE_PORT" $((PE_PORT + 1)) $((PE_PORT + 2)); do
    if ss -Hltn "sport = :$p" | grep -q .; then echo "port $p is in use" >&2; exit 1; fi
done
build_measured sweep workload
wl=$ex/workload

out=$(mktemp -d)
group=servebench-$$
cg=$cgroot/$group
servers=()
sleepers=()
helper=
cleanup() {
    local rc=$?
    set +e
    if [ "$rc" -ne 0 ]; then
        for f in "$out"/*.err "$out"/*.log; do
            [ -s "$f" ] && { echo "--- $f" >&2; tail -5 "$f" >&2; }
        done
    fi
    # The Python helper, the loop and anything it started, then the group.
    [ -n "$helper" ] && kill -TERM "$helper" 2>/dev/null
    [ -f "$out/loop.pid" ] && kill -9 "$(cat "$out/loop.pid")" 2>/dev/null
    if [ -d "$cg" ]; then
        for _ in $(seq 50); do
            pids=$(cat "$cg/cgroup.procs")
            [ -z "$pids" ] && break
            # shellcheck disable=SC2086 # one pid a line: a word list
            kill -9 $pids 2>/dev/null || true
            sleep 0.1
        done
        rmdir "$cg" || echo "could not remove $cg" >&2
    fi
    for pid in "${servers[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    kill -9 "${sleepers[@]}" 2>/dev/null || true
    rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The Python helper runs in the background and is waited for, so that a
# signal stops the script at once (bash runs a trap only between commands).
py() {
    python3 "$out/bench.py" "$@" &
    helper=$!
    wait "$helper"
}

for _ in $(seq "$SLEEPERS"); do
    sleep 600 &
    sleepers+=($!)
    disown "$!"
done
procs=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
echo "tasks now: $procs processes, $(find /proc/[0-9]*/task -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l) threads"

# b. The floor, before any exporter runs.
floor=$("$ex/sweep")
echo "$floor"

# The exporters. all.yaml tracks every process, grouped by comm; group.yaml
# only the loop of d and its children.
cat >"$out/all.yaml" <<'EOF'
process_names:
  - name: "{{.Comm}}"
    cmdline:
    - '.*'
EOF
cat >"$out/group.yaml" <<'EOF'
process_names:
  - name: servebench
    comm:
    - workload
    - sh
    cmdline:
    - 'servebench-loop|burn-exit'
EOF
"$ts" serve --listen "127.0.0.1:$TS_PORT" --cache 0.001 2>"$out/ts.err" &
servers+=($!)
prometheus-process-exporter -config.path "$out/all.yaml" \
    -web.listen-address "127.0.0.1:$PE_PORT" >"$out/pe.log" 2>&1 &
servers+=($!)
prometheus-process-exporter -config.path "$out/all.yaml" -threads=false -gather-smaps=false \
    -web.listen-address "127.0.0.1:$((PE_PORT + 1))" >"$out/pe-lean.log" 2>&1 &
servers+=($!)
prometheus-process-exporter -config.path "$out/group.yaml" -children=true \
    -web.listen-address "127.0.0.1:$((PE_PORT + 2))" >"$out/pe-group.log" 2>&1 &
servers+=($!)

cat >"$out/bench.py" <<'PY'
import http.client, json, os, re, statistics, subprocess, sys, time

def get(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics")
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise SystemExit(f"port {port}: HTTP {r.status}: {body[:200]!r}")
    return body.decode()

def ticks(pid):
    s = open(f"/proc/{pid}/stat").read()
    f = s[s.rindex(")") + 2:].split()
    return int(f[11]) + int(f[12])            # utime + stime (fields 14, 15)

def runq_ns(pid):
    """Time the server's threads waited for a CPU (schedstat field 2), summed."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[1])
        except (OSError, IndexError):
            pass
    return total

def clock_ns(pid):                            # the process's CPUCLOCK_SCHED
    return time.clock_gettime_ns(((~pid) << 3) | 2)

HZ = os.sysconf("SC_CLK_TCK")

def wait_ready(ports):
    end = time.time() + 30
    for p in ports:
        while True:
            try:
                get(p)
                break
            except (OSError, http.client.HTTPException):
                if time.time() > end:
                    raise SystemExit(f"port {p} never answered")
                time.sleep(0.2)

def counter(body, metric, label):
    """Sum of the samples of `metric` carrying `label` (e.g. 'cgroup="/x"')."""
    total = 0.0
    for line in body.splitlines():
        if line.startswith(metric + "{") and label in line.split("}")[0]:
            total += float(line.rsplit(" ", 1)[1])
    return total

def sweep_id(body):
    """taskstat's figure for the sweep behind a scrape: equal for a cache hit."""
    m = re.search(r"^taskstat_scrape_duration_seconds(?:\{[^}]*\})? (\S+)", body, re.M)
    return m and m.group(1)

def scrape(targets, rounds, n, idle, gap):
    """targets: [(name, pid, port)]. Prints and returns per-target figures."""
    wait_ready([t[2] for t in targets])
    for _, _, port in targets:                # warm-up
        for _ in range(3):
            get(port)
    before = [(ticks(pid), clock_ns(pid)) for _, pid, _ in targets]
    time.sleep(idle)
    idle_ms = [(clock_ns(pid) - b[1]) / 1e6 / idle for (_, pid, _), b in zip(targets, before)]
    res = {t[0]: {"lat": [], "ticks": 0, "ns": 0, "runq": 0, "n": 0, "rounds": [], "bytes": 0,
                  "hits": 0} for t in targets}
    for r in range(rounds):
        order = targets[r % len(targets):] + targets[:r % len(targets)]
        for name, pid, port in order:
            t0, c0, q0 = ticks(pid), clock_ns(pid), runq_ns(pid)
            last = None
            for _ in range(n):
                time.sleep(gap)
                s = time.perf_counter()
                body = get(port)
                res[name]["lat"].append((time.perf_counter() - s) * 1e3)
                sid = sweep_id(body)
                res[name]["hits"] += sid is not None and sid == last
                last = sid
            t1, c1, q1 = ticks(pid), clock_ns(pid), runq_ns(pid)
            x = res[name]
            x["runq"] += q1 - q0
            x["ticks"] += t1 - t0
            x["ns"] += c1 - c0
            x["n"] += n
            x["rounds"].append((c1 - c0) / n / 1e6)
            x["bytes"] = len(body)
            x["body"] = body
    for (name, _, _), i in zip(targets, idle_ms):
        res[name]["idle"] = i
    return res

def window(cg, rel, ts_port, pe_port, secs, wl, burn, every, pidfile):
    def usage():
        for line in open(f"{cg}/cpu.stat"):
            k, v = line.split()
            if k == "usage_usec":
                return int(v) / 1e6
    def ts():
        return counter(get(ts_port), "taskstat_cpu_seconds_total", f'cgroup="{rel}"')
    def pe():
        return counter(get(pe_port), "namedprocess_namegroup_cpu_seconds_total", 'groupname="servebench"')
    wait_ready([ts_port, pe_port])
    u0, t0, p0 = usage(), ts(), pe()
    loop = subprocess.Popen(
        ["sh", "-c", 'echo $$ >"$1/cgroup.procs"; end=$(( $(date +%s) + $2 )); n=0; '
         'while [ "$(date +%s)" -lt "$end" ]; do "$3" burn-exit "$4"; n=$((n + 1)); done; echo "$n"',
         "servebench-loop", cg, str(secs), wl, str(burn)],
        stdout=subprocess.PIPE, text=True)
    open(pidfile, "w").write(str(loop.pid))
    start = time.time()
    while loop.poll() is None:
        time.sleep(every)
        ts(); pe()
    n = int(loop.stdout.read().strip())
    took = time.time() - start
    time.sleep(1.0)                           # exit records booked
    u1, t1, p1 = usage(), ts(), pe()
    return {"procs": n, "secs": took, "usage": u1 - u0, "taskstat": t1 - t0, "pe": p1 - p0}

cmd = sys.argv[1]
if cmd == "scrape":
    rounds, n, idle, gap = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    targets = []
    for spec in sys.argv[6:]:
        name, pid, port = spec.rsplit("=", 2)
        targets.append((name, int(pid), int(port)))
    res = scrape(targets, rounds, n, idle, gap)
    json.dump({k: {kk: vv for kk, vv in v.items() if kk != "body"} for k, v in res.items()}, sys.stdout)
    # taskstat's own figure for its last sweep.
    sid = sweep_id(res[targets[0][0]]["body"])
    print()
    print(json.dumps({"ts_sweep_s": float(sid) if sid else None}))
elif cmd == "window":
    cg, rel, ts_port, pe_port, secs, wl, burn, every, pidfile = sys.argv[2:11]
    print(json.dumps(window(cg, rel, int(ts_port), int(pe_port), int(secs), wl, int(burn),
                            float(every), pidfile)))
elif cmd == "report":
    floor, procs = sys.argv[2], sys.argv[3]
    res, extra = [json.loads(l) for l in open(sys.argv[4])]
    win = json.loads(open(sys.argv[5]).read())
    names = list(res)
    print()
    print(f"serve.sh: {procs} processes; {sum(1 for _ in res[names[0]]['rounds'])} rounds x "
          f"{res[names[0]]['n'] // len(res[names[0]]['rounds'])} scrapes per exporter, "
          f"{float(sys.argv[6]) * 1e3:g} ms apart; taskstat cache hits: {res[names[0]]['hits']}")
    print(f"{'exporter':44} {'lat med':>8} {'lat p90':>8} {'CPU/scrape':>10} {'(ticks)':>8} {'runq wait':>9} {'idle CPU':>9} {'body':>7}")
    print(f"{'':44} {'ms':>8} {'ms':>8} {'ms':>10} {'ms':>8} {'ms/scrape':>9} {'ms/s':>9} {'KiB':>7}")
    for k, v in res.items():
        lat = sorted(v["lat"])
        p90 = lat[int(0.9 * (len(lat) - 1))]
        print(f"{k:44} {statistics.median(lat):8.2f} {p90:8.2f} {v['ns'] / v['n'] / 1e6:10.2f} "
              f"{v['ticks'] * 1000 / HZ / v['n']:8.2f} {v['runq'] / v['n'] / 1e6:9.2f} {v['idle']:9.3f} "
              f"{v['bytes'] / 1024:7.1f}")
    ts = res[names[0]]["rounds"]
    for k in names[1:]:
        ratios = [a / b for a, b in zip(ts, res[k]["rounds"])]
        print(f"CPU per scrape, taskstat / {k}: {statistics.median(ratios):.2f} (median of rounds)")
    if extra.get("ts_sweep_s") is not None:
        print(f"taskstat's own sweep time (taskstat_scrape_duration_seconds, last scrape): "
              f"{extra['ts_sweep_s'] * 1e3:.2f} ms")
    print(f"in-process floor (examples/sweep): {floor}")
    u = win["usage"]
    print()
    print(f"short-lived cgroup: {win['procs']} x workload burn-exit (+ as many date) in {win['secs']:.1f} s")
    print(f"{'counter (increase over the window)':44} {'CPU s':>8} {'share':>7}")
    print(f"{'cgroup2 cpu.stat usage_usec':44} {u:8.3f} {1:7.1%}")
    print(f"{'taskstat_cpu_seconds_total{cgroup=GROUP}':44} {win['taskstat']:8.3f} {win['taskstat'] / u:7.1%}")
    print(f"{'process-exporter group (comm, -children)':44} {win['pe']:8.3f} {win['pe'] / u:7.1%}")
PY

# a, c. Scrape latency and CPU per scrape (taskstat first: the ratios are to it).
py scrape "$ROUNDS" "$SCRAPES" "$IDLE" "$GAP" \
    "taskstat serve --cache 0.001=${servers[0]}=$TS_PORT" \
    "process-exporter all, defaults=${servers[1]}=$PE_PORT" \
    "process-exporter all, -threads=0 -smaps=0=${servers[2]}=$((PE_PORT + 1))" >"$out/scrape.json"

# d. The short-lived-cgroup comparison.
mkdir "$cg"
py window "$cg" "/$group" "$TS_PORT" "$((PE_PORT + 2))" "$WINDOW" "$wl" \
    "$BURN_MS" "$EVERY" "$out/loop.pid" >"$out/window.json"

py report "$floor" "$procs" "$out/scrape.json" "$out/window.json" "$GAP"
