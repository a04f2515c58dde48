#!/usr/bin/env bash
# expiry_reclaim.sh: how fast the active expiry cycle gives back the memory of
# keys that expire while nobody reads them, and what it costs other clients.
#
# Loads N keys (default 1M, 11-byte keys, 16-byte values) with TTLs spread
# evenly over 1-5 s (SET key value PX 1000..5000) through `redis-cli --pipe`,
# while a probe client sends one PING per millisecond on its own connection
# and records every reply's latency. After the load, used_memory (INFO) and
# RSS (/proc) are sampled every 100 ms for WATCH seconds.
#
# Reported:
#   reclaimed at +Ts   share of the keys' memory given back T s after the load
#                      ended (all keys are expired 5 s after it), measured as
#                      (peak - now) / (peak - empty), by used_memory and by RSS;
#                      the peak is the highest value seen, lower than the keys'
#                      full size since some expire during the load, so the
#                      share is understated.
#   90% after          seconds after the load's end until 90% was reclaimed.
#   PING               replies, max / p99.9 latency, and replies slower than
#                      10 ms, over the whole run.
# Pass criteria (issue 3): >= 90% reclaimed 10 s after the load, no PING
# reply slower than 10 ms.
#
# Usage: benchmarks/load/expiry_reclaim.sh [-n KEYS] [--redis]
#   --redis   also run redis-server side by side (same client, same stream)
# Environment: SHOAL_BIN [build/shoal], REDIS_BIN [redis-server], THREADS [2]
# (Shoal --threads), WATCH [15] (seconds sampled after the load).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-2}"
WATCH="${WATCH:-15}"
KEYS=1000000
WITH_REDIS=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--keys) KEYS="$2"; shift 2 ;;
    --redis) WITH_REDIS=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "expiry_reclaim.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ -x "$SHOAL_BIN" ] || { echo "expiry_reclaim.sh: no Shoal binary at $SHOAL_BIN" >&2; exit 1; }
PY=/usr/bin/python3

WORK="$(mktemp -d /tmp/shoal-expiry.XXXXXX)"
SERVER_PID=""
PROBE_PID=""
stop_all() {
  [ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  PROBE_PID=""
}
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  while :; do
    p=$((7000 + RANDOM % 1000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}
rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }
used_memory() {
  redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}
now_ms() { date +%s%3N; }

# The RESP stream: SET key:NNNNNNN vNNN..(16 bytes) PX ttl, ttl over 1000..5000.
STREAM="$WORK/stream.resp"
awk -v n="$KEYS" 'BEGIN {
  for (i = 1; i <= n; i++) {
    ttl = 1000 + (i * 7919) % 4001
    printf "*5\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n$16\r\nv%015d\r\n$2\r\nPX\r\n$%d\r\n%d\r\n",
      i, i, length(ttl ""), ttl
  }
}' >"$STREAM"

# The PING probe: one PING per ms; on SIGTERM prints its statistics.
cat >"$WORK/probe.py" <<'EOF'
import signal, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
lat = []
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
while running:
    t0 = time.perf_counter()
    s.sendall(b"*1\r\n$4\r\nPING\r\n")
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += s.recv(64)
    lat.append((time.perf_counter() - t0) * 1000.0)
    time.sleep(0.001)
lat.sort()
n = len(lat)
with open(out, "w") as f:
    f.write("%d %.2f %.2f %d\n" % (n, lat[-1], lat[min(n - 1, int(n * 0.999))],
                                    sum(1 for x in lat if x > 10.0)))
EOF

