package server

import (
	"context"
	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"testing"
	"testing/synctest"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// SequentialWorkflow runs n activities one after another.
func SequentialWorkflow(ctx workflow.Context, n int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for i := range n {
		if err := workflow.ExecuteActivity(ctx, greet, "x").Get(ctx, nil); err != nil {
			return i, err
		}
	}
	return n, nil
}

func registerSequential(w workerRegistry) {
	w.RegisterWorkflow(SequentialWorkflow)
	w.RegisterActivity(greet)
}

func TestStickyQueueSendsPartialHistories(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 1})
		c, err := dial(srv)
		if err != nil {
			t.Fatal(err)
		}
		w := newTestWorker(c)
		registerSequential(w)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := execute(context.Background(), c, "seq", SequentialWorkflow, &n, 20); err != nil || n != 20 {
			t.Fatalf("workflow: %d, %v", n, err)
		}
		w.Stop()
		c.Close()
		srv.Stop()
		st := srv.Stats()
		if st.FullHistoryTasks != 1 || st.PartialHistoryTasks != 20 {
			t.Errorf("%d full-history and %d partial-history workflow tasks, want 1 and 20", st.FullHistoryTasks, st.PartialHistoryTasks)
		}
	})
}

// TestWorkerRestartResumesOnNormalQueue stops the worker while a workflow
// waits on a timer and starts a fresh one: the server moves the task off
// the dead worker's sticky queue and the new worker replays the history.
func TestWorkerRestartResumesOnNormalQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 1})
		c, err := dial(srv)
		if err != nil {
			t.Fatal(err)
		}
		w1 := newTestWorker(c)
		registerTwoStep(w1)
		if err := w1.Start(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "restart", TaskQueue: testQueue}, TwoStepWorkflow, "r")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Minute)
		w1.Stop()
		w2 := newTestWorker(c)
		registerTwoStep(w2)
		if err := w2.Start(); err != nil {
			t.Fatal(err)
		}
		var out string
		if err := run.Get(ctx, &out); err != nil || out != "hello r!" {
			t.Fatalf("result %q, %v", out, err)
		}
		w2.Stop()
		c.Close()
		srv.Stop()
		if st := srv.Stats(); st.FullHistoryTasks != 2 {
			t.Errorf("%d full-history workflow tasks, want 2 (first task, and the new worker's first)", st.FullHistoryTasks)
		}
	})
}

// TestStickyTimeoutMovesTaskToNormalQueue loses the first worker without a
// ShutdownWorker call (as a crashed process would) a few seconds before the
// workflow's timer fires: its sticky queue saw a poller within the last 10 s,
// so the timer's workflow task waits there for the schedule-to-start
// timeout (5s), times out, and the second worker takes it from the normal
// queue. The worker stops within its polls' long-poll deadline, so the SDK
// cancels them and the server drops them (a poll held past its deadline
// stands for the poll its worker would have sent next; see
// docs/architecture.md).
func TestStickyTimeoutMovesTaskToNormalQueue(t *testing.T) {
	hist := inBubbleDropping(t, "ShutdownWorker", func(t *testing.T, srv *Server, c client.Client) {
		w1 := newTestWorker(c)
		registerShortSleep(w1)
		if err := w1.Start(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "lost", TaskQueue: testQueue}, ShortSleepWorkflow, "l")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		w1.Stop()
		w2 := newTestWorker(c)
		registerShortSleep(w2)
		if err := w2.Start(); err != nil {
			t.Fatal(err)
		}
		var out string
		if err := run.Get(ctx, &out); err != nil || out != "hello l!" {
			t.Fatalf("result %q, %v", out, err)
		}
		w2.Stop()
	})
	var timedOut *historyEvent
	for _, e := range hist[0].Events {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT {
			timedOut = e
		}
	}
	if timedOut == nil || timedOut.GetWorkflowTaskTimedOutEventAttributes().GetTimeoutType() != enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START {
		t.Fatalf("no schedule-to-start WorkflowTaskTimedOut in %v", eventTypes(hist[0]))
	}
}

// ShortSleepWorkflow is TwoStepWorkflow with a 5-second sleep: short enough
// that a worker lost during it was seen on its sticky queue within the
// server's 10-second window.
func ShortSleepWorkflow(ctx workflow.Context, name string) (string, error) {
	return twoSteps(ctx, name, 5*time.Second)
}

func registerShortSleep(w workerRegistry) {
	w.RegisterWorkflow(ShortSleepWorkflow)
	w.RegisterActivity(greet)
	w.RegisterActivity(shout)
}

// inBubbleDropping runs body against a server whose client never delivers
// the named method (answered as if it succeeded).
func inBubbleDropping(t *testing.T, method string, body func(t *testing.T, srv *Server, c client.Client)) []RunHistory {
	var hist []RunHistory
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 3})
		drop := func(ctx context.Context, m string, req, reply any, cc *grpc.ClientConn, inv grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			if m == servicePrefix+method {
				return nil
			}
			return srv.Handle(ctx, m, req, reply, cc, inv, opts...)
		}
		c, err := client.Dial(client.Options{HostPort: "passthrough:///temporalsim", Identity: "test-client", Logger: quiet,
			ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{
				grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithChainUnaryInterceptor(drop),
			}}})
		if err != nil {
			t.Fatal(err)
		}
		body(t, srv, c)
		c.Close()
		srv.Stop()
		hist = srv.Histories()
	})
	return hist
}
