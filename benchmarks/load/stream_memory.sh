#!/usr/bin/env bash
# stream_memory.sh: memory per stream entry, Shoal side by side with redis-server.
#
# The method of memory_per_key.sh: the same RESP stream of XADDs (generated
# once per variant, fed by `redis-cli --pipe`) into a fresh redis-server and
# a fresh Shoal, one after the other; (VmRSS after - VmRSS before) / entries
# is the figure, INFO used_memory growth is shown beside it.
#
# Variants (N entries each, auto IDs "*" as applications use them, so both
# servers pack many entries per millisecond as they would in production):
#   1field   one stream, one field "field" and a 16-byte text value
#   3fields  one stream, an event as BullMQ publishes one: event, jobId and
#            a 30-byte returnvalue
#   keys     N/100 streams of 100 entries each (per-stream overhead shows)
#   mixed    one stream whose entries alternate between two field sets (the
#            "same fields as the node's first entry" saving applies to half)
#
# Usage: benchmarks/load/stream_memory.sh [-n ENTRIES] [VARIANT ...]
# Environment: SHOAL_BIN [build/shoal], REDIS_BIN [redis-server], THREADS [1],
# SERVER_CPUS [0], CLIENT_CPUS [1].
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"

N=1000000
VARIANTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--entries) N="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    1field|3fields|keys|mixed) VARIANTS+=("$1"); shift ;;
    *) echo "stream_memory.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(1field 3fields keys mixed)
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 100 ]; then
  echo "stream_memory.sh: -n must be at least 100" >&2; exit 2
fi
for tool in redis-cli taskset awk "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "stream_memory.sh: $tool not found" >&2; exit 1; }
done
[ -x "$SHOAL_BIN" ] || { echo "stream_memory.sh: no Shoal binary at $SHOAL_BIN" >&2; exit 1; }

WORK="$(mktemp -d /tmp/shoal-stream-memory.XXXXXX)"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  while :; do
    p=$((7000 + RANDOM % 1000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# RESP for one XADD key * f1 v1 [f2 v2 ...] per entry.
generate() {  # variant file
  awk -v n="$N" -v variant="$1" '
    function bulk(s) { return "$" length(s) "\r\n" s "\r\n" }
    function xadd(key, fv, nf,   out, i) {
      out = "*" (3 + 2 * nf) "\r\n" bulk("XADD") bulk(key) bulk("*")
      for (i = 1; i <= 2 * nf; i++) out = out bulk(fv[i])
      return out
    }
    BEGIN {
      for (i = 1; i <= n; i++) {
        key = "stream"
        if (variant == "1field" || variant == "keys") {
          fv[1] = "field"; fv[2] = sprintf("v%015d", i); nf = 1
          if (variant == "keys") key = sprintf("stream:%07d", int((i - 1) / 100))
        } else if (variant == "3fields") {
          fv[1] = "event"; fv[2] = "completed"; fv[3] = "jobId"; fv[4] = i
          fv[5] = "returnvalue"; fv[6] = sprintf("{\"ok\":true,\"n\":%018d}", i); nf = 3
        } else {  # mixed
          if (i % 2) { fv[1] = "field"; fv[2] = sprintf("v%015d", i); nf = 1 }
          else { fv[1] = "other"; fv[2] = sprintf("w%015d", i); fv[3] = "x"; fv[4] = "1"; nf = 2 }
        }
        printf "%s", xadd(key, fv, nf)
      }
    }' >"$2"
}

used_memory() {
  local v
  v="$(redis-cli -p "$1" info memory 2>/dev/null | tr -d '\r' |
    awk -F: '$1 == "used_memory" { print $2 }')"
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo -
}

# Prints "rss_before_kb rss_after_kb used_memory_growth".
measure() {  # name stream
  local name="$1" stream="$2" port out before after used0 used
  port="$(free_port)"
  if [ "$name" = redis ]; then
    taskset -c "$SERVER_CPUS" "$REDIS_BIN" --port "$port" --save '' --appendonly no \
      >"$WORK/$name.log" 2>&1 &
  else
    taskset -c "$SERVER_CPUS" "$SHOAL_BIN" --port "$port" --threads "$THREADS" \
      >"$WORK/$name.log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$(redis-cli -p "$port" ping 2>/dev/null)" != "PONG" ]; then
    echo "stream_memory.sh: $name did not start; its log:" >&2
    cat "$WORK/$name.log" >&2
    exit 1
  fi
  before="$(rss_kb "$SERVER_PID")"
  used0="$(used_memory "$port")"
  out="$(taskset -c "$CLIENT_CPUS" redis-cli -p "$port" --pipe <"$stream" 2>&1)"
  if ! grep -q "errors: 0, replies: $N" <<<"$out"; then
    echo "stream_memory.sh: loading $name failed: $out" >&2
    exit 1
  fi
  sleep 1
  after="$(rss_kb "$SERVER_PID")"
  used="$(used_memory "$port")"
  stop_server
  if [ "$used0" = - ] || [ "$used" = - ]; then
    echo "$before $after -"
  else
    echo "$before $after $((used - used0))"
  fi
}

variant() {
  local v="$1" stream="$WORK/stream.resp" r s
  generate "$v" "$stream"
  r="$(measure redis "$stream")"
  s="$(measure shoal "$stream")"
  rm -f "$stream"
  awk -v label="$v" -v n="$N" -v r="$r" -v s="$s" 'BEGIN {
    split(r, a, " "); split(s, b, " ")
    rb = (a[2] - a[1]) * 1024 / n; sb = (b[2] - b[1]) * 1024 / n
    ru = a[3] == "-" ? "-" : sprintf("%.1f", a[3] / n)
    su = b[3] == "-" ? "-" : sprintf("%.1f", b[3] / n)
    printf "%-10s %9.1f %9.1f %7.2f %10s %10s %9.1f %9.1f\n", label, rb, sb,
      (rb > 0 ? sb / rb : 0), ru, su, a[2] / 1024, b[2] / 1024
  }'
}

echo "redis: $("$REDIS_BIN" --version | head -1)"
echo "shoal: $SHOAL_BIN (--threads $THREADS)"
echo "$N entries per variant; RSS from /proc/<pid>/status; used_memory from INFO memory"
echo
printf "%-10s %9s %9s %7s %10s %10s %9s %9s\n" "variant" "redis B/e" "shoal B/e" "ratio" \
  "redis used" "shoal used" "redis MB" "shoal MB"
for v in "${VARIANTS[@]}"; do variant "$v"; done
echo "(B/e: RSS growth per entry; used: INFO used_memory growth per entry; MB: RSS after load)"
