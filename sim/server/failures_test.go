package server

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

func alwaysFails(context.Context) error { return errors.New("boom") }

func refuses(context.Context) error {
	return temporal.NewNonRetryableApplicationError("no", "Refused", nil)
}

func hangs(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

// ActivityEndWorkflow runs the activity named by kind with options that
// make it end without success, and returns its error.
func ActivityEndWorkflow(ctx workflow.Context, kind string) error {
	o := workflow.ActivityOptions{StartToCloseTimeout: time.Minute}
	var fn any
	switch kind {
	case "max-attempts":
		o.RetryPolicy, fn = &temporal.RetryPolicy{MaximumAttempts: 3}, alwaysFails
	case "non-retryable":
		fn = refuses
	default: // schedule-to-close: retried start-to-close timeouts run out of time
		o.StartToCloseTimeout, o.ScheduleToCloseTimeout, fn = 10*time.Second, 25*time.Second, hangs
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), fn).Get(ctx, nil)
}

func TestActivityEnds(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		event enumspb.EventType
		state enumspb.RetryState
	}{
		{"max-attempts", enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED, enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED},
		{"non-retryable", enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED, enumspb.RETRY_STATE_NON_RETRYABLE_FAILURE},
		{"schedule-to-close", enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, enumspb.RETRY_STATE_TIMEOUT},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			hist := inBubble(t, func(w workerRegistry) {
				w.RegisterWorkflow(ActivityEndWorkflow)
				w.RegisterActivity(alwaysFails)
				w.RegisterActivity(refuses)
				w.RegisterActivity(hangs)
			}, func(t *testing.T, c client.Client) {
				err := execute(context.Background(), c, "end", ActivityEndWorkflow, nil, tc.kind)
				var ae *temporal.ActivityError
				if !errors.As(err, &ae) {
					t.Fatalf("workflow error %v, want an ActivityError", err)
				}
			})
			e := findEvent(t, hist[0], tc.event)
			state := e.GetActivityTaskFailedEventAttributes().GetRetryState()
			if tc.event == enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT {
				state = e.GetActivityTaskTimedOutEventAttributes().GetRetryState()
			}
			if state != tc.state {
				t.Errorf("retry state %v, want %v", state, tc.state)
			}
		})
	}
}

var panics atomic.Int32

// PanicOnceWorkflow panics in its first workflow task of the process.
func PanicOnceWorkflow(ctx workflow.Context) (string, error) {
	if panics.Add(1) == 1 {
		panic("first task fails")
	}
	return "recovered", nil
}

func TestWorkflowTaskFailureIsRetried(t *testing.T) {
	panics.Store(0)
	hist := inBubble(t, func(w workerRegistry) { w.RegisterWorkflow(PanicOnceWorkflow) }, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "panic", PanicOnceWorkflow, &s); err != nil || s != "recovered" {
			t.Fatalf("workflow: %q, %v", s, err)
		}
	})
	if countEvents(hist[0], enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED) != 1 {
		t.Errorf("want one WorkflowTaskFailed in %v", eventTypes(hist[0]))
	}
}

// FailingChild fails at once.
func FailingChild(workflow.Context) error { return errors.New("child failed") }

// ParentOfFailing returns its child's failure.
func ParentOfFailing(ctx workflow.Context) error {
	return workflow.ExecuteChildWorkflow(ctx, FailingChild).Get(ctx, nil)
}

// ParentLeavingChild completes while its child still sleeps.
func ParentLeavingChild(ctx workflow.Context) error {
	f := workflow.ExecuteChildWorkflow(ctx, CancellableWorkflow)
	return f.GetChildWorkflowExecution().Get(ctx, nil)
}

func TestChildFailureAndParentClosePolicy(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(ParentOfFailing)
		w.RegisterWorkflow(FailingChild)
		w.RegisterWorkflow(ParentLeavingChild)
		w.RegisterWorkflow(CancellableWorkflow)
	}, func(t *testing.T, c client.Client) {
		var ce *temporal.ChildWorkflowExecutionError
		if err := execute(context.Background(), c, "p1", ParentOfFailing, nil); !errors.As(err, &ce) {
			t.Errorf("parent error %v, want a ChildWorkflowExecutionError", err)
		}
		if err := execute(context.Background(), c, "p2", ParentLeavingChild, nil); err != nil {
			t.Errorf("parent: %v", err)
		}
	})
	findEvent(t, hist[0], enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED)
	var child RunHistory
	for _, h := range hist {
		if h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName() == "CancellableWorkflow" {
			child = h
		}
	}
	if last := child.Events[len(child.Events)-1].GetEventType(); last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED {
		t.Errorf("abandoned child ends with %v, want WorkflowExecutionTerminated (the default parent close policy)", last)
	}
}
