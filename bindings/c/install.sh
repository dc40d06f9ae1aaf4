#!/usr/bin/env bash
# Builds libdstack (release) and installs it under PREFIX, in the layout of the release
# tarball that `make dist` makes:
#   PREFIX/include/dstack.h (and whatever else include/ holds)
#   PREFIX/lib/libdstack.so.VERSION, with the symlinks libdstack.so.MAJOR (the SONAME, what
#       programs load at run time) and libdstack.so (what the linker finds for -ldstack)
#   PREFIX/lib/libdstack.a
#   PREFIX/lib/pkgconfig/dstack.pc         shared: cc app.c $(pkg-config --cflags --libs dstack)
#   PREFIX/lib/pkgconfig/dstack-static.pc  static: cc app.c $(pkg-config --cflags --libs dstack-static)
#   PREFIX/lib/cmake/dstack/dstackConfig*.cmake  find_package(dstack): dstack::dstack, dstack::dstack_static
# The pkg-config and CMake files find the prefix from where they are, so the tree can be
# moved. The libraries are stripped (--strip-unneeded for the .so, --strip-debug for the .a).
# usage: bindings/c/install.sh PREFIX
#   SKIP_BUILD=1       install an existing build instead of running cargo build
#   LIBDSTACK_DIR=DIR  take libdstack.so and libdstack.a from DIR (default target/release)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$root" && cargo build --release --locked -p dstack-ffi >&2)
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)"
IFS=. read -r major minor _ <<<"$version"
src="${LIBDSTACK_DIR:-$root/target/release}"
for f in libdstack.so libdstack.a; do
    [ -f "$src/$f" ] || { echo "missing $src/$f (build it: cargo build --release -p dstack-ffi)" >&2; exit 1; }
done
soname="$(readelf -d "$src/libdstack.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[ "$soname" = "libdstack.so.$major" ] || {
    echo "$src/libdstack.so has SONAME '$soname', expected libdstack.so.$major (ffi/build.rs sets it)" >&2; exit 1; }

install -d "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/dstack"
for f in "$root"/include/*; do if [ -f "$f" ]; then install -m 644 "$f" "$prefix/include/"; fi; done
install -m 755 "$src/libdstack.so" "$prefix/lib/libdstack.so.$version"
strip --strip-unneeded "$prefix/lib/libdstack.so.$version"
ln -sfn "libdstack.so.$version" "$prefix/lib/libdstack.so.$major"
ln -sfn "libdstack.so.$major" "$prefix/lib/libdstack.so"
install -m 644 "$src/libdstack.a" "$prefix/lib/libdstack.a"
strip --strip-debug "$prefix/lib/libdstack.a"
subst() { sed -e "s|@VERSION@|$version|g" -e "s|@MAJOR@|$major|g" -e "s|@MINOR@|$minor|g" "$1"; }
subst "$root/bindings/c/dstack.pc.in" >"$prefix/lib/pkgconfig/dstack.pc"
subst "$root/bindings/c/dstack-static.pc.in" >"$prefix/lib/pkgconfig/dstack-static.pc"
subst "$root/bindings/c/dstackConfig.cmake.in" >"$prefix/lib/cmake/dstack/dstackConfig.cmake"
subst "$root/bindings/c/dstackConfigVersion.cmake.in" >"$prefix/lib/cmake/dstack/dstackConfigVersion.cmake"
echo "installed libdstack $version into $prefix"
echo "  PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc app.c \$(pkg-config --cflags --libs dstack)"
