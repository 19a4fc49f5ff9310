package server

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestDialOptionsKeepTheSDKChainForErrors: with DialOptions a call that
// fails still goes through the SDK's gRPC interceptors, and no attempt
// reaches the server twice. The server answers over gRPC statuses, so an
// error that comes back as a serviceerror value was converted by the SDK's
// chain; a retryable one is retried by it.
func TestDialOptionsKeepTheSDKChainForErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 7})
		var describes, completes atomic.Int32
		count := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			switch method[strings.LastIndex(method, "/")+1:] {
			case "DescribeWorkflowExecution":
				if describes.Add(1) <= 2 {
					return status.Error(codes.Unavailable, "test: the network is down")
				}
			case "RespondActivityTaskCompleted":
				completes.Add(1)
			}
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		c, err := client.Dial(client.Options{HostPort: "passthrough:///temporalsim", Identity: "test-client", Logger: quiet,
			WorkerHeartbeatInterval: -1, ConnectionOptions: client.ConnectionOptions{DialOptions: srv.DialOptions(count)}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer srv.Stop()
		defer c.Close()
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wf", TaskQueue: testQueue}, "NoSuchWorkflow")
		if err != nil {
			t.Fatalf("start: %v", err)
		}

		// Unavailable twice, then the answer: the SDK's retry interceptor
		// tried three times, and each try reached the test's interceptor once.
		if _, err := c.DescribeWorkflowExecution(ctx, "wf", run.GetRunID()); err != nil {
			t.Errorf("describe after two Unavailable answers: %v, want the SDK to retry it to success", err)
		}
		if n := describes.Load(); n != 3 {
			t.Errorf("DescribeWorkflowExecution reached the server's side %d times, want 3 (two failures and a success)", n)
		}

		// A completion nobody waits for: NotFound, converted, not retried.
		err = c.CompleteActivity(ctx, []byte("a|no-such-run|5|1"), "late", nil)
		var nf *serviceerror.NotFound
		if !errors.As(err, &nf) {
			t.Errorf("late completion: %T %v, want *serviceerror.NotFound (the SDK's error interceptor converts the server's status)", err, err)
		}
		if n := completes.Load(); n != 1 {
			t.Errorf("RespondActivityTaskCompleted reached the server's side %d times, want 1", n)
		}
	})
}
