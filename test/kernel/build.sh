#!/usr/bin/env bash
# Builds linux 6.12 (Debian's linux-source-6.12) for KUnit under QEMU with the
# suites in EXPORT_DIR (pagesim_*_kunit.c, from `pagesim kunit --out`) in mm/.
# The unpacked tree and the build are cached under
# $PAGESIM_KERNEL_CACHE/KEY (default ${XDG_CACHE_HOME:-$HOME/.cache}/pagesim/kernel),
# KEY a hash of the kunitconfig, the Kconfig/Makefile lines and the package
# version: a cold build takes about 12 minutes on 2 cores, one with only new
# suites a few. PAGESIM_KERNEL_CACHE=an empty directory measures a cold build.
#
# usage: test/kernel/build.sh EXPORT_DIR
# Prints the cache directory on stdout; progress goes to stderr.
set -euo pipefail
EXPORT_DIR=$(cd "${1:?usage: build.sh EXPORT_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PKG=linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz
log() { printf 'kernel: %s\n' "$*" >&2; }

need=()
[ -f "$TARBALL" ] || need+=("$PKG")
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
for t in gcc make flex bison bc python3 xz; do command -v $t >/dev/null 2>&1 || need+=("$t"); done
[ -f /usr/include/libelf.h ] || need+=(libelf-dev)
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${need[@]}" | sed 's/^python3$/python3/; s/^xz$/xz-utils/' | sort -u | tr '\n' ' ')
  log "installing $pkgs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $pkgs libc6-dev >&2
fi

VERSION=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || stat -c %s "$TARBALL")
KCONFIG_LINES=$'config PAGESIM_KUNIT\n\tbool "KUnit tests exported from pagesim scenarios"\n\tdepends on KUNIT\n'
MAKEFILE_LINE='obj-$(CONFIG_PAGESIM_KUNIT) += $(patsubst $(src)/%.c,%.o,$(wildcard $(src)/pagesim_*_kunit.c))'
KEY=$( { cat "$HERE/kunitconfig"; printf '%s\n%s\n%s\n' "$KCONFIG_LINES" "$MAKEFILE_LINE" "$VERSION"; } | sha256sum | cut -c1-16)
CACHE="${PAGESIM_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pagesim/kernel}/$KEY"
SRC="$CACHE/$PKG"
BUILD="$CACHE/build"
mkdir -p "$CACHE"

if [ ! -f "$SRC/Makefile" ]; then
  log "unpacking $TARBALL into $CACHE"
  rm -rf "$SRC"
  tar -C "$CACHE" -xJf "$TARBALL"
fi
if ! grep -q '^config PAGESIM_KUNIT' "$SRC/mm/Kconfig"; then
  # Before the final endmenu of mm/Kconfig.
  python3 - "$SRC/mm/Kconfig" "$KCONFIG_LINES" <<'PY'
import sys
path, lines = sys.argv[1], sys.argv[2]
text = open(path).read()
i = text.rstrip().rfind('endmenu')
open(path, 'w').write(text[:i] + lines + '\n' + text[i:])
PY
  printf '%s\n' "$MAKEFILE_LINE" >> "$SRC/mm/Makefile"
fi

# The suites: stale ones removed, unchanged ones left alone so make does not rebuild them.
for f in "$SRC"/mm/pagesim_*_kunit.c; do
  [ -e "$f" ] || continue
  [ -e "$EXPORT_DIR/$(basename "$f")" ] || rm -f "$f" "$BUILD/mm/$(basename "${f%.c}").o"
done
for f in "$EXPORT_DIR"/pagesim_*_kunit.c; do
  [ -e "$f" ] || continue
  cmp -s "$f" "$SRC/mm/$(basename "$f")" || cp "$f" "$SRC/mm/"
done

mkdir -p "$BUILD"
cp "$HERE/kunitconfig" "$BUILD/.kunitconfig.pagesim"
log "building in $BUILD (cold: about 12 minutes on 2 cores)"
cd "$SRC"
python3 tools/testing/kunit/kunit.py build --arch=x86_64 --build_dir="$BUILD" \
  --kunitconfig="$BUILD/.kunitconfig.pagesim" --jobs="$(nproc)" >&2
printf '%s\n' "$CACHE"
