// Package smoke test (scripts/smoke.sh): offline verification through the dist Go module
// built with -tags dstack_verify (libdstack_verify.a): the real Intel TDX quote QUOTE with
// its collateral COLLATERAL at NOW (Unix seconds, inside the collateral's window) must be
// UpToDate.
// usage: verify QUOTE COLLATERAL NOW
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	dstack "github.com/libdstack/libdstack/bindings/go"
)

func main() {
	quote, err := os.ReadFile(os.Args[1])
	check(err)
	col, err := os.ReadFile(os.Args[2])
	check(err)
	now, err := strconv.ParseInt(os.Args[3], 10, 64)
	check(err)
	v, err := dstack.VerifyQuote(quote, dstack.VerifyOptions{Collateral: col, Now: time.Unix(now, 0)})
	check(err)
	fmt.Printf("go: verified the TDX quote offline: tcb_status %s\n", v.TcbStatus)
	if v.TcbStatus != "UpToDate" {
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
