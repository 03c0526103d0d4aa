#!/bin/sh
# Builds the kernel's own tools/mm/page-types from Debian's linux-source-6.12
# package (the same tool, 6.12.117, that produced the reference outputs in
# shared/data/real/page-types/text-output/), so tests can check that the real
# tool reads the kpageflags images pagesim writes and agrees with pagesim.
#
# usage: .ci/build-page-types.sh [OUTDIR]     (default: build/page-types)
# Prints the path of the built binary on stdout; everything else goes to stderr.
# Needs root for apt-get (or the package already installed), gcc and make.
set -eu

OUT=${1:-build/page-types}
PKG=linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz

log() { printf '%s\n' "$*" >&2; }

if [ ! -f "$TARBALL" ]; then
  log "installing $PKG with apt-get (this downloads ~150 MB)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "$PKG" >&2
fi
[ -f "$TARBALL" ] || { log "error: $TARBALL not found after installing $PKG"; exit 1; }
command -v gcc >/dev/null 2>&1 || { log "error: gcc is required"; exit 1; }
command -v make >/dev/null 2>&1 || { log "error: make is required"; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SRC="$OUT/src"
rm -rf "$SRC"
mkdir -p "$SRC"

# page-types.c includes include/uapi/linux/{magic,kernel-page-flags}.h and
# <api/fs/fs.h> (tools/lib/api: debugfs__mount for -X/-x); tools/mm's Makefile
# builds libapi.a from tools/lib/api with tools/build and tools/scripts.
log "extracting tools/ and include/uapi/ from $TARBALL"
tar -C "$SRC" -xJf "$TARBALL" --strip-components=1 \
  linux-source-6.12/tools/mm \
  linux-source-6.12/tools/lib \
  linux-source-6.12/tools/include \
  linux-source-6.12/tools/build \
  linux-source-6.12/tools/scripts \
  linux-source-6.12/tools/arch \
  linux-source-6.12/include/uapi

log "building page-types"
make -s -C "$SRC/tools/mm" page-types >&2
cp "$SRC/tools/mm/page-types" "$OUT/page-types"
# Keep the exact source the binary came from, for reference.
cp "$SRC/tools/mm/page-types.c" "$OUT/page-types.c"
cp "$SRC/include/uapi/linux/kernel-page-flags.h" "$OUT/kernel-page-flags.h"
rm -rf "$SRC"
# The tool reads /proc/kpageflags unless given -F FILE (its long form --kpageflags is
# declared without an argument in 6.12 and does not work); it has no option for a
# kpagecount file: it opens /proc/kpagecount itself, and only for -l -M.
"$OUT/page-types" -h >/dev/null
printf '%s\n' "$OUT/page-types"
