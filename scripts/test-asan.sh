#!/usr/bin/env bash
# Builds Shoal with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DSHOAL_SANITIZE=address) in its own build directory and runs the unit
# tests and the end-to-end suites against that binary. Fails on any test
# failure and on any sanitizer report, including reports from a server
# process that the suites started (they go to files, see below).
#
#   scripts/test-asan.sh [BUILD_DIR]            make test-asan: every unit test (ctest),
#                                               every pytest suite
#   scripts/test-asan.sh --quick [BUILD_DIR]    what `make test` runs: the shoal
#                                               binary, the unit tests, ASAN_SUITES
#   ASAN_SUITES="tests/test_bad_input.py" scripts/test-asan.sh ...
#
# Sanitizer output: ASAN_OPTIONS/UBSAN_OPTIONS send every report to
# BUILD_DIR/sanitizer-logs/<tool>.<pid>; the suites' fixtures pipe the
# server's stderr and never read it, so a report written there would be
# lost. No file there means no report. docs/testing.md.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
QUICK=0
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
BUILD_DIR="${1:-build-asan}"
JOBS="${JOBS:-$(nproc)}"
QUICK_SUITES="tests/test_bad_input.py tests/test_connection.py tests/test_io_engine.py"
if [ $QUICK = 1 ]; then SUITES="${ASAN_SUITES:-$QUICK_SUITES}"; else SUITES="${ASAN_SUITES:-tests}"; fi

# -O1 keeps ASan's stacks readable and the build quicker than -O2; asserts
# stay on (no NDEBUG): an invariant that breaks is a finding too.
cmake -S . -B "$BUILD_DIR" -DSHOAL_SANITIZE=address -DSHOAL_BENCHMARKS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" ${ASAN_CMAKE_ARGS:-} >/dev/null || exit 1
mkdir -p "$BUILD_DIR"
start=$(date +%s)
if ! cmake --build "$BUILD_DIR" -j "$JOBS" >"$BUILD_DIR/build.log" 2>&1; then
  grep -E 'error' "$BUILD_DIR/build.log" | head -20 >&2
  echo "asan: build failed (log: $BUILD_DIR/build.log)" >&2
  exit 1
fi
echo "asan: built in $(( $(date +%s) - start ))s"

LOGS="$ROOT/$BUILD_DIR/sanitizer-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
# halt_on_error: a UBSan finding stops the process like an ASan one does,
# so a unit test with undefined behaviour fails. detect_leaks: a server
# that leaks on shutdown is reported too.
export ASAN_OPTIONS="log_path=$LOGS/asan:detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="log_path=$LOGS/ubsan:print_stacktrace=1:halt_on_error=1"
status=0

echo "== asan: unit tests (ctest) =="
start=$(date +%s)
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS" --timeout 600) >"$BUILD_DIR/ctest.log" 2>&1 || status=1
tail -3 "$BUILD_DIR/ctest.log"
[ $status = 0 ] || grep -E 'Failed|\*\*\*' "$BUILD_DIR/ctest.log" | head -20
echo "asan: unit tests took $(( $(date +%s) - start ))s"

echo "== asan: end-to-end tests ($SUITES) =="
start=$(date +%s)
# shellcheck disable=SC2086
SHOAL_BIN="$ROOT/$BUILD_DIR/shoal" /usr/bin/python3 -m pytest -q -p no:cacheprovider $SUITES || status=1
echo "asan: end-to-end tests took $(( $(date +%s) - start ))s"

reports=$(ls "$LOGS" 2>/dev/null | wc -l)
if [ "$reports" -gt 0 ]; then
  status=1
  echo "asan: $reports sanitizer report file(s) in $LOGS:"
  for f in "$LOGS"/*; do
    echo "--- $f"
    grep -E 'ERROR|runtime error|SUMMARY|^    #[0-4] ' "$f" | head -12
  done
else
  echo "asan: no sanitizer reports"
fi
exit $status
