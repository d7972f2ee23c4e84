#!/usr/bin/env bash
# Files: downloads and uploads of documents' files through `cms serve` (release
# build, SQLite, the local file store), in one run:
#
# 1. download throughput of a published 10 MB PDF (its public downloadUrl)
#    against tower-http's ServeFile serving the very same bytes (the blob under
#    the files directory) from a bare axum server (bench/serve-file), wrk with
#    CONNECTIONS connections, ROUNDS rounds alternating which goes first; MB/s,
#    the ratio, and each server's CPU seconds per GB sent;
# 2. cms's memory (VmRSS idle, VmHWM reset before and read after) while CLIENTS
#    clients download a 50 MB file at once, at full speed and then read slowly
#    (curl --limit-rate), which a server that buffered ahead would pay for;
# 3. upload throughput of a 50 MB PDF (a GraphQL multipart createDocument,
#    bench/files.py), one at a time, then CLIENTS at once with the memory as in 2.
#
#   bench/files.sh [--duration S] [--rounds N] [--uploads N]
#
# MB is 10^6 bytes; memory is in MiB. CMS_BIN=<binary> measures that binary;
# CONNECTIONS (10) and CLIENTS (10) are read from the environment. The work
# directory, with the file store, is made under TMPDIR (/tmp by default) and
# needs about (UPLOADS + 2 x CLIENTS + 2) x 50 MB free: TMPDIR=/dev/shm keeps
# it in memory (then the uploads' figures do not include a disk's writes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=15
ROUNDS=3
UPLOADS=3
CONNECTIONS=${CONNECTIONS:-10}
CLIENTS=${CLIENTS:-10}
SMALL=10000000
BIG=50000000
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --uploads) UPLOADS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$DURATION" -le 20 ] || { echo "duration is capped at 20 s" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

NEED_MB=$(( (UPLOADS + 2 * CLIENTS + 2) * 50 + 100 ))
FREE_MB=$(df -Pm "${TMPDIR:-/tmp}" | awk 'NR == 2 {print $4}')
[ "$FREE_MB" -ge "$NEED_MB" ] || { echo "${TMPDIR:-/tmp} has $FREE_MB MB free, this needs $NEED_MB MB (set TMPDIR)" >&2; exit 2; }
source "$ROOT/bench/common.sh"  # builds cms (unless CMS_BIN), WORK, cleanup, free_port, wait_ready
# The target folder may be shared: another build could replace the binaries
# while this runs, so run copies.
cp "$CMS" "$WORK/cms"
CMS=$WORK/cms
cargo build --release -p serve-file -q
cp "${CARGO_TARGET_DIR:-$ROOT/target}/release/serve-file" "$WORK/serve-file"

STATIC_PID=""
BG_PIDS=()
stop_all() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$STATIC_PID" ]; then kill "$STATIC_PID" 2>/dev/null || true; wait "$STATIC_PID" 2>/dev/null || true; fi
  cleanup
}
trap stop_all EXIT
trap 'exit 130' INT TERM

PASSWORD="benchmark password 123"
DB_URL="sqlite://$WORK/cms.db?mode=rwc"
echo "$PASSWORD" | RUST_LOG=warn "$CMS" --database-url "$DB_URL" --data-dir "$WORK" \
  user create --email bench@example.org --role ADMIN >/dev/null 2>&1
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
CMS_MAX_UPLOADS=$((CLIENTS + 2)) RUST_LOG=warn CMS_SCHEDULER_INTERVAL=0 \
  "$CMS" --database-url "$DB_URL" --data-dir "$WORK" --bind "127.0.0.1:$PORT" serve \
  >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
wait_ready "$URL"
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER_PID/status"; }
START_RSS=$(kib VmRSS)
TOKEN=$(python3 "$ROOT/bench/files.py" login "$URL" bench@example.org "$PASSWORD")

