#!/usr/bin/env bash
# Everything: unit + integration tests against a real SQLite file and a real PostgreSQL 15
# (started here), then the Playwright suite against the real server in Debian's Chromium.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

echo "==> PostgreSQL"
source scripts/pg.sh
pg_start
export KP_TEST_PG_URL="$PG_URL"

echo "==> build (cargo leptos build: server + WASM, debug)"
cargo leptos build

echo "==> unit + integration tests (SQLite and PostgreSQL)"
# Same flags cargo-leptos uses for its debug server build, so no dependency is rebuilt.
RUSTFLAGS="--cfg erase_components" cargo test --features ssr 2>&1 | tee target/cargo-test.log
grep -E "^test result:" target/cargo-test.log | awk '{p+=$4; f+=$6} END {print "cargo test summary: " p " passed, " f " failed"}'

echo "==> end-to-end (Playwright, Chromium)"
bash scripts/e2e.sh
