#!/usr/bin/env bash
# Builds the Node-API addon dstack.node: the generated wrappers (addon/dstack_gen.c), the
# runtime (addon/runtime.c) and libdstack.a linked statically, so the package needs no
# libdstack.so. Node's own headers (node_api.h ships with Node) and a C compiler are all it
# takes: no node-gyp, no network.
#
#   bash bindings/node/build-addon.sh            # → bindings/node/build/dstack.node
#
# Environment: OUT (the .node to write), LIBDSTACK_A (default target/release/libdstack.a,
# from `cargo build --release -p dstack-ffi`), CC (default cc; pack.sh passes zig cc),
# NODE_INCLUDE (default: the include/node folder next to the `node` on PATH). Skips the
# build when OUT is newer than every input; FORCE=1 rebuilds. SANITIZE=1 builds with
# AddressSanitizer and UBSan instead (default OUT build/asan/dstack.node; run node with
# LD_PRELOAD of libasan and libubsan), for run-tests.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SANITIZE="${SANITIZE:-0}"
# VERIFY=1 builds the second addon, dstack_verify.node: the wrappers of libdstack_verify
# (addon/dstack_verify_gen.c, from include/dstack_verify.abi.json) with libdstack_verify.a
# (`cargo build --release -p dstack-verify-ffi`), loaded by src/verification.js only.
VERIFY="${VERIFY:-0}"
if [ "$VERIFY" = 1 ]; then NAME=dstack_verify; GEN="$HERE/addon/dstack_verify_gen.c"; DEFAULT_LIB=libdstack_verify.a
else NAME=dstack; GEN="$HERE/addon/dstack_gen.c"; DEFAULT_LIB=libdstack.a; fi
if [ "$SANITIZE" = 1 ]; then OUT="${OUT:-$HERE/build/asan/$NAME.node}"; else OUT="${OUT:-$HERE/build/$NAME.node}"; fi
LIB="${LIBDSTACK_A:-$ROOT/target/release/$DEFAULT_LIB}"
CC="${CC:-cc}"
if [ -z "${NODE_INCLUDE:-}" ]; then
  command -v node >/dev/null || { echo "build-addon.sh: node is not on PATH (set NODE_INCLUDE to Node's include/node)" >&2; exit 1; }
  NODE_INCLUDE="$(dirname "$(dirname "$(command -v node)")")/include/node"
fi
[ -f "$NODE_INCLUDE/node_api.h" ] || {
  echo "build-addon.sh: no node_api.h in $NODE_INCLUDE (Node's headers come with Node; set NODE_INCLUDE)" >&2; exit 1; }
[ -f "$LIB" ] || {
  echo "build-addon.sh: no $LIB: run \`cargo build --release -p dstack-ffi -p dstack-verify-ffi\` at the repository root" >&2; exit 1; }

SOURCES=("$HERE/addon/runtime.c" "$GEN")
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT" ] &&
  [ -z "$(find "${SOURCES[@]}" "$HERE/addon/runtime.h" "$HERE/addon/exports.map" "$ROOT/include/dstack.h" "$ROOT/include/dstack_verify.h" "$LIB" "$0" -newer "$OUT" 2>/dev/null)" ]; then
  echo "build-addon.sh: $OUT is up to date"
  exit 0
fi

mkdir -p "$(dirname "$OUT")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# shellcheck disable=SC2206
CCV=($CC)
CFLAGS=(-std=c11 -O2 -fPIC -fvisibility=hidden -ffunction-sections -fdata-sections
  -Wall -Wextra -Werror -I"$ROOT/include" -I"$NODE_INCLUDE")
LDFLAGS=(-s)
if [ "$SANITIZE" = 1 ]; then
  SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  CFLAGS+=(-O1 -g "${SAN[@]}")
  LDFLAGS=("${SAN[@]}")
fi
for src in "${SOURCES[@]}"; do
  "${CCV[@]}" "${CFLAGS[@]}" -c "$src" -o "$TMP/$(basename "${src%.c}").o"
done
# --gc-sections drops what no wrapper reaches; the version script (addon/exports.map) keeps
# libdstack's symbols out of the dynamic symbol table, so the addon exports only Node-API's
# module entry points. Node-API functions stay undefined: Node provides them when it loads
# the addon.
"${CCV[@]}" -shared -o "$TMP/dstack.node" "$TMP"/*.o "$LIB" \
  -Wl,--gc-sections -Wl,--version-script="$HERE/addon/exports.map" -Wl,-z,noexecstack \
  -Wl,-z,relro -Wl,-z,now -Wl,--as-needed "${LDFLAGS[@]}" -lpthread -ldl -lm -lgcc_s
mv -f "$TMP/dstack.node" "$OUT"
echo "build-addon.sh: $OUT ($(stat -c %s "$OUT") bytes)"
