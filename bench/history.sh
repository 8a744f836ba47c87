#!/usr/bin/env bash
# Benchmark: history at a day's scale (issue 30's goals), the new store and
# readers side by side with the anchor (taskstat at $ANCHOR, store format
# version 1) on the same synthetic history.
#
# The history: examples/storeday writes what `taskstat record -d 5` would
# have written for 1,000 processes (a tenth of them running each sample)
# with 65 exits a second, from one real process record as the template
# (taken with delay accounting on, so that every category is measured).
# Each writer writes an hour of it (720 samples, 954,000 records to dump);
# the new one a day too (17,280 samples), for the interactive replay.
#
# Measured:
#   dump      CPU per record (wait4's rusage, interleaved rounds, bench/cpu.py)
#             of ndjson, csv and openmetrics over the first 20 minutes
#             (240 samples, 318,000 records), and peak RSS (/usr/bin/time)
#             of openmetrics over 20 minutes and over the hour: bounded
#             memory does not grow with the range.
#   replay    -b -n 50: CPU per interval; interactive (bench/replay_probe.sh
#             in tmux): first screen, a step each way, g to a time, and
#             peak RSS, on the hour and on the day.
#   storage   bytes per day: the hour's store x 24.
#
#   bench/history.sh                     # builds both; honours CARGO_TARGET_DIR
#   ANCHOR_BIN=... ANCHOR_STORE=... DAY=... bench/history.sh   # reuse
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ANCHOR=${ANCHOR:-ba48f2a}
work=${WORK:-/tmp/taskstat-history-bench}
mkdir -p "$work"
build_measured storeday
new=$ts
gen=$ex/storeday

if [ -z "${ANCHOR_BIN:-}" ] || [ -z "${ANCHOR_STORE:-}" ]; then
    src=$work/anchor-src
    if [ ! -x "$work/anchor-target/release/taskstat" ]; then
        rm -rf "$src" && mkdir -p "$src"
        git archive "$ANCHOR" | tar -x -C "$src"
        cp examples/storeday.rs "$src/examples/"
        (cd "$src" && CARGO_TARGET_DIR=$work/anchor-target cargo build --release --locked -q --example storeday \
            && CARGO_TARGET_DIR=$work/anchor-target cargo build --release --locked -q)
    fi
    ANCHOR_BIN=$work/anchor-target/release/taskstat
    anchor_gen=$work/anchor-target/release/examples/storeday
fi

template=$work/template.json
if [ ! -s "$template" ]; then
    was=$(cat /proc/sys/kernel/task_delayacct)
    echo 1 > /proc/sys/kernel/task_delayacct
    bash -c 'dd if=/dev/zero of='"$work"'/io bs=1M count=20 conv=fsync 2>/dev/null; exec sleep 5' &
    p=$!
    sleep 2
    "$new" tgid "$p" --json > "$template"
    echo "$was" > /proc/sys/kernel/task_delayacct
    wait "$p" || true
    rm -f "$work/io"
fi

hour() { # GENERATOR DIR
    [ -d "$2" ] || "$1" --dir "$2" --template "$template" --hours 1 >/dev/null 2>&1
}
if [ -z "${ANCHOR_STORE:-}" ]; then
    ANCHOR_STORE=$work/hour-v1
    hour "$anchor_gen" "$ANCHOR_STORE"
fi
NEW_STORE=${NEW_STORE:-$work/hour-v2}
hour "$gen" "$NEW_STORE"
if [ -z "${DAY:-}" ]; then
    DAY=$work/day-v2
    [ -d "$DAY" ] || "$gen" --dir "$DAY" --template "$template" --hours 24 >/dev/null 2>&1
fi

echo "== storage (bytes): an hour, and x 24 for a day"
for s in "$ANCHOR_STORE" "$NEW_STORE"; do
    b=$(du -sb "$s" | cut -f1)
    echo "$s: $b a hour, $((b * 24)) a day"
done
echo "$DAY: $(du -sb "$DAY" | cut -f1) (a day written)"

# 2026-11-01T00:20:00Z: the first 240 samples.
end=@1793492400
records=$(( 240 * 1325 ))
echo "== dump, CPU over the first 20 minutes ($records records); ratios to the anchor"
args=()
for f in ndjson csv openmetrics; do
    args+=(-c "anchor-$f" "$ANCHOR_BIN dump --dir $ANCHOR_STORE -f $f --end $end")
    args+=(-c "new-$f" "$new dump --dir $NEW_STORE -f $f --end $end")
    args+=(--vs "new-$f=anchor-$f")
done
python3 bench/cpu.py --rounds 3 --runs 1 --warmup 0 --anchor anchor-ndjson "${args[@]}" \
    --json "$work/dump.json"
python3 - "$work/dump.json" "$records" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
for name, rounds in sorted(d["runs_cpu_wall_us"].items()):
    cpu = statistics.median(statistics.median(x[0] for x in r) for r in rounds)
    print(f"{name}: {cpu / n:.2f} us CPU per record")
PY

echo "== peak RSS (KB)"
for f in ndjson csv openmetrics; do
    for span in "$end" ""; do
        e=(); [ -n "$span" ] && e=(--end "$span")
        a=$(/usr/bin/time -f %M "$ANCHOR_BIN" dump --dir "$ANCHOR_STORE" -f "$f" "${e[@]}" 2>&1 >/dev/null | tail -1)
        n=$(/usr/bin/time -f %M "$new" dump --dir "$NEW_STORE" -f "$f" "${e[@]}" 2>&1 >/dev/null | tail -1)
        echo "dump -f $f ${span:-(the hour)}: anchor $a, new $n"
    done
done

echo "== replay -b -n 50, CPU (ratio to the anchor)"
python3 bench/cpu.py --rounds 3 --runs 1 --warmup 0 --anchor anchor \
    -c anchor "$ANCHOR_BIN replay -b -n 50 --dir $ANCHOR_STORE" \
    -c new "$new replay -b -n 50 --dir $NEW_STORE"

echo "== interactive replay (s; rss in KB): the hour, anchor then new, then the day"
echo "-- anchor, the hour"
bench/replay_probe.sh "$ANCHOR_BIN" "$ANCHOR_STORE" "2026-11-01T00:30:00Z" 361 || true
echo "-- new, the hour"
bench/replay_probe.sh "$new" "$NEW_STORE" "2026-11-01T00:30:00Z" 361 || true
echo "-- new, the day"
bench/replay_probe.sh "$new" "$DAY" "2026-11-01T18:30:00Z" 13321 || true
