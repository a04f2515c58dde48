#!/usr/bin/env bash
# replication.sh: what a replica costs its primary — SET throughput and the
# primary's CPU per request with no replica and with one attached, Shoal
# beside redis-server (each with a replica of its own kind), in one run.
#
# For each server kind: start a primary (pinned to SERVER_CPUS) and a
# replica (REPLICA_CPUS), run redis-benchmark SET (-c 50, -r KEYSPACE, value
# -d SIZE, pipeline P) against the primary before REPLICAOF and after the
# replica is in sync. CPU per request = the primary's user+sys from
# /proc/<pid>/stat over the run / requests. Medians of REPEATS. At the end
# the replica's DBSIZE must equal the primary's (a sanity check).
#
# Usage: benchmarks/load/replication.sh
# Environment: SHOAL_BIN [build/shoal] REDIS_BIN [redis-server] REPEATS [3]
#   REQUESTS [200000] KEYSPACE [100000] SIZE [64] PIPELINE [1]
#   SERVER_CPUS [0] REPLICA_CPUS [1] CLIENT_CPUS [1]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
REPEATS="${REPEATS:-3}"
REQUESTS="${REQUESTS:-200000}"
KEYSPACE="${KEYSPACE:-100000}"
SIZE="${SIZE:-64}"
PIPELINE="${PIPELINE:-1}"
SERVER_CPUS="${SERVER_CPUS:-0}"
REPLICA_CPUS="${REPLICA_CPUS:-1}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"
TICKS=$(getconf CLK_TCK)

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
wait_ping() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return; sleep 0.05; done; }

PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT

start() {  # kind cpus port -> pid
  if [ "$1" = shoal ]; then
    taskset -c "$2" "$SHOAL_BIN" --port "$3" --bind 127.0.0.1 --threads 1 >/dev/null 2>&1 &
  else
    taskset -c "$2" "$REDIS_BIN" --port "$3" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
  fi
  echo $!
}

# run PORT PID -> "rps us_per_request"
run() {
  local before after csv rps
  before=$(cpu_ticks "$2")
  csv=$(taskset -c "$CLIENT_CPUS" redis-benchmark -p "$1" -c 50 -n "$REQUESTS" -r "$KEYSPACE" \
        -d "$SIZE" -P "$PIPELINE" --csv -t set | tail -1)
  after=$(cpu_ticks "$2")
  rps=$(echo "$csv" | awk -F'","' '{print $2}')
  echo "$rps $(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$REQUESTS" 'BEGIN{printf "%.2f", t / hz * 1e6 / n}')"
}

printf "%-7s %-10s %12s %14s\n" server replica rps us/request
for kind in shoal redis; do
  P=$(free_port); R=$(free_port)
  PPID_=$(start "$kind" "$SERVER_CPUS" "$P"); PIDS+=("$PPID_")
  RPID=$(start "$kind" "$REPLICA_CPUS" "$R"); PIDS+=("$RPID")
  wait_ping "$P"; wait_ping "$R"
  alone=(); with=()
  for _ in $(seq "$REPEATS"); do alone+=("$(run "$P" "$PPID_")"); done
  redis-cli -p "$R" replicaof 127.0.0.1 "$P" >/dev/null
  for _ in $(seq 200); do
    redis-cli -p "$R" info replication | grep -q "master_link_status:up" && \
      redis-cli -p "$R" info replication | grep -q "master_sync_in_progress:0" && break
    sleep 0.05
  done
  for _ in $(seq "$REPEATS"); do with+=("$(run "$P" "$PPID_")"); done
  redis-cli -p "$P" wait 1 5000 >/dev/null
  pd=$(redis-cli -p "$P" dbsize); rd=$(redis-cli -p "$R" dbsize)
  [ "$pd" = "$rd" ] || echo "WARNING: $kind replica dbsize $rd != primary $pd"
  for label in none one; do
    if [ $label = none ]; then set -- "${alone[@]}"; else set -- "${with[@]}"; fi
    rps=$(printf '%s\n' "$@" | awk '{print $1}' | median)
    us=$(printf '%s\n' "$@" | awk '{print $2}' | median)
    printf "%-7s %-10s %12s %14s\n" "$kind" "$label" "$rps" "$us"
  done
  kill "$PPID_" "$RPID"; wait "$PPID_" "$RPID" 2>/dev/null || true
done
