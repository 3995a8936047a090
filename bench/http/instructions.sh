#!/usr/bin/env bash
# bench/http/instructions.sh — instructions per request of the gateway, under
# callgrind, which counts the same on a loaded machine as on a quiet one.
#
#   bench/http/instructions.sh [GATEWAY_BIN]     (default build/bin/gateway)
#
# Runs `gateway --bench` with one loop under valgrind --tool=callgrind twice,
# sending 500 and then 2,500 sequential keep-alive POSTs (bench/http/
# instr-client.mjs) to /graphql and to /bench/raw; prints
# (I(2500) - I(500)) / 2000 for each, so start-up and shutdown cancel out.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${1:-$ROOT/build/bin/gateway}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# count PATH N -> total instructions of one gateway run
count() {
    local port=$((19000 + RANDOM % 500))
    GATEWAY_PORT=$port GATEWAY_THREADS=1 GATEWAY_LOG_LEVEL=warn \
        valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" --bench >"$OUT/vg.log" 2>&1 &
    local pid=$!
    for _ in $(seq 300); do
        curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
        sleep 0.2
    done
    node "$ROOT/bench/http/instr-client.mjs" "http://127.0.0.1:$port" "$2" "$1"
    kill -TERM "$pid"
    wait "$pid" || true
    awk '/^(summary|totals):/ { print $2; exit }' "$OUT/cg.out"
}

echo "gateway: $("$BIN" --version) ($BIN)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (does not change instruction counts)"
for path in /graphql /bench/raw; do
    a=$(count "$path" 500)
    b=$(count "$path" 2500)
    echo "$path: $(( (b - a) / 2000 )) instructions per request"
done
