#!/usr/bin/env bash
# Fault-injection suite: kill -9 during writes, imports and uploads, a PostgreSQL
# outage under load, a soak, and slow clients. See tests/faults/README.md.
#
#   tests/faults/run.sh [--backend sqlite|postgres|both] [--only NAME]... \
#                       [--soak-seconds N] [--connections N] [--keep-temp]
#
# CMS_BIN names the binary to test; unset, `cargo build --bin cms` builds
# target/debug/cms. Exit status 0 when no scenario found a loss or violation.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

backend=both
soak=60
conns=32
only=()
keep=()
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=${2:?--backend needs a value}; shift 2 ;;
    --backend=*) backend=${1#*=}; shift ;;
    --only) only+=(--only "${2:?--only needs a scenario}"); shift 2 ;;
    --only=*) only+=(--only "${1#*=}"); shift ;;
    --soak-seconds) soak=${2:?--soak-seconds needs a value}; shift 2 ;;
    --soak-seconds=*) soak=${1#*=}; shift ;;
    --connections) conns=${2:?--connections needs a value}; shift 2 ;;
    --connections=*) conns=${1#*=}; shift ;;
    --keep-temp) keep=(--keep-temp); shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
case "$backend" in sqlite|postgres|both) ;; *) echo "--backend: sqlite, postgres or both" >&2; exit 2 ;; esac
for o in ${only[@]+"${only[@]}"}; do
  case "$o" in
    --only|kill-writes|kill-import|kill-upload|soak|slow-clients|pg-outage) ;;
    *) echo "--only: kill-writes, kill-import, kill-upload, soak, slow-clients or pg-outage, not $o" >&2; exit 2 ;;
  esac
done

if [ -z "${CMS_BIN:-}" ]; then
  (cd "$root" && cargo build --bin cms)
  CMS_BIN=$root/target/debug/cms
fi
[ -x "$CMS_BIN" ] || { echo "not an executable: $CMS_BIN" >&2; exit 2; }

pg_dir=""
pg_url=""
py_pid=""
cleanup() {
  if [ -n "$py_pid" ]; then kill -TERM "$py_pid" 2>/dev/null || true; wait "$py_pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then
    "$root/.ci/pg.sh" stop "$pg_dir" || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$backend" != sqlite ]; then
  # Its own directory under /tmp, which the postgres user can reach.
  pg_dir=$(mktemp -d /tmp/cms-faults-pg.XXXXXX)
  pg_url=$("$root/.ci/pg.sh" start "$pg_dir")
  echo "PostgreSQL cluster $pg_dir at $pg_url"
fi

# In the background so that a signal to this script reaches the trap at once; the
# trap stops the suite (which kills its servers) and then the cluster.
python3 "$here/faults.py" --cms-bin "$CMS_BIN" --backend "$backend" \
  --soak-seconds "$soak" --connections "$conns" \
  --pg-url "$pg_url" --pg-dir "$pg_dir" --pg-script "$root/.ci/pg.sh" --pg-bin "$PGBIN" \
  ${only[@]+"${only[@]}"} ${keep[@]+"${keep[@]}"} &
py_pid=$!
rc=0
wait "$py_pid" || rc=$?
py_pid=""
exit "$rc"
