package server

import (
	"context"
	"slices"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// This file holds what the server assumes about the SDK client's own gRPC
// interceptors (written for go.temporal.io/sdk v1.50.0).
//
// The SDK puts a chain of required interceptors in front of every call
// (internal.requiredInterceptors): it turns gRPC statuses into
// serviceerror values, retries what its retry policy allows with backoff,
// counts metrics, and adds the temporal-namespace and resource-id
// headers. On a call that succeeds the chain changes nothing the server or
// the caller sees: the errors, retries and backoff only act on a failed
// attempt, engine 2's client has no metrics handler, and this server reads
// no headers. The chain still took 8.7% of the CPU in a profile of 1,500
// engine-2 parallel-activities runs (contexts, metadata and closures
// allocated per call, and the stack growth they brought about).
//
// So DialOptions answers each call first with no chain in front, and only
// a call whose answer is an error goes through the SDK's chain, whose first
// attempt is given that answer instead of calling the server again. The
// SDK then converts, retries and backs off exactly as it would have;
// retried attempts reach the server through the chain.
// TestDialOptionsKeepTheSDKChainForErrors (dial_test.go) and sim's
// TestFastCallsChangeNoRun guard it: the first shows errors converted and
// retried by the SDK, the second that runs of the catalogue, faults
// included, give the same histories and traces with and without it.

// DialOptions returns the dial options that connect an SDK client to s
// in-process: the transport credentials gRPC requires, and s.Handle behind
// ics, the caller's own interceptors (outermost first). Use them as
// client.ConnectionOptions.DialOptions with HostPort
// "passthrough:///any". They set grpc.WithUnaryInterceptor, so the caller
// must not set it again.
//
// A successful call skips the SDK's own gRPC interceptors; one that fails
// goes through them (see above).
func (s *Server) DialOptions(ics ...grpc.UnaryClientInterceptor) []grpc.DialOption {
	call := chainCall(append(slices.Clip(ics), s.Handle))
	first := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := call(ctx, method, req, reply, cc, opts...)
		if err == nil {
			return nil
		}
		s.failedCalls.Add(1)
		return invoker(context.WithValue(ctx, firstAnswerKey{}, &firstAnswer{err: err}), method, req, reply, cc, opts...)
	}
	last := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, _ grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if a, _ := ctx.Value(firstAnswerKey{}).(*firstAnswer); a != nil && a.taken.CompareAndSwap(false, true) {
			return a.err
		}
		return call(ctx, method, req, reply, cc, opts...)
	}
	return []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(first),     // outermost: before the SDK's chain
		grpc.WithChainUnaryInterceptor(last), // innermost: after it
	}
}

// firstAnswer is a failed call's first answer, for the SDK chain's first
// attempt.
type firstAnswer struct {
	err   error
	taken atomic.Bool
}

type firstAnswerKey struct{}

// chainCall joins ics into one invoker, built once: the last of them (the
// server's Handle) never calls its invoker.
func chainCall(ics []grpc.UnaryClientInterceptor) grpc.UnaryInvoker {
	var next grpc.UnaryInvoker = func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
		panic("temporalsim server: Handle called its invoker")
	}
	for i := len(ics) - 1; i >= 0; i-- {
		ic, inner := ics[i], next
		next = func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
			return ic(ctx, method, req, reply, cc, inner, opts...)
		}
	}
	return next
}
