#!/usr/bin/env python3
"""What `serve --histograms` costs (issue 34): one build, two servers at once,
one with --histograms (on) and one without (off), on the same machine.

    bench/histograms.py [TASKSTAT [STORM]]   # root, a cgroup2 mount;
                                             # release builds (bench/histograms.sh)

SLEEPERS sleeping processes live in CGROUPS cgroup2 groups made here. Each
round starts both servers (`--cache 0.001`, so that every scrape sweeps; the
first to start alternates by round), then:

  warm-up  WARMUP processes exit, spread over the groups, with figures spread
           as real ones are: each sleeps 0.1 ms to 1 s and burns 10 us to
           3 ms of CPU (log-uniform), CONCURRENT at a time, so that the
           histograms of every group hold many buckets before anything is
           measured.
  exits    examples/storm forks STORM single-threaded processes, STORM/CGROUPS
           in each group (one `storm N 0 1` per group, in turn). Cost: the
           CPU of the server's exit-hearing thread (the one unnamed thread
           besides the main one: both carry the binary's name, the sweeper
           is "sweep"), and of the whole process, over the storm and
           1 s after it, from /proc/PID/task/TID/schedstat; per exit, the
           exits being what each server itself counted
           (taskstat_exited_tasks_total, summed over its series, scraped
           before and after, outside the CPU window).
  scrapes  for each format (text 0.0.4, OpenMetrics, protobuf), SCRAPES
           scrapes of one server then the other, GAP s apart (the first
           alternates by round and format). Cost: the CPU of every thread
           but the hearer (the sweep and the encoding are the sweeper's,
           HTTP the main thread's; exits that other work on the machine
           causes meanwhile are not the scrape's), per scrape, and per
           process on the machine.

With BEFORE=path, two builds instead, both with --histograms: TASKSTAT
(after) against BEFORE (before), the same way (for a change to either path).

Ratios are on / off within a round; a figure is the median over ROUNDS
rounds. Delay accounting (kernel.task_delayacct) is left as found and held
there: the script takes the tests' lock on it (tests/common/mod.rs,
/tmp/taskstat-tests-delayacct.lock), so test runs wait meanwhile rather
than switch it mid-round (with it on, a key has 8 histograms, not 4).
Environment: SLEEPERS (1000), CGROUPS (200), WARMUP (5000),
CONCURRENT (400), STORM (20000), ROUNDS (5), SCRAPES (20), GAP (0.05),
ON_PORT (19471), OFF_PORT (19472).
"""
import fcntl
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

TASKSTAT = sys.argv[1] if len(sys.argv) > 1 else "target/release/taskstat"
STORM_BIN = sys.argv[2] if len(sys.argv) > 2 else "target/release/examples/storm"
SLEEPERS = int(os.environ.get("SLEEPERS", 1000))
CGROUPS = int(os.environ.get("CGROUPS", 200))
WARMUP = int(os.environ.get("WARMUP", 5000))
CONCURRENT = int(os.environ.get("CONCURRENT", 400))
STORM = int(os.environ.get("STORM", 20000))
ROUNDS = int(os.environ.get("ROUNDS", 5))
SCRAPES = int(os.environ.get("SCRAPES", 20))
GAP = float(os.environ.get("GAP", 0.05))
PORTS = {"on": int(os.environ.get("ON_PORT", 19471)),
         "off": int(os.environ.get("OFF_PORT", 19472))}
BEFORE = os.environ.get("BEFORE")
GOAL = 1.10
# What the two servers are called in the report.
SAY = {"on": "after", "off": "before"} if BEFORE else {"on": "on", "off": "off"}

WIRES = {
    "text": "text/plain;version=0.0.4",
    "openmetrics": "application/openmetrics-text;version=1.0.0",
    "protobuf": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                "encoding=delimited",
}


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    sys.exit("no cgroup2 mount")


def tasks(pid):
    """{tid: (comm, ns on a CPU)} of a process's threads."""
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                ns = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        out[int(t)] = (comm, ns)
    return out


def hearer(pid):
    """The exit-hearing thread: the only thread but main with main's name
    (the binary's; the sweeper is "sweep")."""
    threads = tasks(pid)
    ts = [t for t, (comm, _) in threads.items() if t != pid and comm == threads[pid][0]]
    if len(ts) != 1:
        sys.exit(f"serve {pid}: cannot tell the exit-hearing thread among {tasks(pid)}; "
                 "has serve's threading changed? update hearer() here")
    return ts[0]


def cpu(pid, hear):
    """(the hearer's ns, every other thread's ns) so far."""
    h = rest = 0
    for t, (_, ns) in tasks(pid).items():
        if t == hear:
            h += ns
        else:
            rest += ns
    return h, rest


def processes():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def scrape(port, wire="text"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                 headers={"Accept": WIRES[wire]})
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
        if r.status != 200:
            sys.exit(f"port {port}: HTTP {r.status}")
        return body, r.headers.get("Content-Type", "")


