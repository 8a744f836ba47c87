#!/usr/bin/env bash
# Benchmark: what `serve --histograms` costs per scrape and per exit, with
# histograms on against off in one run (bench/histograms.py says how).
#
#   bench/histograms.sh     # root, a cgroup2 mount; environment as histograms.py
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
build_measured storm
exec python3 bench/histograms.py "$ts" "$ex/storm"
