#!/usr/bin/env bash
# Package smoke test: `make dist`, then, in a temporary folder outside the repository and
# with cargo and rustc off PATH, installs each artifact the way its ecosystem does and
# calls the dist simulator through it (one GetKey and one GetQuote each; the key must be
# 32 bytes, the signature chain 2 entries, the quote non-empty):
#   Python  pip install of the wheel into a new venv; auditwheel says manylinux_2_28 or
#           lower; the wheel holds LICENSE and a stripped library. The sdist, without
#           cargo, must fail with a message naming the Rust toolchain and rustup.
#   Go      go mod tidy and go build of a program whose go.mod replaces the module with dist/go; a
#           fully static build too; with CGO_ENABLED=0 the error must say cgo is required.
#   C       the tarball unpacked; programs built with pkg-config (dstack, dstack-static)
#           and with CMake (dstack::dstack, dstack::dstack_static); then the folder is
#           moved: the shared ones run with the new lib/ on LD_LIBRARY_PATH (and fail
#           without it), the static ones as they are.
#   Node    npm install of the SDK tarball alone into a new project (npm init -y), offline:
#           it has no dependencies and no install scripts; the prebuilt addon inside it is
#           the one loaded; node_modules with dependencies is at most 2 MB (du -sb). Then the
#           optional verify package (@libdstack/dstack-sdk-verify: the verification addon
#           dstack_verify.node, loaded only by @libdstack/dstack-sdk/verify) installed beside
#           it: both sizes reported.
# Then, per language, one offline verification through libdstack_verify as installed (the
# real Intel TDX quote testdata/dcap/tdx_quote with its collateral, copied out of the
# repository, at 2025-06-25, inside the collateral's window: TCB status UpToDate): C through
# pkg-config (dstack-verify, dstack-verify-static) and CMake (dstack::dstack_verify,
# dstack::dstack_verify_static), Python through dstack_sdk.verify (the libdstack_verify.so in
# the wheel), Go built with -tags dstack_verify, Node through @libdstack/dstack-sdk/verify
# (the prebuilt dstack_verify.node of @libdstack/dstack-sdk-verify, installed beside it).
# SMOKE_SKIP_DIST=1 tests the dist/ that is there. The last line is "N passed, M failed".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
need python3 "install Python 3.10+"; need go "install Go"; need cc "install gcc"
need pkg-config "apt-get install pkg-config"; need cmake "apt-get install cmake"
need node "install Node 18+"; need npm "install npm"

START=$(date +%s)
if [ "${SMOKE_SKIP_DIST:-0}" != 1 ]; then
  bash scripts/dist.sh
fi
DIST_TIME=$(( $(date +%s) - START ))

VERSION="$(workspace_version)"
MAJOR="${VERSION%%.*}"
DIST="$ROOT/dist"
C_NAME="libdstack-$VERSION-linux-x86_64"
TARBALL="$DIST/$C_NAME.tar.gz"
SDIST="$DIST/libdstack_sdk-$VERSION.tar.gz"
WHEEL="$(ls "$DIST"/libdstack_sdk-"$VERSION"-py3-none-*.whl 2>/dev/null | head -n1 || true)"
NPM_TGZ="$DIST/libdstack-dstack-sdk-$VERSION.tgz"
NPM_VERIFY_TGZ="$DIST/libdstack-dstack-sdk-verify-$VERSION.tgz"
for f in "$TARBALL" "$SDIST" "$WHEEL" "$DIST/go/go.mod" "$DIST/dstack-simulator" "$NPM_TGZ" "$NPM_VERIFY_TGZ"; do
  [ -n "$f" ] && [ -e "$f" ] || { echo "missing dist artifact ${f:-(the wheel)}: run make dist" >&2; exit 1; }
done
AUDITWHEEL="$ROOT/.tools/py/bin/auditwheel"

