#!/usr/bin/env bash
# The country page as a CDN or browser fetches it: an anonymous GET answered from
# the response cache, measured beside the peer harness's static axum server (a
# fixed ~4 KB JSON body, the machine's HTTP ceiling) in the same run, with the same
# wrk settings. Prints both and the ratio.
#
#   bench/cached-get.sh [--backend sqlite|postgres] [--duration S]
#
# The static server is built from the harness (../shared/bench/peer/static-axum,
# or PEER_HARNESS's folder) into PEER_BENCH_CACHE, as the harness itself does.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BACKEND=postgres
DURATION=15
CONNECTIONS=${CONNECTIONS:-32}
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) BACKEND=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$DURATION" -le 20 ] || { echo "duration is capped at 20 s" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
HARNESS_DIR=$(dirname "${PEER_HARNESS:-../shared/bench/peer/run_peer.sh}")
CACHE=${PEER_BENCH_CACHE:-/tmp/peer-bench-cache}
[ -d "$HARNESS_DIR/static-axum" ] || { echo "no static-axum in $HARNESS_DIR (set PEER_HARNESS)" >&2; exit 2; }
mkdir -p "$CACHE/static-axum/src"
cp -p "$HARNESS_DIR/static-axum/Cargo.toml" "$CACHE/static-axum/"
cp -p "$HARNESS_DIR/static-axum/src/main.rs" "$CACHE/static-axum/src/"
CARGO_TARGET_DIR=$CACHE/static-axum-target cargo build --release --quiet \
  --manifest-path "$CACHE/static-axum/Cargo.toml"
STATIC=$CACHE/static-axum-target/release/static-axum

source "$ROOT/bench/common.sh"
STATIC_PID=""
trap '[ -n "$STATIC_PID" ] && kill "$STATIC_PID" 2>/dev/null; cleanup' EXIT
"$CMS" generate --scale 1 --out "$WORK/dataset.json" 2>/dev/null
start_backend "$BACKEND"
PORT=$(free_port)
DATABASE_URL=$DB_URL "$CMS" import "$WORK/dataset.json" >/dev/null
DATABASE_URL=$DB_URL CMS_BIND=127.0.0.1:$PORT RUST_LOG=warn CMS_SCHEDULER_INTERVAL=0 \
  CMS_DATA_DIR=$WORK "$CMS" serve --no-demo >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
wait_ready "http://127.0.0.1:$PORT"

# The partner document as a GET: /graphql?query=...&variables=...
python3 - "$ROOT/queries/country-page.graphql" > "$WORK/path.txt" <<'PY'
import sys, urllib.parse
q = open(sys.argv[1]).read()
print("/graphql?" + urllib.parse.urlencode({"query": q, "variables": '{"slug":"peru"}'}))
PY
curl -sf -o /dev/null "http://127.0.0.1:$PORT$(cat "$WORK/path.txt")"  # fills the cache

measure() { # label url
  wrk -t2 -c"$CONNECTIONS" -d3s -s "$ROOT/bench/post.lua" "$2" -- "$WORK/path.txt" get >/dev/null
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$ROOT/bench/post.lua" "$2" -- "$WORK/path.txt" get | grep '^RESULT')
  echo "$1 $line"
}
CMS_LINE=$(measure "cms($BACKEND,cached GET)" "http://127.0.0.1:$PORT")
HITS=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^cms_response_cache_hit_ratio/ {print $2}')
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
SPORT=$(free_port)
"$STATIC" "127.0.0.1:$SPORT" 2>/dev/null &
STATIC_PID=$!
sleep 0.5
STATIC_LINE=$(measure "static-axum(GET)" "http://127.0.0.1:$SPORT")
kill "$STATIC_PID"; wait "$STATIC_PID" 2>/dev/null || true; STATIC_PID=""
echo "$CMS_LINE hit_ratio=$HITS"
echo "$STATIC_LINE"
python3 - "$CMS_LINE" "$STATIC_LINE" <<'PY'
import sys
rps = [float(l.split("rps=")[1].split()[0]) for l in sys.argv[1:]]
print(f"cached GET / static axum: {rps[0] / rps[1]:.2f} ({rps[0]:,.0f} vs {rps[1]:,.0f} req/s)")
PY
