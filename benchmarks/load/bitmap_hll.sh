#!/usr/bin/env bash
# bitmap_hll.sh: bitmap and HyperLogLog throughput and server CPU per call,
# Shoal beside redis-server, in one run.
#
# Both servers first get the same data, loaded with redis-cli --pipe:
#   bits   a bitmap of BITS bits (BITS/8 bytes) with every 7th bit set,
#   hll    a dense HyperLogLog of 50000 elements, hll2 one of 20000 others;
# the script checks that both answer BITCOUNT, PFCOUNT and GET hll alike
# (the HLL bytes must be identical). Then redis-benchmark's custom-command
# mode (-c 50, pipeline 1, -r as below, pinned to CLIENT_CPUS) runs each
# query against each server (pinned to SERVER_CPUS):
#   setbit:       SETBIT bits 524287 1          (in place in the big bitmap)
#   setbit_keys:  SETBIT b:<rand> 4095 1        (100000 keys of 512 bytes)
#   getbit:       GETBIT b:<rand> 4095
#   bitcount:     BITCOUNT bits                 (the whole bitmap)
#   bitcount_1k:  BITCOUNT bits 1000 1999       (a 1000-byte range)
#   bitpos:       BITPOS bits 0 100             (from byte 100)
#   bitfield:     BITFIELD bf:<rand> INCRBY u8 #7 1 GET u4 0
#   pfadd:        PFADD hll el:<rand>           (dense, in place)
#   pfadd_sparse: PFADD s:<rand> a b c          (many small sparse keys)
#   pfcount:      PFCOUNT hll                   (cached after the first call)
#   pfcount_2:    PFCOUNT hll hll2              (a union: no cache)
#   pfmerge:      PFMERGE dst hll hll2
# redis-benchmark's random placeholder is a zero-padded number, which Redis
# refuses as an offset, so offsets are fixed and the randomness is in keys.
# The servers take turns, the first one alternating between repetitions; CPU
# per call = the server's user+sys time from /proc/<pid>/stat over the run,
# divided by the calls. Medians of REPEATS; ratios are shoal/redis.
#
# Usage: benchmarks/load/bitmap_hll.sh
# Environment: SHOAL_BIN [build/shoal] REDIS_BIN [redis-server] THREADS [1]
#   REPEATS [3] REQUESTS [50000] BITS [1048576] SERVER_CPUS [0] CLIENT_CPUS [1]
#   QUERIES [all of the above, space-separated]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
REQUESTS="${REQUESTS:-50000}"
BITS="${BITS:-1048576}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"
QUERIES="${QUERIES:-setbit setbit_keys getbit bitcount bitcount_1k bitpos bitfield pfadd pfadd_sparse pfcount pfcount_2 pfmerge}"
TICKS=$(getconf CLK_TCK)
BYTES=$((BITS / 8))

for tool in redis-benchmark redis-cli taskset awk "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "bitmap_hll.sh: $tool not found" >&2; exit 1; }
done
[ -x "$SHOAL_BIN" ] || { echo "bitmap_hll.sh: no Shoal binary at $SHOAL_BIN (build first)" >&2; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

WORK="$(mktemp -d /tmp/shoal-bitmap-hll.XXXXXX)"
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

# The data set, in RESP for --pipe.
awk -v bits="$BITS" -v bytes="$BYTES" 'function cmd(n, a,   i, s) {
    s = sprintf("*%d\r\n", n); for (i = 1; i <= n; i++) s = s sprintf("$%d\r\n%s\r\n", length(a[i]), a[i])
    printf "%s", s
  }
  BEGIN {
    a[1] = "SETBIT"; a[2] = "bits"; a[4] = "1"
    for (i = 0; i < bits; i += 7) { a[3] = i; cmd(4, a) }
    for (k = 0; k < 2; k++) {
      n = k ? 20000 : 50000
      for (i = 0; i < n; i += 500) {
        delete a; a[1] = "PFADD"; a[2] = k ? "hll2" : "hll"
        for (j = 0; j < 500; j++) a[3 + j] = sprintf("%s:%d", k ? "other" : "el", i + j)
        cmd(502, a)
      }
    }
  }' >"$WORK/load.resp"