T="$(mktemp -d)"
case "$T/" in "$ROOT"/*) echo "the temporary folder $T is inside the repository" >&2; exit 1 ;; esac
cleanup() { stop_simulator; rm -rf "$T"; }
trap cleanup EXIT

# The evidence of the offline verifications, outside the repository; NOW is 2025-06-25T00:00:00Z,
# inside the window of tdx_quote_collateral.json (testdata/README.md).
install -D -m 644 "$ROOT/testdata/dcap/tdx_quote" "$T/evidence/tdx_quote"
install -D -m 644 "$ROOT/testdata/dcap/tdx_quote_collateral.json" "$T/evidence/tdx_quote_collateral.json"
EVIDENCE=("$T/evidence/tdx_quote" "$T/evidence/tdx_quote_collateral.json" 1750809600)
SMOKE_SRC="$ROOT/scripts/smoke"

# Nothing of the repository may leak into the installs: no cargo/rustc on PATH, none of
# the variables the repository's scripts set.
unset LIBDSTACK_PATH DSTACK_SIMULATOR_BIN DSTACK_SIMULATOR_ENDPOINT TAPPD_SIMULATOR_ENDPOINT \
  CARGO CARGO_TARGET_DIR RUSTC PKG_CONFIG_PATH LD_LIBRARY_PATH CMAKE_PREFIX_PATH GOFLAGS \
  CGO_CFLAGS CGO_LDFLAGS VIRTUAL_ENV PYTHONPATH DSTACK_NODE_ADDON NODE_PATH
no_rust_path() {
  local out="" d
  local IFS=:
  for d in $PATH; do
    [ -n "$d" ] || continue
    if [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ]; then continue; fi
    case "$d/" in "$ROOT"/*) continue ;; esac
    out="${out:+$out:}$d"
  done
  printf '%s' "$out"
}
PATH="$(no_rust_path)"
export PATH GOTOOLCHAIN=local
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  echo "cargo or rustc is still on PATH ($PATH)" >&2; exit 1
fi
cd "$T"

passed=0
failed=0
step() { # NAME COMMAND…
  local name="$1"; shift
  if "$@" >"$T/step.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"; grep -E '^(c|go|python|auditwheel|node): ' "$T/step.log" | sed 's/^/       /' || true
  else
    failed=$((failed + 1)); echo "FAIL $name"; tail -n 40 "$T/step.log" | sed 's/^/       /'
  fi
}

# The dist simulator, copied out of the repository.
install -D -m 755 "$DIST/dstack-simulator" "$T/bin/dstack-simulator"
SIM_BIN="$T/bin/dstack-simulator"
start_simulator "$T/agent"
SOCK="$T/agent/dstack.sock"
echo "simulator (dist/dstack-simulator): $SOCK"

# ---- Python
python_wheel() {
  python3 -m venv "$T/py"
  "$T/py/bin/pip" install --quiet --no-index --disable-pip-version-check "$WHEEL"
  (cd "$T" && "$T/py/bin/python" "$ROOT/scripts/smoke/app.py" "$SOCK")
  local lib
  lib="$("$T/py/bin/python" -c 'import dstack_sdk; print(dstack_sdk.library_path())')"
  if readelf -S "$lib" | grep -q ' \.symtab '; then echo "the library in the wheel is not stripped"; return 1; fi
  "$T/py/bin/python" - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE in the wheel"
EOF
}
step "python: pip install the wheel into a new venv; GetKey and GetQuote" python_wheel

wheel_is_manylinux() {
  local out tag glibc
  out="$("$AUDITWHEEL" show "$WHEEL")"
  echo "$out"
  tag="$(grep -o 'manylinux_2_[0-9]*_x86_64' <<<"$out" | head -n1)"
  [ -n "$tag" ] || { echo "auditwheel names no manylinux tag"; return 1; }
  glibc="$(sed 's/manylinux_2_\([0-9]*\)_x86_64/\1/' <<<"$tag")"
  echo "auditwheel: $(basename "$WHEEL") is consistent with $tag"
  [ "$glibc" -le 28 ] && [[ "$(basename "$WHEEL")" == *-py3-none-*manylinux* ]]
}
step "python: auditwheel show: manylinux_2_28 or lower, py3-none" wheel_is_manylinux

python_verify() {
  (cd "$T" && "$T/py/bin/python" "$SMOKE_SRC/verify.py" "${EVIDENCE[@]}")
  local lib
  lib="$("$T/py/bin/python" -c 'from dstack_sdk import verify; print(verify.library_path())')"
  if readelf -S "$lib" | grep -q ' \.symtab '; then echo "libdstack_verify.so in the wheel is not stripped"; return 1; fi
  echo "python: $(basename "$lib") in the wheel: $(stat -c %s "$lib") bytes"
}
step "python: dstack_sdk.verify (libdstack_verify.so in the wheel) verifies the TDX quote offline: UpToDate" python_verify

sdist_without_cargo() {
  python3 -m venv "$T/py-sdist"
  local out
  if out="$("$T/py-sdist/bin/pip" install --disable-pip-version-check "$SDIST" 2>&1)"; then
    echo "$out"; echo "pip installed the sdist without cargo"; return 1
  fi
  grep -q 'cargo, the Rust toolchain' <<<"$out" && grep -q 'https://rustup.rs' <<<"$out" || {
    echo "$out"; echo "pip failed without the message about the Rust toolchain"; return 1; }
  if "$T/py-sdist/bin/pip" show libdstack-sdk >/dev/null 2>&1; then echo "a package got installed"; return 1; fi
  echo "python: without cargo: $(grep -m1 'cargo, the Rust toolchain' <<<"$out" | sed 's/^[^a-zA-Z]*//')"
}
step "python: pip install of the sdist without cargo fails, naming the Rust toolchain and rustup" sdist_without_cargo

