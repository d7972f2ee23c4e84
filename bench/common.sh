# Shared by bench/run.sh and bench/editorial.sh (sourced, not run): the release
# build, a work directory, a throwaway PostgreSQL cluster per backend, a free port,
# and cleanup of whatever was started. Expects ROOT to be the repository.
# CMS_BIN=/path/to/cms measures that binary instead (an older build, say). The
# build lands in CARGO_TARGET_DIR when that is set (a target folder shared
# between worktrees), else in the repository's target/. The work directory (the
# database, a file store) is made under TMPDIR, /tmp by default.

if [ -n "${CMS_BIN:-}" ]; then
  CMS=$CMS_BIN
else
  cargo build --release -p api -q
  CMS=${CARGO_TARGET_DIR:-$ROOT/target}/release/cms
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cms-bench.XXXXXX")
SERVER_PID=""
PGDIR=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$PGDIR" ] && { "$ROOT/.ci/pg.sh" stop "$PGDIR"; rm -rf "$PGDIR"; } || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# start_backend sqlite|postgres: sets DB_URL (a fresh database).
start_backend() {
  case "$1" in
    sqlite) rm -f "$WORK/cms.db"; DB_URL="sqlite://$WORK/cms.db?mode=rwc" ;;
    postgres)
      PGDIR=$(mktemp -d /tmp/cms-bench-pg.XXXXXX)  # beside WORK: the postgres user must reach it
      DB_URL="$(PG_DURABLE=1 "$ROOT/.ci/pg.sh" start "$PGDIR" | sed 's#/postgres$#/cms#')"
      psql "${DB_URL%/cms}/postgres" -qc 'CREATE DATABASE cms' ;;
    *) echo "unknown backend $1" >&2; exit 2 ;;
  esac
}

# stop_backend: stops the server and the cluster started for this backend.
stop_backend() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; fi
  if [ -n "$PGDIR" ]; then "$ROOT/.ci/pg.sh" stop "$PGDIR"; rm -rf "$PGDIR"; PGDIR=""; fi
}

# wait_ready URL: until /healthz answers (10 s at most).
wait_ready() {
  for _ in $(seq 1 100); do curl -sf "$1/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
