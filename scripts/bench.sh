#!/usr/bin/env bash
# `make bench`: the speed and size figures of the README, measured here and now.
#   core        criterion: request building and response parsing (GetKey, GetQuote), env
#               encryption, compose hash, sound replay of a real event log, quote parse
#   C           GetKey through libdstack vs a raw-socket baseline; libdstack.so and static sizes
#   Go, Node, Python   GetKey per call through each binding against the simulator
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo build --release --locked -p dstack-ffi -p dstack-simulator

section "core (criterion)"
cargo bench --locked -p dstack-core --bench core -- --warm-up-time 1 --measurement-time 3 2>/dev/null \
  | awk '/time:/ { if ($1 != "time:") name = $1; match($0, /\[[^]]*\]/);
                   split(substr($0, RSTART + 1, RLENGTH - 2), t, " ");
                   printf "%-48s %s %s\n", name, t[3], t[4]; next }
         /^[a-z]/ { name = $1 }'

section "C: GetKey latency ratio and library size"
bash bindings/c/bench/run.sh 2000 7

section "Go: BenchmarkGetKey"
(cd bindings/go && go test -run '^$' -bench GetKey -benchtime 2000x . | grep -E '^Benchmark')

section "Node: getKey sequential and 100 concurrent"
(cd bindings/node && npm ci --no-audit --no-fund --silent && node bench/getkey.mjs 1000)

section "Python: get_key sync and asyncio.gather"
VENV="$ROOT/bindings/python/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps ./bindings/python
"$VENV/bin/python" bindings/python/bench/getkey.py 1000
