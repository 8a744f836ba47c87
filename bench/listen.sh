#!/usr/bin/env bash
# Benchmark: exit records under a storm, taskstat listen against the kernel's
# getdelays -l, listening to the same storms (SINGLE (10,000) single-threaded
# processes and THREADED (4,000) with three threads: 22,003 exiting tasks
# and 4,000 group records, forked as fast as two workers can).
#
# Cost: a listener's CPU time during the storm and the second after it,
# the scheduler's count (first field of /proc/PID/task/*/schedstat, ns,
# summed over its threads, read before and after), divided by the records
# it received (every task's: the storm's and whatever else exited on the
# machine meanwhile). The anchor is getdelays -r 67108864, a buffer large
# enough that it loses nothing (net.core.rmem_max is raised to 64 MiB for
# the run, since SO_RCVBUF is capped by it; put back at the end).
#
# With PAIRED=1 (the default) each taskstat listener listens together with
# an anchor of its own to two storms a round, started first and then second
# (the one started second pays some 10% more per record), and a round's
# ratio is the geometric mean of the two storms' ratios: the listeners of
# one storm see the same machine. With PAIRED=0 each listener listens alone
# to a storm of its own, and a round's ratio is to the anchor's storm of the
# same round; rounds then scatter three times as much. Either way the figure depends on how busy the machine is: a
# listener that is woken less often finds more records per wake-up, and
# taskstat gains more from that than getdelays (bench/README.md).
# getdelays with its default buffer, which loses records, listens alone,
# for reference (PAIRED=0 only). ROUNDS (5) rounds, the order of the storms rotated; the
# ratio reported is the median of the rounds'.
#
#   bench/listen.sh                     # builds getdelays from Debian's linux-source
#   GETDELAYS=/path/to/getdelays ROUNDS=5 SINGLE=10000 THREADED=4000 PAIRED=1 bench/listen.sh
#
# Needs root, python3 and /usr/bin/time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
export SINGLE=${SINGLE:-10000} THREADED=${THREADED:-4000}
ROUNDS=${ROUNDS:-5}
build_measured storm
PAIRED=${PAIRED:-1}
out=$(mktemp -d)
trap 'restore_rmem; rm -rf "$out"' EXIT
big_rmem
cpus=$(cat /sys/devices/system/cpu/possible)
echo "taskstat: $(stat -c %s "$ts") bytes; getdelays from linux-source $(cat "$(dirname "$GETDELAYS")/linux-source-version" 2>/dev/null || echo '(unknown version)'), on kernel $(uname -r); PAIRED=$PAIRED"

declare -A listener=(
    [anchor-ndjson]="$GETDELAYS -d -i -q -l -m $cpus -r 67108864"
    [anchor-getdelays]="$GETDELAYS -d -i -q -l -m $cpus -r 67108864"
    [taskstat-ndjson]="$ts listen -f ndjson"
    [taskstat-getdelays]="$ts listen -f getdelays"
    [getdelays-default-buffer]="$GETDELAYS -d -i -q -l -m $cpus"
)
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$PAIRED" = 1 ]; then
    for r in $(seq "$ROUNDS"); do
        # Rotated: the storms of a round; swapped: who starts first.
        for i in 0 1; do
            case $(( (i + r) % 2 )) in
            0) listen_storm "$out" "$r.1" anchor-ndjson taskstat-ndjson
               listen_storm "$out" "$r.2" taskstat-ndjson anchor-ndjson ;;
            1) listen_storm "$out" "$r.1" anchor-getdelays taskstat-getdelays
               listen_storm "$out" "$r.2" taskstat-getdelays anchor-getdelays ;;
            esac
        done
    done
    specs=(--swapped anchor-ndjson taskstat-ndjson=anchor-ndjson:1.25 anchor-getdelays taskstat-getdelays=anchor-getdelays:1.25)
else
    names=(anchor-ndjson taskstat-ndjson taskstat-getdelays getdelays-default-buffer)
    for r in $(seq "$ROUNDS"); do
        # The order rotates each round.
        for i in "${!names[@]}"; do
            listen_storm "$out" "$r" "${names[$(( (i + r) % ${#names[@]} ))]}"
        done
    done
    specs=(anchor-ndjson taskstat-ndjson=anchor-ndjson:1.25 taskstat-getdelays=anchor-ndjson:1.25 getdelays-default-buffer=anchor-ndjson)
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${specs[0]}" = --swapped ]; then
    python3 bench/listen_report.py --swapped "$out" "$SINGLE" "$THREADED" "$ROUNDS" "${specs[@]:1}"
else
    python3 bench/listen_report.py "$out" "$SINGLE" "$THREADED" "$ROUNDS" "${specs[@]}"
fi
