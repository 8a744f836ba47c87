#!/usr/bin/env bash
# Benchmark: two builds of taskstat side by side on one machine in one run,
# for a change that must not cost anything (issue 31's redesign: "bench/
# figures do not get worse by more than noise"). BEFORE is the anchor.
#
#   one-shot  `tgid P --json`, `tgid P` (table), `pid P --json` on a
#             stopped process of four threads: CPU of whole runs (wait4's
#             rusage, bench/cpu.py, interleaved rounds, the order rotating).
#   sweep     `top -b -n 1 -d 0.001` with SLEEPERS extra sleepers, the same.
#   scrape    both builds' `serve` running at once; scrapes alternate
#             between them; CPU per scrape from the sum of each server's
#             /proc/PID/task/*/schedstat before and after (bench/twoserve.py).
#   recorder  both builds' `record -d 1` running at once over the same
#             processes for DURATION s; CPU from schedstat just before
#             SIGTERM, per stored process record.
#
#   BEFORE=path AFTER=path bench/twobinaries.sh     # root; release builds
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
before=${BEFORE:?BEFORE=path to the anchor build}
after=${AFTER:?AFTER=path to the build measured}
sleepers_n=${SLEEPERS:-1000}
duration=${DURATION:-60}
cargo build --release --locked -q --example workload
ex=$tdir/release/examples
work=$(mktemp -d)
trap 'kill_sleepers; kill_workload; rm -rf "$work"' EXIT
start_sleepers "$sleepers_n"
stopped_workload
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg); $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes"

echo "== one-shot and sweep (ratios: after / before)"
python3 bench/cpu.py --rounds "${ROUNDS:-5}" --runs "${RUNS:-20}" --warmup 2 --anchor "before tgid --json" \
    -c "before tgid --json" "$before tgid $wl --json" \
    -c "after tgid --json" "$after tgid $wl --json" \
    -c "before tgid" "$before tgid $wl" \
    -c "after tgid" "$after tgid $wl" \
    -c "before pid --json" "$before pid $wl --json" \
    -c "after pid --json" "$after pid $wl --json" \
    --vs "after tgid=before tgid" --vs "after pid --json=before pid --json"
python3 bench/cpu.py --rounds "${ROUNDS:-5}" --runs "${SWEEP_RUNS:-10}" --warmup 1 --anchor "before top -b -n 1" \
    -c "before top -b -n 1" "$before top -b -n 1 -d 0.001" \
    -c "after top -b -n 1" "$after top -b -n 1 -d 0.001"

echo "== scrape (serve, both at once)"
python3 bench/twoserve.py "$before" "$after"

echo "== recorder (record -d 1, both at once, ${duration} s)"
"$before" record --dir "$work/before" -d 1 >/dev/null 2>&1 &
rb=$!
"$after" record --dir "$work/after" -d 1 >/dev/null 2>&1 &
ra=$!
sleep "$duration"
cpu() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {print s}'; }
cb=$(cpu "$rb")
ca=$(cpu "$ra")
kill -TERM "$rb" "$ra"
wait "$rb" "$ra" || true
nb=$("$after" dump --dir "$work/before" 2>/dev/null | wc -l)
na=$("$after" dump --dir "$work/after" 2>/dev/null | wc -l)
python3 - "$cb" "$nb" "$ca" "$na" <<'PY'
import sys
cb, nb, ca, na = (float(x) for x in sys.argv[1:])
b, a = cb / 1e3 / nb, ca / 1e3 / na
print(f"before: {b:.1f} us CPU per stored record ({int(nb)} records)")
print(f"after:  {a:.1f} us CPU per stored record ({int(na)} records)")
print(f"ratio after / before: {a / b:.3f}")
PY
