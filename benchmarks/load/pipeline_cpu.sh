#!/usr/bin/env bash
# pipeline_cpu.sh: server CPU per request for pipelined GET and SET over a
# keyspace larger than the CPU caches, for Shoal beside redis-server (and
# beside an older Shoal build, to measure a change such as the pipeline
# prefetch: docs/benchmarks.md, "Pipelines prefetch").
#
# Method: the servers run at once, each pinned to SERVER_CPU with
# --threads 1; every one is first loaded with KEYS keys (SET, -r KEYS, 32-byte
# values). Then, for each test and repetition, the servers take turns:
# redis-benchmark (pinned to CLIENT_CPU, -c 50 -P PIPELINE -r KEYS) sends
# REQUESTS requests while `perf stat -e task-clock -p PID` measures the
# server's CPU time (every thread, nanosecond resolution). Printed: CPU ns
# per request per run, then medians and each server's median over
# redis-server's. Turns alternate, so a noisy neighbour hits all servers.
#
# Usage: benchmarks/load/pipeline_cpu.sh
# Environment: SHOAL_BIN [build/shoal]  BEFORE_BIN [none: skipped]
#   REDIS_BIN [redis-server]  KEYS [1000000]  REQUESTS [2000000]
#   PIPELINE [16]  TESTS ["get set"]  REPEATS [5]  SERVER_CPU [0]
#   CLIENT_CPU [1]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
BEFORE_BIN="${BEFORE_BIN:-}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
KEYS="${KEYS:-1000000}"
REQUESTS="${REQUESTS:-2000000}"
PIPELINE="${PIPELINE:-16}"
TESTS="${TESTS:-get set}"
REPEATS="${REPEATS:-5}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"

command -v perf >/dev/null || { echo "needs perf (Debian: linux-perf)" >&2; exit 1; }
TMP="$(mktemp -d)"
declare -A PORT PID MED
NAMES=(redis shoal)
[[ -n "$BEFORE_BIN" ]] && NAMES=(redis before shoal)
cleanup() {
  for n in "${NAMES[@]}"; do [[ -n "${PID[$n]:-}" ]] && kill "${PID[$n]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

for n in "${NAMES[@]}"; do
  PORT[$n]=$(free_port)
  case $n in
    redis) taskset -c "$SERVER_CPU" "$REDIS_BIN" --port "${PORT[$n]}" --save "" --appendonly no \
             >"$TMP/$n.log" 2>&1 & ;;
    before) taskset -c "$SERVER_CPU" "$BEFORE_BIN" --port "${PORT[$n]}" --threads 1 \
              >"$TMP/$n.log" 2>&1 & ;;
    shoal) taskset -c "$SERVER_CPU" "$SHOAL_BIN" --port "${PORT[$n]}" --threads 1 \
             >"$TMP/$n.log" 2>&1 & ;;
  esac
  PID[$n]=$!
done
for n in "${NAMES[@]}"; do
  for _ in $(seq 100); do
    redis-cli -p "${PORT[$n]}" ping 2>/dev/null | grep -q PONG && break
    kill -0 "${PID[$n]}" 2>/dev/null || { echo "$n did not start:" >&2; cat "$TMP/$n.log" >&2; exit 1; }
    sleep 0.1
  done
  taskset -c "$CLIENT_CPU" redis-benchmark -p "${PORT[$n]}" -c 50 -P 16 -n $((KEYS * 3)) -t set \
    -d 32 -r "$KEYS" -q >/dev/null 2>&1
done

bench_ns() {  # name test -> CPU ns per request
  local n=$1 t=$2
  perf stat -x, -e task-clock -p "${PID[$n]}" -o "$TMP/perf" 2>/dev/null &
  local pp=$!
  sleep 0.2
  taskset -c "$CLIENT_CPU" redis-benchmark -p "${PORT[$n]}" -c 50 -P "$PIPELINE" -n "$REQUESTS" \
    -t "$t" -d 32 -r "$KEYS" -q >/dev/null 2>&1
  kill -INT $pp
  wait $pp 2>/dev/null || true
  awk -F, -v n="$REQUESTS" '/task-clock/ {printf "%.0f", $1 * 1e6 / n}' "$TMP/perf"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "CPU ns per request, P=$PIPELINE, $KEYS keys, $REQUESTS requests per run"
for t in $TESTS; do
  declare -A RUNS=()
  for r in $(seq "$REPEATS"); do
    line="$t run $r:"
    for n in "${NAMES[@]}"; do
      v=$(bench_ns "$n" "$t")
      RUNS[$n]="${RUNS[$n]:-} $v"
      line="$line $n=$v"
    done
    echo "$line"
  done
  line="$t median:"
  for n in "${NAMES[@]}"; do
    MED[$t.$n]=$(echo "${RUNS[$n]}" | median)
    line="$line $n=${MED[$t.$n]}"
  done
  for n in "${NAMES[@]}"; do
    [[ $n == redis ]] && continue
    line="$line $n/redis=$(awk -v a="${MED[$t.$n]}" -v b="${MED[$t.redis]}" 'BEGIN {printf "%.2f", a / b}')"
  done
  echo "$line"
done
