#!/usr/bin/env python3
"""Scrape cost of two builds of `taskstat serve`, running at once.

    bench/twoserve.py BEFORE AFTER

Each build serves on its own port of 127.0.0.1. ROUNDS rounds; in each,
SCRAPES scrapes of one server then of the other (the first alternates by
round), GAP seconds apart. CPU per scrape is the sum of the server's
/proc/PID/task/*/schedstat (ns on a CPU) after the round's scrapes minus
before, divided by the scrapes; the ratio is the median over rounds of
after's over before's. Environment: ROUNDS (5), SCRAPES (20), GAP (0.05).
"""
import glob
import os
import statistics
import subprocess
import sys
import time
import urllib.request

ROUNDS = int(os.environ.get("ROUNDS", 5))
SCRAPES = int(os.environ.get("SCRAPES", 20))
GAP = float(os.environ.get("GAP", 0.05))


def cpu_ns(pid):
    total = 0
    for f in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(f) as fh:
                total += int(fh.read().split()[0])
        except (OSError, ValueError):
            pass
    return total


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        return len(r.read())


def main():
    builds = {"before": (sys.argv[1], 19811), "after": (sys.argv[2], 19812)}
    servers = {}
    try:
        for name, (binary, port) in builds.items():
            servers[name] = subprocess.Popen(
                [binary, "serve", "--listen", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        for name, (_, port) in builds.items():
            while True:
                try:
                    scrape(port)
                    break
                except OSError:
                    if time.time() > deadline:
                        sys.exit(f"{name}: serve did not answer on {port}")
                    time.sleep(0.1)
        per = {n: [] for n in builds}
        sizes = {}
        for r in range(ROUNDS):
            order = list(builds) if r % 2 == 0 else list(reversed(list(builds)))
            for name in order:
                port = builds[name][1]
                pid = servers[name].pid
                start = cpu_ns(pid)
                for _ in range(SCRAPES):
                    sizes[name] = scrape(port)
                    time.sleep(GAP)
                per[name].append((cpu_ns(pid) - start) / SCRAPES / 1e3)
        for name in builds:
            print(f"{name}: {statistics.median(per[name]):.0f} us CPU per scrape "
                  f"(rounds {', '.join(f'{x:.0f}' for x in per[name])}; {sizes[name]} bytes)")
        ratios = [a / b for a, b in zip(per["after"], per["before"]) if b > 0]
        print(f"ratio after / before: {statistics.median(ratios):.3f} "
              f"(rounds {min(ratios):.3f}-{max(ratios):.3f})")
    finally:
        for s in servers.values():
            s.terminate()
            s.wait()


if __name__ == "__main__":
    main()
