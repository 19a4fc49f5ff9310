package server

import (
	"context"
	"errors"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// CountingChild continues as new until it has run five times.
func CountingChild(ctx workflow.Context, n int) (int, error) {
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return 0, err
	}
	if n < 4 {
		return 0, workflow.NewContinueAsNewError(ctx, CountingChild, n+1)
	}
	return n, nil
}

// ChildParent starts CountingChild and reads its result.
func ChildParent(ctx workflow.Context) (int, error) {
	var n int
	err := workflow.ExecuteChildWorkflow(ctx, CountingChild, 0).Get(ctx, &n)
	return n, err
}

func TestChildContinuesAsNewFourTimes(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(ChildParent)
		w.RegisterWorkflow(CountingChild)
	}, func(t *testing.T, c client.Client) {
		var n int
		if err := execute(context.Background(), c, "parent", ChildParent, &n); err != nil || n != 4 {
			t.Fatalf("parent: %d, %v; want 4", n, err)
		}
	})
	if len(hist) != 6 {
		t.Fatalf("%d runs, want the parent and five child runs", len(hist))
	}
	if n := countEvents(hist[0], enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED); n != 1 {
		t.Errorf("parent has %d ChildWorkflowExecutionCompleted, want 1", n)
	}
	for i, h := range hist[1:5] {
		if last := h.Events[len(h.Events)-1].GetEventType(); last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW {
			t.Errorf("child run %d ends with %v, want ContinuedAsNew", i+1, last)
		}
	}
}

// SignalWorkflow returns the first "name" signal it gets.
func SignalWorkflow(ctx workflow.Context) (string, error) {
	var v string
	workflow.GetSignalChannel(ctx, "name").Receive(ctx, &v)
	return "got " + v, nil
}

func TestSignal(t *testing.T) {
	inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(SignalWorkflow) }, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sig", TaskQueue: testQueue}, SignalWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		if err := c.SignalWorkflow(ctx, "sig", "", "name", "ada"); err != nil {
			t.Fatalf("signal: %v", err)
		}
		var out string
		if err := run.Get(ctx, &out); err != nil || out != "got ada" {
			t.Fatalf("result %q, %v", out, err)
		}
		if err := c.SignalWorkflow(ctx, "sig", "", "name", "late"); err == nil {
			t.Error("signal to a closed workflow succeeded, want NotFound")
		}
	})
}

// CancellableWorkflow waits a day unless cancelled.
func CancellableWorkflow(ctx workflow.Context) error {
	return workflow.Sleep(ctx, 24*time.Hour)
}

func TestCancel(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(CancellableWorkflow) }, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "cancel", TaskQueue: testQueue}, CancellableWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if err := c.CancelWorkflow(ctx, "cancel", ""); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		err = run.Get(ctx, nil)
		var ce *temporal.CanceledError
		if !errors.As(err, &ce) {
			t.Fatalf("Get: %v, want a CanceledError", err)
		}
	})
	h := hist[0]
	if last := h.Events[len(h.Events)-1].GetEventType(); last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED {
		t.Errorf("last event %v, want WorkflowExecutionCanceled", last)
	}
	if countEvents(h, enumspb.EVENT_TYPE_TIMER_CANCELED) != 1 {
		t.Errorf("no TimerCanceled in %v", eventTypes(h))
	}
}

func TestTerminate(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(CancellableWorkflow) }, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "term", TaskQueue: testQueue}, CancellableWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if err := c.TerminateWorkflow(ctx, "term", "", "enough"); err != nil {
			t.Fatalf("terminate: %v", err)
		}
		var te *temporal.TerminatedError
		if err := run.Get(ctx, nil); !errors.As(err, &te) {
			t.Fatalf("Get: %v, want a TerminatedError", err)
		}
	})
	h := hist[0]
	if last := h.Events[len(h.Events)-1].GetEventType(); last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED {
		t.Errorf("last event %v, want WorkflowExecutionTerminated", last)
	}
}

// EndlessWorkflow continues as new every ten minutes, forever.
func EndlessWorkflow(ctx workflow.Context) error {
	if err := workflow.Sleep(ctx, 10*time.Minute); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, EndlessWorkflow)
}

// TestExecutionTimeoutSpansContinueAsNew: the execution timeout (1h) ends a
// chain of runs that each live 10 minutes.
func TestExecutionTimeoutSpansContinueAsNew(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(EndlessWorkflow) }, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "endless", TaskQueue: testQueue, WorkflowExecutionTimeout: time.Hour + 5*time.Minute}, EndlessWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		var te *temporal.TimeoutError
		if err := run.Get(ctx, nil); !errors.As(err, &te) {
			t.Fatalf("Get: %v, want a TimeoutError", err)
		}
	})
	if len(hist) != 7 {
		t.Errorf("%d runs, want 7 (six of 10 minutes, the seventh cut off)", len(hist))
	}
	last := hist[len(hist)-1]
	if e := last.Events[len(last.Events)-1].GetEventType(); e != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT {
		t.Errorf("last run ends with %v, want WorkflowExecutionTimedOut", e)
	}
}
