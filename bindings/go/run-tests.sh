#!/usr/bin/env bash
# Checks and tests of the Go binding. Assumes the libraries and the simulator
# are built:  cargo build --release -p dstack-ffi -p dstack-verify-ffi -p dstack-simulator
set -euo pipefail
cd "$(dirname "$0")"
root=../..

for f in "$root/target/release/libdstack.a" "${DSTACK_SIMULATOR_BIN:-$root/target/release/dstack-simulator}"; do
  [ -e "$f" ] || { echo "missing $f: run cargo build --release -p dstack-ffi -p dstack-simulator" >&2; exit 1; }
done

# The default build has no dependencies (go-ethereum, in go.mod, is only
# compiled with -tags ethereum/web3); use the user's Go caches if writable,
# else repo-local ones.
if ! [ -w "$(go env GOCACHE 2>/dev/null || echo /nonexistent)" ]; then
  export GOCACHE="$PWD/$root/target/go-cache"
fi

echo "== gofmt"
unformatted=$(gofmt -l . ../../examples/go)
if [ -n "$unformatted" ]; then echo "not gofmt-clean: $unformatted" >&2; exit 1; fi
echo "== go vet"
go vet ./...
(cd ../../examples/go && go vet ./...)
echo "== go test -race"
go test -race -count=1 ./...
echo "== go vet and go test -race -tags dstack_verify (offline verification over libdstack_verify.a)"
[ -e "$root/target/release/libdstack_verify.a" ] || { echo "missing $root/target/release/libdstack_verify.a: run cargo build --release -p dstack-verify-ffi" >&2; exit 1; }
go vet -tags dstack_verify ./...
go test -race -count=1 -tags dstack_verify ./...
echo "== go vet and go test -tags ethereum (go-ethereum field types; needs the Go module proxy or a filled module cache)"
go vet -tags ethereum ./...
go test -count=1 -tags ethereum ./...
echo "== example builds"
(cd ../../examples/go && go build -o /dev/null .)
echo "all Go checks passed"
