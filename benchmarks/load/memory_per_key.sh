#!/usr/bin/env bash
# memory_per_key.sh: memory per small key, Shoal side by side with redis-server.
#
# Loads the same N string keys into a fresh redis-server and a fresh Shoal, one
# after the other, with the same client (a RESP stream generated once and fed
# by `redis-cli --pipe`, which loads 1M keys in a few seconds), and reads each
# server's resident set size (VmRSS in /proc/<pid>/status) before and after.
# (RSS after - RSS before) / N is the figure that matters to an operator: it
# includes the allocator's overhead and fragmentation, which the servers'
# own accounting (INFO used_memory, shown too when the server reports it)
# leaves out.
#
# Keys are exactly 11 bytes ("key:0000001" .. "key:1000000"); values are
# VALUE_SIZE bytes of text that is not an integer ("v000...0001"), so neither
# server can keep them as integers.
#
# Usage: benchmarks/load/memory_per_key.sh [-n KEYS] [-v VALUE_SIZE] [--ttl] [--all]
#   -n KEYS        keys to load [1000000] (at most 9999999: the key has 7 digits)
#   -v VALUE_SIZE  value size in bytes [16] (the documented variants are 16 and 100)
#   --ttl          SET ... EX 3600, so every key carries an expire time
#   --all          the four variants: 16 and 100 bytes, without and with TTL
# Environment: SHOAL_BIN [build/shoal], REDIS_BIN [redis-server], THREADS [1]
# (Shoal --threads), SERVER_CPUS [0], CLIENT_CPUS [1].
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"

KEYS=1000000
VALUE_SIZE=16
TTL=0
ALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--keys) KEYS="$2"; shift 2 ;;
    -v|--value-size) VALUE_SIZE="$2"; shift 2 ;;
    --ttl) TTL=1; shift ;;
    --all) ALL=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "memory_per_key.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$KEYS" =~ ^[0-9]+$ ]] || [ "$KEYS" -lt 1 ] || [ "$KEYS" -gt 9999999 ]; then
  echo "memory_per_key.sh: -n must be 1..9999999" >&2; exit 2
fi
if ! [[ "$VALUE_SIZE" =~ ^[0-9]+$ ]] || [ "$VALUE_SIZE" -lt 8 ]; then
  echo "memory_per_key.sh: -v must be at least 8" >&2; exit 2
fi
for tool in redis-cli taskset "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "memory_per_key.sh: $tool not found" >&2; exit 1; }
done
[ -x "$SHOAL_BIN" ] || { echo "memory_per_key.sh: no Shoal binary at $SHOAL_BIN" >&2; exit 1; }

WORK="$(mktemp -d /tmp/shoal-memory.XXXXXX)"
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

# The RESP stream: KEYS x SET key value [EX 3600], written once per variant.
generate() {  # value_size ttl file
  awk -v n="$KEYS" -v vs="$1" -v ttl="$2" 'BEGIN {
    ex = ttl ? "$2\r\nEX\r\n$4\r\n3600\r\n" : ""
    head = ttl ? "*5\r\n$3\r\nSET\r\n$11\r\n" : "*3\r\n$3\r\nSET\r\n$11\r\n"
    vfmt = "\r\n$" vs "\r\nv%0" (vs - 1) "d\r\n"
    for (i = 1; i <= n; i++) printf head "key:%07d" vfmt "%s", i, i, ex
  }' >"$3"
}

used_memory() {  # port: INFO used_memory in bytes, or - if the server does not report it
  local v
  v="$(redis-cli -p "$1" info memory 2>/dev/null | tr -d '\r' |
    awk -F: '$1 == "used_memory" { print $2 }')"
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo -
}

# Starts one server, loads the stream, prints "rss_before_kb rss_after_kb used_memory_growth".
measure() {  # name stream
  local name="$1" stream="$2" port out before after dbsize used0 used
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
    echo "memory_per_key.sh: $name did not start; its log:" >&2
    cat "$WORK/$name.log" >&2
    exit 1
  fi
  before="$(rss_kb "$SERVER_PID")"
  used0="$(used_memory "$port")"
  out="$(taskset -c "$CLIENT_CPUS" redis-cli -p "$port" --pipe <"$stream" 2>&1)"
  if ! grep -q "errors: 0, replies: $KEYS" <<<"$out"; then
    echo "memory_per_key.sh: loading $name failed: $out" >&2
    exit 1
  fi
  sleep 1  # Let the last replies' buffers go back before reading RSS.
  after="$(rss_kb "$SERVER_PID")"
  dbsize="$(redis-cli -p "$port" dbsize)"
  if [ "$dbsize" != "$KEYS" ]; then
    echo "memory_per_key.sh: $name holds $dbsize keys, expected $KEYS" >&2
    exit 1
  fi
  used="$(used_memory "$port")"
  stop_server
  if [ "$used0" = - ] || [ "$used" = - ]; then
    echo "$before $after -"
  else
    echo "$before $after $((used - used0))"
  fi
}

# Runs one variant and prints its table rows.
variant() {  # value_size ttl
  local vs="$1" ttl="$2" label stream r s
  label="$vs-byte values"
  if [ "$ttl" = 1 ]; then label="$label, EX 3600"; fi
  stream="$WORK/stream.resp"
  generate "$vs" "$ttl" "$stream"
  r="$(measure redis "$stream")"
  s="$(measure shoal "$stream")"
  rm -f "$stream"
  awk -v label="$label" -v n="$KEYS" -v r="$r" -v s="$s" 'BEGIN {
    split(r, a, " "); split(s, b, " ")
    rb = (a[2] - a[1]) * 1024 / n; sb = (b[2] - b[1]) * 1024 / n
    ru = a[3] == "-" ? "-" : sprintf("%.1f", a[3] / n)
    su = b[3] == "-" ? "-" : sprintf("%.1f", b[3] / n)
    printf "%-26s %9.1f %9.1f %7.2f %10s %10s %9.1f %9.1f\n", label, rb, sb,
      (rb > 0 ? sb / rb : 0), ru, su, a[2] / 1024, b[2] / 1024
  }'
}

echo "redis: $("$REDIS_BIN" --version | head -1)"
echo "shoal: $(timeout 5 "$SHOAL_BIN" --version 2>/dev/null | head -1) ($SHOAL_BIN, --threads $THREADS)"
echo "$KEYS keys of 11 bytes; RSS from /proc/<pid>/status; used_memory from INFO memory"
echo
printf "%-26s %9s %9s %7s %10s %10s %9s %9s\n" "variant" "redis B/k" "shoal B/k" "ratio" \
  "redis used" "shoal used" "redis MB" "shoal MB"
if [ "$ALL" = 1 ]; then
  for vs in 16 100; do
    for ttl in 0 1; do variant "$vs" "$ttl"; done
  done
else
  variant "$VALUE_SIZE" "$TTL"
fi
echo "(B/k: RSS growth per key; used: INFO used_memory growth per key; MB: RSS after load)"
