#!/usr/bin/env bash
# bench/http/run.sh — GraphQL over HTTP against a raw h2o handler, same bytes.
#
# Starts `gateway --bench` (ten fixed transactions) with 1 and then 2 event
# loops and runs wrk on
#   POST /graphql     the all_last_transactions query through the engine
#                     (JSON body parsed, document cache, execute, JSON out)
#   POST /bench/raw   an h2o handler sending the same response bytes
# and prints requests/s of both (best of REPEAT interleaved runs), the
# gateway's CPU time per request (the least of the runs) and the ratios, with the machine and the
# commands. Build a release binary first:
#   cmake -S . -B build && cmake --build build --target gateway   (RelWithDebInfo, no sanitizers)
# Environment: GATEWAY_BIN (default build/bin/gateway), DURATION (10s),
# CONNECTIONS (64), WRK_THREADS (2), PORT (18980), REPEAT (2: runs per endpoint).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${GATEWAY_BIN:-$ROOT/build/bin/gateway}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
PORT="${PORT:-18980}"
REPEAT="${REPEAT:-2}"
LUA="$ROOT/bench/http/post.lua"
URL="http://127.0.0.1:$PORT"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r)"
echo "gateway: $("$BIN" --version) ($BIN)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the run"
echo "wrk:     $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION -s bench/http/post.lua, best of $REPEAT"
echo

# The gateway's CPU time (user + system) in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# url pid -> "requests/s cpu-microseconds-per-request" for one wrk run. CPU
# time per request is the steadier figure on a shared machine: other load
# slows wrk and the gateway alike but does not add to the gateway's CPU time.
measure() {
    local before after out
    before=$(cpu_ticks "$2")
    out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$LUA" "$1")
    after=$(cpu_ticks "$2")
    echo "$out" | awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" '
        / requests in / { n = $1 }
        /^Requests\/sec/ { r = $2 }
        END { printf "%s %.2f\n", r, t / hz * 1e6 / n }'
}

for threads in 1 2; do
    GATEWAY_PORT=$PORT GATEWAY_THREADS=$threads GATEWAY_LOG_LEVEL=warn "$BIN" --bench &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    for _ in $(seq 50); do
        curl -s -o /dev/null "$URL/healthz" && break
        sleep 0.1
    done
    body='{"query":"{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }"}'
    a=$(curl -s -H 'content-type: application/json' -d "$body" "$URL/graphql")
    b=$(curl -s -H 'content-type: application/json' -d "$body" "$URL/bench/raw")
    if [ "$a" != "$b" ]; then
        echo "the two endpoints answer different bytes" >&2
        exit 1
    fi
    echo "gateway threads: $threads   (response: ${#a} bytes, 10 transactions)"
    # interleaved, best of $REPEAT each, so a burst of other load hits both
    gql=0 raw=0 gcpu=1e9 rcpu=1e9
    for _ in $(seq "$REPEAT"); do
        read -r r c < <(measure "$URL/graphql" "$pid")
        gql=$(awk -v a="$gql" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
        gcpu=$(awk -v a="$gcpu" -v b="$c" 'BEGIN { print (b < a ? b : a) }')
        read -r r c < <(measure "$URL/bench/raw" "$pid")
        raw=$(awk -v a="$raw" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
        rcpu=$(awk -v a="$rcpu" -v b="$c" 'BEGIN { print (b < a ? b : a) }')
    done
    awk -v g="$gql" -v r="$raw" -v gc="$gcpu" -v rc="$rcpu" 'BEGIN {
        printf "                   req/s (best)   gateway CPU us/request (least)\n"
        printf "  POST /graphql    %10.0f     %8.2f\n", g, gc
        printf "  POST /bench/raw  %10.0f     %8.2f\n", r, rc
        printf "  graphql/raw      %10.2f     %8.2f\n\n", g / r, gc / rc }'
    kill -TERM $pid
    wait $pid
    trap - EXIT
done
