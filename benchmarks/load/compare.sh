#!/usr/bin/env bash
# compare.sh: throughput of Shoal side by side with redis-server.
#
# Method (docs/benchmarks.md has the why):
#   - both servers run at once with the same settings (no persistence, one
#     worker thread for Shoal), each pinned to SERVER_CPUS (core 0), and
#     redis-benchmark -- the same client for both -- is pinned to CLIENT_CPUS
#     (core 1), so server and client never fight for one core;
#   - each measurement is `redis-benchmark -t TEST -P depth -c 50 -d 32
#     -r 100000`, repeated REPEATS times; the two servers take turns test by
#     test, so the two halves of a pair run seconds apart, and the one that
#     goes first alternates between repetitions: a slow phase of the (shared,
#     noisy) machine hurts both alike;
#   - the keyspace is flushed before each pipeline depth, and the tests run in
#     the order given (GET finds what SET wrote), so both servers see the
#     same state;
#   - besides requests/s, the server's CPU time (user + system, all threads,
#     from /proc/<pid>/stat, read before and after each run) is recorded as
#     CPU seconds per million requests (numerically, microseconds per
#     request): what a user pays for the load; unlike throughput, it hardly
#     moves when another process steals the server's core;
#   - the table shows medians over the repetitions, and Shoal/Redis ratios
#     taken as the median of the per-repetition ratios of each pair.
#
# Usage: benchmarks/load/compare.sh
# Environment (defaults in brackets):
#   SHOAL_BIN [build/shoal]   REDIS_BIN [redis-server]   THREADS [1] (Shoal --threads)
#   IO_ENGINE [uring] (Shoal --io-engine: uring or epoll)
#   REPEATS [3]   REQUESTS [100000] (requests per test without pipelining)
#   REQUESTS_PIPELINED [10 x REQUESTS] (per test with pipelining, depth > 1)
#   PIPELINES ["1 16"]   TESTS [set,get,incr,lpush,lpop,hset,zadd,mget10]: redis-benchmark
#   -t names, plus mget10 (MGET of 10 random keys of the SET test's keyspace)
#   CLIENTS [50]   DATA_SIZE [32]
#   KEYSPACE [100000]   SERVER_CPUS [0]   CLIENT_CPUS [1]   KEEP_RAW [unset: a
#   directory to keep each run's CSV in]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$ROOT/build/shoal}"
REDIS_BIN="${REDIS_BIN:-redis-server}"
THREADS="${THREADS:-1}"
IO_ENGINE="${IO_ENGINE:-uring}"
REPEATS="${REPEATS:-3}"
REQUESTS="${REQUESTS:-100000}"
REQUESTS_PIPELINED="${REQUESTS_PIPELINED:-$((REQUESTS * 10))}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-set,get,incr,lpush,lpop,hset,zadd,mget10}"
CLIENTS="${CLIENTS:-50}"
DATA_SIZE="${DATA_SIZE:-32}"
KEYSPACE="${KEYSPACE:-100000}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPUS="${CLIENT_CPUS:-1}"

