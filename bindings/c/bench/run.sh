#!/usr/bin/env bash
# GetKey latency: libdstack vs a raw-socket baseline writing the same request bytes, both
# on one reused connection to the bundled simulator. Runs ROUNDS alternating rounds of
# ITERATIONS calls each and reports the median per-call time of each and their ratio.
# Also reports the stripped size of libdstack.so and of a statically linked example.
# usage: bindings/c/bench/run.sh [ITERATIONS] [ROUNDS]
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib.sh"
root="$ROOT"
shared="${DSTACK_SHARED:-$root/../shared}"
iters="${1:-2000}"
rounds="${2:-7}"
cd "$root"
build_release >&2
lib="$root/target/release"
work="$(mktemp -d)"
sim_pid=""
trap '[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"' EXIT
"$lib/dstack-simulator" --dir "$work" --app-keys "$shared/reference/fixtures/simulator_appkeys.json" >"$work/out" 2>"$work/err" &
sim_pid=$!
for _ in $(seq 100); do grep -q '^ready' "$work/out" 2>/dev/null && break; sleep 0.05; done
cc -std=c99 -O2 -I"$root/include" bindings/c/bench/getkey_libdstack.c -L"$lib" -ldstack -Wl,-rpath,"$lib" -o "$work/lib"
cc -std=c99 -O2 bindings/c/bench/getkey_raw.c -o "$work/raw"
for _ in $(seq "$rounds"); do
    "$work/raw" "$work/dstack.sock" "$iters"
    "$work/lib" "$work/dstack.sock" "$iters"
done >"$work/results"
median() { grep "^$1 " "$work/results" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
raw="$(median raw)"
libd="$(median libdstack)"
echo "GetKey per call (median of $rounds rounds x $iters calls): raw socket ${raw} ns, libdstack ${libd} ns, ratio $(awk -v a="$libd" -v b="$raw" 'BEGIN {printf "%.3f", a / b}')"
# Heap allocations per GetKey: valgrind's totals for 200 calls minus those for 100 calls
# (which cancels the one-time cost of start-up and the first connection), over 100.
allocs() { valgrind "$work/lib" "$work/dstack.sock" "$1" 2>&1 | sed -n 's/.*total heap usage: \([0-9,]*\) allocs, [0-9,]* frees, \([0-9,]*\) bytes.*/\1 \2/p' | tr -d ,; }
if command -v valgrind >/dev/null; then
    read -r a1 b1 <<<"$(allocs 100)"
    read -r a2 b2 <<<"$(allocs 200)"
    echo "heap per GetKey through libdstack: $(( (a2 - a1) / 100 )) allocations, $(( (b2 - b1) / 100 )) bytes"
fi
strip -o "$work/libdstack.so" "$lib/libdstack.so"
echo "libdstack.so: $(stat -c %s "$lib/libdstack.so") bytes, stripped $(stat -c %s "$work/libdstack.so") bytes"
make -s -C "$root/examples/c" OUT="$work/ex" LIBDIR="$lib" "$work/ex/static-keys" >/dev/null
strip -o "$work/keys-stripped" "$work/ex/static-keys"
echo "static C example (examples/c keys.c + libdstack.a, --gc-sections, libc dynamic): $(stat -c %s "$work/ex/static-keys") bytes, stripped $(stat -c %s "$work/keys-stripped") bytes"
echo "libdstack.a: $(stat -c %s "$lib/libdstack.a") bytes"
