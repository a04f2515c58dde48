#!/usr/bin/env bash
# acl.sh: what ACL costs a request. Counts instructions per request under
# callgrind (steady on a busy machine, unlike throughput) for
#   - the default user (+@all ~* &*: the dispatcher's one atomic load),
#   - a restricted user (+@all ~key:* &*: every command checked),
#   - and, with BEFORE_BIN, a Shoal built before ACL, as the baseline;
# then, as a rough cross-check, redis-benchmark throughput without
# callgrind (median of REPEATS, binaries taking turns).
#
# Load: redis-benchmark -t set,get -P 16 -c 50 -d 32 -r 100000 -n REQUESTS
# (REQUESTS SETs then REQUESTS GETs), counters zeroed after start-up, as in
# docs/benchmarks.md ("Instructions per request"). The throughput run is
# redis-benchmark -t get,set -n REQUESTS, not pipelined.
#
# Usage: benchmarks/load/acl.sh
# Environment: SHOAL_BIN [build/shoal] BEFORE_BIN [none] REQUESTS [200000]
#   REPEATS [5]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
BEFORE_BIN="${BEFORE_BIN:-}"
REQUESTS="${REQUESTS:-200000}"
REPEATS="${REPEATS:-5}"
USER_RULES=(on '>pw' '+@all' '~key:*' '&*')

port() { shuf -i 20000-59999 -n 1; }

wait_port() {
  until redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; do sleep 0.2; done
}

# ir BIN restricted(0|1): instructions per request.
ir() {
  local bin=$1 restricted=$2 p vg out auth=()
  p=$(port)
  out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$bin" --port "$p" --threads 1 \
    >/dev/null 2>&1 &
  vg=$!
  wait_port "$p"
  if [ "$restricted" = 1 ]; then
    redis-cli -p "$p" acl setuser bench "${USER_RULES[@]}" >/dev/null
    auth=(--user bench -a pw)
  fi
  callgrind_control -z "$vg" >/dev/null 2>&1
  redis-benchmark -p "$p" "${auth[@]}" -t set,get -P 16 -c 50 -d 32 -r 100000 -n "$REQUESTS" \
    -q >/dev/null 2>&1
  callgrind_control -d "$vg" >/dev/null 2>&1
  kill "$vg"
  wait "$vg" 2>/dev/null || true
  local total
  total=$(grep -h ^summary "$out"/cg."$vg".1 | awk '{print $2}')
  rm -rf "$out"
  echo $((total / (2 * REQUESTS)))
}

# rps BIN: "SET GET" requests per second, not pipelined.
rps() {
  local bin=$1 p pid
  p=$(port)
  "$bin" --port "$p" --threads 1 >/dev/null 2>&1 &
  pid=$!
  wait_port "$p"
  redis-benchmark -p "$p" -t set,get -n "$REQUESTS" -q 2>/dev/null | tr '\r' '\n' |
    awk '/^(SET|GET):.*requests per second/ {printf "%s ", $2}'
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

echo "instructions per request (callgrind, -P 16, $REQUESTS SET + $REQUESTS GET)"
[ -n "$BEFORE_BIN" ] && echo "  before ACL:               $(ir "$BEFORE_BIN" 0)"
echo "  default user:             $(ir "$SHOAL_BIN" 0)"
echo "  user ${USER_RULES[*]:2}: $(ir "$SHOAL_BIN" 1)"

echo "requests per second (redis-benchmark -t get,set -n $REQUESTS, median of $REPEATS)"
bins=("$SHOAL_BIN")
[ -n "$BEFORE_BIN" ] && bins=("$BEFORE_BIN" "$SHOAL_BIN")
declare -A set_rps get_rps
for ((i = 0; i < REPEATS; i++)); do
  for b in "${bins[@]}"; do
    read -r s g <<<"$(rps "$b")"
    set_rps[$b]+="$s "
    get_rps[$b]+="$g "
  done
done
for b in "${bins[@]}"; do
  label=$([ "$b" = "$BEFORE_BIN" ] && echo "before ACL" || echo "with ACL  ")
  s=$(tr ' ' '\n' <<<"${set_rps[$b]}" | grep . | median)
  g=$(tr ' ' '\n' <<<"${get_rps[$b]}" | grep . | median)
  echo "  $label SET $s  GET $g"
done
