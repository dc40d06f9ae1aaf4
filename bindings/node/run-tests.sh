#!/usr/bin/env bash
# Node binding tests. Assumes libdstack (libdstack.a) and the simulator are built:
#   cargo build --release -p dstack-ffi -p dstack-simulator
# Builds the addon (build-addon.sh: build/dstack.node, skipped when up to date), installs the
# dev dependencies (TypeScript, viem, @solana/web3.js for the peer-dependency tests) and runs
# every test file.
set -euo pipefail
cd "$(dirname "$0")"
bash build-addon.sh
npm ci --no-audit --no-fund
node --expose-gc --test --test-concurrency=1 test/*.test.js
