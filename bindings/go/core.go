package dstack

// #include "dstack.h"
import "C"

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"time"
)

// clientCore is the one client implementation behind DstackClient and
// TappdClient: settings, the reference-counted C handle, creation, the
// not-initialized checks and the call plumbing. P is the C handle type; A
// is the agent: the C functions and names that differ between the two.
type clientCore[P any, A agent[P]] struct {
	clientSettings
	h       *handle[P]
	initErr error
}

// clientSettings is what the options set (DstackClientOption).
type clientSettings struct {
	endpoint string
	logger   *slog.Logger
	timeout  time.Duration
}

// agent is what differs between the two clients. Its implementations are
// empty structs used as a type parameter, so even a zero-value client knows
// its names for error messages.
type agent[P any] interface {
	// names are the public client type and its constructor.
	names() (client, constructor string)
	// simulatorEnv is the endpoint variable libdstack reads when no endpoint
	// is given; simulatorNotice logs that it is in use.
	simulatorEnv() string
	simulatorNotice(logger *slog.Logger, endpoint string)
	// created logs what a new client should say (deprecation).
	created(logger *slog.Logger)

	// The handle's life: <prefix>_new, _endpoint, _set_timeout_ms, _free.
	open(endpoint *C.uint8_t, n C.size_t, out *P, cerr **C.dstack_error) C.dstack_status
	endpoint(p P) C.dstack_slice
	setTimeoutMs(p P, ms C.uint32_t, cerr **C.dstack_error) C.dstack_status
	free(p P)

	// The RPCs both agents have, with the same arguments.
	info(p P, tmo C.uint32_t, out **C.dstack_response, cerr **C.dstack_error) C.dstack_status
	version(p P, tmo C.uint32_t, out **C.dstack_response, cerr **C.dstack_error) C.dstack_status
	isReachable(p P, tmo C.uint32_t, out *C.bool, cerr **C.dstack_error) C.dstack_status
}

// applyOptions runs the options on a client that holds the settings,
// defaulting the logger.
func applyOptions(c *DstackClient, opts []DstackClientOption) {
	c.base.logger = slog.Default()
	for _, opt := range opts {
		if opt != nil {
			opt(c)
		}
	}
	if c.base.logger == nil {
		c.base.logger = slog.Default()
	}
}

// create makes the C client from the settings. It never fails: an error is
// kept in initErr and returned by every call.
func (c *clientCore[P, A]) create() {
	var a A
	if err := checkTimeout(c.timeout); err != nil {
		c.initErr = err
		return
	}
	if c.endpoint == "" {
		if sim, ok := os.LookupEnv(a.simulatorEnv()); ok {
			a.simulatorNotice(c.logger, sim)
		}
	}
	a.created(c.logger)
	var p P
	var cerr *C.dstack_error
	ep, epLen := strArg(c.endpoint)
	st := a.open(ep, epLen, &p, &cerr)
	runtime.KeepAlive(c.endpoint)
	if err := takeError(st, cerr); err != nil {
		c.initErr = err
		return
	}
	c.endpoint = sliceString(a.endpoint(p))
	if c.timeout > 0 {
		var terr *C.dstack_error
		if err := takeError(a.setTimeoutMs(p, C.uint32_t(durationMs(c.timeout)), &terr), terr); err != nil {
			a.free(p)
			c.initErr = err
			return
		}
	}
	c.h = newHandle(p, a.free)
	// The finalizer sits on the handle, not on the client, so that Close
	// works on any client pointer (runtime.SetFinalizer aborts the process
	// for a pointer into the middle of an allocation, e.g. a client copied
	// into a struct).
	runtime.SetFinalizer(c.h, (*handle[P]).close)
}

// notInitialized is the error of a call on a nil or zero-value client.
func notInitialized(typ, constructor string) error {
	return newError(statusNotInitialized, "the *%s is nil or was not made by %s", typ, constructor)
}

// ready reports why c cannot make calls, or nil. c is nil for a nil client.
func (c *clientCore[P, A]) ready() error {
	var a A
	switch {
	case c == nil:
		return notInitialized(a.names())
	case c.initErr != nil:
		return c.initErr
	case c.h == nil:
		return notInitialized(a.names())
	}
	return nil
}

// endpointOrEmpty is the endpoint in use, "" for a nil client.
func (c *clientCore[P, A]) endpointOrEmpty() string {
	if c == nil {
		return ""
	}
	return c.endpoint
}

// closeClient releases the handle: ErrNotInitialized for a nil or
// zero-value client, nil for one whose creation failed (nothing to release).
func (c *clientCore[P, A]) closeClient() error {
	if err := c.ready(); err != nil {
		if c != nil && c.initErr != nil {
			return nil
		}
		return err
	}
	c.h.close()
	runtime.SetFinalizer(c.h, nil)
	return nil
}

func (c *clientCore[P, A]) log() *slog.Logger {
	if c == nil || c.logger == nil {
		return slog.Default()
	}
	return c.logger
}