for tool in redis-benchmark redis-cli taskset "$REDIS_BIN"; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 1; }
done
[ -x "$SHOAL_BIN" ] || { echo "compare.sh: no Shoal binary at $SHOAL_BIN (build first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/shoal-compare.XXXXXX)"
declare -A PID=() PORT=()

stop_servers() {
  for name in "${!PID[@]}"; do
    local pid="${PID[$name]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  PID=()
}
cleanup() {
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port in 7000-7999 that nobody listens on (and that we have not taken).
free_port() {
  local p
  while :; do
    p=$((7000 + RANDOM % 1000))
    [[ " ${PORT[*]:-} " == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

wait_ready() {  # name
  local name="$1"
  for _ in $(seq 100); do
    if [ "$(redis-cli -p "${PORT[$name]}" ping 2>/dev/null)" = "PONG" ]; then return 0; fi
    kill -0 "${PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "compare.sh: $name did not start on port ${PORT[$name]}; its log:" >&2
  cat "$WORK/$name.log" >&2
  exit 1
}

PORT[redis]="$(free_port)"
taskset -c "$SERVER_CPUS" "$REDIS_BIN" --port "${PORT[redis]}" --save '' --appendonly no \
  >"$WORK/redis.log" 2>&1 &
PID[redis]=$!
PORT[shoal]="$(free_port)"
taskset -c "$SERVER_CPUS" "$SHOAL_BIN" --port "${PORT[shoal]}" --threads "$THREADS" \
  --io-engine "$IO_ENGINE" >"$WORK/shoal.log" 2>&1 &
PID[shoal]=$!
wait_ready redis
wait_ready shoal

echo "redis: $("$REDIS_BIN" --version | head -1)"
echo "shoal: $(timeout 5 "$SHOAL_BIN" --version 2>/dev/null | head -1) ($SHOAL_BIN, --threads $THREADS," \
  "$(redis-cli -p "${PORT[shoal]}" info server | grep -o 'multiplexing_api:[a-z_]*'))"
echo "servers on cpu $SERVER_CPUS, redis-benchmark on cpu $CLIENT_CPUS;" \
  "-c $CLIENTS -d $DATA_SIZE -r $KEYSPACE; -n $REQUESTS (P=1) / $REQUESTS_PIPELINED (P>1);" \
  "$REPEATS repeats"

# utime + stime of all threads, in clock ticks (fields 14 and 15, counted after the
# ")" that closes the command name, which may hold spaces).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# One measurement: one test at one pipeline depth against one server. Appends
# "server,pipeline,rep,test,rps,p50,p99,cpu_us_per_request" to results.csv.
measure() {  # name pipeline rep test
  local name="$1" pipe="$2" rep="$3" test="$4" n="$REQUESTS" out t0 t1 line
  [ "$pipe" -gt 1 ] && n="$REQUESTS_PIPELINED"
  out="$WORK/run-$name-P$pipe-$rep-$test.csv"
  local what=(-t "$test") label=""
  if [ "$test" = mget10 ]; then
    # A custom command: redis-benchmark names its CSV row after the command
    # line, so the row is relabelled below.
    what=(MGET)
    for _ in $(seq 10); do what+=("key:__rand_int__"); done
    label=MGET10
  fi
  t0="$(cpu_ticks "${PID[$name]}")"
  taskset -c "$CLIENT_CPUS" redis-benchmark -p "${PORT[$name]}" -P "$pipe" \
    -c "$CLIENTS" -d "$DATA_SIZE" -r "$KEYSPACE" -n "$n" --csv "${what[@]}" >"$out" \
    2>"$WORK/bench.err" || {
    echo "compare.sh: redis-benchmark -t $test failed against $name:" >&2
    cat "$WORK/bench.err" "$out" >&2
    exit 1
  }
  t1="$(cpu_ticks "${PID[$name]}")"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",...
  # The last row is the test asked for: lrange_* first prints its own LPUSH.
  line="$(awk -F'","' -v s="$name" -v p="$pipe" -v r="$rep" -v n="$n" -v label="$label" \
      -v cpu="$(( (t1 - t0) * TICK_US ))" 'NR >= 2 { t = $1; rps = $2; p50 = $5; p99 = $7 }
      END { if (t == "") exit;
      gsub(/"/, "", t); gsub(/ \(.*\)/, "", t); if (label != "") t = label;
      printf "%s,%s,%s,%s,%s,%s,%s,%.3f\n", s, p, r, t, rps, p50, p99, cpu / n }' "$out")"
  [ -n "$line" ] || { echo "compare.sh: no result for $test from $name" >&2; cat "$out" >&2; exit 1; }
  echo "$line" >>"$WORK/results.csv"
  SUMMARY[$name]+="$(awk -F, '{ printf "%s %.0f (%.2f s/M)  ", $4, $5, $8 }' <<<"$line")"
  if [ -n "${KEEP_RAW:-}" ]; then mkdir -p "$KEEP_RAW" && cp "$out" "$KEEP_RAW/"; fi
}

# The servers take turns test by test, so the two halves of each pair are
# seconds apart; which one goes first alternates from one repetition to the next.
declare -A SUMMARY=()
: >"$WORK/results.csv"
for rep in $(seq "$REPEATS"); do
  order="redis shoal"
  [ $((rep % 2)) -eq 0 ] && order="shoal redis"
  for pipe in $PIPELINES; do
    SUMMARY=()
    for name in $order; do redis-cli -p "${PORT[$name]}" flushall >/dev/null; done
    for test in ${TESTS//,/ }; do
      for name in $order; do measure "$name" "$pipe" "$rep" "$test"; done
    done
    for name in $order; do printf '  rep %d P=%-2s %-5s %s\n' "$rep" "$pipe" "$name" "${SUMMARY[$name]}"; done
  done
  for name in redis shoal; do
    kill -0 "${PID[$name]}" 2>/dev/null || { echo "compare.sh: $name died" >&2; exit 1; }
  done
done

echo
echo "Median of $REPEATS runs: requests/s; server CPU seconds (user+sys) per million requests"
echo "(= microseconds per request); p99 latency (ms)."
echo "Ratios are shoal/redis, the median of the per-repetition ratios of each side-by-side pair."
awk -F, '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    k = $4 SUBSEP $2
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
    rps[$1, k] = rps[$1, k] " " $5; p99[$1, k] = p99[$1, k] " " $7; cpu[$1, k] = cpu[$1, k] " " $8
    one_rps[$1, k, $3] = $5; one_cpu[$1, k, $3] = $8; reps[k] = reps[k] " " $3
  }
  END {
    printf "%-6s %3s | %10s %10s %6s | %9s %9s %6s | %9s %9s\n", "test", "P", "redis rps", "shoal rps",
      "ratio", "redis s/M", "shoal s/M", "ratio", "redis p99", "shoal p99"
    for (i = 1; i <= nk; i++) {
      k = order[i]; split(k, kp, SUBSEP)
      rr = ""; cr = ""; n = split(reps[k], rl, " "); delete done
      for (j = 1; j <= n; j++) {
        r = rl[j]; if (r in done) continue; done[r] = 1
        if (one_rps["redis", k, r] > 0) rr = rr " " one_rps["shoal", k, r] / one_rps["redis", k, r]
        if (one_cpu["redis", k, r] > 0) cr = cr " " one_cpu["shoal", k, r] / one_cpu["redis", k, r]
      }
      printf "%-6s %3s | %10.0f %10.0f %6.2f | %9.2f %9.2f %6.2f | %9.2f %9.2f\n", kp[1], kp[2],
        median(rps["redis", k]), median(rps["shoal", k]), median(rr),
        median(cpu["redis", k]), median(cpu["shoal", k]), median(cr),
        median(p99["redis", k]), median(p99["shoal", k])
    }
  }' "$WORK/results.csv"
echo "(rps ratio above 1 and CPU ratio below 1 favour Shoal)"
