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

echo "== end-to-end tests (pytest) =="
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests || status=1

if [ -f tests/node/package.json ]; then
  echo "== client tests (node) =="
  (cd tests/node && node --test) || status=1
fi
exit $status
