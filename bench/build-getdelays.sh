#!/usr/bin/env bash
# Builds the kernel's tools/accounting/getdelays.c (the anchor) outside the
# repository and prints the binary's path. Source: Debian's linux-source
# package (installed with apt-get when missing). Nothing here is committed.
set -euo pipefail
# The newest linux-source this machine's apt offers, unless told.
ver=${LINUX_SOURCE_VERSION:-$(apt-cache pkgnames linux-source- 2>/dev/null \
    | sed -n 's/^linux-source-\([0-9][0-9.]*\)$/\1/p' | sort -V | tail -1)}
ver=${ver:-6.12}
out=${GETDELAYS_BUILD_DIR:-${TMPDIR:-/tmp}/taskstat-getdelays}
if [ -x "$out/getdelays" ] && [ -f "$out/linux-source-version" ]; then
    echo "$out/getdelays"
    exit 0
fi
tarball=/usr/src/linux-source-$ver.tar.xz
if [ ! -f "$tarball" ]; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-source-$ver" >&2
fi
mkdir -p "$out"
tar -xJf "$tarball" -C "$out" --strip-components=1 \
    "linux-source-$ver/tools/accounting/getdelays.c" \
    "linux-source-$ver/include/uapi/linux/taskstats.h" \
    "linux-source-$ver/include/uapi/linux/cgroupstats.h" >&2
# The tree's own uapi headers first, so the struct matches its getdelays.c.
mkdir -p "$out/inc/linux"
cp "$out/include/uapi/linux/taskstats.h" "$out/include/uapi/linux/cgroupstats.h" "$out/inc/linux/"
gcc -O2 -I"$out/inc" "$out/tools/accounting/getdelays.c" -o "$out/getdelays" >&2
echo "$ver" >"$out/linux-source-version"
echo "$out/getdelays"
