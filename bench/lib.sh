# shellcheck shell=bash
# Sourced by the benchmarks, from the repository's top directory: what more
# than one of them does. Sets `tdir`, `ts` and `ex`, which the scripts use.
# shellcheck disable=SC2034

# Where cargo builds: CARGO_TARGET_DIR when set, as cargo itself does
# (absolute, so that the scripts may change directory).
tdir=$(realpath -m "${CARGO_TARGET_DIR:-target}")

# build_measured EXAMPLE...: the examples, then taskstat alone, exactly as
# the README builds it (`cargo build --release`: examples build with the
# dev-dependencies' features, which would change the binary); sets `ts` to
# it and `ex` to the examples' directory.
build_measured() {
    local args=() e
    for e in "$@"; do
        args+=(--example "$e")
    done
    cargo build --release --locked -q "${args[@]}"
    cargo build --release --locked -q
    ts=$tdir/release/taskstat
    ex=$tdir/release/examples
}

# start_sleepers N: N more sleeping processes (`sleep`, one thread each) on
# the machine, so that a sweep has something to sweep; kill_sleepers (call
# it from the script's EXIT trap) ends them.
sleepers=()
start_sleepers() {
    local _
    for _ in $(seq "$1"); do
        sleep 3600 &
        sleepers+=($!)
    done
}
kill_sleepers() {
    if [ ${#sleepers[@]} -gt 0 ]; then
        kill -9 "${sleepers[@]}" 2>/dev/null || true
        wait "${sleepers[@]}" 2>/dev/null || true
    fi
}

# stopped_workload: starts `workload threads 3 50` (a process of four
# threads that burn 50 ms each, then stop with SIGSTOP, so its figures hold
# still) and sets `wl` to its pid once it has stopped; kill_workload (call
# it from the script's EXIT trap) ends it.
stopped_workload() {
    local fifo ready
    fifo=$(mktemp -u) && mkfifo "$fifo"
    "$ex/workload" threads 3 50 >"$fifo" &
    wl=$!
    read -r ready <"$fifo"
    rm -f "$fifo"
    [ "$ready" = ready ]
    while [ "$(awk '{print $3}' "/proc/$wl/stat")" != T ]; do sleep 0.01; done
}

kill_workload() {
    if [ -n "${wl:-}" ]; then
        kill -9 "$wl" 2>/dev/null || true
        wait "$wl" 2>/dev/null || true
    fi
}

# cpu_sum PID: the CPU time (ns) of every thread of PID so far, the
# scheduler's count (first field of /proc/PID/task/*/schedstat).
cpu_sum() {
    cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d\n", s}'
}

# listen_storm DIR R NAME...: the listeners NAME... (their commands, word
# lists, in the associative array `listener`) listen together to one exit
# storm of SINGLE single-threaded and THREADED three-thread processes
# ($ex/storm). For each NAME, writes DIR/NAME.R.out (its stdout), .err,
# .time (GNU time: max RSS), .cpu (its threads' CPU ns during the storm and
# the second after it, from cpu_sum) and .window (storm start and end).
listen_storm() {
    local dir=$1 r=$2 name c1 t0 t1
    shift 2
    local -A timer pid c0
    for name in "$@"; do
        # shellcheck disable=SC2086,SC2154 # a word list, set by the caller
        /usr/bin/time -o "$dir/$name.$r.time" -f "%M" ${listener[$name]} \
            >"$dir/$name.$r.out" 2>"$dir/$name.$r.err" &
        timer[$name]=$!
    done
    sleep 0.5
    for name in "$@"; do
        pid[$name]=$(pgrep -P "${timer[$name]}")
        c0[$name]=$(cpu_sum "${pid[$name]}")
    done
    t0=$(date +%s.%N)
    "$ex/storm" "$SINGLE" "$THREADED" >"$dir/storm.$r.out"
    t1=$(date +%s.%N)
    # Records still in the sockets' buffers when the storm ends.
    sleep 1
    for name in "$@"; do
        c1=$(cpu_sum "${pid[$name]}")
        echo $((c1 - c0[$name])) >"$dir/$name.$r.cpu"
        echo "$t0 $t1" >"$dir/$name.$r.window"
        # SIGTERM: background jobs ignore SIGINT.
        kill -TERM "${pid[$name]}"
    done
    for name in "$@"; do
        wait "${timer[$name]}" || true
    done
}

# big_rmem: getdelays asks for its receive buffer with SO_RCVBUF, which the
# kernel caps at net.core.rmem_max (4 MB here): raised to 64 MiB so that
# `getdelays -r 67108864` gets the buffer it asks for and loses nothing;
# restore_rmem (call it from the EXIT trap) puts the old value back.
big_rmem() {
    old_rmem=$(sysctl -n net.core.rmem_max)
    if [ "$old_rmem" -lt 67108864 ]; then
        sysctl -q -w net.core.rmem_max=67108864
    fi
}
restore_rmem() {
    if [ -n "${old_rmem:-}" ]; then
        sysctl -q -w net.core.rmem_max="$old_rmem"
    fi
}
