#!/usr/bin/env bash
# Benchmark: import a `cms generate` dataset with `cms import`, serve it with the
# release build on SQLite and on PostgreSQL, and load the three partner queries with
# wrk (loopback only, bounded duration). Prints import time, req/s, p50, p99,
# errors, peak RSS and SQL statements per request.
#
#   bench/run.sh [--scale N] [--duration S] [--backends "sqlite postgres"]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SCALE=1
DURATION=15
CONNECTIONS=${CONNECTIONS:-32}
BACKENDS="sqlite postgres"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --backends) BACKENDS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$DURATION" -le 20 ] || { echo "duration is capped at 20 s" >&2; exit 2; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
source "$ROOT/bench/common.sh"
OUT=$ROOT/bench/out
mkdir -p "$OUT"
DATASET=$OUT/dataset-scale$SCALE.json
[ -f "$DATASET" ] || "$CMS" generate --scale "$SCALE" --out "$DATASET" 2>/dev/null

body() { # query file, variables JSON -> request body JSON
  python3 -c 'import json,sys;print(json.dumps({"query":open(sys.argv[1]).read(),"variables":json.loads(sys.argv[2])}))' "$1" "$2"
}

metric() { curl -s "$1/metrics" | awk '/^cms_sql_statements_total/ {print $2}'; }

peak_rss_while() { # pid, command... : runs the command, prints its output, then PEAK_RSS_KB=
  local pid=$1; shift
  local peakfile=$WORK/peak
  echo 0 >"$peakfile"
  ( peak=0; while kill -0 "$pid" 2>/dev/null; do
      rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$peakfile"
      sleep 0.25
    done ) &
  local sampler=$!
  "$@"
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  echo "PEAK_RSS_KB=$(cat "$peakfile")"
}

printf '\n# Partnerships CMS benchmark: scale %s, %s s per query, %s connections, %s\n' \
  "$SCALE" "$DURATION" "$CONNECTIONS" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '# machine: %s cores, %s\n\n' "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)"
RESULTS=$WORK/results.tsv
: >"$RESULTS"

for backend in $BACKENDS; do
  start_backend "$backend"
  start=$(date +%s.%N)
  RUST_LOG=warn "$CMS" --database-url "$DB_URL" import "$DATASET" 2>&1 | tail -1
  import_s=$(python3 -c "import time;print(round(time.time()-$start,2))")
  echo "[$backend] import of scale $SCALE: ${import_s} s"
  [ "$backend" = postgres ] && psql "$DB_URL" -qc 'VACUUM ANALYZE' >/dev/null

  PORT=$(free_port)
  URL=http://127.0.0.1:$PORT
  RUST_LOG=warn "$CMS" --database-url "$DB_URL" --bind "127.0.0.1:$PORT" serve --no-demo >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$URL"
  idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$SERVER_PID/status)

  body "$ROOT/queries/country-page.graphql" '{"slug":"peru"}' >"$WORK/q1.json"
  body "$ROOT/queries/document-list.graphql" '{"region":"latin-america-and-the-caribbean"}' >"$WORK/q2p1.json"
  cursor=$(curl -s -H 'content-type: application/json' --data @"$WORK/q2p1.json" "$URL/graphql" |
    python3 -c 'import json,sys;print(json.load(sys.stdin)["data"]["documents"]["pageInfo"]["endCursor"])')
  body "$ROOT/queries/document-list.graphql" "{\"region\":\"latin-america-and-the-caribbean\",\"after\":\"$cursor\"}" >"$WORK/q2.json"
  body "$ROOT/queries/search.graphql" '{"q":"governance"}' >"$WORK/q3.json"

  for q in q1 q2 q3; do
    # SQL statements per request: 20 sequential requests on an idle server.
    s0=$(metric "$URL")
    for _ in $(seq 1 20); do curl -s -o /dev/null -H 'content-type: application/json' --data @"$WORK/$q.json" "$URL/graphql"; done
    s1=$(metric "$URL")
    per_req=$(python3 -c "print(round(($s1-$s0)/20,1))")
    # Warm-up, then the measured run.
    wrk -t2 -c"$CONNECTIONS" -d2s -s "$ROOT/bench/post.lua" "$URL/graphql" -- "$WORK/$q.json" >/dev/null
    out=$(peak_rss_while "$SERVER_PID" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$ROOT/bench/post.lua" "$URL/graphql" -- "$WORK/$q.json")
    line=$(echo "$out" | grep '^RESULT')
    peak=$(echo "$out" | sed -n 's/^PEAK_RSS_KB=//p')
    echo -e "$backend\t$q\t$line\t$peak\t$per_req\t$import_s\t$idle_kb" >>"$RESULTS"
    echo "[$backend] $q $line peak_rss_kb=$peak sql_per_request=$per_req"
  done
  stop_backend
done

python3 - "$RESULTS" "$SCALE" <<'PY'
import sys
names = {"q1": "country page", "q2": "document list (page 2)", "q3": "search"}
print()
print("| backend | query | req/s | p50 ms | p99 ms | errors | peak RSS MiB | SQL/request | import s |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for line in open(sys.argv[1]):
    backend, q, result, peak, per_req, imp, idle = line.rstrip("\n").split("\t")
    kv = dict(p.split("=") for p in result.split()[1:])
    print(f"| {backend} | {names[q]} | {float(kv['rps']):,.0f} | {kv['p50_ms']} | {kv['p99_ms']} | {kv['errors']} "
          f"| {int(peak)/1024:.0f} | {per_req} | {imp} |")
PY
