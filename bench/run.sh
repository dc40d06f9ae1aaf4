#!/usr/bin/env bash
# Client cost against the canned agent: the table of `make bench` (bench/README.md).
#
#   bash bench/run.sh            the full run: every client, the official SDKs where they
#                                install, allocations, size, cold start (a few minutes)
#   bash bench/run.sh --smoke    50 calls per client of ours, no official SDKs, no valgrind:
#                                keeps the harness from rotting (scripts/test.sh runs it)
#
# Environment: BENCH_CALLS (5000), BENCH_WARMUP (1000), BENCH_ROUNDS (5), BENCH_QUOTE_CALLS
# (1000), BENCH_COLD_RUNS (10), BENCH_OUT (a file that also receives the table).
# Every client makes its calls after its warm-up, on one client object (one keep-alive
# connection, except Go's 16 goroutines); each round runs every client once, in an order
# that rotates between rounds; the table shows the least CPU of the rounds (and the median).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
if [ "$SMOKE" = 1 ]; then
  CALLS=50 WARMUP=5 ROUNDS=1 QCALLS=20 COLD_RUNS=1
else
  CALLS="${BENCH_CALLS:-5000}" WARMUP="${BENCH_WARMUP:-1000}" ROUNDS="${BENCH_ROUNDS:-5}"
  QCALLS="${BENCH_QUOTE_CALLS:-1000}" COLD_RUNS="${BENCH_COLD_RUNS:-10}"
fi
QWARM=$(( QCALLS / 5 ))

TOOLS="$ROOT/.tools/bench"
BIN="$TOOLS/bin"
LIB="$ROOT/target/release"
mkdir -p "$BIN"
WORK="$(mktemp -d)"
AGENT_PID=""
cleanup() {
  if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
RES="$WORK/results"
: >"$RES"
note() { echo "NOTE $*" >>"$RES"; echo "note: $*" >&2; }

# ---- build ---------------------------------------------------------------------------
build_release >/dev/null
CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror)
cc "${CFLAGS[@]}" bench/agent.c -o "$BIN/canned-agent"
cc "${CFLAGS[@]}" bench/floor.c -o "$BIN/raw-floor"
cc "${CFLAGS[@]}" bench/spawn.c -o "$BIN/spawn"
cc "${CFLAGS[@]}" -shared -fPIC bench/allocs.c -o "$BIN/allocs.so"
cc "${CFLAGS[@]}" -Iinclude bench/getkey.c -L"$LIB" -ldstack -Wl,-rpath,"$LIB" -ldl -o "$BIN/getkey-c"
(cd bench/go && go build -o "$BIN/bench-go" .)
# The Rust client crate (libdstack), straight, without the C ABI.
cargo build --release --locked -q -p libdstack-examples --bin libdstack-getkey-bench
cp "$ROOT/target/release/libdstack-getkey-bench" "$BIN/bench-rust"

# The interpreter both Python virtual environments are made from (python3 may be a shim).
PYBASE="$(python3 -c 'import sys; print(sys.executable)')"
if [ ! -x "$TOOLS/py-ours/bin/python" ]; then "$PYBASE" -m venv "$TOOLS/py-ours"; fi
# The Node binding's own dependencies, installed when missing or older than its lock file.
if [ ! bindings/node/node_modules/.package-lock.json -nt bindings/node/package-lock.json ]; then
  (cd bindings/node && npm ci --no-audit --no-fund --silent)
fi
# Its Node-API addon (bindings/node/build/dstack.node; skipped when up to date).
bash bindings/node/build-addon.sh >/dev/null

