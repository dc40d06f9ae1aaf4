// Package smoke test (scripts/smoke.sh): built against the release Go module, it makes one
// GetKey and one GetQuote call to the agent at SOCKET and checks the answers.
// usage: app SOCKET
package main

import (
	"context"
	"fmt"
	"os"

	dstack "github.com/libdstack/libdstack/bindings/go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: app SOCKET")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "go:", err)
		os.Exit(1)
	}
}

func run(socket string) error {
	ctx := context.Background()
	c := dstack.NewDstackClient(dstack.WithEndpoint(socket))
	defer c.Close()
	k, err := c.GetKey(ctx, "smoke/test", "signing", "")
	if err != nil {
		return err
	}
	key, err := k.DecodeKey()
	if err != nil {
		return err
	}
	chain, err := k.DecodeSignatureChain()
	if err != nil {
		return err
	}
	q, err := c.GetQuote(ctx, []byte("smoke"))
	if err != nil {
		return err
	}
	quote, err := q.DecodeQuote()
	if err != nil {
		return err
	}
	fmt.Printf("go: package %s, libdstack %s: key %d bytes, signature chain %d, quote %d bytes\n",
		dstack.Version, dstack.LibraryVersion(), len(key), len(chain), len(quote))
	if len(key) != 32 || len(chain) != 2 || len(quote) == 0 || dstack.LibraryVersion() != dstack.Version {
		return fmt.Errorf("unexpected answers")
	}
	return nil
}
