#!/usr/bin/env bash
# Builds libdstack (release) and installs it under PREFIX:
#   PREFIX/include/dstack.h
#   PREFIX/lib/libdstack.so, PREFIX/lib/libdstack.a
#   PREFIX/lib/pkgconfig/dstack.pc          -> cc app.c $(pkg-config --cflags --libs dstack)
#   PREFIX/lib/cmake/dstack/dstackConfig*.cmake -> find_package(dstack) + dstack::dstack
# usage: bindings/c/install.sh PREFIX   (set SKIP_BUILD=1 to install an existing build)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$root" && cargo build --release -p dstack-ffi >&2)
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)"
IFS=. read -r major minor _ <<<"$version"
lib="$root/target/release"

install -d "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/dstack"
install -m 644 "$root/include/dstack.h" "$prefix/include/dstack.h"
install -m 755 "$lib/libdstack.so" "$prefix/lib/libdstack.so"
install -m 644 "$lib/libdstack.a" "$prefix/lib/libdstack.a"
subst() { sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@MAJOR@|$major|g" -e "s|@MINOR@|$minor|g" "$1"; }
subst "$root/bindings/c/dstack.pc.in" >"$prefix/lib/pkgconfig/dstack.pc"
subst "$root/bindings/c/dstackConfig.cmake.in" >"$prefix/lib/cmake/dstack/dstackConfig.cmake"
subst "$root/bindings/c/dstackConfigVersion.cmake.in" >"$prefix/lib/cmake/dstack/dstackConfigVersion.cmake"
echo "installed libdstack $version into $prefix"
echo "  PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc app.c \$(pkg-config --cflags --libs dstack)"
