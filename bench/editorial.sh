#!/usr/bin/env bash
# Editorial benchmark: the release build on SQLite and PostgreSQL with the demo
# content and one admin; bench/editorial.py measures logins and document
# create/update/submit/publish, sequentially and from several clients at once.
#
#   bench/editorial.sh [--items N] [--clients C] [--backends "sqlite postgres"]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ITEMS=200
CLIENTS=8
BACKENDS="sqlite postgres"
while [ $# -gt 0 ]; do
  case "$1" in
    --items) ITEMS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --backends) BACKENDS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cargo build --release -p api -q
CMS=$ROOT/target/release/cms
WORK=$(mktemp -d /tmp/cms-edbench.XXXXXX)
SERVER_PID=""
PGDIR=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$PGDIR" ] && { "$ROOT/.ci/pg.sh" stop "$PGDIR"; rm -rf "$PGDIR"; } || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PASSWORD="benchmark password 123"
printf '\n# Editorial benchmark: %s documents, %s clients, %s (%s cores)\n' "$ITEMS" "$CLIENTS" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)"
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) DB_URL="sqlite://$WORK/cms.db?mode=rwc" ;;
    postgres)
      PGDIR=$(mktemp -d /tmp/cms-edbench-pg.XXXXXX)
      DB_URL="$(PG_DURABLE=1 "$ROOT/.ci/pg.sh" start "$PGDIR" | sed 's#/postgres$#/cms#')"
      psql "${DB_URL%/cms}/postgres" -qc 'CREATE DATABASE cms' ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  echo "$PASSWORD" | RUST_LOG=warn "$CMS" --database-url "$DB_URL" --data-dir "$WORK" user create --email bench@example.org --role ADMIN 2>/dev/null
  PORT=$(free_port)
  RUST_LOG=warn "$CMS" --database-url "$DB_URL" --data-dir "$WORK" --bind "127.0.0.1:$PORT" \
    --login-max-failures-per-email 1000 serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  python3 "$ROOT/bench/editorial.py" "http://127.0.0.1:$PORT" bench@example.org "$PASSWORD" --items "$ITEMS" --clients "$CLIENTS" | sed "s/^RESULT /[$backend] /"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if [ "$backend" = postgres ]; then "$ROOT/.ci/pg.sh" stop "$PGDIR"; rm -rf "$PGDIR"; PGDIR=""; fi
done
