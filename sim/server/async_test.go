package server

import (
	"context"
	"errors"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	sdkactivity "go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// asyncActs hands each attempt of Pending to the test body; its channel
// is made inside the bubble, so waiting on it is a durable block.
type asyncActs struct{ infos chan sdkactivity.Info }

// Pending leaves its attempt to the test body.
func (a *asyncActs) Pending(ctx context.Context) (string, error) {
	a.infos <- sdkactivity.GetInfo(ctx)
	return "", sdkactivity.ErrResultPending
}

// AsyncFailWorkflow runs Pending once and returns its error's message.
func AsyncFailWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	err := workflow.ExecuteActivity(ctx, "Pending").Get(ctx, nil)
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message(), nil
	}
	return "", err
}

// AsyncCancelWorkflow asks Pending to cancel after 5s and waits for the
// cancellation to be reported.
func AsyncCancelWorkflow(ctx workflow.Context) (string, error) {
	actx, cancel := workflow.WithCancel(ctx)
	actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, WaitForCancellation: true})
	f := workflow.ExecuteActivity(actx, "Pending")
	if err := workflow.Sleep(ctx, 5*time.Second); err != nil {
		return "", err
	}
	cancel()
	err := f.Get(ctx, nil)
	var ce *temporal.CanceledError
	if errors.As(err, &ce) {
		return "canceled", nil
	}
	return "", err
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// TestCompletionsByIDFollowTheServer: by id, a wrong activity id is
// NotFound, a cancellation nobody requested is refused, a failure ends
// the activity, and a call after that is NotFound.
func TestCompletionsByIDFollowTheServer(t *testing.T) {
	acts := &asyncActs{}
	hist := inBubble(t, func(w workerRegistry) {
		acts.infos = make(chan sdkactivity.Info, 4)
		w.RegisterWorkflow(AsyncFailWorkflow)
		w.RegisterActivity(acts)
	}, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "async-fail", TaskQueue: testQueue}, AsyncFailWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		info := <-acts.infos
		wf, rid, id := info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID
		if err := c.CompleteActivityByID(ctx, "default", wf, rid, id+"x", "v", nil); !isNotFound(err) {
			t.Errorf("completion of an unknown activity id: %v, want NotFound", err)
		}
		var fp *serviceerror.FailedPrecondition
		if err := c.CompleteActivityByID(ctx, "default", wf, rid, id, nil, temporal.NewCanceledError()); !errors.As(err, &fp) {
			t.Errorf("cancellation nobody requested: %v, want FailedPrecondition", err)
		}
		if err := c.CompleteActivityByID(ctx, "default", wf, "", id, nil, errors.New("declined")); err != nil {
			t.Errorf("failure by id: %v", err)
		}
		if err := c.CompleteActivityByID(ctx, "default", wf, rid, id, "late", nil); !isNotFound(err) {
			t.Errorf("completion after the activity failed: %v, want NotFound", err)
		}
		if err := c.CompleteActivity(ctx, info.TaskToken, "late", nil); !isNotFound(err) {
			t.Errorf("completion by token after the activity failed: %v, want NotFound", err)
		}
		var msg string
		if err := run.Get(ctx, &msg); err != nil || msg != "declined" {
			t.Errorf("workflow: %q, %v; want the failure by id", msg, err)
		}
	})
	if n := countEvents(hist[0], enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED); n != 1 {
		t.Errorf("%d ActivityTaskFailed events, want 1", n)
	}
}

// TestCancelByIDAfterRequest: once the workflow asked to cancel, the
// completer may report the cancellation by id, and the workflow that
// waits for it sees it.
func TestCancelByIDAfterRequest(t *testing.T) {
	acts := &asyncActs{}
	hist := inBubble(t, func(w workerRegistry) {
		acts.infos = make(chan sdkactivity.Info, 4)
		w.RegisterWorkflow(AsyncCancelWorkflow)
		w.RegisterActivity(acts)
	}, func(t *testing.T, c client.Client) {
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "async-cancel", TaskQueue: testQueue}, AsyncCancelWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		info := <-acts.infos
		time.Sleep(10 * time.Second)
		if err := c.CompleteActivityByID(ctx, "default", info.WorkflowExecution.ID, "", info.ActivityID, nil, temporal.NewCanceledError()); err != nil {
			t.Errorf("cancellation by id after the request: %v", err)
		}
		var out string
		if err := run.Get(ctx, &out); err != nil || out != "canceled" {
			t.Errorf("workflow: %q, %v; want canceled", out, err)
		}
	})
	if n := countEvents(hist[0], enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED); n != 1 {
		t.Errorf("%d ActivityTaskCanceled events, want 1", n)
	}
}
