#!/usr/bin/env bash
# One version everywhere: the workspace version in Cargo.toml must be the version of every
# workspace crate (Cargo.lock), of the header (DSTACK_VERSION and its parts), of the
# pkg-config and CMake files install.sh writes, of the npm package, the Python package and
# the Go package, and what the built library's dstack_version() returns. Fails on any
# mismatch; the last line is "N passed, M failed".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

V="$(workspace_version)"
IFS=. read -r MAJOR MINOR PATCH <<<"$V"
[ -n "$MAJOR" ] && [ -n "$MINOR" ] && [ -n "$PATCH" ] || { echo "cannot read the workspace version from Cargo.toml" >&2; exit 1; }
echo "workspace version (Cargo.toml): $V"

passed=0
failed=0
# expect WHAT FOUND: FOUND must be the workspace version.
expect() {
  if [ "$2" = "$V" ]; then
    passed=$((passed + 1)); echo "ok   $1: $2"
  else
    failed=$((failed + 1)); echo "FAIL $1: '${2}', expected $V"
  fi
}

# Workspace crates: the Cargo.lock entries without a source.
while read -r name version; do
  expect "crate $name (Cargo.lock)" "$version"
done < <(awk '/^\[\[package\]\]/ { if (n != "" && !s) print n, v; n = ""; v = ""; s = 0 }
              /^name = /    { n = $3; gsub(/"/, "", n) }
              /^version = / { v = $3; gsub(/"/, "", v) }
              /^source = /  { s = 1 }
              END { if (n != "" && !s) print n, v }' Cargo.lock)

h=include/dstack.h
expect "$h DSTACK_VERSION" "$(sed -n 's/^#define DSTACK_VERSION "\(.*\)"$/\1/p' "$h")"
expect "$h DSTACK_VERSION_MAJOR.MINOR.PATCH" "$(sed -n 's/^#define DSTACK_VERSION_MAJOR \([0-9]*\)$/\1/p' "$h").$(
  sed -n 's/^#define DSTACK_VERSION_MINOR \([0-9]*\)$/\1/p' "$h").$(sed -n 's/^#define DSTACK_VERSION_PATCH \([0-9]*\)$/\1/p' "$h")"

json_version() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$@"; }
expect "bindings/node/package.json" "$(json_version bindings/node/package.json '["version"]')"
if [ -f bindings/node/package-lock.json ]; then
  expect "bindings/node/package-lock.json" "$(json_version bindings/node/package-lock.json '["version"]')"
  expect "bindings/node/package-lock.json (root package)" "$(json_version bindings/node/package-lock.json '["packages"][""]["version"]')"
fi
expect "bindings/python/src/dstack_sdk/_version.py" \
  "$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' bindings/python/src/dstack_sdk/_version.py)"
expect "bindings/go const Version" "$(sed -n 's/^const Version = "\(.*\)"$/\1/p' bindings/go/*.go | head -n1)"

# pkg-config and CMake: the files install.sh writes from the templates.
lib="$ROOT/target/release"
if [ -f "$lib/libdstack.so" ] && [ -f "$lib/libdstack.a" ]; then
  prefix="$(mktemp -d)"
  trap 'rm -rf "$prefix"' EXIT
  SKIP_BUILD=1 bash bindings/c/install.sh "$prefix" >/dev/null
  expect "pkg-config dstack" "$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion dstack)"
  expect "pkg-config dstack-static" "$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion dstack-static)"
  expect "CMake dstackConfigVersion.cmake" \
    "$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$prefix/lib/cmake/dstack/dstackConfigVersion.cmake")"
  expect "CMake dstackConfig.cmake dstack_VERSION" \
    "$(sed -n 's/^set(dstack_VERSION "\(.*\)")$/\1/p' "$prefix/lib/cmake/dstack/dstackConfig.cmake")"
  expect "libdstack.so file name (install.sh)" "$(basename "$(readlink -f "$prefix/lib/libdstack.so")" | sed 's/^libdstack\.so\.//')"
  expect "dstack_version() of target/release/libdstack.so" "$(python3 -c '
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.dstack_version.restype = ctypes.c_char_p
print(lib.dstack_version().decode())' "$lib/libdstack.so")"
else
  failed=$((failed + 1))
  echo "FAIL pkg-config, CMake and dstack_version(): no built library in target/release (cargo build --release -p dstack-ffi)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
