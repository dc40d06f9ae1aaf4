// Package dstack is a drop-in replacement for the official dstack Go SDK
// (github.com/Dstack-TEE/dstack/sdk/go/dstack) built on libdstack, the Rust
// core with a C ABI. Every protocol step and every cryptographic operation is
// done by libdstack; this package maps its C ABI onto the official Go API.
//
// The library is linked statically, so a Go program using this package ships
// as one binary. Build it first with `cargo build --release -p dstack-ffi`
// at the repository root.
package dstack

// All cgo directives live in this one file so the link line is defined in one
// place. The paths are relative to this directory inside the libdstack
// repository: the generated header and the static library built by cargo.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libdstack.a -lm -ldl -lpthread
#include "dstack.h"
*/
import "C"

// LibraryVersion returns the version of the linked libdstack ("0.1.0").
func LibraryVersion() string {
	return C.GoString(C.dstack_version())
}
