# Sourced by test scripts: starts the machine's PostgreSQL 15 and makes a superuser role for tests.
PG_URL="postgres://kp_test:kp_test@127.0.0.1:5432/postgres"
pg_start() {
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "PostgreSQL is not installed (apt-get install postgresql-15)"; return 1
  fi
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^15 *main"; then
    pg_createcluster 15 main >/dev/null
  fi
  pg_ctlcluster 15 main start 2>/dev/null || true
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
  su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='kp_test') THEN CREATE ROLE kp_test LOGIN SUPERUSER PASSWORD 'kp_test'; END IF; END \\\$\\\$;\"" >/dev/null
  echo "    PostgreSQL ready at 127.0.0.1:5432 (role kp_test)"
}
