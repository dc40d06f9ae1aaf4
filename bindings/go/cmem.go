package dstack

// #include <stdlib.h>
// #include <string.h>
// #include "dstack.h"
import "C"

import (
	"unsafe"
)

// Go memory handed to C is pinned only for the duration of the call, and must
// not contain Go pointers. Byte slices and strings qualify; arrays of
// dstack_slice pointing at Go memory do not, so those go through cSlices.

// bytesArg returns pointer and length for a byte input; the empty value is
// (NULL, 0) as the ABI defines.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// strArg is bytesArg for a string, without copying it.
func strArg(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// sliceBytes copies a borrowed dstack_slice into Go memory.
func sliceBytes(s C.dstack_slice) []byte {
	if s.ptr == nil || s.len == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(s.ptr), C.int(s.len))
}

// sliceString copies a borrowed dstack_slice into a Go string.
func sliceString(s C.dstack_slice) string {
	if s.ptr == nil || s.len == 0 {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(s.ptr)), C.int(s.len))
}

// cSlices is an array of dstack_slice and the bytes it points at, both in C
// memory: cgo forbids handing C Go memory that holds Go pointers, which an
// array of slices pointing at Go strings would be.
type cSlices struct {
	arr  *C.dstack_slice
	data unsafe.Pointer
	n    int
}

func newCSlices(items []string) *cSlices {
	cs := &cSlices{n: len(items)}
	if len(items) == 0 {
		return cs
	}
	total := 0
	for _, s := range items {
		total += len(s)
	}
	cs.arr = (*C.dstack_slice)(C.calloc(C.size_t(len(items)), C.size_t(unsafe.Sizeof(C.dstack_slice{}))))
	if total > 0 {
		cs.data = C.malloc(C.size_t(total))
	}
	arr := unsafe.Slice(cs.arr, len(items))
	off := 0
	for i, s := range items {
		if len(s) == 0 {
			arr[i] = C.dstack_slice{ptr: nil, len: 0}
			continue
		}
		dst := unsafe.Add(cs.data, off)
		C.memcpy(dst, unsafe.Pointer(unsafe.StringData(s)), C.size_t(len(s)))
		arr[i] = C.dstack_slice{ptr: (*C.uint8_t)(dst), len: C.size_t(len(s))}
		off += len(s)
	}
	return cs
}

func (cs *cSlices) ptr() (*C.dstack_slice, C.size_t) {
	return cs.arr, C.size_t(cs.n)
}

// free wipes the copied bytes (they may be secrets, e.g. env values) and
// releases the C memory.
func (cs *cSlices) free() {
	if cs.data != nil {
		total := 0
		for _, s := range unsafe.Slice(cs.arr, cs.n) {
			total += int(s.len)
		}
		C.memset(cs.data, 0, C.size_t(total))
		C.free(cs.data)
		cs.data = nil
	}
	if cs.arr != nil {
		C.free(unsafe.Pointer(cs.arr))
		cs.arr = nil
	}
}

// nonNull is a non-NULL address for an empty input whose NULL would mean
// "absent" in the C ABI.
var nonNull [1]byte
