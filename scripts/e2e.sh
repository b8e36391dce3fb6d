#!/usr/bin/env bash
# Runs the Playwright suite against the real server (built by `cargo leptos build`), started by
# Playwright with a fresh data directory (SQLite) on 127.0.0.1:3100.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
rm -rf end2end/.data
mkdir -p end2end/.data
cd end2end
npx playwright test "$@"
