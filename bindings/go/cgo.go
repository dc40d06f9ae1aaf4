// Package dstack is a drop-in replacement for the official dstack Go SDK
// (github.com/Dstack-TEE/dstack/sdk/go/dstack) built on libdstack, the Rust
// core with a C ABI. Every protocol step and every cryptographic operation is
// done by libdstack; this package maps its C ABI onto the official Go API.
//
// The library is linked statically, so a Go program using this package ships
// as one binary. Building needs cgo: CGO_ENABLED=1 (the default where a C
// compiler is found) and a C compiler.
package dstack

// All cgo directives live in this one file so the link line is defined in one
// place: the header dstack.h and the static library libdstack.a. In the
// repository they are include/ and target/release/ (run `cargo build --release
// -p dstack-ffi` at the repository root first). The release module that
// `make dist` writes to dist/go has its own copy of this file, generated from
// this one by scripts/dist.sh, pointing at the header and the prebuilt library
// it ships.

// Built with -tags dstack_verify (offline verification, verify.go), the package
// links libdstack_verify.a, libdstack plus verification, listed first: the
// linker takes every symbol from it and then needs nothing from libdstack.a
// (an archive member is only pulled in for a still-undefined symbol), so the two
// never collide. Run `cargo build --release -p dstack-verify-ffi` first.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo dstack_verify LDFLAGS: ${SRCDIR}/../../target/release/libdstack_verify.a
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libdstack.a -lm -ldl -lpthread
#include "dstack.h"
*/
import "C"

// LibraryVersion returns the version of the linked libdstack ("0.1.0").
func LibraryVersion() string {
	return C.GoString(C.dstack_version())
}
