#!/usr/bin/env bash
# Refreshes the RustSec advisory database snapshot shipped in audit/ (used by scripts/audit.sh
# where github.com cannot be reached). Run it where GitHub is reachable and commit the result:
#   bash scripts/update-advisory-db.sh                 # clones github.com/rustsec/advisory-db
#   bash scripts/update-advisory-db.sh /path/to/repo   # or takes any clone or mirror of it
set -euo pipefail
cd "$(dirname "$0")/.."

src="${1:-https://github.com/rustsec/advisory-db}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git clone -q --depth 1 "${src/#\//file:///}" "$work/db"
commit="$(git -C "$work/db" rev-parse HEAD)"
date="$(git -C "$work/db" show -s --format=%cI HEAD)"
count="$(git -C "$work/db" ls-files 'crates/*.md' | wc -l)"

# The advisories (crates/) and their licenses (CC0-1.0; CC-BY-4.0 for imported ones).
git -C "$work/db" archive --format=tar HEAD crates LICENSE.txt LICENSES \
  | gzip -9n > audit/advisory-db.tar.gz
cat > audit/advisory-db.txt <<INFO
commit $commit
date $date
advisories $count
source https://github.com/rustsec/advisory-db
INFO
echo "audit/advisory-db.tar.gz: $count advisories, commit ${commit:0:12} of $date"
