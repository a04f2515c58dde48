#!/usr/bin/env bash
# Installs the Debian packages Shoal needs to build, test and benchmark.
# Idempotent and quiet when everything is already present. Runs apt-get as
# root (or through sudo when not root).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libuv1-dev libabsl-dev libxxhash-dev libgflags-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  liblua5.1-0-dev lua-cjson lua-bitop libssl-dev
  redis-tools redis-server
  python3 python3-redis python3-pytest
  python3-django-redis python3-limits python3-celery python3-kombu python3-rq
  nodejs npm
  iproute2 procps util-linux
  clang libclang-rt-dev systemd
  liburing-dev linux-perf
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# node/npm may come from outside Debian's packages (the machine image ships
# them); accept a working binary on PATH instead of the package.
filtered=()
for p in "${missing[@]:-}"; do
  [ -z "$p" ] && continue
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  filtered+=("$p")
done

if [ "${#filtered[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-deps: installing ${filtered[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${filtered[@]}" >/dev/null
  # The packaged redis-server starts a system service on 6379; Shoal's tests
  # start their own reference servers, so stop it to keep the port free.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl stop redis-server >/dev/null 2>&1 || true; fi
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi

# npm clients used by the tests live inside the repository.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$ROOT/tests/node/package.json" ] && { [ ! -d "$ROOT/tests/node/node_modules/ioredis" ] || [ ! -d "$ROOT/tests/node/node_modules/bullmq" ] || [ ! -d "$ROOT/tests/node/node_modules/redis" ]; }; then
  echo "install-deps: npm install (tests/node)"
  (cd "$ROOT/tests/node" && npm ci --no-audit --no-fund --silent >/dev/null)
fi
exit 0
