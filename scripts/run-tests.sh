#!/usr/bin/env bash
# Runs every test: unit tests (ctest) then the end-to-end suites (pytest,
# node). Exits non-zero if any fails.
set -uo pipefail
BUILD_DIR="${1:-build}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
status=0

echo "== unit tests (ctest) =="
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$(nproc)") || status=1

echo "== end-to-end tests (pytest, --io-engine uring: the default) =="
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests || status=1

# The same suite on the other socket path: every shoal a test starts goes
# through tests/shoal-io-engine.sh, which adds --io-engine epoll.
echo "== end-to-end tests (pytest, --io-engine epoll) =="
SHOAL_REAL_BIN="$ROOT/$BUILD_DIR/shoal" SHOAL_BIN="$ROOT/tests/shoal-io-engine.sh" \
  SHOAL_IO_ENGINE=epoll /usr/bin/python3 -m pytest -q -p no:cacheprovider tests || status=1

if [ -f tests/node/package.json ]; then
  echo "== client tests (node) =="
  (cd tests/node && node --test) || status=1
fi
# Short bounded runs of the sanitizer checks (docs/testing.md): every
# libFuzzer target for FUZZ_SECONDS (10) over its corpus, and an ASan+UBSan
# build running the unit tests and a pytest subset. SHOAL_SANITIZERS=0
# skips both (a quick local run); CI keeps them.
if [ "${SHOAL_SANITIZERS:-1}" != 0 ]; then
  echo "== fuzzing (libFuzzer, ${FUZZ_SECONDS:-10} s per target) =="
  FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash scripts/fuzz.sh build-fuzz || status=1
  echo "== ASan/UBSan: unit tests and a pytest subset =="
  bash scripts/test-asan.sh --quick build-asan || status=1
fi
exit $status
