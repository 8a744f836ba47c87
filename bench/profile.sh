#!/usr/bin/env bash
# Benchmark: what each release-profile setting buys, in CPU time and size.
# Builds taskstat (`cargo build --release --bin taskstat`, the README's
# build) once per variant, with the profile overridden from the environment
# (CARGO_PROFILE_RELEASE_*), each in a target directory of its own
# ($tdir/prof-NAME: the first build of each takes minutes, later ones only
# rebuild taskstat itself), strips a copy of each binary (strip(1), as
# distributions do) and measures the copies side by side, interleaved:
#
#   a. one-shot `tgid P --json` on a stopped process (bench/cpu.py: CPU of
#      whole runs from wait4), with getdelays for reference;
#   b. `top -b -n 1 -d 0.001` with SLEEPERS (1,000) extra sleeping processes;
#   c. with LISTEN=1 (the default), `listen -f ndjson` CPU per record under
#      exit storms (bench/lib.sh listen_storm), SINGLE (10,000) and THREADED
#      (4,000) as in listen.sh: each variant listens to 2 x ROUNDS storms,
#      each together with the default build (a record's CPU depends on how
#      busy the machine is, which changes between storms), started first in
#      one storm and second in the other (the second one pays some 10% more);
#
# and prints the stripped size of each (not a goal: reported only).
# Ratios are to the first variant, cargo's own release defaults.
#
# Variants (VARIANTS picks some, by name; "default" must stay first):
#   default     opt-level 3, lto false, codegen-units 16, panic unwind (cargo's defaults)
#   lto         opt-level 3, lto "fat", codegen-units 1, panic unwind
#   lto-abort   opt-level 3, lto "fat", codegen-units 1, panic abort
#   z           opt-level "z", lto "fat", codegen-units 1, panic abort (Cargo.toml of 2026-12-03)
#   lto-abort-plain  lto-abort with TASKSTAT_PLAIN_LINK=1: without build.rs's
#               link settings (ICF, libgcc_eh for libgcc_s, DT_RELR)
# plus `default-unstripped`, the default build as cargo leaves it (debug
# info stripped, symbols kept), to show what strip = true buys in CPU.
#
#   bench/profile.sh                       # needs root, python3, binutils (strip)
#   VARIANTS="default lto-abort z" LISTEN=0 ROUNDS=3 bench/profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
VARIANTS=${VARIANTS:-default lto lto-abort z lto-abort-plain}
LISTEN=${LISTEN:-1}
ROUNDS=${ROUNDS:-5}
export SINGLE=${SINGLE:-10000} THREADED=${THREADED:-4000}
read -r -a variants <<<"$VARIANTS"
[ "${variants[0]}" = default ] || { echo "VARIANTS must start with default" >&2; exit 1; }

# The examples (workload, storm) of the usual build.
build_measured workload storm
# The copies, on the file system the README build's binary is on.
bins=$tdir/profile-bins
rm -rf "$bins" && mkdir -p "$bins"
trap 'kill_workload; kill_sleepers; restore_rmem' EXIT

for v in "${variants[@]}"; do
    plain=0
    case $v in
    default) opt=3 lto=false cgu=16 panic=unwind ;;
    lto) opt=3 lto=fat cgu=1 panic=unwind ;;
    lto-abort) opt=3 lto=fat cgu=1 panic=abort ;;
    z) opt=z lto=fat cgu=1 panic=abort ;;
    lto-abort-plain) opt=3 lto=fat cgu=1 panic=abort plain=1 ;;
    *) echo "unknown variant $v" >&2; exit 1 ;;
    esac
    echo "building $v: opt-level $opt, lto $lto, codegen-units $cgu, panic $panic, TASKSTAT_PLAIN_LINK=$plain" >&2
    start=$SECONDS
    CARGO_TARGET_DIR=$tdir/prof-$v \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt CARGO_PROFILE_RELEASE_LTO=$lto \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=$cgu CARGO_PROFILE_RELEASE_PANIC=$panic \
        CARGO_PROFILE_RELEASE_STRIP=debuginfo TASKSTAT_PLAIN_LINK=$plain \
        cargo build --release --locked -q --bin taskstat
    echo "  built in $((SECONDS - start)) s" >&2
    cp "$tdir/prof-$v/release/taskstat" "$bins/$v-unstripped"
    strip -o "$bins/$v" "$bins/$v-unstripped"
done

echo "sizes (bytes; strip(1)ped, and as cargo leaves them with strip = \"debuginfo\"):"
for v in "${variants[@]}"; do
    printf '  %-16s %9d  %9d\n' "$v" "$(stat -c %s "$bins/$v")" "$(stat -c %s "$bins/$v-unstripped")"
done

stopped_workload
echo
echo "a. one-shot tgid P --json, CPU per run (ratios to default):"
args=() vs=()
for v in "${variants[@]}"; do
    args+=(-c "$v" "$bins/$v tgid $wl --json")
    vs+=(--vs "$v=getdelays")
done
args+=(-c default-unstripped "$bins/default-unstripped tgid $wl --json")
ROUNDS=$ROUNDS RUNS=${RUNS:-500} bench/cpu.py "${args[@]}" \
    -c getdelays "$GETDELAYS -d -i -q -t $wl" "${vs[@]}"

start_sleepers "${SLEEPERS:-1000}"
echo
echo "b. top -b -n 1 -d 0.001 with ${SLEEPERS:-1000} extra sleepers, CPU per run (ratios to default):"
args=()
for v in "${variants[@]}"; do
    args+=(-c "$v" "$bins/$v top -b -n 1 -d 0.001")
done
args+=(-c default-unstripped "$bins/default-unstripped top -b -n 1 -d 0.001")
ROUNDS=$ROUNDS RUNS=${SWEEP_RUNS:-30} WARMUP=3 bench/cpu.py "${args[@]}"
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
    others=("${variants[@]:1}")
    for r in $(seq "$ROUNDS"); do
        for i in "${!others[@]}"; do
            v=${others[$(( (i + r) % ${#others[@]} ))]}
            listen_storm "$out" "$r.1" "default@$v" "$v"
            listen_storm "$out" "$r.2" "$v" "default@$v"
        done
    done
    python3 bench/listen_report.py --swapped "$out" "$SINGLE" "$THREADED" "$ROUNDS" "${specs[@]}"
    rm -rf "$out"
fi
