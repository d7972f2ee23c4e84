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
source "$ROOT/bench/common.sh"
PASSWORD="benchmark password 123"
printf '\n# Editorial benchmark: %s documents, %s clients, %s (%s cores)\n' "$ITEMS" "$CLIENTS" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)"
for backend in $BACKENDS; do
  start_backend "$backend"
  echo "$PASSWORD" | RUST_LOG=warn "$CMS" --database-url "$DB_URL" --data-dir "$WORK" user create --email bench@example.org --role ADMIN 2>/dev/null
  PORT=$(free_port)
  RUST_LOG=warn "$CMS" --database-url "$DB_URL" --data-dir "$WORK" --bind "127.0.0.1:$PORT" \
    --login-max-failures-per-email 1000 serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "http://127.0.0.1:$PORT"
  python3 "$ROOT/bench/editorial.py" "http://127.0.0.1:$PORT" bench@example.org "$PASSWORD" --items "$ITEMS" --clients "$CLIENTS" | sed "s/^RESULT /[$backend] /"
  stop_backend
done
