package dstack

import (
	"context"
	"math"
	"sync"
	"time"
)

// handle reference-counts a C handle so Close (or a finalizer) never frees it
// while a call — possibly one abandoned by a cancelled context and still
// running in the background — is using it. The last user frees it.
type handle[P any] struct {
	mu     sync.Mutex
	ptr    P
	refs   int
	closed bool
	free   func(P)
}

func newHandle[P any](ptr P, free func(P)) *handle[P] {
	return &handle[P]{ptr: ptr, free: free}
}

// acquire returns the pointer and takes a reference, or fails after close.
func (h *handle[P]) acquire() (P, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		var zero P
		return zero, ErrClosed
	}
	h.refs++
	return h.ptr, nil
}

func (h *handle[P]) release() {
	h.mu.Lock()
	h.refs--
	last := h.closed && h.refs == 0
	h.mu.Unlock()
	if last {
		h.free(h.ptr)
	}
}

// close marks the handle closed; it is freed now or when the last call ends.
// Idempotent.
func (h *handle[P]) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	last := h.refs == 0
	h.mu.Unlock()
	if last {
		h.free(h.ptr)
	}
}

// timeoutFromContext turns the context's deadline into the ABI's timeout_ms.
// 0 means "the client's default" and is used when ctx has no deadline. An
// expired or cancelled context fails here, before anything is sent; a
// deadline beyond the ABI's range (2^32-1 ms) is capped there.
func timeoutFromContext(ctx context.Context, limit time.Duration) (uint32, error) {
	if ctx == nil {
		return 0, newError(StatusNullArgument, "nil context.Context; pass context.Background() or a context with a deadline")
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	remaining := limit
	if dl, ok := ctx.Deadline(); ok {
		r := time.Until(dl)
		if r <= 0 {
			return 0, context.DeadlineExceeded
		}
		if remaining == 0 || r < remaining {
			remaining = r
		}
	}
	if remaining == 0 {
		return 0, nil
	}
	return durationMs(remaining), nil
}

// checkTimeout validates a WithTimeout value: 0 (the default) or a positive
// duration whose milliseconds, rounded up, fit the ABI's uint32.
func checkTimeout(d time.Duration) error {
	if d < 0 {
		return newError(StatusInvalidArgument, "WithTimeout: timeout must not be negative (0 keeps the 3s default), got %v", d)
	}
	if ceilMs(d) > math.MaxUint32 {
		return newError(StatusInvalidArgument, "WithTimeout: timeout must be at most %v (2^32-1 ms), got %v", time.Duration(math.MaxUint32)*time.Millisecond, d)
	}
	return nil
}

// ceilMs is d in milliseconds, rounded up, for d >= 0 (without the overflow
// of d + time.Millisecond - 1 near math.MaxInt64).
func ceilMs(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// durationMs is the ABI's timeout_ms for d >= 0, capped at math.MaxUint32.
func durationMs(d time.Duration) uint32 {
	ms := ceilMs(d)
	if ms > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(ms)
}

type outcome[T any] struct {
	val T
	err error
}

// runBlocking runs a blocking C call so that a cancelled context returns
// ctx.Err() at once. The call itself cannot be interrupted: it finishes in the
// background, bounded by the timeout it was given, and cleans up after itself
// (f must copy what it needs out of C memory and free every handle it got).
func runBlocking[T any](ctx context.Context, f func() (T, error)) (T, error) {
	if ctx.Done() == nil {
		return f()
	}
	ch := make(chan outcome[T], 1)
	go func() {
		v, err := f()
		ch <- outcome[T]{v, err}
	}()
	select {
	case o := <-ch:
		return o.val, o.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