for p in "$SPORT" "$RPORT"; do redis-cli -p "$p" --pipe <"$WORK/load.resp" >/dev/null; done
for probe in "BITCOUNT bits" "BITPOS bits 0 100" "PFCOUNT hll" "PFCOUNT hll hll2"; do
  # shellcheck disable=SC2086
  s=$(redis-cli -p "$SPORT" $probe); r=$(redis-cli -p "$RPORT" $probe)
  [ "$s" = "$r" ] || { echo "bitmap_hll.sh: '$probe': shoal $s, redis $r" >&2; exit 1; }
done
if ! cmp -s <(redis-cli -p "$SPORT" --no-raw get hll) <(redis-cli -p "$RPORT" --no-raw get hll); then
  echo "bitmap_hll.sh: the HyperLogLog bytes differ" >&2
  exit 1
fi

# "__rand_int__" is redis-benchmark's placeholder, replaced by a number below -r.
declare -A QUERY=(
  [setbit]="SETBIT bits 524287 1"
  [setbit_keys]="SETBIT b:__rand_int__ 4095 1"
  [getbit]="GETBIT b:__rand_int__ 4095"
  [bitcount]="BITCOUNT bits"
  [bitcount_1k]="BITCOUNT bits 1000 1999"
  [bitpos]="BITPOS bits 0 100"
  [bitfield]="BITFIELD bf:__rand_int__ INCRBY u8 #7 1 GET u4 0"
  [pfadd]="PFADD hll el:__rand_int__"
  [pfadd_sparse]="PFADD s:__rand_int__ a b c"
  [pfcount]="PFCOUNT hll"
  [pfcount_2]="PFCOUNT hll hll2"
  [pfmerge]="PFMERGE dst hll hll2"
)
declare -A RANGE=(
  [setbit]=1 [setbit_keys]=100000 [getbit]=100000 [bitcount]=1 [bitcount_1k]=1 [bitpos]=1
  [bitfield]=100000 [pfadd]=10000000 [pfadd_sparse]=100000 [pfcount]=1 [pfcount_2]=1 [pfmerge]=1
)

# run PORT PID QUERY RANGE -> "rps us_per_call"
run() {
  local port=$1 pid=$2 before after csv rps
  before=$(cpu_ticks "$pid")
  # shellcheck disable=SC2086  # the query is split into arguments on purpose
  csv=$(taskset -c "$CLIENT_CPUS" redis-benchmark -p "$port" -c 50 -n "$REQUESTS" \
        -r "$4" --csv $3 | tail -1)
  after=$(cpu_ticks "$pid")
  rps=$(echo "$csv" | awk -F'","' '{print $2}')
  echo "$rps $(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$REQUESTS" 'BEGIN{printf "%.2f", t / hz * 1e6 / n}')"
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "redis: $("$REDIS_BIN" --version | head -1)"
echo "shoal: $SHOAL_BIN --threads $THREADS; bitmap of $BITS bits; -c 50 -n $REQUESTS; $REPEATS repeats"
printf "%-13s %12s %12s %8s %14s %14s %8s\n" query shoal_rps redis_rps ratio shoal_us/call redis_us/call ratio
for name in $QUERIES; do
  : >"$WORK/s"; : >"$WORK/r"
  for i in $(seq "$REPEATS"); do
    if (( i % 2 )); then
      run "$SPORT" "$SPID" "${QUERY[$name]}" "${RANGE[$name]}" >>"$WORK/s"
      run "$RPORT" "$RPID" "${QUERY[$name]}" "${RANGE[$name]}" >>"$WORK/r"
    else
      run "$RPORT" "$RPID" "${QUERY[$name]}" "${RANGE[$name]}" >>"$WORK/r"
      run "$SPORT" "$SPID" "${QUERY[$name]}" "${RANGE[$name]}" >>"$WORK/s"
    fi
  done
  srps=$(cut -d' ' -f1 "$WORK/s" | median); rrps=$(cut -d' ' -f1 "$WORK/r" | median)
  scpu=$(cut -d' ' -f2 "$WORK/s" | median); rcpu=$(cut -d' ' -f2 "$WORK/r" | median)
  printf "%-13s %12.0f %12.0f %8.2f %14.2f %14.2f %8.2f\n" "$name" "$srps" "$rrps" \
    "$(awk -v a="$srps" -v b="$rrps" 'BEGIN{print a / b}')" "$scpu" "$rcpu" \
    "$(awk -v a="$scpu" -v b="$rcpu" 'BEGIN{print a / b}')"
done
echo "(rps ratio above 1 and CPU ratio below 1 favour Shoal)"
