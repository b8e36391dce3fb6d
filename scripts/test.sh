#!/usr/bin/env bash
# Everything: unit + integration tests against a real SQLite file, a real PostgreSQL 15 and an
# S3-compatible server (both started here), then the Playwright suite against the real server
# in Debian's Chromium.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p target

echo "==> PostgreSQL"
source scripts/pg.sh
pg_start
export KP_TEST_PG_URL="$PG_URL"

echo "==> S3-compatible server (multi-node tests)"
source scripts/s3.sh
s3_start
export KP_TEST_S3_URL="$S3_URL"

echo "==> build (cargo leptos build --split: server + WASM chunks, debug)"
cargo leptos build --split

echo "==> unit + integration tests (SQLite and PostgreSQL)"
# Same RUSTFLAGS as cargo-leptos' debug server build, so no dependency is compiled twice, and
# the same LEPTOS_OUTPUT_NAME: it is baked into the server binary (which `cargo test` rebuilds
# and the end-to-end run below uses) and names the WASM file the pages load.
LEPTOS_OUTPUT_NAME=kundenportal RUSTFLAGS="--cfg erase_components" cargo test --features ssr 2>&1 | tee target/cargo-test.log
cargo_passed=$(grep -E "^test result:" target/cargo-test.log | awk '{s+=$4} END {print s+0}')

echo "==> end-to-end (Playwright, Chromium: desktop and 375 px phone)"
bash scripts/e2e.sh 2>&1 | tee target/e2e-full.log | grep -v '^\[WebServer\]' | tee target/e2e.log
# A panic in the server fails the run even when the browser side recovered from it.
if grep -q "panicked" target/e2e-full.log; then
  grep -A3 "panicked" target/e2e-full.log | head -20
  echo "the server panicked during the end-to-end run (see target/e2e-full.log)"
  exit 1
fi
e2e_passed=$(grep -oE '^ +[0-9]+ passed' target/e2e.log | awk '{s+=$1} END {print s+0}')
# No token, password or key of the whole run may show up in the server's log.
node scripts/scan-log-secrets.mjs target/e2e-full.log

echo
echo "cargo test: $cargo_passed passed, 0 failed"
echo "playwright: $e2e_passed passed, 0 failed"
echo "total: $((cargo_passed + e2e_passed)) passed, 0 failed"
