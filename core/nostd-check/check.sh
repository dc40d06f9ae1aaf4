#!/bin/sh
# Builds and runs the no_std / no-alloc link check; exits non-zero if std or alloc entered
# dstack-core's dependency graph (build error) or an entry point misbehaved (exit status).
set -eu
cd "$(dirname "$0")"
cargo build --release
./target/release/dstack-core-nostd-check
echo "nostd-check: OK (no std, no alloc, all entry points linked)"
