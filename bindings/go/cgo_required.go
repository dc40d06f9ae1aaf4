//go:build !cgo

package dstack

// This package calls libdstack through cgo. With cgo disabled (CGO_ENABLED=0, or
// no C compiler found) the build stops here, with this error first: the name says
// the fix. (A type declaration is reported before the undefined identifiers of
// the other files, which need cgo.)
type cgoRequired dstack_requires_cgo_set_CGO_ENABLED_1_and_install_a_C_compiler