# ---- the official SDKs, where they install ---------------------------------------------
HAVE_PY_OFFICIAL=0 HAVE_NODE_OFFICIAL=0 HAVE_GO_OFFICIAL=0
if [ "$SMOKE" = 0 ]; then
  stamp="$TOOLS/py-official/.requirements"
  if [ -f "$stamp" ] && cmp -s "$stamp" bench/python/official-requirements.txt; then
    HAVE_PY_OFFICIAL=1
  elif { [ -x "$TOOLS/py-official/bin/python" ] || "$PYBASE" -m venv "$TOOLS/py-official"; } &&
       "$TOOLS/py-official/bin/pip" install --quiet --disable-pip-version-check -r bench/python/official-requirements.txt; then
    cp bench/python/official-requirements.txt "$stamp"; HAVE_PY_OFFICIAL=1
  else
    note "official Python SDK (dstack-sdk from PyPI) could not be installed: its rows are skipped"
  fi
  mkdir -p "$TOOLS/node-official"
  if cmp -s bench/node/official/package-lock.json "$TOOLS/node-official/package-lock.json" &&
     [ -d "$TOOLS/node-official/node_modules/@phala/dstack-sdk" ]; then
    HAVE_NODE_OFFICIAL=1
  elif cp bench/node/official/package.json bench/node/official/package-lock.json "$TOOLS/node-official/" &&
       (cd "$TOOLS/node-official" && npm ci --no-audit --no-fund --silent); then
    HAVE_NODE_OFFICIAL=1
  else
    note "official JS SDK (@phala/dstack-sdk from npm) could not be installed: its rows are skipped"
  fi
  # The official Go SDK: the same runner source with the official import path.
  GO_OFF="$TOOLS/go-official"
  mkdir -p "$GO_OFF"
  sed 's|dstack "github.com/libdstack/libdstack/bindings/go"|dstack "github.com/Dstack-TEE/dstack/sdk/go/dstack"|' bench/go/main.go >"$GO_OFF/main.go"
  [ -f "$GO_OFF/go.mod" ] || printf 'module bench-go-official\n\ngo 1.22\n' >"$GO_OFF/go.mod"
  if (cd "$GO_OFF" && timeout 120 go get github.com/Dstack-TEE/dstack/sdk/go@latest >"$WORK/go-official.log" 2>&1 &&
      go build -o "$BIN/bench-go-official" . >>"$WORK/go-official.log" 2>&1); then
    HAVE_GO_OFFICIAL=1
  else
    note "official Go SDK (github.com/Dstack-TEE/dstack/sdk/go) could not be installed through the Go module proxy: $(grep -m1 -o '[0-9][0-9][0-9] [A-Za-z ]*' "$WORK/go-official.log" || tail -n1 "$WORK/go-official.log"); its rows are skipped"
  fi
fi
PY_OURS=(env PYTHONPATH="$ROOT/bindings/python/src" "$TOOLS/py-ours/bin/python")
PY_OFF=("$TOOLS/py-official/bin/python")
NODE_OFF_DIR="$TOOLS/node-official/node_modules/@phala/dstack-sdk"

# ---- the canned agent ------------------------------------------------------------------
SOCK="$WORK/agent.sock"
"$BIN/canned-agent" "$SOCK" --answer /GetKey=bench/fixtures/getkey.json \
  --answer /GetQuote=testdata/fixtures/verifier_fixture_tdx-lite-getquote.json \
  --record "$WORK/request.bin" >"$WORK/agent.out" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do grep -q '^ready' "$WORK/agent.out" 2>/dev/null && break; sleep 0.05; done
grep -q '^ready' "$WORK/agent.out" || { cat "$WORK/agent.out"; exit 1; }
# The floor sends the exact request libdstack sends: the agent records the first it gets.
"$BIN/getkey-c" getkey "$SOCK" 1 0 >/dev/null
[ -s "$WORK/request.bin" ] || { echo "the canned agent recorded no request" >&2; exit 1; }

