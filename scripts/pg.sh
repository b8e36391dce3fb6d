# Sourced by test scripts: starts the machine's PostgreSQL 15 and makes a superuser role for tests.
PG_URL="postgres://kp_test:kp_test@127.0.0.1:5432/postgres"

pg_psql() {
  su postgres -c "psql -X -q -v ON_ERROR_STOP=1 $*"
}

pg_start() {
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "PostgreSQL is not installed (apt-get install postgresql-15)"; return 1
  fi
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^15 *main"; then
    pg_createcluster 15 main >/dev/null
  fi
  pg_ctlcluster 15 main start 2>/dev/null || true
  # After an unclean stop (a machine image taken while it ran) PostgreSQL first syncs its whole
  # data directory and replays its WAL: that can take minutes, and it answers "starting up" or
  # "not yet accepting connections" meanwhile. Wait for a real query over the socket psql uses.
  local waited=0
  until su postgres -c "psql -X -q -t -c 'SELECT 1'" >/dev/null 2>&1; do
    if [ "$waited" -ge 600 ]; then
      echo "PostgreSQL did not accept connections within 600 s:"
      tail -20 /var/log/postgresql/postgresql-15-main.log || true
      return 1
    fi
    if [ $((waited % 30)) -eq 29 ]; then
      echo "    waiting for PostgreSQL (${waited} s; recovering after an unclean stop?)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  pg_psql -c "\"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='kp_test') THEN CREATE ROLE kp_test LOGIN SUPERUSER PASSWORD 'kp_test'; END IF; END \\\$\\\$;\"" >/dev/null
  pg_drop_stale
  echo "    PostgreSQL ready at 127.0.0.1:5432 (role kp_test)"
}

# Integration tests name their databases kp_it_<pid>_<n>_<nanos>; drop those whose test process
# is gone, so runs do not pile up databases (and a crash recovery has less to sync).
pg_drop_stale() {
  local db pid dropped=0
  for db in $(su postgres -c "psql -X -q -t -A -c \"SELECT datname FROM pg_database WHERE datname LIKE 'kp\\_it\\_%'\""); do
    pid=$(echo "$db" | cut -d_ -f3)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    pg_psql -c "\"DROP DATABASE IF EXISTS $db WITH (FORCE)\"" >/dev/null && dropped=$((dropped + 1))
  done
  if [ "$dropped" -gt 0 ]; then echo "    dropped $dropped test databases of earlier runs"; fi
}
