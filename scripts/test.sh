#!/usr/bin/env bash
# `make test`: every test of every language, from a clean clone. Installs what it needs from
# the package registries (pinned cbindgen into .tools/, Go modules, npm packages, a Python
# virtual environment) and fails when anything fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
need cargo "install Rust with rustup"; need go "install Go"; need node "install Node 20"
need npm "install npm"; need python3 "install Python 3.10+"; need cc "install gcc"
need valgrind "apt-get install valgrind"
START=$(date +%s)

section "Rust: build libdstack and the simulator (release)"
cargo build --release --locked -p dstack-ffi -p dstack-simulator

section "Header: regenerate include/dstack.h with the pinned cbindgen and compare"
bash ffi/gen-header.sh --check

section "Rust: unit and integration tests (core, ffi, simulator)"
cargo test --locked --workspace

section "core: no_std / no-alloc link check"
cargo build --locked --release --manifest-path core/nostd-check/Cargo.toml

section "core: fuzz targets build"
cargo build --locked --manifest-path core/fuzz/Cargo.toml --bins

section "C: sanitizers, Valgrind, header hygiene, hostile agent"
bash bindings/c/run-tests.sh

section "Go"
bash bindings/go/run-tests.sh

section "Node"
bash bindings/node/run-tests.sh

section "Python"
bash bindings/python/run-tests.sh

echo
echo "all test suites passed in $(( $(date +%s) - START )) s"
