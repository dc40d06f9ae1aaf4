#!/usr/bin/env bash
# Node binding tests. Assumes libdstack (libdstack.a), libdstack_verify and the simulator are built:
#   cargo build --release -p dstack-ffi -p dstack-verify-ffi -p dstack-simulator
# Builds the addon (build-addon.sh: build/dstack.node, skipped when up to date), installs the
# dev dependencies (TypeScript, viem, @solana/web3.js for the peer-dependency tests) and runs
# every test file; then the addon's own tests (test/addon.test.js: handles, pinning, argument
# checks, outputs) and test/verification.test.js again against AddressSanitizer + UBSan
# builds of the addons' C.
set -euo pipefail
cd "$(dirname "$0")"
bash build-addon.sh
# The verification addon (dstack_verify.node over libdstack_verify.a; test/verification.test.js).
VERIFY=1 bash build-addon.sh
npm ci --no-audit --no-fund
node --expose-gc --test --test-concurrency=1 test/*.test.js

ASAN="$(${CC:-cc} -print-file-name=libasan.so)"
UBSAN="$(${CC:-cc} -print-file-name=libubsan.so)"
if [ -f "$ASAN" ] && [ -f "$UBSAN" ]; then
  SANITIZE=1 bash build-addon.sh
  # Node itself is not instrumented and keeps memory to the end: no leak report.
  LD_PRELOAD="$ASAN $UBSAN" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    DSTACK_NODE_ADDON="$PWD/build/asan/dstack.node" node --expose-gc --test test/addon.test.js
  SANITIZE=1 VERIFY=1 bash build-addon.sh
  LD_PRELOAD="$ASAN $UBSAN" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    DSTACK_NODE_VERIFY_ADDON="$PWD/build/asan/dstack_verify.node" node --expose-gc --test test/verification.test.js
else
  echo "no libasan/libubsan for ${CC:-cc}: the sanitizer run of test/addon.test.js is skipped"
fi
