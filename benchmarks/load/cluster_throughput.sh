#!/usr/bin/env bash
# Cluster throughput: redis-benchmark --cluster against a 3-node Shoal cluster,
# against a 1-node cluster and a standalone node (no cluster mode: the cost
# of routing), all on loopback with the same client settings.
# Also prints how long 3 and 10 nodes take to agree on CLUSTER SLOTS.
#
# Usage: benchmarks/load/cluster_throughput.sh [requests] [repeats]
# Env: SHOAL (binary, default build/shoal), THREADS (per node, default 1),
#      CLIENTS (default 50), PIPELINE (space-separated list, default "1 16").
set -euo pipefail
cd "$(dirname "$0")/../.."
SHOAL=${SHOAL:-build/shoal}
N=${1:-200000}
REPEATS=${2:-3}
THREADS=${THREADS:-1}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-"1 16"}
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

declare -A BUS
start_node() {  # port [join-port]
  local port=$1 join=${2:-}
  BUS[$port]=$(free_port)
  local args=(--port "$port" --bind 127.0.0.1 --threads "$THREADS" --cluster-enabled yes --replicas 0
              --cluster-port "${BUS[$port]}"
              --cluster-config-file "$WORK/nodes-$port.conf" --announce-ip 127.0.0.1
              --cluster-probe-interval-ms 200 --cluster-probe-timeout-ms 100
              --cluster-gossip-interval-ms 100 --cluster-push-pull-interval-ms 1000)
  [ -n "$join" ] && args+=(--join "127.0.0.1:$join@${BUS[$join]}")
  "$SHOAL" "${args[@]}" >"$WORK/log-$port" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.02; done
  echo "node $port did not start" >&2; exit 1
}

stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

# Seconds until every port reports the same CLUSTER SLOTS covering all slots
# with `nodes` distinct owners.
wait_converged() {  # nodes port...
  local nodes=$1; shift
  local start; start=$(date +%s.%N)
  for _ in $(seq 600); do
    local first="" same=1
    for p in "$@"; do
      local s; s=$(redis-cli -p "$p" cluster slots 2>/dev/null | tr '\n' ' ')
      [ -z "$first" ] && first=$s
      [ "$s" == "$first" ] || same=0
    done
    if [ $same = 1 ] && [ -n "$first" ]; then
      local owners; owners=$(redis-cli -p "$1" cluster nodes | awk 'NF>8' | wc -l)
      local info; info=$(redis-cli -p "$1" cluster info | tr -d '\r')
      if [ "$owners" = "$nodes" ] && grep -q "cluster_slots_ok:16384" <<<"$info"; then
        echo "$(date +%s.%N) - $start" | bc
        return 0
      fi
    fi
    sleep 0.05
  done
  echo "no convergence" >&2; exit 1
}

bench() {  # port pipeline [--cluster]
  local port=$1 p=$2; shift 2
  redis-benchmark "$@" -h 127.0.0.1 -p "$port" -n "$N" -c "$CLIENTS" -P "$p" -r 100000 \
    -t set,get -q 2>/dev/null | tr '\r' '\n' |
    awk '/requests per second/ {sub(":", "", $1); print $1, $2}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A RESULT
run_setup() {  # label
  local label=$1 port=$2; shift 2
  for p in $PIPELINE; do
    for t in SET GET; do : >"$WORK/r-$t"; done
    for _ in $(seq "$REPEATS"); do
      while read -r t v; do echo "$v" >>"$WORK/r-$t"; done < <(bench "$port" "$p" "$@")
    done
    for t in SET GET; do RESULT["$label,$t,$p"]=$(median <"$WORK/r-$t"); done
  done
}

echo "# redis-benchmark -n $N -c $CLIENTS -r 100000, medians of $REPEATS, --threads $THREADS per node"

P1=$(free_port)
start_node $P1
# redis-benchmark --cluster wants 2+ nodes: a 1-node cluster serves every
# slot, so plain redis-benchmark measures it (routing on, never a redirect).
run_setup cluster1 $P1
stop_all

BASE=$(free_port)
"$SHOAL" --port $BASE --bind 127.0.0.1 --threads "$THREADS" >"$WORK/log-standalone" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do redis-cli -p $BASE ping >/dev/null 2>&1 && break; sleep 0.02; done
run_setup standalone $BASE
stop_all

ports=($(free_port) $(free_port) $(free_port))
start_node "${ports[0]}"
start_node "${ports[1]}" "${ports[0]}"
start_node "${ports[2]}" "${ports[0]}"
t3=$(wait_converged 3 "${ports[@]}")
run_setup cluster3 "${ports[0]}" --cluster
stop_all

ports=($(free_port))
start_node "${ports[0]}"
t0=$(date +%s.%N)
for i in $(seq 1 9); do
  p=$(free_port)
  start_node "$p" "${ports[0]}"
  ports+=("$p")
done
t10=$(wait_converged 10 "${ports[@]}")
t10_all=$(echo "$(date +%s.%N) - $t0" | bc)
stop_all

printf "\n| setup | P | SET req/s | GET req/s |\n|---|--:|--:|--:|\n"
for p in $PIPELINE; do
  for label in standalone cluster1 cluster3; do
    printf "| %s | %s | %s | %s |\n" "$label" "$p" "${RESULT[$label,SET,$p]}" "${RESULT[$label,GET,$p]}"
  done
done
printf "\nconvergence: 3 nodes %.2fs after the last start; 10 nodes %.2fs after the last start (%.2fs from the second node's start)\n" "$t3" "$t10" "$t10_all"
