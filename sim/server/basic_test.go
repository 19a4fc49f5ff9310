package server

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"strings"
	"testing/synctest"
)

func greet(_ context.Context, name string) (string, error) { return "hello " + name, nil }
func shout(_ context.Context, s string) (string, error)    { return s + "!", nil }

// TwoStepWorkflow runs two activities with a timer between them.
func TwoStepWorkflow(ctx workflow.Context, name string) (string, error) {
	return twoSteps(ctx, name, time.Hour)
}

// twoSteps greets name, sleeps for sleep, then shouts the greeting.
func twoSteps(ctx workflow.Context, name string, sleep time.Duration) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var a string
	if err := workflow.ExecuteActivity(ctx, greet, name).Get(ctx, &a); err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, sleep); err != nil {
		return "", err
	}
	var b string
	err := workflow.ExecuteActivity(ctx, shout, a).Get(ctx, &b)
	return b, err
}

func registerTwoStep(w workerRegistry) {
	w.RegisterWorkflow(TwoStepWorkflow)
	w.RegisterActivity(greet)
	w.RegisterActivity(shout)
}

func eventTypes(h RunHistory) []enumspb.EventType {
	out := make([]enumspb.EventType, len(h.Events))
	for i, e := range h.Events {
		out[i] = e.GetEventType()
	}
	return out
}

func TestTwoActivitiesAndTimerComplete(t *testing.T) {
	hist := inBubble(t, registerTwoStep, func(t *testing.T, c client.Client) {
		start := time.Now()
		var out string
		if err := execute(context.Background(), c, "two-step", TwoStepWorkflow, &out, "sim"); err != nil {
			t.Fatalf("workflow: %v", err)
		}
		if out != "hello sim!" {
			t.Errorf("result %q, want %q", out, "hello sim!")
		}
		// The SDK's own poll rate limiter adds a millisecond or so.
		if got := time.Since(start); got < time.Hour || got > time.Hour+time.Second {
			t.Errorf("virtual time %v, want 1h (the timer) plus at most 1s", got)
		}
	})
	if len(hist) != 1 {
		t.Fatalf("%d runs, want 1", len(hist))
	}
	want := []enumspb.EventType{
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED,
		enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enumspb.EVENT_TYPE_TIMER_STARTED, enumspb.EVENT_TYPE_TIMER_FIRED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
	}
	got := eventTypes(hist[0])
	if len(got) != len(want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d is %v, want %v\n got %v", i+1, got[i], want[i], got)
		}
	}
}

func TestUnknownMethodIsUnimplemented(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := New(nil)
		defer srv.Stop()
		err := srv.Handle(context.Background(), servicePrefix+"ListSchedules", nil, nil, nil, nil)
		if status.Code(err) != codes.Unimplemented || !strings.Contains(err.Error(), "ListSchedules") {
			t.Fatalf("got %v, want Unimplemented naming ListSchedules", err)
		}
	})
}