def text_sum(body, metric):
    """Sum of a text exposition's samples of `metric`."""
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(metric + "{") or line.startswith(metric + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def join(group):
    """For preexec_fn: the child moves itself into `group`."""
    def f():
        with open(f"{group}/cgroup.procs", "w") as fh:
            fh.write("0")
    return f


def warm_up(groups, n, concurrent):
    """n processes exit, spread over the groups, with spread-out figures.
    A child of its own forks and reaps them, so that its wait() reaps none
    of this script's other children (the servers, the sleepers)."""
    driver = os.fork()
    if driver == 0:
        try:
            fork_and_reap(groups, n, concurrent)
        finally:
            os._exit(0)
    os.waitpid(driver, 0)


def fork_and_reap(groups, n, concurrent):
    rng = random.Random(34)
    alive = 0
    for i in range(n):
        if alive >= concurrent:
            os.wait()
            alive -= 1
        sleep_s = math.exp(rng.uniform(math.log(1e-4), math.log(1.0)))
        burn_s = math.exp(rng.uniform(math.log(1e-5), math.log(3e-3)))
        pid = os.fork()
        if pid == 0:
            try:
                join(groups[i % len(groups)])()
                time.sleep(sleep_s)
                end = time.thread_time() + burn_s
                while time.thread_time() < end:
                    pass
            finally:
                os._exit(0)
        alive += 1
    while alive:
        os.wait()
        alive -= 1


def storm(groups, n):
    """n single-threaded exits, n/len(groups) in each group in turn."""
    per = n // len(groups)
    for g in groups:
        subprocess.run([STORM_BIN, str(per), "0", "1"], preexec_fn=join(g),
                       stdout=subprocess.DEVNULL, check=True)


def start(name, port):
    binary = BEFORE if BEFORE and name == "off" else TASKSTAT
    args = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--cache", "0.001"]
    if name == "on" or BEFORE:
        args.append("--histograms")
    p = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    for _ in range(300):
        if p.poll() is not None:
            sys.exit(f"serve ({name}) ended: {p.returncode}")
        try:
            scrape(port)
            return p
        except OSError:
            time.sleep(0.1)
    sys.exit(f"serve ({name}) did not answer on {port}")


def stop(servers):
    for p in servers.values():
        p.send_signal(signal.SIGTERM)
    for p in servers.values():
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def histogram_series(body):
    """Histogram series and their keys in a text exposition."""
    series = [l for l in body.decode().splitlines()
              if l.startswith("taskstat_process_") and "_count{" in l]
    keys = {m.group(1) for m in (re.search(r'cgroup="([^"]*)"', l) for l in series) if m}
    return len(series), len(keys)


def med(xs):
    return statistics.median(xs)


def span(xs):
    return f"{min(xs):.3f}-{max(xs):.3f}"


def one_round(r, groups, rows):
    order = ["on", "off"] if r % 2 == 0 else ["off", "on"]
    servers = {}
    try:
        for name in order:
            servers[name] = start(name, PORTS[name])
        hear = {n: hearer(p.pid) for n, p in servers.items()}
        t0 = time.time()
        warm_up(groups, WARMUP, CONCURRENT)
        warm_s = time.time() - t0
        time.sleep(1)

        # The exit storm.
        exited0 = {n: text_sum(scrape(PORTS[n])[0], "taskstat_exited_tasks_total") for n in order}
        c0 = {n: cpu(servers[n].pid, hear[n]) for n in order}
        t0 = time.time()
        storm(groups, STORM)
        storm_s = time.time() - t0
        time.sleep(1)
        c1 = {n: cpu(servers[n].pid, hear[n]) for n in order}
        bodies = {n: scrape(PORTS[n])[0] for n in order}
        exits = {n: text_sum(bodies[n], "taskstat_exited_tasks_total") - exited0[n] for n in order}
        lost = {n: text_sum(bodies[n], "taskstat_exit_records_lost_total") for n in order}
        for n in order:
            hear_ns = c1[n][0] - c0[n][0]
            whole_ns = hear_ns + c1[n][1] - c0[n][1]
            rows["exit", n].append((hear_ns / exits[n] / 1e3, whole_ns / exits[n] / 1e3))
        hs, keys = histogram_series(bodies["on"])
        on, off = rows["exit", "on"][-1], rows["exit", "off"][-1]
        a, b = SAY["on"], SAY["off"]
        print(f"round {r + 1} (load {os.getloadavg()[0]:.2f}; {SAY[order[0]]} started first): "
              f"warm-up {WARMUP} exits in {warm_s:.1f} s; storm {STORM} in {storm_s:.1f} s, "
              f"heard {a} {exits['on']:.0f} / {b} {exits['off']:.0f}, lost {a} {lost['on']:.0f} / "
              f"{b} {lost['off']:.0f}; {a}'s text: {hs} histograms of {keys} cgroup keys")
        print(f"  exits: hearer {a} {on[0]:.2f} / {b} {off[0]:.2f} us/exit ({on[0] / off[0]:.3f}); "
              f"whole process {a} {on[1]:.2f} / {b} {off[1]:.2f} ({on[1] / off[1]:.3f})")

        # The scrapes.
        for w, wire in enumerate(WIRES):
            pair = order if w % 2 == 0 else order[::-1]
            for n in pair:
                pid, port = servers[n].pid, PORTS[n]
                body, ctype = scrape(port, wire)
                before = cpu(pid, hear[n])
                for _ in range(SCRAPES):
                    body, ctype = scrape(port, wire)
                    time.sleep(GAP)
                after = cpu(pid, hear[n])
                ns = (after[1] - before[1]) / SCRAPES
                rows[wire, n].append((ns, ns / processes(), len(body), ctype))
            on, off = rows[wire, "on"][-1], rows[wire, "off"][-1]
            print(f"  {wire:11}: {a} {on[0] / 1e6:.2f} ms/scrape ({on[1] / 1e3:.1f} us/process, "
                  f"{on[2]} bytes) / {b} {off[0] / 1e6:.2f} ms ({off[1] / 1e3:.1f} us/process, "
                  f"{off[2]} bytes): {on[0] / off[0]:.3f}")
    finally:
        stop(servers)


def delayacct():
    with open("/proc/sys/kernel/task_delayacct") as f:
        return f.read().strip()


def hold_delayacct():
    """The tests' lock on kernel.task_delayacct, held until this exits."""
    f = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "taskstat-tests-delayacct.lock"), "a")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("# waiting for a test run that holds kernel.task_delayacct", file=sys.stderr)
        fcntl.flock(f, fcntl.LOCK_EX)
    return f


