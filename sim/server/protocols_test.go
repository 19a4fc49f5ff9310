package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// CounterWorkflow keeps a count that updates add to (a validator refuses
// negative amounts) and a query reads; a "done" signal ends it.
func CounterWorkflow(ctx workflow.Context) (int, error) {
	count := 0
	if err := workflow.SetQueryHandler(ctx, "count", func() (int, error) { return count, nil }); err != nil {
		return 0, err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, "add", func(ctx workflow.Context, n int) (int, error) {
		if err := workflow.Sleep(ctx, time.Second); err != nil {
			return 0, err
		}
		count += n
		return count, nil
	}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, n int) error {
		if n < 0 {
			return errors.New("negative amount")
		}
		return nil
	}})
	if err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return count, nil
}

func query(t *testing.T, c client.Client, id string) int {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), id, "", "count")
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	var n int
	if err := v.Get(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func update(c client.Client, id string, n int) (int, error) {
	updates++
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "add",
		UpdateID: fmt.Sprintf("u%d", updates), Args: []any{n}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return 0, err
	}
	var out int
	err = h.Get(context.Background(), &out)
	return out, err
}

// TestQueriesAndUpdates: queries see the state the updates leave, a
// rejected update leaves no event, and the history replays.
func TestQueriesAndUpdates(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(CounterWorkflow) }, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "counter", TaskQueue: testQueue}, CounterWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		if n := query(t, c, "counter"); n != 0 {
			t.Errorf("first query %d, want 0", n)
		}
		if n, err := update(c, "counter", 2); n != 2 || err != nil {
			t.Errorf("update add 2: %d, %v; want 2, nil", n, err)
		}
		if _, err := update(c, "counter", -1); err == nil || !strings.Contains(err.Error(), "negative amount") {
			t.Errorf("update add -1: %v, want the validator's rejection", err)
		}
		if n := query(t, c, "counter"); n != 2 {
			t.Errorf("query after the updates %d, want 2", n)
		}
		if _, err := c.QueryWorkflow(ctx, "counter", "", "nope"); err == nil {
			t.Error("a query of an unknown type was answered")
		}
		if err := c.SignalWorkflow(ctx, "counter", "", "done", nil); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := run.Get(ctx, &n); err != nil || n != 2 {
			t.Fatalf("result %d, %v; want 2", n, err)
		}
		// A closed run's query goes to a worker with the whole history.
		if n := query(t, c, "counter"); n != 2 {
			t.Errorf("query after close %d, want 2", n)
		}
	})
	if a, d := countEvents(hist[0], enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED), countEvents(hist[0], enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED); a != 1 || d != 1 {
		t.Errorf("%d accepted and %d completed update events, want 1 and 1 (the rejection leaves none)", a, d)
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(CounterWorkflow)
	if err := r.ReplayWorkflowHistory(quiet, &historyT{Events: hist[0].Events}); err != nil {
		t.Errorf("history does not replay: %v", err)
	}
}

// TestQueryOnFreshWorker: once the run has no sticky worker, queries go to
// the normal queue with the whole history, which a worker replays (two
// workers poll, so either may answer).
func TestQueryOnFreshWorker(t *testing.T) {
	inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(CounterWorkflow) }, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "counter", TaskQueue: testQueue}, CounterWorkflow); err != nil {
			t.Fatal(err)
		}
		if n, err := update(c, "counter", 3); n != 3 || err != nil {
			t.Fatalf("update: %d, %v", n, err)
		}
		w := newTestWorker(c)
		w.RegisterWorkflow(CounterWorkflow)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if _, err := c.WorkflowService().ResetStickyTaskQueue(ctx, resetSticky("counter")); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if n := query(t, c, "counter"); n != 3 {
				t.Errorf("query %d, want 3", n)
			}
		}
		if err := c.SignalWorkflow(ctx, "counter", "", "done", nil); err != nil {
			t.Fatal(err)
		}
	})
}

var updates int // update ids, unique within the test binary

func resetSticky(id string) *workflowservice.ResetStickyTaskQueueRequest {
	return &workflowservice.ResetStickyTaskQueueRequest{Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id}}
}