run() {  # kind
  local kind="$1" port base_used base_rss load_start load_end peak_used=0 peak_rss=0
  port="$(free_port)"
  if [ "$kind" = redis ]; then
    "$REDIS_BIN" --port "$port" --save '' --appendonly no >"$WORK/server.log" 2>&1 &
  else
    "$SHOAL_BIN" --port "$port" --threads "$THREADS" >"$WORK/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
  done
  redis-cli -p "$port" set warm up >/dev/null  # allocate db 0's tables
  redis-cli -p "$port" del warm >/dev/null
  sleep 0.5
  base_used="$(used_memory "$port")"
  base_rss="$(rss_bytes "$SERVER_PID")"
  "$PY" "$WORK/probe.py" "$port" "$WORK/probe.out" &
  PROBE_PID=$!
  # Sample during the load too, for the peak.
  (
    while kill -0 "$SERVER_PID" 2>/dev/null && [ ! -e "$WORK/loaded" ]; do
      echo "$(used_memory "$port") $(rss_bytes "$SERVER_PID")"
      sleep 0.1
    done
  ) >"$WORK/during" &
  local sampler=$!
  load_start="$(now_ms)"
  redis-cli -p "$port" --pipe <"$STREAM" >"$WORK/pipe.out" 2>&1
  load_end="$(now_ms)"
  touch "$WORK/loaded"
  wait "$sampler" || true
  rm -f "$WORK/loaded"
  while read -r u r; do
    [ -n "$u" ] && [ "$u" -gt "$peak_used" ] && peak_used="$u"
    [ -n "$r" ] && [ "$r" -gt "$peak_rss" ] && peak_rss="$r"
  done <"$WORK/during"
  : >"$WORK/after"
  local t u r
  while :; do
    t=$(( $(now_ms) - load_end ))
    [ "$t" -gt $((WATCH * 1000)) ] && break
    u="$(used_memory "$port")"
    r="$(rss_bytes "$SERVER_PID")"
    [ "$u" -gt "$peak_used" ] && peak_used="$u"
    [ "$r" -gt "$peak_rss" ] && peak_rss="$r"
    echo "$t $u $r" >>"$WORK/after"
    sleep 0.1
  done
  kill -TERM "$PROBE_PID"
  wait "$PROBE_PID" 2>/dev/null || true
  PROBE_PID=""
  local keys_left expired
  keys_left="$(redis-cli -p "$port" dbsize)"
  expired="$(redis-cli -p "$port" info stats | tr -d '\r' | awk -F: '$1 == "expired_keys" { print $2 }')"
  stop_all
  awk -v kind="$kind" -v bu="$base_used" -v br="$base_rss" -v pu="$peak_used" -v pr="$peak_rss" \
    -v load="$(( load_end - load_start ))" -v left="$keys_left" -v expired="$expired" \
    -v probe="$(cat "$WORK/probe.out")" -v n="$KEYS" '
    function share(peak, base, now) { return peak > base ? 100 * (peak - now) / (peak - base) : 0 }
    {
      su = share(pu, bu, $2); sr = share(pr, br, $3)
      if (t90u == "" && su >= 90) t90u = $1 / 1000
      if (t90r == "" && sr >= 90) t90r = $1 / 1000
      if ($1 <= 5000) { a5u = su; a5r = sr }
      if ($1 <= 10000) { a10u = su; a10r = sr }
      last_u = su; last_r = sr
    }
    END {
      split(probe, p, " ")
      printf "%-6s load %.1f s; peak used %.1f MB, rss %.1f MB; %d keys left, %d expired\n",
        kind, load / 1000, (pu - bu) / 1048576, (pr - br) / 1048576, left, expired
      printf "       reclaimed  used_memory: +5s %5.1f%%  +10s %5.1f%%  end %5.1f%%  90%% after %s s\n",
        a5u, a10u, last_u, (t90u == "" ? "never" : t90u)
      printf "       reclaimed  rss:         +5s %5.1f%%  +10s %5.1f%%  end %5.1f%%  90%% after %s s\n",
        a5r, a10r, last_r, (t90r == "" ? "never" : t90r)
      printf "       PING: %d replies, max %.2f ms, p99.9 %.2f ms, %d slower than 10 ms\n",
        p[1], p[2], p[3], p[4]
    }' "$WORK/after"
}

echo "$KEYS keys, TTL 1-5 s, Shoal --threads $THREADS; times are after the load's end"
run shoal
[ "$WITH_REDIS" = 1 ] && run redis
exit 0
