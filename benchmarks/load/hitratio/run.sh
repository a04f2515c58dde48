#!/usr/bin/env bash
# hitratio/run.sh: hit ratios of Shoal's eviction policies and redis-server's
# allkeys-lru / allkeys-lfu on the same key streams and the same maxmemory.
#
# For each stream, every server is started fresh with --maxmemory MAXMEMORY
# and the policy, and hitratio.cc replays the stream as a read-through cache
# (GET, SET on a miss; VALUE_SIZE-byte values), then reports the hit ratio
# after the warm-up, and the keys the server held at the end.
#
# Streams (KEYS keys; see hitratio.cc):
#   zipf:0.8, zipf:0.99, zipf:1.2   Zipf popularity over the keyspace;
#   scanmix:0.99                    zipf:0.99 with a one-pass scan of SCAN_LEN
#                                   keys (never seen again) every SCAN_EVERY
#                                   requests.
# With the defaults redis-server holds ~48k keys at 8 MB, so the keyspace
# (600k) is about 12x what fits in its memory.
#
# Two comparisons:
#   same maxmemory   what a user sees: Shoal's leaner entries hold more keys.
#   same keys        Shoal's maxmemory set so that it holds as many keys as
#                    redis-server did (from the per-key cost measured in the
#                    first run): the policies alone.
#
# Usage: benchmarks/load/hitratio/run.sh [STREAM...]
# Environment: SHOAL_BIN [build/shoal], REDIS_BIN [redis-server], MAXMEMORY
# [8388608], KEYS [600000], REQUESTS [3000000], WARMUP [1000000], VALUE_SIZE
# [64], SCAN_EVERY [500000], SCAN_LEN [50000], POLICIES (Shoal's; default all
# allkeys-*), REDIS_POLICIES [allkeys-lru allkeys-lfu], SAME_KEYS [1] (0 skips
# the second comparison).
#
# The rss column is the server's resident memory (VmRSS) at the end of the
# replay, for the "same memory" claim: maxmemory bounds used_memory, and the
# allocators' overheads differ.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
HERE="$(cd "$(dirname "$0")" && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
MAXMEMORY="${MAXMEMORY:-8388608}"
KEYS="${KEYS:-600000}"
REQUESTS="${REQUESTS:-3000000}"
WARMUP="${WARMUP:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-64}"
SCAN_EVERY="${SCAN_EVERY:-500000}"
SCAN_LEN="${SCAN_LEN:-50000}"
POLICIES="${POLICIES:-allkeys-lru allkeys-lfu allkeys-fifo allkeys-random allkeys-s3fifo allkeys-wtinylfu}"
REDIS_POLICIES="${REDIS_POLICIES:-allkeys-lru allkeys-lfu}"
SAME_KEYS="${SAME_KEYS:-1}"
STREAMS=("$@")
[ ${#STREAMS[@]} -eq 0 ] && STREAMS=(zipf:0.8 zipf:0.99 zipf:1.2 scanmix:0.99)

WORK="$(mktemp -d /tmp/shoal-hitratio.XXXXXX)"
PID=""
stop() {
  if [ -n "$PID" ]; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
  fi
}
trap 'stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

GEN="$WORK/hitratio"
g++ -O2 -std=c++20 -o "$GEN" "$HERE/hitratio.cc"

free_port() {
  local p
  while :; do
    p=$((7000 + RANDOM % 1000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}
wait_up() {
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.05
  done
  echo "hitratio: server on port $1 did not start" >&2
  exit 1
}
start() {  # kind policy maxmemory -> sets PORT, PID
  PORT="$(free_port)"
  if [ "$1" = redis ]; then
    "$REDIS_BIN" --port "$PORT" --save '' --appendonly no --maxmemory "$3" \
      --maxmemory-policy "$2" >"$WORK/server.log" 2>&1 &
  else
    "$SHOAL_BIN" --port "$PORT" --threads 1 --maxmemory "$3" --maxmemory-policy "$2" \
      >"$WORK/server.log" 2>&1 &
  fi
  PID=$!
  wait_up "$PORT"
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
used_memory() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }

# Shoal's fixed cost (INFO baseline + one db's slot tables): used_memory with
# an empty db 0 that has been written once.
start shoal noeviction 0
redis-cli -p "$PORT" set x y >/dev/null
redis-cli -p "$PORT" del x >/dev/null
SHOAL_BASE="$(used_memory "$PORT")"
stop

rss_mb() { awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

run() {  # kind policy maxmemory stream -> prints "ratio zipf_ratio keys used rss_mb"
  start "$1" "$2" "$3"
  local out
  out="$("$GEN" --port="$PORT" --stream="$4" --keys="$KEYS" --requests="$REQUESTS" \
    --warmup="$WARMUP" --value-size="$VALUE_SIZE" --scan-every="$SCAN_EVERY" \
    --scan-len="$SCAN_LEN")"
  local keys used rss
  keys="$(redis-cli -p "$PORT" dbsize)"
  used="$(used_memory "$PORT")"
  rss="$(rss_mb "$PID")"
  stop
  if [ "$(field "$out" errors)" != 0 ]; then
    echo "hitratio: $1 $2 replied errors: $out" >&2
  fi
  echo "$(field "$out" ratio) $(field "$out" zipf_ratio) $keys $used $rss"
}

row() {  # stream server policy maxmemory result
  read -r ratio zratio keys used rss <<<"$5"
  printf "| %-13s | %-6s | %-17s | %9s | %7s | %7s | %6.2f | %6.2f |\n" "$1" "$2" "$3" \
    "$(awk -v m="$4" 'BEGIN { printf "%.2f MB", m / 1048576 }')" "$keys" "$rss" \
    "$(awk -v r="$ratio" 'BEGIN { print r * 100 }')" "$(awk -v r="$zratio" 'BEGIN { print r * 100 }')"
}

echo "redis: $("$REDIS_BIN" --version | head -1)"
echo "shoal: $("$SHOAL_BIN" --version | head -1); fixed cost $SHOAL_BASE bytes"
echo "keys $KEYS, values $VALUE_SIZE B, $REQUESTS requests ($WARMUP warm-up), maxmemory $MAXMEMORY"
echo "scanmix: a $SCAN_LEN-key one-pass scan every $SCAN_EVERY requests"
echo
echo "| stream        | server | policy            | maxmemory |    keys |  rss MB |  hit % | zipf % |"
echo "|---------------|--------|-------------------|-----------|---------|---------|--------|--------|"
for stream in "${STREAMS[@]}"; do
  target=0
  for policy in $REDIS_POLICIES; do
    res="$(run redis "$policy" "$MAXMEMORY" "$stream")"
    row "$stream" redis "$policy" "$MAXMEMORY" "$res"
    k="$(awk '{ print $3 }' <<<"$res")"
    [ "$k" -gt "$target" ] && target="$k"
  done
  declare -A cost=()
  for policy in $POLICIES; do
    res="$(run shoal "$policy" "$MAXMEMORY" "$stream")"
    row "$stream" shoal "$policy" "$MAXMEMORY" "$res"
    read -r _ _ keys used _ <<<"$res"
    cost[$policy]="$(awk -v u="$used" -v b="$SHOAL_BASE" -v k="$keys" 'BEGIN { print (u - b) / k }')"
  done
  if [ "$SAME_KEYS" = 1 ]; then
    for policy in $POLICIES; do
      mm="$(awk -v b="$SHOAL_BASE" -v c="${cost[$policy]}" -v t="$target" \
        'BEGIN { printf "%d", b + c * t }')"
      res="$(run shoal "$policy" "$mm" "$stream")"
      keys="$(awk '{ print $3 }' <<<"$res")"
      # Per-key cost is not quite linear (fixed per-stripe parts, the
      # eviction margin): one correction when short of the target by > 1%.
      if [ "$keys" -lt $((target * 99 / 100)) ]; then
        mm="$(awk -v b="$SHOAL_BASE" -v m="$mm" -v t="$target" -v k="$keys" \
          'BEGIN { printf "%d", b + (m - b) * t / k }')"
        res="$(run shoal "$policy" "$mm" "$stream")"
      fi
      row "$stream" shoal "$policy =keys" "$mm" "$res"
    done
  fi
  unset cost
done
echo
echo "(hit %: all requests after warm-up; zipf %: the zipf requests only (for scanmix, the"
echo " scan requests are misses under every policy); '=keys': maxmemory set so that Shoal"
echo " holds as many keys as redis-server did)"
