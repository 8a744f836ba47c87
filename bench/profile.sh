#!/usr/bin/env bash
# Benchmark: what each release-profile setting buys in CPU time (and size).
# Cargo.toml's release profile sets `lto = true` and `codegen-units = 1`;
# issue 22 keeps a build setting only where a benchmark shows it pays.
# Builds taskstat (`cargo build --release --locked --bin taskstat`) once per
# variant, the profile overridden from the environment
# (CARGO_PROFILE_RELEASE_LTO, _CODEGEN_UNITS), each in a target directory of
# its own ($tdir/prof-NAME: the first build of each takes minutes):
#
#   default   lto false, codegen-units 16: cargo's default release profile
#   lto       lto true (fat), codegen-units 16
#   cgu1      lto false, codegen-units 1
#   readme    lto true, codegen-units 1: Cargo.toml's profile, the README's
#             `cargo build --release` ($tdir/release/taskstat)
#
# strips a copy of each (strip(1), as distributions do) and measures the
# copies side by side, interleaved, ratios to `default`:
#
#   a. one-shot `tgid P --json` and `tgid P` (table) on a stopped process
#      (bench/cpu.py: CPU of whole runs from wait4; query.sh's measure);
#   b. with SLEEPERS (1,000) extra sleeping processes, `top -b -n 1` (the
#      sweep of sweep.sh) and `top -b -n 1 -p P` (topfilter.sh's measure);
#   c. with LISTEN=1 (the default), `listen -f ndjson` CPU per record under
#      exit storms (bench/lib.sh listen_storm, SINGLE and THREADED as in
#      listen.sh, smaller by default): each variant listens together with
#      the default build to two storms a round, started first in one and
#      second in the other (the second one pays more), a round's figure the
#      geometric mean of the two.
#
# When both are measured, readme is also set against lto (what
# codegen-units = 1 adds on top of lto = true): a `--vs readme=lto` ratio
# in a. and b., and in c. a pair of its own, readme listening with lto.
#
#   bench/profile.sh                       # needs root, python3, binutils (strip)
#   VARIANTS="default readme" LISTEN=0 ROUNDS=3 bench/profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
VARIANTS=${VARIANTS:-default lto cgu1 readme}
LISTEN=${LISTEN:-1}
ROUNDS=${ROUNDS:-5}
export SINGLE=${SINGLE:-5000} THREADED=${THREADED:-2000}
read -r -a variants <<<"$VARIANTS"
[ "${variants[0]}" = default ] || { echo "VARIANTS must start with default" >&2; exit 1; }
vs=()
if [[ " $VARIANTS " == *" lto "* && " $VARIANTS " == *" readme "* ]]; then
    vs=(--vs readme=lto)
fi

# The README build and the examples (workload, storm).
build_measured workload storm
# The stripped copies, on the file system the README build's binary is on.
bins=$tdir/profile-bins
rm -rf "$bins" && mkdir -p "$bins"
trap 'kill_workload; kill_sleepers; restore_rmem' EXIT

for v in "${variants[@]}"; do
    case $v in
    default) lto=false cgu=16 ;;
    lto) lto=true cgu=16 ;;
    cgu1) lto=false cgu=1 ;;
    readme) lto=true cgu=1 ;;
    *) echo "unknown variant $v" >&2; exit 1 ;;
    esac
    if [ "$v" = readme ]; then
        cp "$ts" "$bins/$v-unstripped"
    else
        echo "building $v: lto $lto, codegen-units $cgu" >&2
        start=$SECONDS
        CARGO_TARGET_DIR=$tdir/prof-$v \
            CARGO_PROFILE_RELEASE_LTO=$lto CARGO_PROFILE_RELEASE_CODEGEN_UNITS=$cgu \
            cargo build --release --locked -q --bin taskstat
        echo "  built in $((SECONDS - start)) s" >&2
        cp "$tdir/prof-$v/release/taskstat" "$bins/$v-unstripped"
    fi
    strip -o "$bins/$v" "$bins/$v-unstripped"
done

echo "profile variants: ${variants[*]}; ratios are to default (cargo's release profile); < 1 is cheaper"
echo "sizes (bytes; strip(1)ped, and as cargo leaves them):"
for v in "${variants[@]}"; do
    printf '  %-8s %9d  %9d\n' "$v" "$(stat -c %s "$bins/$v")" "$(stat -c %s "$bins/$v-unstripped")"
done

stopped_workload
for what in "tgid P --json" "tgid P"; do
    echo
    echo "a. one-shot $what, CPU per run:"
    args=()
    for v in "${variants[@]}"; do
        args+=(-c "$v" "$bins/$v ${what/P/$wl}")
    done
    ROUNDS=$ROUNDS RUNS=${RUNS:-300} bench/cpu.py "${args[@]}" "${vs[@]}"
done

start_sleepers "${SLEEPERS:-1000}"
for what in "top -b -n 1 -d 0.001" "top -b -n 1 -d 0.001 -p P"; do
    echo
    echo "b. $what with ${SLEEPERS:-1000} extra sleepers, CPU per run:"
    args=()
    for v in "${variants[@]}"; do
        args+=(-c "$v" "$bins/$v ${what/P/$wl}")
    done
    case $what in
    *-p*) runs=${TOPFILTER_RUNS:-60} ;;
    *) runs=${SWEEP_RUNS:-15} ;;
    esac
    ROUNDS=$ROUNDS RUNS=$runs WARMUP=3 bench/cpu.py "${args[@]}" "${vs[@]}"
done
kill_sleepers
sleepers=()

if [ "$LISTEN" = 1 ]; then
    echo
    echo "c. listen -f ndjson under exit storms, CPU per record; each variant listens"
    echo "   together with the default build to two storms a round, started first, then second:"
    out=$(mktemp -d)
    big_rmem
    declare -A listener=()
    specs=()
    for v in "${variants[@]:1}"; do
        listener[$v]="$bins/$v listen -f ndjson"
        listener[default@$v]="$bins/default listen -f ndjson"
        specs+=("default@$v" "$v=default@$v")
    done
    if [ ${#vs[@]} -gt 0 ]; then
        listener[lto@readme]="$bins/lto listen -f ndjson"
        listener[readme@lto]="$bins/readme listen -f ndjson"
        specs+=(lto@readme readme@lto=lto@readme)
    fi
    # A pair of listeners: "ANCHOR LISTENER".
    pairs=()
    for v in "${variants[@]:1}"; do
        pairs+=("default@$v $v")
    done
    if [ ${#vs[@]} -gt 0 ]; then
        pairs+=("lto@readme readme@lto")
    fi
    for r in $(seq "$ROUNDS"); do
        for i in "${!pairs[@]}"; do
            read -r a v <<<"${pairs[$(( (i + r) % ${#pairs[@]} ))]}"
            listen_storm "$out" "$r.1" "$a" "$v"
            listen_storm "$out" "$r.2" "$v" "$a"
        done
    done
    python3 bench/listen_report.py --swapped "$out" "$SINGLE" "$THREADED" "$ROUNDS" "${specs[@]}"
    rm -rf "$out"
fi
