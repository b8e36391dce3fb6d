#!/usr/bin/env bash
# Services and tools the tests talk to for real, from Debian's packages: ClamAV's daemon (the
# tests start their own clamd with a signature database of their own; nothing is downloaded or
# enabled) and poppler's pdftotext (the invoice PDFs are read back as text; pdfinfo and pdftoppm
# render PDF pages for marking). PostgreSQL 15 is
# on the machine already (scripts/pg.sh starts it). Idempotent.
set -Eeuo pipefail
missing=()
[ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "installing ${missing[*]} needs root" >&2; exit 1; }
  install() { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
  install || { apt-get update && install; }
fi
echo "    ok: $(/usr/sbin/clamd --version), $(pdftotext -v 2>&1 | head -1)"
