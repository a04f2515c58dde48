#!/usr/bin/env bash
# Builds shoal_<version>_<arch>.deb with dpkg-deb alone (no debhelper):
# the binary, /etc/shoal/shoal.conf (a conffile), the systemd unit and the
# maintainer scripts from packaging/. Needs no root: files are owned by
# root in the archive through --root-owner-group.
#
#   scripts/build-deb.sh [BINARY] [OUT_DIR]     (make deb: build/shoal, build-pkg)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BINARY="${1:-$ROOT/build/shoal}"
OUT="${2:-$ROOT/build-pkg}"
[ -x "$BINARY" ] || { echo "build-deb: no binary at $BINARY (make build)" >&2; exit 1; }

VERSION="$("$BINARY" --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
[ -n "$VERSION" ] || { echo "build-deb: cannot read the version of $BINARY" >&2; exit 1; }
ARCH="$(dpkg --print-architecture)"
STAGE="$OUT/shoal_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN"

# make install into the staging tree: /usr/bin/shoal, /etc/shoal/shoal.conf.
make -s -C "$ROOT" install-files SHOAL_BINARY="$BINARY" PREFIX=/usr SYSCONFDIR=/etc DESTDIR="$STAGE"
install -D -m 0644 "$ROOT/packaging/shoal.service" "$STAGE/lib/systemd/system/shoal.service"
install -D -m 0644 "$ROOT/README.md" "$STAGE/usr/share/doc/shoal/README.md"
install -d "$STAGE/var/lib/shoal"
strip --strip-debug -o "$STAGE/usr/bin/shoal.tmp" "$STAGE/usr/bin/shoal"
mv "$STAGE/usr/bin/shoal.tmp" "$STAGE/usr/bin/shoal"

# Depends: the Debian package of each shared library the binary loads.
# (one dpkg -S for all: it reads the whole file list each time).
libs="$(ldd "$STAGE/usr/bin/shoal" | awk '/=> \//{print $3}' | while read -r lib; do
  echo "$lib"; readlink -f "$lib"; done | sort -u)"
# shellcheck disable=SC2086
depends="$({ dpkg -S $libs 2>/dev/null || true; } | cut -d: -f1 | sort -u | grep -v '^libc6$' | paste -sd, |
  sed 's/,/, /g')"
depends="libc6${depends:+, $depends}"
size="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" \
  -e "s/@DEPENDS@/$depends/" "$ROOT/packaging/debian/control.in" >"$STAGE/DEBIAN/control"
for f in postinst prerm postrm; do
  install -m 0755 "$ROOT/packaging/debian/$f" "$STAGE/DEBIAN/$f"
done
install -m 0644 "$ROOT/packaging/debian/conffiles" "$STAGE/DEBIAN/conffiles"

dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$OUT/shoal_${VERSION}_${ARCH}.deb" >/dev/null
echo "$OUT/shoal_${VERSION}_${ARCH}.deb"
