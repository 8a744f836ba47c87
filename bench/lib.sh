# Sourced by the benchmarks: what more than one of them does.

# build_measured EXAMPLE...: the examples, then taskstat alone, exactly as
# the README builds it (examples build with the dev-dependencies' features,
# which would change the binary); sets `ts` to it.
build_measured() {
    local args=() e
    for e in "$@"; do
        args+=(--example "$e")
    done
    cargo build --release --locked -q "${args[@]}"
    cargo build --release --locked -q
    ts=target/release/taskstat
}

# The commands in `names`/`cmds` timed by hyperfine in ROUNDS rounds of RUNS
# runs, the order rotated each round (this machine drifts by more than the
# differences measured), then each command's median per round and the
# median of its per-round ratios to the anchor.

# run_rounds DIR: writes DIR/roundN.json.
run_rounds() {
    local dir=$1 round i j
    for round in $(seq "$ROUNDS"); do
        local args=()
        for i in "${!cmds[@]}"; do
            j=$(( (i + round) % ${#cmds[@]} ))
            args+=(-n "${names[$j]}" "${cmds[$j]}")
        done
        hyperfine -N --warmup 50 --runs "$RUNS" --export-json "$dir/round$round.json" "${args[@]}" >/dev/null
    done
}

# report_rounds DIR ANCHOR: the table, ratios to the command named ANCHOR.
report_rounds() {
    python3 - "$1" "$ROUNDS" "$2" <<'PY'
import json, statistics, sys
out, rounds, anchor_name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
per = {}
for r in range(1, rounds + 1):
    for res in json.load(open(f"{out}/round{r}.json"))["results"]:
        per.setdefault(res["command"], []).append(statistics.median(res["times"]) * 1e3)
anchor = per[anchor_name]
print(f"{'command':32} {'median ms per round':40} ratio to {anchor_name} (median of rounds)")
for name, meds in per.items():
    ratios = [m / a for m, a in zip(meds, anchor)]
    print(f"{name:32} {' '.join(f'{m:.3f}' for m in meds):40} {statistics.median(ratios):.2f}")
PY
}
