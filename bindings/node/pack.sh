#!/usr/bin/env bash
# The npm packages of the Node binding, packed by `npm pack` into DIST (default dist/):
#   libdstack-dstack-sdk-VERSION.tgz         @libdstack/dstack-sdk: src/, README.md, LICENSE and
#                                            prebuilds/linux-x64/dstack.node (libdstack linked
#                                            in statically); at most 2 MB installed
#   libdstack-dstack-sdk-verify-VERSION.tgz  @libdstack/dstack-sdk-verify, optional, installed
#                                            beside it for offline verification: only
#                                            prebuilds/linux-x64/dstack_verify.node
#                                            (libdstack_verify, loaded by
#                                            @libdstack/dstack-sdk/verify on first use),
#                                            README.md (verify-package/), LICENSE
# No dependencies, no install scripts, nothing fetched at install or run time.
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
# The verify package, staged where the SDK package's require.resolve finds it (NODE_PATH).
VSTAGE_MODULES="$ROOT/target/node-pack/verify-modules"
VSTAGE="$VSTAGE_MODULES/@libdstack/dstack-sdk-verify"

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

rm -rf "$STAGE" "$VSTAGE_MODULES"
mkdir -p "$STAGE/prebuilds/$PLATFORM" "$VSTAGE/prebuilds/$PLATFORM"
ADDON="$STAGE/prebuilds/$PLATFORM/dstack.node"
FORCE=1 OUT="$ADDON" LIBDSTACK_A="$LIB" CC="$CC" bash "$HERE/build-addon.sh" >/dev/null
VERIFY_ADDON="$VSTAGE/prebuilds/$PLATFORM/dstack_verify.node"
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
# The verify package: the addon alone, the same version; no main, scripts or dependencies.
install -m 644 "$HERE/verify-package/README.md" "$VSTAGE/README.md"
install -m 644 "$ROOT/LICENSE" "$VSTAGE/LICENSE"
node -e '
  const sdk = require(process.argv[1])
  const pkg = {
    name: "@libdstack/dstack-sdk-verify",
    version: sdk.version,
    description: "The offline verification addon (dstack_verify.node) of @libdstack/dstack-sdk/verify",
    license: sdk.license,
    files: ["prebuilds", "README.md", "LICENSE"],
    engines: sdk.engines,
  }
  require("fs").writeFileSync(process.argv[2], JSON.stringify(pkg, null, 2) + "\n")
' "$HERE/package.json" "$VSTAGE/package.json"

# The staged package loads its own prebuilt addon.
version="$(cd "$STAGE" && env -u DSTACK_NODE_ADDON node -e "process.stdout.write(require('.').libraryVersion())")"
[ "$version" = "$(node -p "require('$STAGE/package.json').version")" ] || {
  echo "pack.sh: the staged package reports libdstack $version" >&2; exit 1; }
# Without the verify package, ./verify names it ...
missing="$(cd "$STAGE" && env -u DSTACK_NODE_VERIFY_ADDON NODE_PATH= node -e '
  try { require("./src/verification.js").verifyQuote(Buffer.alloc(0)) } catch (e) { process.stdout.write(e.message) }')"
case "$missing" in *"needs the optional package @libdstack/dstack-sdk-verify"*) ;; *)
  echo "pack.sh: without the verify package, the staged package says: $missing" >&2; exit 1 ;; esac
# ... and with it (loaded on first use of ./verify): the real TDX quote of testdata/dcap at
# 2025-06-25, inside its collateral's window, is UpToDate.
status="$(cd "$STAGE" && env -u DSTACK_NODE_VERIFY_ADDON NODE_PATH="$VSTAGE_MODULES" node -e '
  const fs = require("fs"), d = process.argv[1] + "/testdata/dcap/"
  const r = require("./src/verification.js").verifyQuote(fs.readFileSync(d + "tdx_quote"),
    { collateral: fs.readFileSync(d + "tdx_quote_collateral.json"), now: 1750809600 })
  const p = require("./src/verification.js").candidatePaths().find((f) => fs.existsSync(f))
  process.stdout.write(p === process.argv[2] ? r.tcb_status : `loaded ${p}`)' "$ROOT" "$VERIFY_ADDON")"
[ "$status" = UpToDate ] || {
  echo "pack.sh: the staged package's verification addon says $status for testdata/dcap/tdx_quote" >&2; exit 1; }

for s in "$STAGE" "$VSTAGE"; do
  json="$(cd "$s" && npm pack --json --pack-destination "$DIST" 2>/dev/null)"
  read -r file size unpacked count < <(node -e '
    const [p] = JSON.parse(process.argv[1])
    console.log(p.filename, p.size, p.unpackedSize, p.entryCount)' "$json")
  echo "node: $file: $size bytes packed, $unpacked unpacked, $count files"
done
echo "node: prebuilds/$PLATFORM/dstack.node $(stat -c %s "$ADDON") bytes, needs glibc $NEEDS_GLIBC or newer; built with $HOW"
echo "node: prebuilds/$PLATFORM/dstack_verify.node $(stat -c %s "$VERIFY_ADDON") bytes, needs glibc $VERIFY_NEEDS_GLIBC or newer"
