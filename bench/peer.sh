#!/usr/bin/env bash
# Runs the team's peer harness (PostGraphile 5 on the same data, same PostgreSQL,
# same machine; see its README) with this project's own contender command, and
# prints its tables, ratios included.
#
#   bench/peer.sh [--backend postgres|sqlite] [--response-cache on|off] [harness options]
#
# --backend sqlite puts cms's database in the harness's scratch folder (PostGraphile
# stays on PostgreSQL). --response-cache off (the default) measures execution, as
# the "uncached" targets ask; on measures answers served from the cache. Other
# options go to the harness (--scale N, --duration S, --warmup S, --keep). The
# harness is ../shared/bench/peer/run_peer.sh unless PEER_HARNESS says otherwise.
# CMS_BIN=/path/to/cms measures that binary instead of this checkout's release
# build (an older build, for a before/after pair in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${PEER_HARNESS:-../shared/bench/peer/run_peer.sh}
BACKEND=postgres
CACHE=off
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) BACKEND=$2; shift 2 ;;
    --response-cache) CACHE=$2; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[ -x "$HARNESS" ] || { echo "no peer harness at $HARNESS (set PEER_HARNESS)" >&2; exit 2; }
case "$BACKEND" in
  postgres) DB='$CONTENDER_DATABASE_URL' ;;
  sqlite) DB='sqlite://$DATASET_DIR/cms.db?mode=rwc' ;;
  *) echo "--backend postgres|sqlite" >&2; exit 2 ;;
esac
case "$CACHE" in
  on) CACHE_BYTES=33554432 ;;
  off) CACHE_BYTES=0 ;;
  *) echo "--response-cache on|off" >&2; exit 2 ;;
esac
# Built first: a build inside the contender command counts against its start-up limit.
if [ -z "${CMS_BIN:-}" ]; then
  cargo build --release --bin cms
  CMS_BIN=target/release/cms
fi
CONTENDER="export DATABASE_URL=\"$DB\" CMS_BIND=127.0.0.1:\$CONTENDER_PORT RUST_LOG=warn \
CMS_RESPONSE_CACHE_BYTES=$CACHE_BYTES CMS_SCHEDULER_INTERVAL=0
$CMS_BIN import \"\$DATASET\" && exec $CMS_BIN serve --no-demo"
echo "contender ($BACKEND, response cache $CACHE): $CONTENDER"
# The partner queries are the project's own copy (queries/), not the kit's.
exec "$HARNESS" --contender "$CONTENDER" --contender-queries queries "${ARGS[@]}"
