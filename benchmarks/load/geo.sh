#!/usr/bin/env bash
# geo.sh: GEOSEARCH / GEORADIUSBYMEMBER / GEOADD throughput and server CPU per
# call, Shoal beside redis-server, in one run.
#
# Both servers get the same POINTS points (members m:000000000000 ...), spread
# uniformly over a 1° x 1° square around (12.5, 41.9) — a city's worth of
# places, about 10 per km² at the default size — loaded with redis-cli --pipe.
# Then redis-benchmark (-c 50, -r POINTS, pipeline 1, pinned to CLIENT_CPUS)
# runs each query against each server (pinned to SERVER_CPUS), searching from
# a random member:
#   radius:   GEOSEARCH pts FROMMEMBER m:__rand_int__ BYRADIUS 1 km ASC COUNT 10 WITHDIST
#   box:      GEOSEARCH pts FROMMEMBER m:__rand_int__ BYBOX 2 2 km WITHCOORD
#   any:      GEOSEARCH pts FROMMEMBER m:__rand_int__ BYRADIUS 5 km COUNT 5 ANY
#   bymember: GEORADIUSBYMEMBER_RO pts m:__rand_int__ 500 m WITHDIST
#   geoadd:   GEOADD pts 12.5 41.9 m:__rand_int__   (moves existing members)
# The servers take turns, the first one alternating between repetitions; CPU
# per call = the server's user+sys time from /proc/<pid>/stat over the run,
# divided by the calls. Medians of REPEATS. Before measuring, the script
# checks that both servers answer one search identically.
#
# Usage: benchmarks/load/geo.sh
# Environment: SHOAL_BIN [build/shoal] REDIS_BIN [redis-server] THREADS [1]
#   REPEATS [3] REQUESTS [50000] POINTS [100000] SERVER_CPUS [0] CLIENT_CPUS [1]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
REQUESTS="${REQUESTS:-50000}"
POINTS="${POINTS:-100000}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"
TICKS=$(getconf CLK_TCK)

for tool in redis-benchmark redis-cli taskset awk "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "geo.sh: $tool not found" >&2; exit 1; }
done
[ -x "$SHOAL_BIN" ] || { echo "geo.sh: no Shoal binary at $SHOAL_BIN (build first)" >&2; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

WORK="$(mktemp -d /tmp/shoal-geo.XXXXXX)"
SPORT=$(free_port); RPORT=$(free_port)
taskset -c "$SERVER_CPUS" "$SHOAL_BIN" --port "$SPORT" --bind 127.0.0.1 --threads "$THREADS" \
  >"$WORK/shoal.log" 2>&1 &
SPID=$!
taskset -c "$SERVER_CPUS" "$REDIS_BIN" --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
  >"$WORK/redis.log" 2>&1 &
RPID=$!
trap 'kill $SPID $RPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for p in "$SPORT" "$RPORT"; do
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.05; done
done

# GEOADD pts lon lat m:%012d, 100 points per command, in RESP for --pipe.
awk -v n="$POINTS" 'BEGIN {
  srand(42)
  for (i = 0; i < n; i += 100) {
    k = (n - i < 100) ? n - i : 100
    printf "*%d\r\n$6\r\nGEOADD\r\n$3\r\npts\r\n", 2 + 3 * k
    for (j = i; j < i + k; j++) {
      lon = sprintf("%.6f", 12 + rand()); lat = sprintf("%.6f", 41.4 + rand())
      m = sprintf("m:%012d", j)
      printf "$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(lon), lon, length(lat), lat, length(m), m
    }
  }
}' >"$WORK/load.resp"
for p in "$SPORT" "$RPORT"; do redis-cli -p "$p" --pipe <"$WORK/load.resp" >/dev/null; done
for p in "$SPORT" "$RPORT"; do
  [ "$(redis-cli -p "$p" zcard pts)" = "$POINTS" ] || { echo "geo.sh: load failed on $p" >&2; exit 1; }
done
probe=(GEOSEARCH pts FROMMEMBER m:000000000007 BYRADIUS 1 km ASC WITHDIST WITHCOORD WITHHASH)
if [ "$(redis-cli -p "$SPORT" "${probe[@]}")" != "$(redis-cli -p "$RPORT" "${probe[@]}")" ]; then
  echo "geo.sh: the servers disagree on: ${probe[*]}" >&2
  exit 1
fi

declare -A QUERY=(
  [radius]="GEOSEARCH pts FROMMEMBER m:__rand_int__ BYRADIUS 1 km ASC COUNT 10 WITHDIST"
  [box]="GEOSEARCH pts FROMMEMBER m:__rand_int__ BYBOX 2 2 km WITHCOORD"
  [any]="GEOSEARCH pts FROMMEMBER m:__rand_int__ BYRADIUS 5 km COUNT 5 ANY"
  [bymember]="GEORADIUSBYMEMBER_RO pts m:__rand_int__ 500 m WITHDIST"
  [geoadd]="GEOADD pts 12.5 41.9 m:__rand_int__"
)

# run PORT PID QUERY -> "rps us_per_call"
run() {
  local port=$1 pid=$2 before after csv rps
  shift 2
  before=$(cpu_ticks "$pid")
  # shellcheck disable=SC2086  # the query is split into arguments on purpose
  csv=$(taskset -c "$CLIENT_CPUS" redis-benchmark -p "$port" -c 50 -n "$REQUESTS" \
        -r "$POINTS" --csv $1 | tail -1)
  after=$(cpu_ticks "$pid")
  rps=$(echo "$csv" | awk -F'","' '{print $2}')
  echo "$rps $(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$REQUESTS" 'BEGIN{printf "%.2f", t / hz * 1e6 / n}')"
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "redis: $("$REDIS_BIN" --version | head -1)"
echo "shoal: $SHOAL_BIN --threads $THREADS; $POINTS points; -c 50 -n $REQUESTS; $REPEATS repeats"
printf "%-9s %12s %12s %8s %14s %14s %8s\n" query shoal_rps redis_rps ratio shoal_us/call redis_us/call ratio
for name in radius box any bymember geoadd; do
  : >"$WORK/s"; : >"$WORK/r"
  for i in $(seq "$REPEATS"); do
    if (( i % 2 )); then
      run "$SPORT" "$SPID" "${QUERY[$name]}" >>"$WORK/s"; run "$RPORT" "$RPID" "${QUERY[$name]}" >>"$WORK/r"
    else
      run "$RPORT" "$RPID" "${QUERY[$name]}" >>"$WORK/r"; run "$SPORT" "$SPID" "${QUERY[$name]}" >>"$WORK/s"
    fi
  done
  srps=$(cut -d' ' -f1 "$WORK/s" | median); rrps=$(cut -d' ' -f1 "$WORK/r" | median)
  scpu=$(cut -d' ' -f2 "$WORK/s" | median); rcpu=$(cut -d' ' -f2 "$WORK/r" | median)
  printf "%-9s %12.0f %12.0f %8.2f %14.2f %14.2f %8.2f\n" "$name" "$srps" "$rrps" \
    "$(awk -v a="$srps" -v b="$rrps" 'BEGIN{print a / b}')" "$scpu" "$rcpu" \
    "$(awk -v a="$scpu" -v b="$rcpu" 'BEGIN{print a / b}')"
done
echo "(rps ratio above 1 and CPU ratio below 1 favour Shoal)"
