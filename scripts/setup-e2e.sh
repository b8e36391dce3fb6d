#!/usr/bin/env bash
# Installs the Playwright test runner (no browser download: tests use Debian's Chromium,
# installed by setup-toolchain.sh). Idempotent.
set -Eeuo pipefail
cd "$(dirname "$0")/../end2end"
if [ ! -d node_modules/@playwright/test ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