# ---- per-call CPU, in rounds -------------------------------------------------------------
# run ROW_NAME COMMAND…: one measurement; the RESULT line goes to the results file.
run() {
  local name="$1" r; shift
  if ! r="$("$@" 2>"$WORK/err")"; then
    echo "$name failed:" >&2; cat "$WORK/err" >&2; return 1
  fi
  echo "$r" | sed -n "s/^RESULT /SEQ $name /p" >>"$RES"
  echo "$r" | sed -n "s/^ALLOCS /ALLOCS /p" >>"$RES"
}
CLIENTS=(floor c rust go py node go16 nodeq)
[ "$HAVE_GO_OFFICIAL" = 1 ] && CLIENTS+=(go-official go16-official)
[ "$HAVE_PY_OFFICIAL" = 1 ] && CLIENTS+=(py-official)
[ "$HAVE_NODE_OFFICIAL" = 1 ] && CLIENTS+=(node-official nodeq-official)
one_client() {
  case "$1" in
    floor) run floor "$BIN/raw-floor" "$SOCK" "$WORK/request.bin" "$CALLS" "$WARMUP" ;;
    c) run c "$BIN/getkey-c" getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    rust) run rust "$BIN/bench-rust" getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    go) run go "$BIN/bench-go" getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    go-official) run go-official "$BIN/bench-go-official" getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    go16) run go16 "$BIN/bench-go" par "$SOCK" "$CALLS" "$WARMUP" 16 ;;
    go16-official) run go16-official "$BIN/bench-go-official" par "$SOCK" "$CALLS" "$WARMUP" 16 ;;
    py) run py "${PY_OURS[@]}" bench/python/runner.py getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    py-official) run py-official "${PY_OFF[@]}" bench/python/runner.py getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    node) run node node bench/node/runner.mjs bindings/node getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    node-official) run node-official node bench/node/runner.mjs "$NODE_OFF_DIR" getkey "$SOCK" "$CALLS" "$WARMUP" ;;
    nodeq) run nodeq node bench/node/runner.mjs bindings/node quote "$SOCK" "$QCALLS" "$QWARM" ;;
    nodeq-official) run nodeq-official node bench/node/runner.mjs "$NODE_OFF_DIR" quote "$SOCK" "$QCALLS" "$QWARM" ;;
  esac
}
n_clients=${#CLIENTS[@]}
for round in $(seq "$ROUNDS"); do
  printf 'round %s/%s:' "$round" "$ROUNDS" >&2
  for i in $(seq 0 $(( n_clients - 1 ))); do
    name="${CLIENTS[$(( (i + round - 1) % n_clients ))]}"
    printf ' %s' "$name" >&2
    one_client "$name"
  done
  echo >&2
done

# ---- heap allocations per GetKey, size, cold start ---------------------------------------
# Measured in the process: the LD_PRELOAD counter brackets the measured calls.
run allocs env LD_PRELOAD="$BIN/allocs.so" "$BIN/getkey-c" getkey "$SOCK" "$CALLS" "$WARMUP"
# Cross-check with valgrind's totals: 2N calls minus N calls, over N.
if [ "$SMOKE" = 0 ] && command -v valgrind >/dev/null; then
  vg() { valgrind "$BIN/getkey-c" getkey "$SOCK" "$1" 10 2>&1 >/dev/null |
         sed -n 's/.*total heap usage: \([0-9,]*\) allocs, [0-9,]* frees, \([0-9,]*\) bytes.*/\1 \2/p' | tr -d ,; }
  read -r a1 b1 <<<"$(vg 200)"
  read -r a2 b2 <<<"$(vg 400)"
  echo "VALGRIND $(awk -v a="$a1" -v b="$a2" 'BEGIN {printf "%.2f", (b - a) / 200}') $(( (b2 - b1) / 200 ))" >>"$RES"
fi

strip -o "$WORK/libdstack.so" "$LIB/libdstack.so"
echo "SIZE so $(stat -c %s "$LIB/libdstack.so") $(stat -c %s "$WORK/libdstack.so")" >>"$RES"
echo "SIZE a $(stat -c %s "$LIB/libdstack.a") 0" >>"$RES"
if [ "$SMOKE" = 0 ]; then
  make -s -C examples/c OUT="$WORK/ex" LIBDIR="$LIB" "$WORK/ex/static-keys" >/dev/null
  strip -o "$WORK/keys-stripped" "$WORK/ex/static-keys"
  echo "SIZE static-example $(stat -c %s "$WORK/ex/static-keys") $(stat -c %s "$WORK/keys-stripped")" >>"$RES"
fi

cold() {
  local name="$1" r; shift
  if ! r="$("$BIN/spawn" "$COLD_RUNS" "$@" 2>"$WORK/err")"; then
    echo "cold start of $name failed:" >&2; cat "$WORK/err" >&2; return 1
  fi
  echo "$r" | sed -n "s/^COLD /COLD $name /p" >>"$RES"
}
printf 'cold start:' >&2
printf ' c' >&2; cold c "$BIN/getkey-c" cold "$SOCK"
printf ' rust' >&2; cold rust "$BIN/bench-rust" cold "$SOCK"
printf ' go' >&2; cold go "$BIN/bench-go" cold "$SOCK"
[ "$HAVE_GO_OFFICIAL" = 1 ] && { printf ' go-official' >&2; cold go-official "$BIN/bench-go-official" cold "$SOCK"; }
printf ' node' >&2; cold node node bench/node/runner.mjs bindings/node cold "$SOCK"
[ "$HAVE_NODE_OFFICIAL" = 1 ] && { printf ' node-official' >&2; cold node-official node bench/node/runner.mjs "$NODE_OFF_DIR" cold "$SOCK"; }
printf ' py' >&2; cold py "${PY_OURS[@]}" bench/python/runner.py cold "$SOCK"
[ "$HAVE_PY_OFFICIAL" = 1 ] && { printf ' py-official' >&2; cold py-official "${PY_OFF[@]}" bench/python/runner.py cold "$SOCK"; }
echo >&2

# ---- the table -------------------------------------------------------------------------
echo "CONFIG $CALLS $WARMUP $ROUNDS $QCALLS $COLD_RUNS $SMOKE $(nproc) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES"
python3 bench/report.py "$RES" | tee ${BENCH_OUT:+"$BENCH_OUT"}
