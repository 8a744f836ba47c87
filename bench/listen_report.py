#!/usr/bin/env python3
"""The report of listen storms (bench/lib.sh listen_storm), for listen.sh and profile.sh.

    listen_report.py [--swapped] DIR SINGLE THREADED ROUNDS NAME[=ANCHOR[:GOAL]]...

DIR holds NAME.R.{out,err,time,cpu,window} for R in 1..ROUNDS. A listener's
cost per record in a round is its CPU time (ns, .cpu) over the records it
printed, of any task (pid and tgid records: ndjson lines, or getdelays text's
PID/TGID headers); its ratio is the median over rounds of that divided by
ANCHOR's in the same round, printed against GOAL (the largest ratio the
issue allows) when given. `storm missing` counts the storm's own records
not received (the storm names its tasks tsstorm-*); `overruns` the receive
buffer's overflows the listener reported on stderr (getdelays: ENOBUFS
replies; taskstat: its count of exit messages lost).

--swapped: a listener and its anchor listened together to two storms a
round, R.1 and R.2, started in one order and then in the other (two
listeners of one storm are not alike: the one started second used some 10%
more CPU per record in a test of one build against itself); a round's
figure is then the geometric mean of its two storms'.
"""

import json
import re
import statistics
import sys

args = sys.argv[1:]
swapped = args[0] == "--swapped"
if swapped:
    args = args[1:]
out, single, threaded, rounds = args[0], int(args[1]), int(args[2]), int(args[3])
specs = []
for a in args[4:]:
    name, _, anchor = a.partition("=")
    anchor, _, goal = anchor.partition(":")
    specs.append((name, anchor, float(goal) if goal else None))
# The storms of a round: R, or R.1 and R.2.
storms = [[f"{r}.1", f"{r}.2"] if swapped else [str(r)] for r in range(1, rounds + 1)]
workers = 2
tasks = single + 3 * threaded + workers + 1  # the forking workers and the storm itself
groups = threaded


def one(run):
    """(all records, storm records, CPU s, max RSS KiB, storm s, stderr notes) of one round."""
    text = open(f"{out}/{run}.out", errors="replace").read()
    if text.startswith("{"):
        recs = [json.loads(line) for line in text.splitlines() if line]
        comm = lambda r: r.get("comm") or ""
        total = sum(1 for r in recs if r["type"] in ("pid", "tgid"))
        pid = sum(1 for r in recs if r["type"] == "pid" and (comm(r).startswith("tsstorm") or comm(r) == "storm"))
        tg = {r["tgid"] for r in recs if r["type"] == "pid" and comm(r).startswith("tsstorm-3")}
        tgid = sum(1 for r in recs if r["type"] == "tgid" and r["id"] in tg)
    else:
        # getdelays text: a PID or TGID header, then the record, whose
        # I/O line starts with the task's comm.
        total, pid, comm, tgids = 0, 0, {}, []
        current = None
        for line in text.splitlines():
            # (getdelays' default buffer overflows: a cut line may follow.)
            if line.startswith("PID\t"):
                total += 1
                current = int(line[4:]) if line[4:].isdigit() else None
            elif line.startswith("TGID\t"):
                total += 1
                current = None
                if line[5:].isdigit():
                    tgids.append(int(line[5:]))
            elif current is not None and ": read=" in line:
                c = line.split(":", 1)[0]
                comm[current] = c
                pid += c.startswith("tsstorm") or c == "storm"
        # A TGID record has no comm of its own: it is the storm's if its
        # leader's record says so, or, when that record was lost, if its
        # id lies among the storm's pids.
        ids = [t for t, c in comm.items() if c.startswith("tsstorm")]
        lo, hi = (min(ids), max(ids)) if ids else (0, -1)
        tgid = sum(1 for t in tgids if comm.get(t, "").startswith("tsstorm-3") or (t not in comm and lo <= t <= hi))
    rss = open(f"{out}/{run}.time").read().split()[-1]
    cpu = int(open(f"{out}/{run}.cpu").read()) / 1e9
    t0, t1 = map(float, open(f"{out}/{run}.window").read().split())
    err = open(f"{out}/{run}.err", errors="replace").read().strip().splitlines()
    notes = [line for line in err if "lost" in line or "nonfatal" in line or "truncated" in line or "rror" in line]
    overruns = sum(1 for line in err if "errno 105" in line)
    overruns += sum(int(m.group(1)) for line in err for m in [re.search(r"(\d+) exit messages lost", line)] if m)
    return total, pid + tgid, cpu, rss, t1 - t0, notes, overruns


print(f"storm: {tasks} exiting tasks ({tasks} pid records + {groups} tgid records expected); "
      f"{rounds} rounds; CPU from /proc/PID/task/*/schedstat")
print(f"{'listener':26} {'records':>8} {'storm missing':>13} {'storm s':>8} {'CPU s':>7} "
      f"{'µs/record':>9} {'CPU ratio':>9} {'max RSS KiB':>11}  to (median of rounds)")
per_rounds = {}
goals = []
for name, anchor, goal in specs:
    per_round, rs, every = [], [], []
    for st in storms:
        figs = [one(f"{name}.{x}") for x in st]
        rs.append(figs[0])
        every += figs
        per_round.append(statistics.geometric_mean([c / total * 1e6 for total, _, c, *_ in figs]))
    per_rounds[name] = per_round
    ratios = [x / a for x, a in zip(per_round, per_rounds[anchor])] if anchor else None
    per = statistics.median(per_round)
    # The figures of the median round (by µs per record).
    total, storm_recs, cpu, rss, storm, notes, _ = rs[sorted(range(rounds), key=per_round.__getitem__)[rounds // 2]]
    missing = tasks + groups - storm_recs
    ratio = f"{statistics.median(ratios):9.3f}" if anchor else f"{'':9}"
    print(f"{name:26} {total:8} {missing:13} {storm:8.2f} {cpu:7.3f} {per:9.2f} {ratio} {rss:>11}  {anchor}")
    print(f"{'':26} µs/record by round: {' '.join(f'{x:.2f}' for x in per_round)}"
          + (f"; ratio by round: {' '.join(f'{x:.3f}' for x in ratios)}" if anchor else ""))
    print(f"{'':26} storm missing by storm: {' '.join(str(tasks + groups - x[1]) for x in every)}; "
          f"overruns by storm: {' '.join(str(x[6]) for x in every)}")
    if notes:
        print(f"{'':26} stderr: {notes[-1][:110]}" + (f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""))
    if goal is not None:
        r = statistics.median(ratios)
        goals.append(f"GOAL {name} / {anchor}: CPU ratio per record {r:.3f} (rounds {min(ratios):.3f}-{max(ratios):.3f}) "
                     f"against goal <= {goal:g}: {'met' if r <= goal else 'NOT met'}")
for g in goals:
    print(g)