# ---- Go
go_module() {
  cp -r "$DIST/go" "$T/gomod"
  [ -f "$T/gomod/LICENSE" ] && [ -f "$T/gomod/include/dstack.h" ] && [ -f "$T/gomod/lib/linux_amd64/libdstack.a" ] || {
    echo "dist/go lacks LICENSE, include/dstack.h or lib/linux_amd64/libdstack.a"; return 1; }
  if ls "$T/gomod"/*_test.go >/dev/null 2>&1; then echo "dist/go ships tests"; return 1; fi
  mkdir -p "$T/goapp"
  cp "$ROOT/scripts/smoke/main.go" "$T/goapp/"
  cat >"$T/goapp/go.mod" <<EOF
module smoke

go 1.22

require github.com/libdstack/libdstack/bindings/go v$VERSION

replace github.com/libdstack/libdstack/bindings/go => $T/gomod
EOF
  # go mod tidy records the module's own requirements (if any) in go.sum, as a user's would.
  (cd "$T/goapp" && go mod tidy && CGO_ENABLED=1 go build -o "$T/go-app" . && "$T/go-app" "$SOCK")
}
step "go: go build against the dist module (replace); GetKey and GetQuote" go_module

go_static() {
  (cd "$T/goapp" && CGO_ENABLED=1 go build -ldflags '-linkmode external -extldflags "-static"' -o "$T/go-app-static" .)
  if readelf -l "$T/go-app-static" | grep -q INTERP || readelf -d "$T/go-app-static" | grep -q NEEDED; then
    echo "not a static executable"; return 1
  fi
  "$T/go-app-static" "$SOCK"
}
step "go: fully static build (-linkmode external -extldflags -static) runs" go_static

go_verify() {
  [ -f "$T/gomod/lib/linux_amd64/libdstack_verify.a" ] || { echo "dist/go lacks lib/linux_amd64/libdstack_verify.a"; return 1; }
  mkdir -p "$T/goverify"
  cp "$SMOKE_SRC/verify_go/main.go" "$T/goverify/"
  sed 's/^module smoke$/module smokeverify/' "$T/goapp/go.mod" >"$T/goverify/go.mod"
  (cd "$T/goverify" && go mod tidy && CGO_ENABLED=1 go build -tags dstack_verify -o "$T/go-verify" . &&
    "$T/go-verify" "${EVIDENCE[@]}")
  echo "go: the -tags dstack_verify program: $(stat -c %s "$T/go-verify") bytes"
}
step "go: -tags dstack_verify build (libdstack_verify.a) verifies the TDX quote offline: UpToDate" go_verify

go_without_cgo() {
  local out
  if out="$(cd "$T/goapp" && CGO_ENABLED=0 go build -o /dev/null . 2>&1)"; then
    echo "built without cgo"; return 1
  fi
  echo "$out"
  grep -q 'dstack_requires_cgo_set_CGO_ENABLED_1_and_install_a_C_compiler' <<<"$(head -n 3 <<<"$out")"
}
step "go: CGO_ENABLED=0 fails first with 'dstack_requires_cgo_set_CGO_ENABLED_1_and_install_a_C_compiler'" go_without_cgo

# ---- C
P1="$T/c/$C_NAME"
P2="$T/moved/elsewhere/$C_NAME"
mkdir -p "$T/c" "$T/moved/elsewhere" "$T/cbin"
tar -xzf "$TARBALL" -C "$T/c"

needs_only_soname() { # BINARY: links libdstack by its SONAME, not by a path
  local needed
  needed="$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
  grep -qx "libdstack.so.$MAJOR" <<<"$needed" && ! grep -q / <<<"$needed"
}
is_static_libdstack() { ! readelf -d "$1" | grep -q 'NEEDED.*libdstack'; }

c_build() {
  local f
  for f in LICENSE README.md include/dstack.h lib/libdstack.a "lib/libdstack.so.$VERSION"; do
    [ -f "$P1/$f" ] || { echo "the tarball lacks $f"; return 1; }
  done
  [ "$(readlink "$P1/lib/libdstack.so.$MAJOR")" = "libdstack.so.$VERSION" ] &&
    [ "$(readlink "$P1/lib/libdstack.so")" = "libdstack.so.$MAJOR" ] || { echo "wrong library symlinks"; return 1; }
  if readelf -S "$P1/lib/libdstack.so.$VERSION" | grep -q ' \.symtab '; then echo "libdstack.so is not stripped"; return 1; fi
  if readelf -S "$P1/lib/libdstack.a" 2>/dev/null | grep -q ' \.debug_'; then echo "libdstack.a has debug sections"; return 1; fi
  export PKG_CONFIG_PATH="$P1/lib/pkgconfig"
  [ "$(pkg-config --modversion dstack)" = "$VERSION" ] && [ "$(pkg-config --modversion dstack-static)" = "$VERSION" ]
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Werror "$ROOT/scripts/smoke/app.c" $(pkg-config --cflags --libs dstack) -o "$T/cbin/pc-shared"
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Werror "$ROOT/scripts/smoke/app.c" $(pkg-config --cflags --libs dstack-static) -o "$T/cbin/pc-static"
  cp "$ROOT/scripts/smoke/CMakeLists.txt" "$ROOT/scripts/smoke/app.c" "$T/cbin/"
  cmake -S "$T/cbin" -B "$T/cbin/build" -DCMAKE_PREFIX_PATH="$P1" -DDSTACK_VERSION="$VERSION" >/dev/null
  cmake --build "$T/cbin/build" >/dev/null
  needs_only_soname "$T/cbin/pc-shared" && needs_only_soname "$T/cbin/build/app_shared"
  is_static_libdstack "$T/cbin/pc-static" && is_static_libdstack "$T/cbin/build/app_static"
  for b in pc-shared pc-static build/app_shared build/app_static; do "$T/cbin/$b" "$SOCK"; done
}
step "c: pkg-config (dstack, dstack-static) and CMake (dstack::dstack, dstack::dstack_static) builds run" c_build

c_verify() {
  local f b needed
  for f in include/dstack_verify.h include/dstack_verify_decls.h include/dstack_verify.abi.json \
      lib/libdstack_verify.a "lib/libdstack_verify.so.$VERSION" lib/pkgconfig/dstack-verify.pc lib/pkgconfig/dstack-verify-static.pc; do
    [ -f "$P1/$f" ] || { echo "the tarball lacks $f"; return 1; }
  done
  [ "$(readlink "$P1/lib/libdstack_verify.so.$MAJOR")" = "libdstack_verify.so.$VERSION" ] &&
    [ "$(readlink "$P1/lib/libdstack_verify.so")" = "libdstack_verify.so.$MAJOR" ] || { echo "wrong libdstack_verify symlinks"; return 1; }
  if readelf -S "$P1/lib/libdstack_verify.so.$VERSION" | grep -q ' \.symtab '; then echo "libdstack_verify.so is not stripped"; return 1; fi
  export PKG_CONFIG_PATH="$P1/lib/pkgconfig"
  [ "$(pkg-config --modversion dstack-verify)" = "$VERSION" ] && [ "$(pkg-config --modversion dstack-verify-static)" = "$VERSION" ]
  mkdir -p "$T/cverify"
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Werror "$SMOKE_SRC/verify.c" $(pkg-config --cflags --libs dstack-verify) -o "$T/cverify/pc-shared"
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Werror "$SMOKE_SRC/verify.c" $(pkg-config --cflags --libs dstack-verify-static) -o "$T/cverify/pc-static"
  cp "$SMOKE_SRC/verify.c" "$T/cverify/"
  cp "$SMOKE_SRC/CMakeLists.verify.txt" "$T/cverify/CMakeLists.txt"
  cmake -S "$T/cverify" -B "$T/cverify/build" -DCMAKE_PREFIX_PATH="$P1" -DDSTACK_VERSION="$VERSION" >/dev/null
  cmake --build "$T/cverify/build" >/dev/null
  for b in pc-shared build/verify_shared; do
    needed="$(readelf -d "$T/cverify/$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
    grep -qx "libdstack_verify.so.$MAJOR" <<<"$needed" && ! grep -q 'libdstack\.so' <<<"$needed" || {
      echo "$b does not link libdstack_verify.so.$MAJOR (alone) by its SONAME: $needed"; return 1; }
  done
  for b in pc-static build/verify_static; do
    if readelf -d "$T/cverify/$b" | grep -q 'NEEDED.*libdstack'; then echo "$b links a libdstack shared library"; return 1; fi
  done
  for b in pc-shared pc-static build/verify_shared build/verify_static; do "$T/cverify/$b" "${EVIDENCE[@]}"; done
}
step "c: pkg-config (dstack-verify, dstack-verify-static) and CMake (dstack::dstack_verify, dstack::dstack_verify_static) verify the TDX quote offline: UpToDate" c_verify

c_moved() {
  mv "$P1" "$P2"
  for b in pc-shared build/app_shared; do
    if "$T/cbin/$b" "$SOCK" >/dev/null 2>&1; then echo "$b ran without libdstack.so.$MAJOR reachable"; return 1; fi
    LD_LIBRARY_PATH="$P2/lib" "$T/cbin/$b" "$SOCK"
  done
  for b in pc-static build/app_static; do "$T/cbin/$b" "$SOCK"; done
}
step "c: after the prefix moves, shared builds run with LD_LIBRARY_PATH=NEW/lib, static ones as they are" c_moved

# ---- Node
node_package() {
  mkdir -p "$T/nodeapp"
  cp "$ROOT/scripts/smoke/app.js" "$T/nodeapp/"
  cd "$T/nodeapp" || return 1
  npm init -y >/dev/null || return 1
  # --offline: everything the package needs is in the tarball.
  npm install --offline --no-audit --no-fund "$NPM_TGZ" || return 1
  local scripts deps
  scripts="$(node -p "JSON.stringify(require('@libdstack/dstack-sdk/package.json').scripts || {})")"
  deps="$(ls node_modules | grep -v '^@libdstack$' || true)$(ls node_modules/@libdstack | grep -v '^dstack-sdk$' || true)"
  [ "$scripts" = "{}" ] || { echo "the package has scripts: $scripts"; return 1; }
  [ -z "$deps" ] || { echo "npm installed more than the package: $deps"; return 1; }
  [ -z "$(find node_modules -name dstack_verify.node)" ] || { echo "the SDK package carries dstack_verify.node"; return 1; }
  node app.js "$SOCK" || return 1
  local size
  size="$(du -sb node_modules | cut -f1)"
  echo "node: @libdstack/dstack-sdk installed with dependencies (du -sb node_modules): $size bytes; tarball $(stat -c %s "$NPM_TGZ") bytes"
  [ "$size" -le 2000000 ] || { echo "node_modules is $size bytes, more than 2 MB"; return 1; }
}
step "node: npm install of the SDK tarball alone into an empty project (offline, no scripts, ≤ 2 MB); GetKey and GetQuote" node_package

node_verify() {
  cp "$SMOKE_SRC/verify.js" "$T/nodeapp/"
  cd "$T/nodeapp" || return 1
  # Without the verify package, /verify names it.
  local msg
  msg="$(node -e "try { require('@libdstack/dstack-sdk/verify').verifyQuote(Buffer.alloc(0)) } catch (e) { console.log(e.message) }")"
  case "$msg" in *"needs the optional package @libdstack/dstack-sdk-verify"*) ;; *)
    echo "without @libdstack/dstack-sdk-verify, /verify says: $msg"; return 1 ;; esac
  local before after scripts
  before="$(du -sb node_modules | cut -f1)"
  npm install --offline --no-audit --no-fund "$NPM_VERIFY_TGZ" || return 1
  scripts="$(node -p "JSON.stringify(require('@libdstack/dstack-sdk-verify/package.json').scripts || {})")"
  [ "$scripts" = "{}" ] || { echo "the verify package has scripts: $scripts"; return 1; }
  [ "$(ls node_modules/@libdstack | tr '\n' ' ')" = "dstack-sdk dstack-sdk-verify " ] || {
    echo "npm installed more than the two packages: $(ls node_modules node_modules/@libdstack)"; return 1; }
  after="$(du -sb node_modules | cut -f1)"
  echo "node: @libdstack/dstack-sdk-verify installed: $(du -sb node_modules/@libdstack/dstack-sdk-verify | cut -f1) bytes; node_modules with both $after bytes (SDK alone $before); tarball $(stat -c %s "$NPM_VERIFY_TGZ") bytes"
  node verify.js "${EVIDENCE[@]}"
}
step "node: npm install of @libdstack/dstack-sdk-verify beside it; @libdstack/dstack-sdk/verify loads its dstack_verify.node and verifies the TDX quote offline: UpToDate" node_verify

stop_simulator
echo "package smoke test: make dist ${DIST_TIME} s, installs and calls $(( $(date +%s) - START - DIST_TIME )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
