#!/usr/bin/env python3
"""Scrape cost: taskstat serve vs Debian's prometheus-process-exporter.

CPU time from the kernel: the sum of /proc/PID/task/*/schedstat (ns on a
CPU) of the exporter's threads, read before and after SCRAPES scrapes,
divided by the scrapes and by the processes on the machine. Rounds
alternate which exporter goes first; figures are medians of the rounds.

Then `top --by cgroup`'s CPU a process a sample, the same goal, from whole
runs reaped with wait4 (-n 6 minus -n 1, over the 5 extra samples).

Both see the same machine: SLEEPERS extra sleeping processes spread over
GROUPS cgroup2 groups, made here and removed at the end.

  bench/scrape.py TASKSTAT          # root, a cgroup2 mount, the exporter
Environment: SLEEPERS (1000), GROUPS (50), SCRAPES (20), ROUNDS (5),
GAP seconds between scrapes (0.05), TS_PORT, PE_PORT.
"""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TASKSTAT = sys.argv[1] if len(sys.argv) > 1 else "target/release/taskstat"
SLEEPERS = int(os.environ.get("SLEEPERS", 1000))
GROUPS = int(os.environ.get("GROUPS", 50))
SCRAPES = int(os.environ.get("SCRAPES", 20))
ROUNDS = int(os.environ.get("ROUNDS", 5))
GAP = float(os.environ.get("GAP", 0.05))
TS_PORT = int(os.environ.get("TS_PORT", 19465))
PE_PORT = int(os.environ.get("PE_PORT", 19256))
GOAL_US = 20.0


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    sys.exit("no cgroup2 mount")


def on_cpu_ns(pid):
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def processes():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as r:
        body = r.read()
        assert r.status == 200, r.status
        return body


def wait_up(port, proc):
    for _ in range(300):
        if proc.poll() is not None:
            sys.exit(f"exporter on {port} ended: {proc.returncode}")
        try:
            scrape(port)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"exporter on {port} did not answer")


def cost(name, port, pid):
    """CPU ns per scrape over SCRAPES scrapes, and the processes then."""
    scrape(port)
    before = on_cpu_ns(pid)
    for _ in range(SCRAPES):
        scrape(port)
        time.sleep(GAP)
    after = on_cpu_ns(pid)
    return (after - before) / SCRAPES, processes()


def main():
    root = os.path.join(cgroup2_mount(), f"taskstat-bench-scrape-{os.getpid()}")
    os.mkdir(root)
    sleepers, servers = [], []
    tmp = tempfile.mkdtemp()
    try:
        groups = []
        for g in range(GROUPS):
            d = os.path.join(root, f"g{g}")
            os.mkdir(d)
            groups.append(d)
        for i in range(SLEEPERS):
            d = groups[i % GROUPS]
            sleepers.append(subprocess.Popen(
                ["sh", "-c", f"echo $$ > {d}/cgroup.procs && exec sleep 100000"]))
        time.sleep(1)
        placed = sum(len(open(f"{d}/cgroup.procs").read().split()) for d in groups)
        conf = os.path.join(tmp, "pe.yml")
        with open(conf, "w") as f:
            f.write('process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n    - \'.+\'\n')
        ts = subprocess.Popen([TASKSTAT, "serve", "--listen", f"127.0.0.1:{TS_PORT}",
                               "--cache", "0.001"], stderr=subprocess.DEVNULL)
        pe = subprocess.Popen(["prometheus-process-exporter", "-config.path", conf,
                               "-web.listen-address", f"127.0.0.1:{PE_PORT}"],
                              stderr=subprocess.DEVNULL)
        servers = [ts, pe]
        wait_up(TS_PORT, ts)
        wait_up(PE_PORT, pe)
        version = subprocess.run(["prometheus-process-exporter", "--version"],
                                 capture_output=True, text=True)
        print(f"# {placed} sleepers in {GROUPS} groups; {processes()} processes; "
              f"{SCRAPES} scrapes a round, {ROUNDS} rounds; "
              f"process-exporter {(version.stdout or version.stderr).split(chr(10))[0]}")
        rows = {"taskstat": [], "process-exporter": []}
        who = [("taskstat", TS_PORT, ts.pid), ("process-exporter", PE_PORT, pe.pid)]
        for r in range(ROUNDS):
            order = who if r % 2 == 0 else who[::-1]
            for name, port, pid in order:
                ns, procs = cost(name, port, pid)
                rows[name].append((ns, procs))
            t, p = rows["taskstat"][-1], rows["process-exporter"][-1]
            print(f"round {r + 1}: taskstat {t[0] / 1e6:.2f} ms/scrape "
                  f"({t[0] / t[1] / 1e3:.1f} us/process), process-exporter "
                  f"{p[0] / 1e6:.2f} ms/scrape ({p[0] / p[1] / 1e3:.1f} us/process), "
                  f"ratio {t[0] / p[0]:.3f}")
        per = {n: statistics.median(ns / procs / 1e3 for ns, procs in v) for n, v in rows.items()}
        ratio = statistics.median(t[0] / p[0] for t, p in zip(rows["taskstat"], rows["process-exporter"]))
        print(f"median: taskstat {per['taskstat']:.1f} us/process/scrape "
              f"(goal <= {GOAL_US:.0f}: {'met' if per['taskstat'] <= GOAL_US else 'NOT met'}), "
              f"process-exporter {per['process-exporter']:.1f} us/process/scrape, "
              f"taskstat/process-exporter {ratio:.3f}")
        # top --by cgroup's samples, the same goal: whole runs reaped with
        # wait4, -n 6 against -n 1 (the same start-up, exit listener and
        # first sample), the difference over the 5 extra samples.
        def top_cpu(n):
            p = subprocess.Popen([TASKSTAT, "top", "-b", "-n", str(n), "-d", "0.1", "--by", "cgroup"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, _, ru = os.wait4(p.pid, 0)
            return ru.ru_utime + ru.ru_stime
        extra = []
        for _ in range(ROUNDS):
            one, six = top_cpu(1), top_cpu(6)
            extra.append((six - one) / 5 / processes() * 1e6)
        top_us = statistics.median(extra)
        print(f"top --by cgroup: {top_us:.1f} us/process a sample after the first "
              f"(median of {ROUNDS}; goal <= {GOAL_US:.0f}: {'met' if top_us <= GOAL_US else 'NOT met'})")
    finally:
        for s in servers:
            s.send_signal(signal.SIGTERM)
        for s in servers:
            try:
                s.wait(timeout=10)
            except subprocess.TimeoutExpired:
                s.kill()
        for s in sleepers:
            s.kill()
        for s in sleepers:
            s.wait()
        for d in sorted((os.path.join(root, x) for x in os.listdir(root)), reverse=True):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)
        os.rmdir(root)


if __name__ == "__main__":
    main()
