// The Go runner of `make bench`: GetKey through the Go binding (this module), or through
// the official Go SDK (scripts/bench.sh builds a copy of this file with the import
// below replaced by github.com/Dstack-TEE/dstack/sdk/go/dstack; the APIs are the same).
//
//	bench-go getkey SOCKET CALLS WARMUP         sequential calls on one client
//	bench-go par SOCKET CALLS WARMUP GOROUTINES  CALLS spread over GOROUTINES goroutines
//	bench-go cold SOCKET                        create a client, one GetKey, exit
//
// Prints RESULT <cpu µs per call> <wall µs per call> <calls>: CPU is user + system time of
// the whole process (every thread: the runtime, GC and cgo included) over the measured calls.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	dstack "github.com/libdstack/libdstack/bindings/go"
)

const path, purpose = "bench/key", "signing"

func cpuMicros() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(err)
	}
	return float64(u.Utime.Sec+u.Stime.Sec)*1e6 + float64(u.Utime.Usec+u.Stime.Usec)
}

func call(ctx context.Context, c *dstack.DstackClient) {
	r, err := c.GetKey(ctx, path, purpose, "secp256k1")
	if err != nil {
		fmt.Fprintln(os.Stderr, "GetKey:", err)
		os.Exit(1)
	}
	if r.Key == "" {
		fmt.Fprintln(os.Stderr, "GetKey: empty key")
		os.Exit(1)
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		fmt.Fprintln(os.Stderr, "bad number", s)
		os.Exit(2)
	}
	return n
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: bench-go getkey|par|cold SOCKET [CALLS WARMUP [GOROUTINES]]")
		os.Exit(2)
	}
	mode, sock := os.Args[1], os.Args[2]
	ctx := context.Background()
	c := dstack.NewDstackClient(dstack.WithEndpoint(sock))
	if mode == "cold" {
		call(ctx, c)
		return
	}
	n, warm := atoi(os.Args[3]), atoi(os.Args[4])
	workers := 1
	if mode == "par" {
		workers = atoi(os.Args[5])
	}
	run := func(total int) {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			k := total / workers
			if w < total%workers {
				k++
			}
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				for i := 0; i < k; i++ {
					call(ctx, c)
				}
			}(k)
		}
		wg.Wait()
	}
	run(warm)
	c0, w0 := cpuMicros(), time.Now()
	run(n)
	wall := float64(time.Since(w0).Microseconds())
	fmt.Printf("RESULT %.3f %.3f %d\n", (cpuMicros()-c0)/float64(n), wall/float64(n), n)
}
