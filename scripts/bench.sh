#!/usr/bin/env bash
# `make bench`: the speed and size figures of the README ("Measured"), measured here and now.
#   client cost  bench/run.sh: CPU per call of every client (raw C floor, libdstack from C,
#                Go, Python, Node, and the official SDKs where they install) against the
#                canned agent, which costs nothing; heap allocations per GetKey; library
#                size; cold start. One table, ratios from this run (bench/README.md).
#   core         criterion: request building and response parsing (GetKey, GetQuote), env
#                encryption, compose hash, sound replay of a real event log, quote parse
#   verify       criterion: DCAP verification of a real TDX quote with its collateral, and
#                an RA-TLS certificate (dstack-verify)
#   simulator    Go, Node, Python GetKey end to end against the bundled simulator (whose own
#                signing dominates every call), sequential and concurrent
# Takes about three minutes on 2 cores. BENCH_OUT=FILE also writes the client-cost table there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
build_release

section "client cost against the canned agent (bench/run.sh)"
bash bench/run.sh

section "core (criterion)"
cargo bench --locked -p dstack-core --bench core -- --warm-up-time 1 --measurement-time 3 2>/dev/null \
  | awk '/time:/ { if ($1 != "time:") name = $1; match($0, /\[[^]]*\]/);
                   split(substr($0, RSTART + 1, RLENGTH - 2), t, " ");
                   printf "%-48s %s %s\n", name, t[3], t[4]; next }
         /^[a-z]/ { name = $1 }'

section "verification (criterion): one TDX quote with collateral, one RA-TLS certificate"
cargo bench --locked -p dstack-verify --bench verify -- --warm-up-time 1 --measurement-time 3 2>/dev/null \
  | awk '/time:/ { if ($1 != "time:") name = $1; match($0, /\[[^]]*\]/);
                   split(substr($0, RSTART + 1, RLENGTH - 2), t, " ");
                   printf "%-48s %s %s\n", name, t[3], t[4]; next }
         /^[a-z]/ { name = $1 }'

section "against the simulator, end to end: Go BenchmarkGetKey"
(cd bindings/go && go test -run '^$' -bench GetKey -benchtime 2000x . | grep -E '^Benchmark')

section "against the simulator, end to end: Node getKey sequential and 100 concurrent"
node bindings/node/bench/getkey.mjs 1000

section "against the simulator, end to end: Python get_key sync and asyncio.gather"
PYTHONPATH="$ROOT/bindings/python/src" "$ROOT/.tools/bench/py-ours/bin/python" bindings/python/bench/getkey.py 1000
