#!/usr/bin/env bash
# scripting.sh: EVALSHA throughput and server CPU per call, Shoal beside
# redis-server, in one run.
#
# Two scripts, loaded with SCRIPT LOAD into both servers:
#   small: INCR + EXPIRE of KEYS[1]        (a rate-limiter / counter shape)
#   ten:   10 commands on KEYS[1] (5 INCR, 5 GET)
# Each is run as `EVALSHA sha 1 key:__rand_int__ 60` by redis-benchmark
# (-c 50, -r KEYSPACE, pipeline 1), pinned to CLIENT_CPUS, against servers
# pinned to SERVER_CPUS; the servers take turns, the first one alternating
# between repetitions. CPU per call = the server's user+sys time from
# /proc/<pid>/stat over the run, divided by the calls. Medians of REPEATS.
#
# Usage: benchmarks/load/scripting.sh
# Environment: SHOAL_BIN [build/shoal] REDIS_BIN [redis-server] THREADS [1]
#   REPEATS [3] REQUESTS [100000] KEYSPACE [10000] SERVER_CPUS [0] CLIENT_CPUS [1]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
REQUESTS="${REQUESTS:-100000}"
KEYSPACE="${KEYSPACE:-10000}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"
TICKS=$(getconf CLK_TCK)

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

SPORT=$(free_port); RPORT=$(free_port)
taskset -c "$SERVER_CPUS" "$SHOAL_BIN" --port "$SPORT" --bind 127.0.0.1 --threads "$THREADS" >/dev/null 2>&1 &
SPID=$!
taskset -c "$SERVER_CPUS" "$REDIS_BIN" --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
RPID=$!
trap 'kill $SPID $RPID 2>/dev/null || true' EXIT
for p in "$SPORT" "$RPORT"; do
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.05; done
done

SMALL="redis.call('INCR', KEYS[1]) return redis.call('EXPIRE', KEYS[1], ARGV[1])"
TEN="for i = 1, 5 do redis.call('INCR', KEYS[1]) end for i = 1, 5 do redis.call('GET', KEYS[1]) end return 1"

# run PORT PID SHA -> "rps us_per_call"
run() {
  local port=$1 pid=$2 sha=$3 before after csv rps
  before=$(cpu_ticks "$pid")
  csv=$(taskset -c "$CLIENT_CPUS" redis-benchmark -p "$port" -c 50 -n "$REQUESTS" -r "$KEYSPACE" --csv \
        EVALSHA "$sha" 1 key:__rand_int__ 60 | tail -1)
  after=$(cpu_ticks "$pid")
  rps=$(echo "$csv" | awk -F'","' '{print $2}')
  echo "$rps $(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$REQUESTS" 'BEGIN{printf "%.2f", t / hz * 1e6 / n}')"
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf "%-6s %12s %12s %8s %14s %14s %8s\n" script shoal_rps redis_rps ratio shoal_us/call redis_us/call ratio
for name in small ten; do
  body=$SMALL; [ "$name" = ten ] && body=$TEN
  ssha=$(redis-cli -p "$SPORT" script load "$body"); rsha=$(redis-cli -p "$RPORT" script load "$body")
  : > /tmp/scripting.$$.s; : > /tmp/scripting.$$.r
  for i in $(seq "$REPEATS"); do
    if (( i % 2 )); then
      run "$SPORT" "$SPID" "$ssha" >> /tmp/scripting.$$.s; run "$RPORT" "$RPID" "$rsha" >> /tmp/scripting.$$.r
    else
      run "$RPORT" "$RPID" "$rsha" >> /tmp/scripting.$$.r; run "$SPORT" "$SPID" "$ssha" >> /tmp/scripting.$$.s
    fi
  done
  srps=$(cut -d' ' -f1 /tmp/scripting.$$.s | median); rrps=$(cut -d' ' -f1 /tmp/scripting.$$.r | median)
  scpu=$(cut -d' ' -f2 /tmp/scripting.$$.s | median); rcpu=$(cut -d' ' -f2 /tmp/scripting.$$.r | median)
  printf "%-6s %12.0f %12.0f %8.2f %14.2f %14.2f %8.2f\n" "$name" "$srps" "$rrps" \
    "$(awk -v a="$srps" -v b="$rrps" 'BEGIN{print a / b}')" "$scpu" "$rcpu" \
    "$(awk -v a="$scpu" -v b="$rcpu" 'BEGIN{print a / b}')"
  rm -f /tmp/scripting.$$.s /tmp/scripting.$$.r
done
