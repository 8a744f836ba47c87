#!/usr/bin/env bash
# Interactive `replay` in tmux, as a user drives it: the time to the first
# screen, one step right, one step left, `g` to a time and a step left from
# there (each from the key to the screen that shows it), and the peak RSS
# of the whole session (/usr/bin/time).
#
#   bench/replay_probe.sh TASKSTAT STORE TIME SAMPLE
#
# TIME is typed at `g`; SAMPLE is the sample number the screen then shows
# ("sample SAMPLE of N"). Prints one `name: seconds` line per step, then
# `rss_kb: N`.
set -euo pipefail
bin=$1 dir=$2 at=$3 want=$4
s=replay-probe-$$
out=$(mktemp)
trap 'tmux kill-session -t "$s" 2>/dev/null || true; rm -f "$out"' EXIT
now() { date +%s.%N; }
wait_for() {
    local i
    for i in $(seq 1 6000); do
        if tmux capture-pane -p -t "$s" | grep -q "$1"; then return 0; fi
        sleep 0.01
    done
    echo "timed out waiting for '$1'" >&2
    return 1
}
step() { # NAME PATTERN KEYS...
    local name=$1 pat=$2 t0 t1
    shift 2
    t0=$(now)
    tmux send-keys -t "$s" "$@"
    wait_for "$pat"
    t1=$(now)
    echo "$name: $(echo "$t1 - $t0" | bc)"
}
t0=$(now)
tmux new-session -d -s "$s" -x 120 -y 40 \
    "/usr/bin/time -f '%M' -o $out $bin replay --dir $dir 2>/dev/null"
wait_for "sample 2 of"
echo "first_screen: $(echo "$(now) - $t0" | bc)"
step step_right "sample 3 of" Right
step step_left "sample 2 of" Left
step go_to "sample $want of" g "$at" Enter
step step_left_after_go "sample $((want - 1)) of" Left
tmux send-keys -t "$s" q
for _ in $(seq 1 500); do [ -s "$out" ] && break; sleep 0.01; done
echo "rss_kb: $(tail -1 "$out")"
