# Sourced by test scripts: an S3-compatible server for the multi-node tests — moto's server
# mode from PyPI, in a virtualenv of its own, on 127.0.0.1:5390 (no Docker needed). Idempotent.
S3_URL="http://127.0.0.1:5390"
S3_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/kundenportal/moto"
s3_up() { (exec 3<>/dev/tcp/127.0.0.1/5390) 2>/dev/null; }
s3_start() {
  if [ ! -x "$S3_VENV/bin/moto_server" ]; then
    echo "    installing moto[server] from PyPI into $S3_VENV"
    python3 -m venv "$S3_VENV"
    "$S3_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]>=5,<6"
  fi
  if ! s3_up; then
    mkdir -p target
    nohup "$S3_VENV/bin/moto_server" -H 127.0.0.1 -p 5390 > target/moto.log 2>&1 &
    for _ in $(seq 1 60); do s3_up && break; sleep 0.5; done
  fi
  s3_up || { echo "moto did not start (see target/moto.log)"; return 1; }
  echo "    S3 (moto) ready at $S3_URL"
}
