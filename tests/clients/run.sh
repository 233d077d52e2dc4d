#!/usr/bin/env bash
# End-to-end: the real vendor SDKs (installed by `npm ci` from package-lock.json), unchanged,
# pointed at `rerank serve` by base URL. Starts the server on a free loopback port with BM25
# and an API key, runs node's test runner over *.test.mjs, then stops the server with SIGTERM
# (which must drain and exit 0).
# Usage: tests/clients/run.sh path/to/rerank
set -euo pipefail
cli=$(realpath "${1:?usage: run.sh path/to/rerank}")
cd "$(dirname "$0")"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
log=$(mktemp)
"$cli" serve --model bm25 --port 0 --api-key test-key >"$log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" || { echo "run.sh: rerank serve exited $? after SIGTERM" >&2; cat "$log" >&2; exit 1; }
  fi
  rm -f "$log"
}
trap stop EXIT
port=""
for _ in $(seq 300); do
  port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "run.sh: the server did not start" >&2; cat "$log" >&2; exit 1; }
export RERANK_URL="http://127.0.0.1:$port" RERANK_API_KEY=test-key
node --test --test-concurrency=1 ./*.test.mjs
