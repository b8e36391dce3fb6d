#!/usr/bin/env bash
# Services the tests talk to for real, from Debian's packages: ClamAV's daemon (the tests start
# their own clamd with a signature database of their own; nothing is downloaded or enabled).
# PostgreSQL 15 is on the machine already (scripts/pg.sh starts it). Idempotent.
set -Eeuo pipefail
if [ -x /usr/sbin/clamd ]; then
  echo "    ok: $(/usr/sbin/clamd --version)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "installing clamav-daemon needs root" >&2; exit 1; }
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clamav-daemon; }
install || { apt-get update && install; }
echo "    ok: $(/usr/sbin/clamd --version)"
