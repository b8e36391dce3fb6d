#!/usr/bin/env bash
# Dependency audit (cargo-deny, configured in deny.toml): licenses, banned crates and sources
# are checked offline, always; security advisories whenever the RustSec database can be had —
# fetched from github.com, or already in $CARGO_HOME/advisory-dbs. The machines here reach no
# GitHub: there the advisory check is skipped with a notice (docs/architecture.md, "Dependency audit").
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$DENY_VERSION"; then
  echo "==> installing cargo-deny $DENY_VERSION (crates.io; ~10 minutes on 2 cores)"
  cargo install cargo-deny --version "$DENY_VERSION" --locked
fi

echo "==> cargo deny: licenses, bans, sources"
cargo deny --offline check licenses bans sources

echo "==> cargo deny: advisories"
if timeout 120 cargo deny fetch db >/dev/null 2>&1; then
  cargo deny --offline check advisories
elif ls "${CARGO_HOME:-$HOME/.cargo}"/advisory-dbs/*/crates >/dev/null 2>&1; then
  echo "    (the advisory database could not be refreshed; checking against the copy on this machine)"
  cargo deny --offline check advisories
else
  echo "    NOT CHECKED: the RustSec advisory database cannot be fetched from this machine"
  echo "    (github.com is out of reach). Run 'make audit' where it is reachable; see docs/architecture.md, "Dependency audit"."
fi
