#!/usr/bin/env bash
# The npm package of the Node binding, for `npm install ./libdstack-dstack-sdk-VERSION.tgz`:
# src/, README.md, LICENSE and the addons prebuilt for linux-x64: prebuilds/linux-x64/dstack.node
# (libdstack linked in statically) and prebuilds/linux-x64/dstack_verify.node
# (libdstack_verify, loaded by @libdstack/dstack-sdk/verify on first use), packed by `npm pack`
# into DIST (default dist/). No dependencies, no install scripts, nothing fetched at install
# or run time.
#
#   bash bindings/node/pack.sh [DIST]          (scripts/dist.sh calls it after its build)
#
# The addon is built for the widest glibc: with zig from .tools/ (installed by
# scripts/dist.sh) as `zig cc -target x86_64-linux-gnu.2.17` over the cargo-zigbuild
# libdstack.a and libdstack_verify.a (target/x86_64-unknown-linux-gnu/release), so they load
# with glibc 2.17 or newer
# (Node 18+ itself needs 2.28). Without those, the system cc and target/release/libdstack.a:
# the addon then needs this machine's glibc, printed below.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIST="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
GLIBC=2.17
PLATFORM=linux-x64
ZIG_PY="$ROOT/.tools/py/bin/python"
ZIG_LIB="$ROOT/target/x86_64-unknown-linux-gnu/release/libdstack.a"
ZIG_VERIFY_LIB="$ROOT/target/x86_64-unknown-linux-gnu/release/libdstack_verify.a"
STAGE="$ROOT/target/node-pack/package"

for t in node npm objdump nm; do
  command -v "$t" >/dev/null || { echo "pack.sh: $t is required" >&2; exit 1; }
done
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || {
  echo "pack.sh: the package carries a $PLATFORM addon; build it on Linux x86_64" >&2; exit 1; }

if [ -x "$ZIG_PY" ] && "$ZIG_PY" -m ziglang version >/dev/null 2>&1 && [ -f "$ZIG_LIB" ] && [ -f "$ZIG_VERIFY_LIB" ]; then
  CC="$ZIG_PY -m ziglang cc -target x86_64-linux-gnu.$GLIBC"
  LIB="$ZIG_LIB"
  VERIFY_LIB="$ZIG_VERIFY_LIB"
  HOW="zig cc -target x86_64-linux-gnu.$GLIBC, $(realpath --relative-to="$ROOT" "$LIB")"
else
  CC="${CC:-cc}"
  LIB="$ROOT/target/release/libdstack.a"
  VERIFY_LIB="$ROOT/target/release/libdstack_verify.a"
  HOW="$CC (no zig in .tools/ or no cargo-zigbuild libdstack.a/libdstack_verify.a: run scripts/dist.sh for the portable build), $(realpath --relative-to="$ROOT" "$LIB")"
fi

rm -rf "$STAGE"
mkdir -p "$STAGE/prebuilds/$PLATFORM"
ADDON="$STAGE/prebuilds/$PLATFORM/dstack.node"
FORCE=1 OUT="$ADDON" LIBDSTACK_A="$LIB" CC="$CC" bash "$HERE/build-addon.sh" >/dev/null
VERIFY_ADDON="$STAGE/prebuilds/$PLATFORM/dstack_verify.node"
FORCE=1 VERIFY=1 OUT="$VERIFY_ADDON" LIBDSTACK_A="$VERIFY_LIB" CC="$CC" bash "$HERE/build-addon.sh" >/dev/null

# Only Node-API's entry points are exported; the newest glibc symbol each needs.
for a in "$ADDON" "$VERIFY_ADDON"; do
  exports="$(nm -D --defined-only "$a" | awk '{print $3}' | sort | tr '\n' ' ')"
  [ "$exports" = "napi_register_module_v1 node_api_module_get_api_version_v1 " ] || {
    echo "pack.sh: $a exports more than Node-API's entry points: $exports" >&2; exit 1; }
done
needs_glibc() { objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n1; }
NEEDS_GLIBC="$(needs_glibc "$ADDON")"
VERIFY_NEEDS_GLIBC="$(needs_glibc "$VERIFY_ADDON")"

cp -r "$HERE/src" "$STAGE/src"
install -m 644 "$HERE/README.md" "$STAGE/README.md"
install -m 644 "$ROOT/LICENSE" "$STAGE/LICENSE"
# package.json without what only the repository uses (test and build scripts, dev tools).
node -e '
  const pkg = require(process.argv[1])
  delete pkg.scripts
  delete pkg.devDependencies
  require("fs").writeFileSync(process.argv[2], JSON.stringify(pkg, null, 2) + "\n")
' "$HERE/package.json" "$STAGE/package.json"

# The staged package loads its own prebuilt addon.
version="$(cd "$STAGE" && env -u DSTACK_NODE_ADDON node -e "process.stdout.write(require('.').libraryVersion())")"
[ "$version" = "$(node -p "require('$STAGE/package.json').version")" ] || {
  echo "pack.sh: the staged package reports libdstack $version" >&2; exit 1; }
# ... and its own verification addon (loaded on first use of ./verify): the real TDX quote of
# testdata/dcap at 2025-06-25, inside its collateral's window, is UpToDate.
status="$(cd "$STAGE" && env -u DSTACK_NODE_VERIFY_ADDON node -e '
  const fs = require("fs"), d = process.argv[1] + "/testdata/dcap/"
  const r = require("./src/verification.js").verifyQuote(fs.readFileSync(d + "tdx_quote"),
    { collateral: fs.readFileSync(d + "tdx_quote_collateral.json"), now: 1750809600 })
  process.stdout.write(r.tcb_status)' "$ROOT")"
[ "$status" = UpToDate ] || {
  echo "pack.sh: the staged package's verification addon says $status for testdata/dcap/tdx_quote" >&2; exit 1; }

json="$(cd "$STAGE" && npm pack --json --pack-destination "$DIST" 2>/dev/null)"
read -r file size unpacked count < <(node -e '
  const [p] = JSON.parse(process.argv[1])
  console.log(p.filename, p.size, p.unpackedSize, p.entryCount)' "$json")
echo "node: $file: $size bytes packed, $unpacked unpacked, $count files"
echo "node: prebuilds/$PLATFORM/dstack.node $(stat -c %s "$ADDON") bytes, needs glibc $NEEDS_GLIBC or newer; built with $HOW"
echo "node: prebuilds/$PLATFORM/dstack_verify.node $(stat -c %s "$VERIFY_ADDON") bytes, needs glibc $VERIFY_NEEDS_GLIBC or newer"
