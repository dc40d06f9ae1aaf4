#!/usr/bin/env bash
# `make demo`: build libdstack and the simulator, install what the examples need, start the
# simulator on a temporary socket, run the C, Go, Rust, Node and Python examples against it, stop it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
need cargo "install Rust with rustup"; need go "install Go"; need node "install Node 20"
need npm "install npm"; need python3 "install Python 3.10+"; need cc "install gcc"

section "build libdstack and dstack-simulator"
build_release

section "install the bindings' dependencies"
(cd bindings/node && npm ci --no-audit --no-fund --silent)
bash bindings/node/build-addon.sh >/dev/null  # the Node binding's addon, bindings/node/build/dstack.node
VENV="$ROOT/bindings/python/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps ./bindings/python
(cd examples/go && go build -o "$ROOT/target/release/dstack-example-go" .)

WORK="$(mktemp -d)"
trap 'stop_simulator; rm -rf "$WORK"' EXIT
section "start the simulator (built-in development keys)"
start_simulator "$WORK"
cat "$WORK/sim.log"
export DSTACK_SIMULATOR_ENDPOINT="$WORK/dstack.sock"
export TAPPD_SIMULATOR_ENDPOINT="$WORK/tappd.sock"
# The simulator names the KMS root key of its development key set; the examples verify
# signature chains against it, as an app would against its real KMS key.
KMS_KEY="$(sed -n 's/.*KMS root k256 public key \([0-9a-f]*\).*/\1/p' "$WORK/sim.log")"
[ -n "$KMS_KEY" ] || { echo "the simulator did not print its KMS root key" >&2; exit 1; }

section "C (examples/c)"
make -s -C examples/c OUT="$ROOT/target/examples-c" run
echo "== keys, with the chain checked against the trusted KMS key"
"$ROOT/target/examples-c/keys" demo/wallet ethereum "$KMS_KEY"

section "Go (examples/go)"
"$ROOT/target/release/dstack-example-go" "$KMS_KEY"

section "Rust (examples/rust)"
cargo build --release --locked -q -p libdstack-examples
"$ROOT/target/release/libdstack-demo" "$KMS_KEY"
echo "== the official Rust SDK's async example on libdstack (feature tokio)"
"$ROOT/target/release/libdstack-async-demo"

section "Node (examples/node)"
node examples/node/demo.js "$DSTACK_SIMULATOR_ENDPOINT" "$KMS_KEY"

section "Python (examples/python)"
"$VENV/bin/python" examples/python/demo.py "$KMS_KEY"

section "dstack CLI (cli/)"
cargo build --release --locked -q -p dstack-cli
DSTACK="$ROOT/target/release/dstack"
"$DSTACK" info
"$DSTACK" key demo/wallet --purpose ethereum --kms-public-key "$KMS_KEY"
"$DSTACK" quote --report-data c0ffee --json | "$DSTACK" verify quote - --report-data c0ffee --insecure-skip-intel-signature

section "done: every example ran against the simulator"
