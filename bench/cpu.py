#!/usr/bin/env python3
"""CPU time of whole runs of commands, side by side, from the kernel.

    bench/cpu.py [--rounds R] [--runs N] [--warmup W] [--anchor NAME]
                 [--vs NAME=ANCHOR]... [--goal NAME[=ANCHOR]:MAX]... [--json FILE]
                 -c NAME CMD [-c NAME CMD ...]

Each command (split like a shell word list, no shell; found on PATH) is started with
posix_spawnp(3), its stdout and stderr on /dev/null, and reaped with wait4(2):
the cost of a run is the child's ru_utime + ru_stime, the kernel's count of
the CPU time it used, exec and exit included. The runs are interleaved:
ROUNDS rounds of RUNS cycles, a cycle runs every command once, and each
cycle starts at the next command (the order rotates), after WARMUP cycles
that are not counted. Per round, each command's median; a command's ratio to
the anchor is the median over rounds of (its median / the anchor's median in
the same round). This machine is shared and drifts, so only ratios from one
run mean anything.

Why rusage: on this kernel (CONFIG_TICK_CPU_ACCOUNTING, HZ=250) the split
between user and system time is sampled at ticks (a 1 ms run shows all of
it as one or the other), but their sum is scaled to the scheduler's exact
sum_exec_runtime (cputime_adjust()), so user + system of a short run is
exact to the microsecond. The first warm-up cycles check that: before
reaping (waitid WNOWAIT) they read the zombie's /proc/PID/schedstat (first
field, ns) and the report prints the largest difference from rusage.
Wall time (spawn to reap) is printed too, labelled. Peak RSS is not: a
child started by posix_spawn execs from the parent's address space (vfork),
and exec records that address space's high-water mark in the child's
ru_maxrss, so it would be Python's; bench/query.sh takes it from
/usr/bin/time instead.
"""

import argparse
import json
import os
import shlex
import statistics
import sys
import time


def spawn(argv, devnull):
    return os.posix_spawnp(
        argv[0],
        argv,
        os.environ,
        file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
        ],
    )


def run_once(argv, devnull, check=False):
    """(CPU µs, wall µs, exit status, schedstat µs or None)."""
    t0 = time.perf_counter_ns()
    pid = spawn(argv, devnull)
    sched = None
    if check:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        with open(f"/proc/{pid}/schedstat") as f:
            sched = int(f.read().split()[0]) / 1e3
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    cpu = (ru.ru_utime + ru.ru_stime) * 1e6
    return cpu, (t1 - t0) / 1e3, os.waitstatus_to_exitcode(status), sched


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-c", "--command", nargs=2, action="append", metavar=("NAME", "CMD"), required=True)
    p.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 5)))
    p.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 200)), help="cycles per round")
    p.add_argument("--warmup", type=int, default=int(os.environ.get("WARMUP", 10)), help="cycles before the first round")
    p.add_argument("--anchor", help="name of the command the ratios are to (default: the first)")
    p.add_argument("--vs", action="append", default=[], metavar="NAME=ANCHOR", help="another ratio to print")
    p.add_argument("--goal", action="append", default=[], metavar="NAME[=ANCHOR]:MAX",
                   help="print NAME's CPU ratio (to ANCHOR, default the anchor) against the goal MAX")
    p.add_argument("--json", help="write every run's figures here")
    a = p.parse_args()

    names = [n for n, _ in a.command]
    if len(set(names)) != len(names):
        sys.exit("cpu.py: command names must differ")
    argvs = {n: shlex.split(c) for n, c in a.command}
    anchor = a.anchor or names[0]
    pairs = [(n, anchor) for n in names]
    for v in a.vs:
        n, _, an = v.partition("=")
        pairs.append((n, an))
    goals = []
    for g in a.goal:
        spec, _, mx = g.rpartition(":")
        n, _, an = spec.partition("=")
        goals.append((n, an or anchor, float(mx)))
    for n, an in pairs + [(n, an) for n, an, _ in goals]:
        if n not in argvs or an not in argvs:
            sys.exit(f"cpu.py: no command named {n!r} or {an!r}")

    load0 = open("/proc/loadavg").read().split()[0]
    devnull = os.open(os.devnull, os.O_WRONLY)
    k = len(names)
    failed = {}
    worst = 0.0
    for w in range(a.warmup):
        for i in range(k):
            n = names[(w + i) % k]
            cpu, _, code, sched = run_once(argvs[n], devnull, check=True)
            if code != 0:
                failed[n] = code
            worst = max(worst, abs(cpu - sched))
    if failed:
        sys.exit(f"cpu.py: non-zero exit status: {failed}")

    # runs[name][round] = list of (cpu µs, wall µs)
    runs = {n: [[] for _ in range(a.rounds)] for n in names}
    for r in range(a.rounds):
        for c in range(a.runs):
            for i in range(k):
                n = names[(r + c + i) % k]
                cpu, wall, code, _ = run_once(argvs[n], devnull)
                if code != 0:
                    failed[n] = code
                runs[n][r].append((cpu, wall))
    if failed:
        print(f"cpu.py: WARNING: non-zero exit status: {failed}", file=sys.stderr)

    med = lambda xs: statistics.median(xs)
    cpu_r = {n: [med([x[0] for x in rr]) for rr in runs[n]] for n in names}
    wall_r = {n: [med([x[1] for x in rr]) for rr in runs[n]] for n in names}

    def ratio(per, n, an):
        rs = [x / y for x, y in zip(per[n], per[an])]
        return med(rs), min(rs), max(rs)

    print(f"cpu.py: {a.rounds} rounds x {a.runs} interleaved cycles, {a.warmup} warm-up cycles; "
          f"CPU = rusage user+system (largest difference from schedstat in the warm-up: {worst:.1f} µs); "
          f"load average {load0} at the start, {open('/proc/loadavg').read().split()[0]} at the end")
    width = max(len(n) for n in names) + 2
    print(f"{'command':{width}} {'CPU ms':>8} {'CPU ratio':>9} {'(rounds min-max)':>16}  "
          f"{'wall ms':>8} {'wall ratio':>10}   ratios to: {anchor}")
    for n in names:
        cr, lo, hi = ratio(cpu_r, n, anchor)
        wr = ratio(wall_r, n, anchor)[0]
        print(f"{n:{width}} {med(cpu_r[n]) / 1e3:8.3f} {cr:9.3f} {f'{lo:.3f}-{hi:.3f}':>16}  "
              f"{med(wall_r[n]) / 1e3:8.3f} {wr:10.3f}")
    if a.vs:
        print()
        for n, an in pairs[k:]:
            cr, lo, hi = ratio(cpu_r, n, an)
            wr = ratio(wall_r, n, an)[0]
            print(f"CPU ratio {cr:.3f} (rounds {lo:.3f}-{hi:.3f}), wall ratio {wr:.3f}: {n} / {an}")
    for n, an, mx in goals:
        cr, lo, hi = ratio(cpu_r, n, an)
        verdict = "met" if cr <= mx else "NOT met"
        print(f"GOAL {n} / {an}: CPU ratio {cr:.3f} (rounds {lo:.3f}-{hi:.3f}) against goal <= {mx:g}: {verdict}")
    print("CPU ms per round: " + "; ".join(f"{n}: {' '.join(f'{x / 1e3:.3f}' for x in cpu_r[n])}" for n in names))

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"anchor": anchor, "commands": dict(a.command), "rounds": a.rounds, "runs": a.runs,
                       "rusage_vs_schedstat_max_us": worst,
                       "runs_cpu_wall_us": runs}, f)


if __name__ == "__main__":
    main()
