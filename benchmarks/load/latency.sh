#!/usr/bin/env bash
# latency.sh: what the observability features cost a request, counted in
# instructions per request under callgrind (steady on a busy machine):
#   - latency-tracking no  (the per-command histogram off: the baseline,
#     what the dispatcher did before it, plus two relaxed loads),
#   - latency-tracking yes (the default: one histogram update per command),
#   - yes with one MONITOR client attached (every command formatted and
#     handed to the monitor's worker).
# With BEFORE_BIN (a Shoal built before these features) that one is counted
# too.
#
# Load: redis-benchmark -t set,get -P 16 -c 50 -d 32 -r 100000 -n REQUESTS
# (REQUESTS SETs then REQUESTS GETs), counters zeroed after start-up, as in
# docs/benchmarks.md ("Instructions per request").
#
# Usage: benchmarks/load/latency.sh
# Environment: SHOAL_BIN [build/shoal] BEFORE_BIN [none] REQUESTS [200000]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
BEFORE_BIN="${BEFORE_BIN:-}"
REQUESTS="${REQUESTS:-200000}"

port() { shuf -i 20000-59999 -n 1; }

wait_port() {
  until redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; do sleep 0.2; done
}

# ir BIN MODE: instructions per request; MODE is none (BEFORE_BIN), no, yes
# or monitor.
ir() {
  local bin=$1 mode=$2 p vg out mon=""
  p=$(port)
  out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" --port "$p" --threads 1 \
    >/dev/null 2>&1 &
  vg=$!
  wait_port "$p"
  case $mode in
    no) redis-cli -p "$p" config set latency-tracking no >/dev/null ;;
    monitor)
      redis-cli -p "$p" monitor >/dev/null &
      mon=$!
      sleep 0.5
      ;;
  esac
  callgrind_control -z "$vg" >/dev/null 2>&1
  redis-benchmark -p "$p" -t set,get -P 16 -c 50 -d 32 -r 100000 -n "$REQUESTS" \
    -q >/dev/null 2>&1
  callgrind_control -d "$vg" >/dev/null 2>&1
  [ -n "$mon" ] && kill "$mon" 2>/dev/null
  kill "$vg"
  wait "$vg" 2>/dev/null || true
  local total
  total=$(grep -h ^summary "$out"/cg."$vg".1 | awk '{print $2}')
  rm -rf "$out"
  echo $((total / (2 * REQUESTS)))
}

echo "instructions per request (callgrind, -P 16, $REQUESTS SET + $REQUESTS GET)"
[ -n "$BEFORE_BIN" ] && echo "  before LATENCY/MONITOR:   $(ir "$BEFORE_BIN" none)"
echo "  latency-tracking no:      $(ir "$SHOAL_BIN" no)"
echo "  latency-tracking yes:     $(ir "$SHOAL_BIN" yes)"
echo "  yes + one MONITOR client: $(ir "$SHOAL_BIN" monitor)"