printf '\n# Files benchmark: %s (%s cores, %s), cms %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
  "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)" \
  "$(git -C "$ROOT" rev-parse --short HEAD)$([ -n "${CMS_BIN:-}" ] && echo " (CMS_BIN=$CMS_BIN)")"
echo "cms VmRSS after start (demo content): $(mib "$START_RSS") MiB"

# Two published documents: 10 MB for throughput, 50 MB for memory.
IFS=$'\t' read -r PATH10 SHA10 < <(python3 "$ROOT/bench/files.py" publish "$URL" "$TOKEN" "$SMALL" bench-10mb)
IFS=$'\t' read -r PATH50 SHA50 < <(python3 "$ROOT/bench/files.py" publish "$URL" "$TOKEN" "$BIG" bench-50mb)
BLOB10=$WORK/files/blobs/$SHA10
[ -f "$BLOB10" ] && [ -f "$WORK/files/blobs/$SHA50" ] || { echo "no blob under $WORK/files/blobs" >&2; exit 1; }

SPORT=$(free_port)
"$WORK/serve-file" "127.0.0.1:$SPORT" "$BLOB10" &
STATIC_PID=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$SPORT/" && break; sleep 0.1; done
# The same bytes from both, and what cms answers with.
for u in "$URL$PATH10" "http://127.0.0.1:$SPORT/"; do
  got=$(curl -sf "$u" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$SHA10" ] || { echo "$u: wrong bytes ($got)" >&2; exit 1; }
done
echo "cms download: $(curl -s -o /dev/null -D - "$URL$PATH10" | tr -d '\r' | grep -iE '^(HTTP|content-length|content-type|cache-control):' | paste -sd' ')"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # CPU time (user + system), clock ticks
HZ=$(getconf CLK_TCK)
# measure label url pid: 2 s warm-up, then DURATION s; a RESULT line with the
# server's CPU seconds per GB sent.
measure() {
  wrk -t2 -c"$CONNECTIONS" -d2s "$2" >/dev/null
  local before after line
  before=$(ticks "$3")
  line=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$ROOT/bench/files.lua" "$2" | grep '^RESULT')
  after=$(ticks "$3")
  python3 - "$1" "$line" "$before" "$after" "$HZ" <<'PY'
import sys
label, line, before, after, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
fields = dict(kv.split("=") for kv in line.split()[1:])
cpu = (after - before) / hz
print(f"{line} cpu_s={cpu:.2f} cpu_s_per_GB={cpu / (int(fields['bytes']) / 1e9):.3f} server={label}")
PY
}

echo
echo "## Downloads: 10 MB, wrk -t2 -c$CONNECTIONS, 2 s warm-up + $DURATION s, $ROUNDS rounds"
: >"$WORK/downloads"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="cms serve-file"; else order="serve-file cms"; fi
  for who in $order; do
    case $who in
      cms) measure cms "$URL$PATH10" "$SERVER_PID" ;;
      serve-file) measure serve-file "http://127.0.0.1:$SPORT/" "$STATIC_PID" ;;
    esac | sed "s/^RESULT/RESULT round=$r/" | tee -a "$WORK/downloads"
  done
done
kill "$STATIC_PID"; wait "$STATIC_PID" 2>/dev/null || true; STATIC_PID=""
python3 - "$WORK/downloads" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in l.split()[1:]) for l in open(sys.argv[1])]
by = lambda who: {r["round"]: r for r in rows if r["server"] == who}
cms, base = by("cms"), by("serve-file")
ratios = [float(cms[k]["MBps"]) / float(base[k]["MBps"]) for k in sorted(cms)]
med = lambda who, f: statistics.median(float(r[f]) for r in by(who).values())
print(f"SUMMARY downloads: cms {med('cms', 'MBps'):,.0f} MB/s, ServeFile {med('serve-file', 'MBps'):,.0f} MB/s "
      f"(medians); cms/ServeFile per round {', '.join(f'{x:.0%}' for x in ratios)}, median {statistics.median(ratios):.0%}; "
      f"CPU s per GB: cms {med('cms', 'cpu_s_per_GB'):.2f}, ServeFile {med('serve-file', 'cpu_s_per_GB'):.2f}")
