#!/usr/bin/env bash
# hot_path_ir.sh: instructions per request of the GET/SET/INCR path under
# callgrind (user space only; steady on a busy machine), Shoal beside
# redis-server 7 (and beside BEFORE_BIN, an older Shoal, when given).
#
# Two loads, each against a fresh server with one worker, counters zeroed
# after start-up and dumped after each phase:
#   - mix:  redis-benchmark -t set,get -P 16 -c 50 -d 32 -r 100000 -n REQUESTS
#           (REQUESTS SETs then REQUESTS GETs), the method of
#           docs/benchmarks.md ("Instructions per request");
#   - P=1, one client, one warm key, one phase per command (ONE requests
#     each): SET of the existing key with a value of the same size (-d 32),
#     GET hit, GET of a missing key, INCR of an existing counter.
# Each figure is the server's total Ir over the phase divided by its requests,
# so the P=1 ones include the event loop's share of each request (one read
# and one write per request on epoll; the ring's share on io_uring). Shoal
# runs on each --io-engine (rows "shoal uring" and "shoal epoll").
#
# Usage: benchmarks/load/hot_path_ir.sh
# Environment: SHOAL_BIN [build/shoal] BEFORE_BIN [none] REDIS_BIN [redis-server]
#              REQUESTS [100000] ONE [20000]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
BEFORE_BIN="${BEFORE_BIN:-}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
REQUESTS="${REQUESTS:-100000}"
ONE="${ONE:-20000}"

port() { shuf -i 20000-59999 -n 1; }

wait_port() {
  until redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; do sleep 0.2; done
}

# Ir of the last dump in $out, divided by $1.
per_request() {
  local n=$1 last total
  last=$(ls "$out"/cg.* | sort -t. -k3 -n | tail -1)
  total=$(grep -h ^summary "$last" | awk '{print $2}')
  rm -f "$last"
  echo $((total / n))
}

# phase N ARGS...: zero, run redis-benchmark ARGS, dump; prints Ir/request.
phase() {
  local n=$1
  shift
  callgrind_control -z "$vg" >/dev/null 2>&1
  redis-benchmark -p "$p" "$@" >/dev/null 2>&1
  callgrind_control -d "$vg" >/dev/null 2>&1
  per_request "$n"
}

# run NAME KIND BIN [ARGS...]: KIND is shoal or redis; ARGS go to shoal.
run() {
  local name=$1 kind=$2 bin=$3 mix set get miss incr
  shift 3
  p=$(port)
  out=$(mktemp -d)
  if [ "$kind" = redis ]; then
    valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$out/cg.%p" "$bin" \
      --port "$p" --save '' --appendonly no >/dev/null 2>&1 &
  else
    valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$out/cg.%p" "$bin" \
      --port "$p" --threads 1 "$@" >/dev/null 2>&1 &
  fi
  vg=$!
  wait_port "$p"
  mix=$(phase $((2 * REQUESTS)) -t set,get -P 16 -c 50 -d 32 -r 100000 -n "$REQUESTS" -q)
  redis-cli -p "$p" set counter 1000 >/dev/null
  set=$(phase "$ONE" -t set -P 1 -c 1 -d 32 -n "$ONE" -q)
  get=$(phase "$ONE" -t get -P 1 -c 1 -d 32 -n "$ONE" -q)
  miss=$(phase "$ONE" -P 1 -c 1 -n "$ONE" -q get no-such-key)
  incr=$(phase "$ONE" -P 1 -c 1 -n "$ONE" -q incr counter)
  kill "$vg"
  wait "$vg" 2>/dev/null || true
  rm -rf "$out"
  printf '%-14s %8s %8s %8s %8s %8s\n' "$name" "$mix" "$set" "$get" "$miss" "$incr"
}

echo "Ir/request (callgrind): mix = SET+GET -P 16 -c 50; the rest P=1 -c 1 on a warm key"
printf '%-14s %8s %8s %8s %8s %8s\n' server mix SET GET GET-miss INCR
[ -n "$BEFORE_BIN" ] && run "shoal before" shoal "$BEFORE_BIN"
run "shoal uring" shoal "$SHOAL_BIN" --io-engine uring
run "shoal epoll" shoal "$SHOAL_BIN" --io-engine epoll
run redis-server redis "$REDIS_BIN"
