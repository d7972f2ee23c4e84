#!/usr/bin/env bash
# Throwaway S3 server for tests: moto's server (`pip install 'moto[server]'`) on
# loopback, in memory, with the test bucket made (TEST_S3_BUCKET, default cms-test;
# any access key is accepted, the tests use test/test). It lives for one run.
#   .ci/s3.sh start DIR   -> prints the endpoint URL on stdout (log in DIR/moto.log)
#   .ci/s3.sh stop DIR
# MOTO_SERVER names the executable (default: moto_server on the PATH).
set -euo pipefail
MOTO_SERVER=${MOTO_SERVER:-moto_server}
BUCKET=${TEST_S3_BUCKET:-cms-test}
cmd=${1:?start|stop}
dir=${2:?directory}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

case "$cmd" in
  start)
    command -v "$MOTO_SERVER" >/dev/null \
      || { echo "no $MOTO_SERVER: pip install 'moto[server]' (or set MOTO_SERVER)" >&2; exit 1; }
    mkdir -p "$dir"
    port=$(free_port)
    # Its own session, output to the log (not to the caller's $(...), which
    # would wait for it), its pid kept for stop.
    setsid "$MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    endpoint=http://127.0.0.1:$port
    for _ in $(seq 1 150); do
      curl -s -o /dev/null "$endpoint/" && break
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/moto.log" >&2; echo "moto_server exited" >&2; exit 1; }
      sleep 0.2
    done
    curl -sf -o /dev/null "$endpoint/" || { cat "$dir/moto.log" >&2; echo "moto_server did not answer in 30 s" >&2; exit 1; }
    curl -sf -o /dev/null -X PUT "$endpoint/$BUCKET" \
      || { echo "could not create the bucket $BUCKET" >&2; exit 1; }
    echo "$endpoint"
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      pid=$(cat "$dir/pid")
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$dir/pid"
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
