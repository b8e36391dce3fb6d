#!/usr/bin/env bash
# make bench: builds the release server and runs the benchmarks, printing figures and ratios
# against baselines measured in the same run (never pass/fail on timings).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release
(cd bench && if [ ! -d node_modules/@tus/server ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi)
echo
echo "== Upload: plain disk vs @tus/server vs Kundenportal =="
node bench/upload.mjs
