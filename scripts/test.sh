#!/usr/bin/env bash
# `make test`: every test of every language, from a clean clone. Installs what it needs from
# the package registries (pinned cbindgen into .tools/, Go modules, npm packages, a Python
# virtual environment). Every suite runs even when an earlier one failed; the command fails
# when any suite failed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
need cargo "install Rust with rustup"; need go "install Go"; need node "install Node 20"
need npm "install npm"; need python3 "install Python 3.10+"; need cc "install gcc"
need valgrind "apt-get install valgrind"
START=$(date +%s)
FAILED=()
TREE_BEFORE="$(tree_status)"

# suite NAME COMMAND…: runs one suite and records a failure.
suite() {
  local name="$1"; shift
  section "$name"
  if ! "$@"; then FAILED+=("$name"); echo "FAILED: $name"; fi
}

# Everything below needs the library and the simulator: a failure here stops the run.
section "Rust: build libdstack and the simulator (release)"
build_release

suite "Header: include/dstack.h regenerated with the pinned cbindgen matches" bash ffi/gen-header.sh --check
suite "ABI: files generated from include/dstack.h (scripts/abi/gen.py) are up to date" python3 scripts/abi/gen.py --check
suite "ABI: cffi and koffi read dstack_decls.h as is; generated binding files bind every export" bash scripts/abi/test-generators.sh
suite "Layout: the modules of ffi/src and client/src import each other without a cycle" python3 scripts/check-module-cycles.py ffi/src client/src
suite "Rust: unit and integration tests (core, ffi, simulator)" cargo test --locked --workspace
suite "core: no_std / no-alloc link check" bash core/nostd-check/check.sh
suite "core: fuzz targets build" cargo build --locked --manifest-path core/fuzz/Cargo.toml --bins
suite "C: sanitizers, Valgrind, header hygiene, hostile agent" bash bindings/c/run-tests.sh
suite "Go" bash bindings/go/run-tests.sh
suite "Node" bash bindings/node/run-tests.sh
suite "Python" bash bindings/python/run-tests.sh
suite "Bench: the harness runs (bench/run.sh --smoke, 50 calls per client)" bash bench/run.sh --smoke
suite "Versions: one version in Cargo, the header, pkg-config, CMake, npm, Python and Go" bash scripts/check-version.sh
suite "Packages: make dist, then each artifact installed outside the repository without cargo" bash scripts/smoke.sh
suite "Clean tree: git status after the run is as before it" check_tree_unchanged "$TREE_BEFORE"

echo
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "FAILED suites: ${FAILED[*]} ($(( $(date +%s) - START )) s)"
  exit 1
fi
echo "all test suites passed in $(( $(date +%s) - START )) s"