// rpc runs one RPC: readiness and deadline checks, a handle reference held
// for the call, and a blocking call that a cancelled context abandons (see
// runBlocking). limit caps the timeout (0: the client's default).
func rpc[T, P any, A agent[P]](ctx context.Context, c *clientCore[P, A], limit time.Duration, f func(p P, timeoutMs C.uint32_t) (T, error)) (T, error) {
	var zero T
	if err := c.ready(); err != nil {
		return zero, err
	}
	tmo, err := timeoutFromContext(ctx, limit)
	if err != nil {
		return zero, err
	}
	p, err := c.h.acquire()
	if err != nil {
		return zero, err
	}
	v, err := runBlocking(ctx, func() (T, error) {
		defer c.h.release()
		return f(p, C.uint32_t(tmo))
	})
	runtime.KeepAlive(c)
	return v, err
}

// rpcInfo, rpcVersion and rpcIsReachable are the RPCs both clients have.

func rpcInfo[P any, A agent[P]](ctx context.Context, c *clientCore[P, A]) (*InfoResponse, error) {
	return rpc(ctx, c, 0, func(p P, tmo C.uint32_t) (*InfoResponse, error) {
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			var a A
			return a.info(p, tmo, out, cerr)
		}, readInfoResponse)
	})
}

func rpcVersion[P any, A agent[P]](ctx context.Context, c *clientCore[P, A]) (*VersionResponse, error) {
	return rpc(ctx, c, 0, func(p P, tmo C.uint32_t) (*VersionResponse, error) {
		return withResponse(func(out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
			var a A
			return a.version(p, tmo, out, cerr)
		}, func(r *response) *VersionResponse {
			return &VersionResponse{Version: r.text(fieldVersion), Rev: r.text(fieldRev)}
		})
	})
}

// rpcIsReachable: the agent answers Info within 500 ms (or the context's
// deadline, if sooner).
func rpcIsReachable[P any, A agent[P]](ctx context.Context, c *clientCore[P, A]) bool {
	ok, err := rpc(ctx, c, 500*time.Millisecond, func(p P, tmo C.uint32_t) (bool, error) {
		var a A
		var reachable C.bool
		var cerr *C.dstack_error
		if err := takeError(a.isReachable(p, tmo, &reachable, &cerr), cerr); err != nil {
			return false, err
		}
		return bool(reachable), nil
	})
	return err == nil && ok
}

// dstackAgent is dstack.sock (DstackClient).
type dstackAgent struct{}

func (dstackAgent) names() (string, string) { return "DstackClient", "NewDstackClient" }
func (dstackAgent) simulatorEnv() string    { return "DSTACK_SIMULATOR_ENDPOINT" }
func (dstackAgent) simulatorNotice(l *slog.Logger, ep string) {
	l.Info("using simulator endpoint", "endpoint", ep)
}
func (dstackAgent) created(*slog.Logger) {}
func (dstackAgent) open(ep *C.uint8_t, n C.size_t, out **C.dstack_client, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_client_new(ep, n, out, cerr)
}
func (dstackAgent) endpoint(p *C.dstack_client) C.dstack_slice { return C.dstack_client_endpoint(p) }
func (dstackAgent) setTimeoutMs(p *C.dstack_client, ms C.uint32_t, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_client_set_timeout_ms(p, ms, cerr)
}
func (dstackAgent) free(p *C.dstack_client) { C.dstack_client_free(p) }
func (dstackAgent) info(p *C.dstack_client, tmo C.uint32_t, out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_client_info(p, tmo, out, cerr)
}
func (dstackAgent) version(p *C.dstack_client, tmo C.uint32_t, out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_client_version(p, tmo, out, cerr)
}
func (dstackAgent) isReachable(p *C.dstack_client, tmo C.uint32_t, out *C.bool, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_client_is_reachable(p, tmo, out, cerr)
}

// tappdAgent is the legacy tappd.sock (TappdClient).
type tappdAgent struct{}

func (tappdAgent) names() (string, string) { return "TappdClient", "NewTappdClient" }
func (tappdAgent) simulatorEnv() string    { return "TAPPD_SIMULATOR_ENDPOINT" }
func (tappdAgent) simulatorNotice(l *slog.Logger, ep string) {
	l.Warn("Using tappd endpoint", "endpoint", ep)
}
func (tappdAgent) created(l *slog.Logger) {
	l.Warn("TappdClient is deprecated, please use DstackClient instead")
}
func (tappdAgent) open(ep *C.uint8_t, n C.size_t, out **C.dstack_tappd_client, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_tappd_client_new(ep, n, out, cerr)
}
func (tappdAgent) endpoint(p *C.dstack_tappd_client) C.dstack_slice {
	return C.dstack_tappd_client_endpoint(p)
}
func (tappdAgent) setTimeoutMs(p *C.dstack_tappd_client, ms C.uint32_t, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_tappd_client_set_timeout_ms(p, ms, cerr)
}
func (tappdAgent) free(p *C.dstack_tappd_client) { C.dstack_tappd_client_free(p) }
func (tappdAgent) info(p *C.dstack_tappd_client, tmo C.uint32_t, out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_tappd_client_info(p, tmo, out, cerr)
}
func (tappdAgent) version(p *C.dstack_tappd_client, tmo C.uint32_t, out **C.dstack_response, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_tappd_client_version(p, tmo, out, cerr)
}
func (tappdAgent) isReachable(p *C.dstack_tappd_client, tmo C.uint32_t, out *C.bool, cerr **C.dstack_error) C.dstack_status {
	return C.dstack_tappd_client_is_reachable(p, tmo, out, cerr)
}
