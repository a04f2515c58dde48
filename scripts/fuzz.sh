#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan+UBSan) in their own build
# directory and runs each for a bounded time over its seed corpus.
#
#   scripts/fuzz.sh [BUILD_DIR]        (make fuzz; FUZZ_SECONDS per target, default 60)
#   FUZZ_TARGETS="resp_parser_fuzz" FUZZ_SECONDS=600 scripts/fuzz.sh
#
# Each run starts from fuzz/corpus/<target>/ (the cluster targets' seeds are
# rewritten first by cluster_seeds, so they follow format changes) and
# grows a working corpus in BUILD_DIR/corpus/<target>/, kept between runs.
# A crash, a sanitizer report, an invariant violation, a leak, a timeout
# (FUZZ_TIMEOUT s per input) or an input using more than 2 GB fails the run; the
# input that did it is left as BUILD_DIR/artifacts/<target>/crash-* (rerun
# it with: BUILD_DIR/fuzz/<target> <that file>). Exits non-zero if any
# target failed. docs/testing.md.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${1:-build-fuzz}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-10}"
TARGETS="${FUZZ_TARGETS:-resp_parser_fuzz bus_message_fuzz nodes_file_fuzz restore_payload_fuzz}"
JOBS="${JOBS:-$(nproc)}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (scripts/install-deps.sh installs clang)" >&2
  exit 1
fi
# Coverage-instrumented libraries and ASan+UBSan everywhere (CMakeLists.txt,
# SHOAL_FUZZ). -O1: fast enough to fuzz, quick to build.
cmake -S . -B "$BUILD_DIR" -DSHOAL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ${FUZZ_CMAKE_ARGS:-} >/dev/null || exit 1
# shellcheck disable=SC2086
mkdir -p "$BUILD_DIR"
cmake --build "$BUILD_DIR" -j "$JOBS" --target cluster_seeds $TARGETS >"$BUILD_DIR/build.log" 2>&1 || {
  grep -E 'error' "$BUILD_DIR/build.log" | head -20 >&2
  echo "fuzz: build failed (log: $BUILD_DIR/build.log)" >&2
  exit 1
}
"$BUILD_DIR/fuzz/cluster_seeds" fuzz/corpus/bus_message_fuzz fuzz/corpus/nodes_file_fuzz 2>/dev/null ||
  { mkdir -p fuzz/corpus/bus_message_fuzz fuzz/corpus/nodes_file_fuzz &&
    "$BUILD_DIR/fuzz/cluster_seeds" fuzz/corpus/bus_message_fuzz fuzz/corpus/nodes_file_fuzz; }

# FUZZ_SECONDS=0: build and write the seeds only (make fuzz-seeds).
[ "$FUZZ_SECONDS" = 0 ] && exit 0

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for t in $TARGETS; do
  work="$BUILD_DIR/corpus/$t"
  artifacts="$BUILD_DIR/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  log="$BUILD_DIR/$t.log"
  start=$(date +%s)
  # New inputs go to the working corpus (the first directory); the seeds
  # are read, never written.
  "$BUILD_DIR/fuzz/$t" "$work" "fuzz/corpus/$t" -max_total_time="$FUZZ_SECONDS" \
    -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  if [ $rc -eq 0 ]; then
    echo "fuzz: $t ok: ${runs:-?} inputs in ${secs}s, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files"
  else
    status=1
    echo "fuzz: $t FAILED (exit $rc) after ${secs}s; log $log, input in $artifacts/"
    grep -E 'ERROR|invariant violated|runtime error|SUMMARY' "$log" | head -5
  fi
done
exit $status
