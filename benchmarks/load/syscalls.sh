#!/usr/bin/env bash
# syscalls.sh: system calls per request of Shoal on each --io-engine beside
# redis-server, and the server CPU each pays per request.
#
# Method: the three servers run at once, pinned to SERVER_CPUS; for each
# server, test and pipeline depth, redis-benchmark (pinned to CLIENT_CPUS,
# -c CLIENTS -d 32 -r 100000) sends REQUESTS requests (10x that pipelined,
# so that CPU time spans enough clock ticks; SET runs first, so GETs hit)
# while `perf stat -e
# raw_syscalls:sys_enter` counts the server's system calls (every thread)
# and /proc/<pid>/stat gives its user+sys CPU. Printed: syscalls per request
# and CPU microseconds per request, medians of REPEATS runs. The count of
# syscalls does not depend on the machine's load the way times do (only on
# how requests batch into loop turns); CPU per request does, a little.
#
# Usage: benchmarks/load/syscalls.sh
# Environment: SHOAL_BIN [build/shoal]  REDIS_BIN [redis-server]
#   TESTS ["set get"]  PIPELINES ["1 16"]  REQUESTS [200000]  CLIENTS [50]
#   REPEATS [3]  SERVER_CPUS [0]  CLIENT_CPUS [1]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
TESTS="${TESTS:-set get}"
PIPELINES="${PIPELINES:-1 16}"
REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
REPEATS="${REPEATS:-3}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"

for tool in perf redis-benchmark redis-cli taskset "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "syscalls.sh: $tool not found" >&2; exit 1; }
done
perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1 ||
  { echo "syscalls.sh: perf cannot count raw_syscalls:sys_enter here" >&2; exit 1; }

WORK="$(mktemp -d /tmp/shoal-syscalls.XXXXXX)"
declare -A PID=() PORT=()
cleanup() {
  for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start() {  # name, command...
  local name="$1"; shift
  PORT[$name]="$(free_port)"
  taskset -c "$SERVER_CPUS" "$@" --port "${PORT[$name]}" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  for _ in $(seq 100); do
    redis-cli -p "${PORT[$name]}" ping >/dev/null 2>&1 && return
    sleep 0.05
  done
  echo "syscalls.sh: $name did not start" >&2; cat "$WORK/$name.log" >&2; exit 1
}

start redis "$REDIS_BIN" --save '' --appendonly no
start uring "$SHOAL_BIN" --threads 1 --io-engine uring
start epoll "$SHOAL_BIN" --threads 1 --io-engine epoll
echo "uring: $(redis-cli -p "${PORT[uring]}" info server | grep -o 'multiplexing_api:[a-z_]*')"
TICK="$(getconf CLK_TCK)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-5s %-3s  %-22s %-22s %-22s\n' test P "redis sys/req cpu_us" "uring sys/req cpu_us" "epoll sys/req cpu_us"
for t in $TESTS; do
  for p in $PIPELINES; do
    line="$(printf '%-5s %-3s' "$t" "$p")"
    n_req=$REQUESTS
    [ "$p" -gt 1 ] && n_req=$((REQUESTS * 10))
    for s in redis uring epoll; do
      : >"$WORK/sys"; : >"$WORK/cpu"
      for _ in $(seq "$REPEATS"); do
        c0="$(cpu_ticks "${PID[$s]}")"
        perf stat -x, -e raw_syscalls:sys_enter -p "${PID[$s]}" -o "$WORK/perf" -- \
          taskset -c "$CLIENT_CPUS" redis-benchmark -p "${PORT[$s]}" -t "$t" -P "$p" \
          -n "$n_req" -c "$CLIENTS" -d 32 -r 100000 -q >/dev/null 2>&1
        c1="$(cpu_ticks "${PID[$s]}")"
        n="$(grep raw_syscalls "$WORK/perf" | cut -d, -f1)"
        awk -v n="$n" -v r="$n_req" 'BEGIN {printf "%.3f\n", n / r}' >>"$WORK/sys"
        awk -v a="$c0" -v b="$c1" -v r="$n_req" -v hz="$TICK" \
          'BEGIN {printf "%.3f\n", (b - a) / hz * 1e6 / r}' >>"$WORK/cpu"
      done
      line+="$(printf '  %-9s %-12s' "$(median <"$WORK/sys")" "$(median <"$WORK/cpu")")"
    done
    echo "$line"
  done
done
