#!/usr/bin/env bash
# make bench: builds the release server and runs the benchmarks, printing figures and ratios
# against baselines measured in the same run (never pass/fail on timings).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --split --precompress
# wrk, the load generator of the page benchmark, from Debian.
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "installing wrk needs root (apt-get install wrk)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null; }
fi
(cd bench && if [ ! -d node_modules/@tus/server ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi)
echo
echo "== Upload: plain disk vs @tus/server vs Kundenportal =="
node bench/upload.mjs
echo
echo "== Dashboard and live fan-out: SQLite and PostgreSQL, 10,000 clients / 50,000 cases / 500,000 files =="
source scripts/pg.sh
if pg_start >/dev/null 2>&1; then
  su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS kp_bench' -c 'CREATE DATABASE kp_bench OWNER kp_test'"
  export BENCH_PG_URL="postgres://kp_test:kp_test@127.0.0.1:5432/kp_bench"
fi
node bench/dashboard.mjs
echo
echo "== Chat: 1,000 portal connections, message fan-out =="
node bench/chat.mjs
echo
echo "== Pages under load: 200 firms / 10,000 clients / 50,000 cases / 500,000 files; SQLite, PostgreSQL, two nodes =="
if [ -n "${BENCH_PG_URL:-}" ]; then
  su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS kp_bench_pages' -c 'CREATE DATABASE kp_bench_pages OWNER kp_test'"
  BENCH_PG_URL="postgres://kp_test:kp_test@127.0.0.1:5432/kp_bench_pages" node bench/pages.mjs
else
  node bench/pages.mjs
fi
echo
echo "== Soak: mixed traffic (BENCH_SOAK_SECONDS, default 600 s), memory and errors =="
node bench/soak.mjs
echo
echo "== Lighthouse: portal home and upload page, mobile emulation =="
node bench/lighthouse.mjs
