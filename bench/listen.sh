#!/usr/bin/env bash
# Benchmark: exit records under a storm, taskstat listen against the kernel's
# getdelays -l, each listening alone to the same storm (SINGLE (10,000)
# single-threaded processes and THREADED (4,000) with three threads: 22,003
# exiting tasks and 4,000 group records, forked as fast as two workers can).
#
# Cost: the listener's CPU time during the storm and the second after it,
# the scheduler's count (first field of /proc/PID/task/*/schedstat, ns,
# summed over its threads, read before and after), divided by the records
# it received (every task's: the storm's and whatever else exited on the
# machine meanwhile). The anchor is getdelays -r 67108864, a buffer large
# enough that it loses nothing; getdelays with its default buffer, which
# loses records, is shown too. ROUNDS (5) storms per listener, interleaved;
# each round's ratio is to the anchor's storm of the same round, and the
# ratio reported is the median of those.
#
#   bench/listen.sh                     # builds getdelays from Debian's linux-source
#   GETDELAYS=/path/to/getdelays ROUNDS=5 SINGLE=10000 THREADED=4000 bench/listen.sh
#
# Needs root, python3 and /usr/bin/time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
export SINGLE=${SINGLE:-10000} THREADED=${THREADED:-4000}
ROUNDS=${ROUNDS:-5}
build_measured storm
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpus=$(cat /sys/devices/system/cpu/possible)
echo "taskstat: $(stat -c %s "$ts") bytes; getdelays from linux-source $(cat "$(dirname "$GETDELAYS")/linux-source-version" 2>/dev/null || echo '(unknown version)'), on kernel $(uname -r)"

names=(getdelays-64m getdelays taskstat-getdelays taskstat-ndjson)
for r in $(seq "$ROUNDS"); do
    # The order rotates each round.
    for i in "${!names[@]}"; do
        name=${names[$(( (i + r) % ${#names[@]} ))]}
        case $name in
        getdelays-64m) listen_storm "$out" "$name.$r" "$GETDELAYS" -d -i -q -l -m "$cpus" -r 67108864 ;;
        getdelays) listen_storm "$out" "$name.$r" "$GETDELAYS" -d -i -q -l -m "$cpus" ;;
        taskstat-getdelays) listen_storm "$out" "$name.$r" "$ts" listen -f getdelays ;;
        taskstat-ndjson) listen_storm "$out" "$name.$r" "$ts" listen -f ndjson ;;
        esac
    done
done

python3 bench/listen_report.py "$out" "$SINGLE" "$THREADED" "$ROUNDS" "${names[@]}"
