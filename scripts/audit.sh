#!/usr/bin/env bash
# Dependency audit (cargo-deny, configured in deny.toml): licenses, banned crates and sources
# are checked offline, always; security advisories against the RustSec database fetched from
# github.com, or, where GitHub is out of reach (the machines here), against the snapshot shipped
# in audit/ (docs/architecture.md, "Dependency audit").
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$DENY_VERSION"; then
  echo "==> installing cargo-deny $DENY_VERSION (crates.io; ~10 minutes on 2 cores)"
  cargo install cargo-deny --version "$DENY_VERSION" --locked
fi

# cargo-deny reads the whole graph, every platform's dependencies too (Android's jni for the
# TLS certificate verifier, ...): fetch them, since a build here downloads only its own.
cargo fetch --locked --quiet

echo "==> cargo deny: licenses, bans, sources"
cargo deny --offline check licenses bans sources

echo "==> cargo deny: advisories"
if timeout 120 cargo deny fetch db >/dev/null 2>&1; then
  cargo deny --offline check advisories
  exit 0
fi

# No GitHub: check against the snapshot shipped in audit/ (scripts/update-advisory-db.sh
# refreshes it). cargo-deny reads a database from a git checkout, so the snapshot is unpacked
# into one whose commit carries the snapshot's date, under target/ (the user's own
# $CARGO_HOME/advisory-dbs stays untouched), and a copy of deny.toml points there.
snap_date="$(awk '$1 == "date" { print $2 }' audit/advisory-db.txt)"
age_days=$(( ( $(date +%s) - $(date -d "$snap_date" +%s) ) / 86400 ))
echo "    github.com is out of reach: checking against the shipped snapshot of $snap_date ($age_days days old)"
if (( age_days > 90 )); then
  echo "    WARNING: the snapshot is older than 90 days; refresh it with scripts/update-advisory-db.sh"
fi
root="$PWD/target/audit"
url="https://github.com/rustsec/advisory-db"
rm -rf "$root" && mkdir -p "$root/dbs"
# Where cargo-deny looks for the database of $url: the last path segment and a stable hash of
# the url (cargo-deny's CHANGELOG, PR#746: "advisory-db-3157b0e258782691").
db="$root/dbs/advisory-db-3157b0e258782691"
mkdir -p "$db"
tar -xzf audit/advisory-db.tar.gz -C "$db"
git -C "$db" init -q
git -C "$db" add -A
GIT_AUTHOR_DATE="$snap_date" GIT_COMMITTER_DATE="$snap_date" \
  git -C "$db" -c user.name=audit -c user.email=audit@localhost commit -q -m "advisory-db snapshot"
# The age is reported above; cargo-deny's own 90-day limit would fail the build on a date
# rather than on a finding.
sed -e "s|^\[advisories\]$|[advisories]\ndb-path = \"$root/dbs\"\ndb-urls = [\"$url\"]\nmaximum-db-staleness = \"P3650D\"|" \
  deny.toml > "$root/deny.toml"
cargo deny --offline --config "$root/deny.toml" check advisories
