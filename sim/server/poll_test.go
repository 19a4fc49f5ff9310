package server

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestExpiredPollTakesTheTask: a sticky poll held past its long-poll
// deadline while the workflow sleeps gets the timer's workflow task, as the
// poll its worker would have sent after the deadline does on a real server
// (the SDK polls again at once after an empty answer). It used to be
// answered empty, and the SDK's next poll took the task: a second poll and
// a second server step for every timer. A poll within its deadline gets
// the task too.
func TestExpiredPollTakesTheTask(t *testing.T) {
	const timers = 3
	for _, tc := range []struct {
		name  string
		sleep time.Duration
	}{
		{"past the deadline", time.Hour},
		{"within the deadline", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			empty, tasks := stickyPollAnswers(t, timers, tc.sleep)
			if tasks != timers {
				t.Errorf("%d sticky polls got a task, want %d", tasks, timers)
			}
			if empty != 0 {
				t.Errorf("%d sticky polls answered empty, want none", empty)
			}
		})
	}
}

// stickyPollAnswers runs TimersWorkflow with n sleeps of d and counts the
// sticky polls answered empty and with a task until the workflow closes.
func stickyPollAnswers(t *testing.T, n int, d time.Duration) (empty, tasks int) {
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 7})
		var mu sync.Mutex
		var e, k int
		count := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if r, ok := req.(*workflowservice.PollWorkflowTaskQueueRequest); ok && err == nil && r.GetTaskQueue().GetKind() == enumspb.TASK_QUEUE_KIND_STICKY {
				mu.Lock()
				if len(reply.(*workflowservice.PollWorkflowTaskQueueResponse).GetTaskToken()) == 0 {
					e++
				} else {
					k++
				}
				mu.Unlock()
			}
			return err
		}
		c, err := client.Dial(client.Options{
			HostPort: "passthrough:///temporalsim", Identity: "test-client", Logger: quiet, WorkerHeartbeatInterval: -1,
			ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithChainUnaryInterceptor(count, srv.Handle),
			}},
		})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		w := newTestWorker(c)
		w.RegisterWorkflow(TimersWorkflow)
		if err := w.Start(); err != nil {
			t.Fatalf("worker start: %v", err)
		}
		var got int
		if err := execute(context.Background(), c, "timers", TimersWorkflow, &got, n, time.Duration(n)*d); err != nil || got != n {
			t.Errorf("timers: %d, %v", got, err)
		}
		mu.Lock()
		empty, tasks = e, k // not the polls answered at shutdown
		mu.Unlock()
		w.Stop()
		c.Close()
		srv.Stop()
	})
	return empty, tasks
}
