package server

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// pause takes 3s of virtual time.
func pause(context.Context) error {
	time.Sleep(3 * time.Second)
	return nil
}

// PairWorkflow runs two pauses side by side and waits for both.
func PairWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	a := workflow.ExecuteActivity(ctx, pause)
	b := workflow.ExecuteActivity(ctx, pause)
	if err := a.Get(ctx, nil); err != nil {
		return err
	}
	return b.Get(ctx, nil)
}

// TestSameInstantEventsShareAWorkflowTask: two activities that complete at
// the same instant are both recorded before the next workflow task starts,
// as on a real server (and the dev server's history of the same workflow),
// so the workflow sees both in one task instead of one task each.
func TestSameInstantEventsShareAWorkflowTask(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(PairWorkflow)
		w.RegisterActivity(pause)
	}, func(t *testing.T, c client.Client) {
		if err := execute(context.Background(), c, "pair", PairWorkflow, nil); err != nil {
			t.Fatalf("workflow: %v", err)
		}
	})
	var got []string
	for _, e := range hist[0].Events {
		got = append(got, e.GetEventType().String())
	}
	if n := countEvents(hist[0], enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED); n != 2 {
		t.Errorf("%d workflow tasks, want 2 (the first, and one for both completions): %v", n, got)
	}
}