def main():
    lock = hold_delayacct()
    acct = delayacct()
    root = os.path.join(cgroup2_mount(), f"taskstat-bench-hist-{os.getpid()}")
    os.mkdir(root)
    sleepers = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        groups = []
        for g in range(CGROUPS):
            d = os.path.join(root, f"g{g}")
            os.mkdir(d)
            groups.append(d)
        for i in range(SLEEPERS):
            sleepers.append(subprocess.Popen(["sleep", "100000"],
                                             preexec_fn=join(groups[i % CGROUPS])))
        time.sleep(1)
        print(f"# {SLEEPERS} sleepers in {CGROUPS} cgroup2 groups under {root}; "
              f"{processes()} processes; kernel.task_delayacct = {acct}; "
              f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"# a round: warm-up {WARMUP} exits ({CONCURRENT} at a time), storm {STORM}, "
              f"{SCRAPES} scrapes a format a server, {GAP} s apart; {ROUNDS} rounds; "
              f"{TASKSTAT}")
        rows = {(k, n): [] for k in ["exit", *WIRES] for n in ("on", "off")}
        for r in range(ROUNDS):
            one_round(r, groups, rows)
            if delayacct() != acct:
                sys.exit(f"kernel.task_delayacct changed to {delayacct()} during round {r + 1}: "
                         "something switched it without the tests' lock; run again")

        print()
        a, b = SAY["on"], SAY["off"]
        if BEFORE:
            print(f"# before: {BEFORE}")
        print(f"# medians of {ROUNDS} rounds; ratio = median of the rounds' {a} / {b} (min-max)")
        for i, what in enumerate(["hearer thread", "whole process"]):
            on = [x[i] for x in rows["exit", "on"]]
            off = [x[i] for x in rows["exit", "off"]]
            ratios = [a / b for a, b in zip(on, off)]
            print(f"exit, {what}: {a} {med(on):.2f} us/exit, {b} {med(off):.2f} us/exit, "
                  f"{a} - {b} {med(x - y for x, y in zip(on, off)):.2f} us; "
                  f"ratio {med(ratios):.3f} ({span(ratios)})")
        for wire in WIRES:
            on, off = rows[wire, "on"], rows[wire, "off"]
            ratios = [a[0] / b[0] for a, b in zip(on, off)]
            ratio = med(ratios)
            goal = ("" if BEFORE else f"; GOAL on/off <= {GOAL:.2f}: "
                    f"{'met' if ratio <= GOAL else 'NOT met'}")
            print(f"scrape {wire}: {a} {med(x[0] for x in on) / 1e6:.2f} ms "
                  f"({med(x[1] for x in on) / 1e3:.1f} us/process, {on[-1][2]} bytes), "
                  f"{b} {med(x[0] for x in off) / 1e6:.2f} ms "
                  f"({med(x[1] for x in off) / 1e3:.1f} us/process, {off[-1][2]} bytes); "
                  f"ratio {ratio:.3f} ({span(ratios)}){goal}")
        print("# content types: " + "; ".join(f"{w} {rows[w, 'on'][-1][3]}" for w in WIRES))
    finally:
        for s in sleepers:
            s.kill()
        for s in sleepers:
            s.wait()
        # The groups only: the rest of the directory is the kernel's files.
        for d in (os.path.join(root, x) for x in os.listdir(root)):
            if not os.path.isdir(d):
                continue
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)
        os.rmdir(root)
        lock.close()


if __name__ == "__main__":
    main()
