#!/usr/bin/env bash
# run-micro.sh: runs every Google Benchmark binary of the build (parser_benchmark,
# store_benchmark and any other *_benchmark), each benchmark for a short
# minimum time, so that the whole set takes well under a minute. A binary that
# is not built (yet) is skipped with a message. The exit status is non-zero if
# a binary fails.
#
# Usage: benchmarks/run-micro.sh [BUILD_DIR] [extra Google Benchmark flags...]
#   e.g. benchmarks/run-micro.sh build --benchmark_filter=Parse
# Environment: MIN_TIME [0.05] seconds per benchmark (--benchmark_min_time;
# a plain number, which Google Benchmark 1.7 requires and later versions accept).
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${1:-$ROOT/build}"
[ $# -gt 0 ] && shift
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
MIN_TIME="${MIN_TIME:-0.05}"

if [ ! -d "$BUILD_DIR" ]; then
  echo "run-micro.sh: no build directory $BUILD_DIR (run: make build)" >&2
  exit 1
fi

# The binaries we expect, then any other *_benchmark the build produced.
binaries=()
declare -A seen=()
for name in parser_benchmark store_benchmark; do
  seen[$name]=1
  path=""
  for candidate in "$BUILD_DIR/benchmarks/micro/$name" "$BUILD_DIR/$name"; do
    if [ -x "$candidate" ]; then path="$candidate"; break; fi
  done
  if [ -z "$path" ]; then
    echo "run-micro.sh: $name is not built; skipping it"
  else
    binaries+=("$path")
  fi
done
while IFS= read -r path; do
  name="$(basename "$path")"
  [ -n "${seen[$name]:-}" ] && continue
  seen[$name]=1
  binaries+=("$path")
done < <(find "$BUILD_DIR" -type f -name '*_benchmark' -perm -u+x 2>/dev/null | sort)

status=0
start=$SECONDS
for path in "${binaries[@]}"; do
  echo
  echo "== $(basename "$path") =="
  if ! timeout 120 "$path" --benchmark_min_time="$MIN_TIME" "$@"; then
    echo "run-micro.sh: $(basename "$path") failed" >&2
    status=1
  fi
done
echo
echo "run-micro.sh: ${#binaries[@]} binaries in $((SECONDS - start)) s"
exit $status