PY

# Memory of the cms process while a command runs: VmRSS before, the peak
# (VmHWM, reset first through clear_refs; and VmRSS sampled every 50 ms in case
# the reset is refused), VmRSS after.
memory_while() { # label command...
  local label=$1; shift
  local idle peak_file=$WORK/peak sampler hwm after
  idle=$(kib VmRSS)
  echo 5 2>/dev/null >"/proc/$SERVER_PID/clear_refs" || echo "(VmHWM not reset: it counts since start)"
  echo 0 >"$peak_file"
  rm -f "$WORK/sampled"
  ( peak=0; while [ ! -e "$WORK/sampled" ]; do
      rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$peak_file"
      sleep 0.05
    done ) &
  sampler=$!
  BG_PIDS+=("$sampler")
  "$@"
  touch "$WORK/sampled"; wait "$sampler" 2>/dev/null || true
  hwm=$(kib VmHWM); after=$(kib VmRSS)
  echo "RESULT memory $label: VmRSS idle $(mib "$idle") MiB, peak $(mib "$hwm") MiB (VmHWM;" \
    "sampled $(mib "$(cat "$peak_file")")), after $(mib "$after") MiB"
}

# downloads_at_once rate: CLIENTS curls of the 50 MB file at once ('' = full speed).
downloads_at_once() {
  local i pids=() t0 t1
  t0=$(date +%s.%N)
  for i in $(seq 1 "$CLIENTS"); do
    curl -s -o /dev/null ${1:+--limit-rate "$1"} -w '%{http_code} %{size_download} %{time_total}\n' \
      "$URL$PATH50" >"$WORK/dl.$i" &
    pids+=($!)
  done
  BG_PIDS+=("${pids[@]}")
  for i in "${pids[@]}"; do wait "$i"; done
  t1=$(date +%s.%N)
  cat "$WORK"/dl.* | python3 -c '
import sys
rows = [l.split() for l in sys.stdin]
bad = [r for r in rows if r[0] != "200" or int(r[1]) != '"$BIG"']
if bad: sys.exit(f"failed downloads: {bad}")
wall = '"$t1 - $t0"'
print(f"{len(rows)} downloads of 50 MB in {wall:.2f} s: {len(rows) * '"$BIG"' / wall / 1e6:,.0f} MB/s in all, "
      f"{min(float(r[2]) for r in rows):.2f}-{max(float(r[2]) for r in rows):.2f} s each")'
  rm -f "$WORK"/dl.*
}

echo
echo "## Memory: $CLIENTS clients download the 50 MB file at once"
sleep 1
memory_while "$CLIENTS x 50 MB downloads, full speed" downloads_at_once ""
memory_while "$CLIENTS x 50 MB downloads, 10 MB/s each" downloads_at_once 10M

echo
echo "## Uploads: 50 MB PDFs (GraphQL multipart createDocument)"
dd if=/dev/zero of="$WORK/ceiling" bs=1M count=48 conv=fsync 2>&1 | awk '/copied/ {print "disk ceiling (dd 48 MiB, conv=fsync):", $(NF-1), $NF}'
rm -f "$WORK/ceiling"
python3 "$ROOT/bench/files.py" upload "$URL" "$TOKEN" "$BIG" one "$UPLOADS" 1
sleep 1
memory_while "$CLIENTS x 50 MB uploads at once" \
  python3 "$ROOT/bench/files.py" upload "$URL" "$TOKEN" "$BIG" many "$CLIENTS" "$CLIENTS"
left=$(find "$WORK/files/spool" "$WORK/files/staging" -type f 2>/dev/null | wc -l)
echo "spool and staging files left after the uploads: $left"
