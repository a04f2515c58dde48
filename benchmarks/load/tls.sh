#!/usr/bin/env bash
# tls.sh: GET/SET throughput and server CPU per request, plain TCP and TLS,
# Shoal beside redis-server in one run (and, with BEFORE_BIN, an older Shoal
# on plain TCP: what the TLS work costs the plain path).
#
# Certificates (a CA, a server and a client certificate) are made in a
# temporary directory; both servers run with tls-auth-clients yes, so the
# client presents its certificate, as in a real deployment. redis-benchmark
# (-c 50, pinned to CLIENT_CPUS) runs SET then GET with 16-byte values, not
# pipelined and with -P 16, against each target (pinned to SERVER_CPUS).
# Targets take turns within each repetition; figures are medians of
# REPEATS. CPU per request = the server's user+sys time from
# /proc/<pid>/stat over the run, divided by the requests: steadier than
# throughput on a busy machine.
#
# Usage: benchmarks/load/tls.sh
# Environment: SHOAL_BIN [build/shoal] BEFORE_BIN [none] REDIS_BIN [redis-server]
#   THREADS [1] REPEATS [3] REQUESTS [200000] SERVER_CPUS [0] CLIENT_CPUS [1]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
BEFORE_BIN="${BEFORE_BIN:-}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
REQUESTS="${REQUESTS:-200000}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"
TICKS=$(getconf CLK_TCK)

for tool in redis-benchmark redis-cli openssl taskset awk "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "tls.sh: $tool not found" >&2; exit 1; }
done
[ -x "$SHOAL_BIN" ] || { echo "tls.sh: no Shoal binary at $SHOAL_BIN (build first)" >&2; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

WORK="$(mktemp -d /tmp/shoal-tls-bench.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

(
  cd "$WORK"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 2 -subj /CN=bench-ca 2>/dev/null
  for n in server client; do
    openssl req "${ec[@]}" -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null
    openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt \
      -days 2 2>/dev/null
  done
)
TLS_SERVER=(--tls-cert-file "$WORK/server.crt" --tls-key-file "$WORK/server.key"
            --tls-ca-cert-file "$WORK/ca.crt")
TLS_CLIENT=(--tls --cert "$WORK/client.crt" --key "$WORK/client.key" --cacert "$WORK/ca.crt")

# start NAME BINARY ARGS...: one server with a plain and a TLS port.
declare -A PORT TLSPORT PID
start() {
  local name=$1 bin=$2
  shift 2
  local p t
  p=$(free_port)
  t=$(free_port)
  taskset -c "$SERVER_CPUS" "$bin" --port "$p" --bind 127.0.0.1 "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  PIDS+=($!)
  PORT[$name]=$p
  TLSPORT[$name]=$t
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "tls.sh: $name did not start" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}
start_tls() {
  local name=$1 bin=$2
  shift 2
  local t
  t=$(free_port)
  start "$name" "$bin" --tls-port "$t" "${TLS_SERVER[@]}" "$@"
  TLSPORT[$name]=$t
}

start_tls shoal "$SHOAL_BIN" --threads "$THREADS"
start_tls redis "$REDIS_BIN" --save "" --appendonly no
TARGETS=(shoal:plain shoal:tls redis:plain redis:tls)
if [ -n "$BEFORE_BIN" ]; then
  start before "$BEFORE_BIN" --threads "$THREADS"
  TARGETS=(before:plain "${TARGETS[@]}")
fi

# run TARGET TEST PIPELINE -> "rps cpu_us_per_request"
run() {
  local name=${1%%:*} mode=${1##*:} test=$2 pipe=$3
  local port=${PORT[$name]} extra=()
  if [ "$mode" = tls ]; then port=${TLSPORT[$name]}; extra=("${TLS_CLIENT[@]}"); fi
  local before after out rps
  before=$(cpu_ticks "${PID[$name]}")
  out=$(taskset -c "$CLIENT_CPUS" redis-benchmark -h 127.0.0.1 -p "$port" "${extra[@]}" \
        -c 50 -n "$REQUESTS" -P "$pipe" -d 16 -t "$test" -q 2>/dev/null | tr '\r' '\n' |
        grep -i "requests per second" | tail -1)
  after=$(cpu_ticks "${PID[$name]}")
  rps=$(echo "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }')
  awk -v r="$rps" -v b="$before" -v a="$after" -v t="$TICKS" -v n="$REQUESTS" \
    'BEGIN { printf "%s %.2f\n", r, (a - b) / t * 1e6 / n }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf "%-13s %-4s %-3s %12s %12s\n" target test P "rps" "cpu_us/req"
for test in set get; do
  for pipe in 1 16; do
    declare -A RPS=() CPU=()
    for _ in $(seq "$REPEATS"); do
      for t in "${TARGETS[@]}"; do
        read -r r c < <(run "$t" "$test" "$pipe")
        RPS[$t]+="$r "
        CPU[$t]+="$c "
      done
    done
    for t in "${TARGETS[@]}"; do
      r=$(echo "${RPS[$t]}" | tr ' ' '\n' | grep . | median)
      c=$(echo "${CPU[$t]}" | tr ' ' '\n' | grep . | median)
      printf "%-13s %-4s %-3s %12s %12s\n" "$t" "$test" "$pipe" "$r" "$c"
    done
  done
done
