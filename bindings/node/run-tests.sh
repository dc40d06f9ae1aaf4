#!/usr/bin/env bash
# Node binding tests. Assumes libdstack and the simulator are built:
#   cargo build --release -p dstack-ffi -p dstack-simulator
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node --expose-gc --test --test-concurrency=1 test/*.test.js
