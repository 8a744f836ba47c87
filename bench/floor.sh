#!/usr/bin/env bash
# Benchmark: what a process costs before it does anything, against a whole
# getdelays query. Builds, outside the repository:
#   - taskstat as it is, with one change: `taskstat nop` returns at the top
#     of main (after the dynamic loader, before argument parsing);
#   - a C program that returns at once, dynamically linked as getdelays is;
#   - the same C program statically linked;
# and times them with hyperfine, rotating the order, against
# `getdelays -d -i -q -t PID` and `taskstat pid PID --json`.
#
# It answers: how much of a one-shot query is the loading of taskstat's
# binary itself (bench/README.md).
#
#   bench/floor.sh                      # needs root, hyperfine, gcc, python3
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
GETDELAYS=${GETDELAYS:-$(bench/build-getdelays.sh)}
RUNS=${RUNS:-1000}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
trap 'kill -9 ${sl:-} 2>/dev/null; rm -rf "$work"' EXIT

git ls-files -z Cargo.toml Cargo.lock build.rs src | xargs -0 cp --parents -t "$work"
python3 - "$work/src/main.rs" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
hook = "    start_up();\n"
assert hook in s, "main.rs changed: update bench/floor.sh"
s = s.replace(hook, hook + '    if std::env::args_os().nth(1).is_some_and(|a| a == "nop") {\n        return 0;\n    }\n', 1)
open(p, "w").write(s)
PY
# Only the binary: no tests or examples in the copy.
sed -i -e 's/^autotests = false/autotests = false\nautoexamples = false/' -e '/^\[\[test\]\]/,/^path = /d' "$work/Cargo.toml"
cargo build --release --locked -q --manifest-path "$work/Cargo.toml" --bin taskstat
cargo build --release --locked -q --bin taskstat
printf 'int main(void) { return 0; }\n' >"$work/nop.c"
gcc -O2 "$work/nop.c" -o "$work/c-dynamic"
gcc -O2 -static "$work/nop.c" -o "$work/c-static"

sleep 1000 &
sl=$!
names=("getdelays -d -i -q -t" "taskstat pid --json" "taskstat nop" "C, returns at once" "C static, returns at once")
cmds=("$GETDELAYS -d -i -q -t $sl" "target/release/taskstat pid $sl --json" "$work/target/release/taskstat nop" "$work/c-dynamic" "$work/c-static")
run_rounds "$work"
report_rounds "$work" "getdelays -d -i -q -t"
