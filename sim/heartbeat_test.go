package sim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// resumable heartbeats its progress, then heartbeats with no details,
// and reports on each attempt whether it found details to resume from.
func resumable(ctx context.Context) (string, error) {
	if activity.HasHeartbeatDetails(ctx) {
		return "resumed", nil
	}
	activity.RecordHeartbeat(ctx, 3)
	for range 3 {
		t := time.NewTimer(10 * time.Second)
		select {
		case <-t.C:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		activity.RecordHeartbeat(ctx)
	}
	if activity.GetInfo(ctx).Attempt == 1 {
		return "", fmt.Errorf("attempt 1 fails after its heartbeats")
	}
	return "fresh", nil
}

func resumableWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour, HeartbeatTimeout: 15 * time.Second})
	var s string
	err := workflow.ExecuteActivity(ctx, resumable).Get(ctx, &s)
	return s, err
}

// TestHeartbeatWithoutDetailsKeepsTheAttemptAliveAndClearsDetails checks
// that heartbeats without details reset the heartbeat timeout (15s here,
// with 10s between them), and that, as on a server, the last heartbeat
// (without details) replaces the earlier details.
func TestHeartbeatWithoutDetailsKeepsTheAttemptAliveAndClearsDetails(t *testing.T) {
	sc := &Scenario{Name: "resumable", Setup: func(w *World) Case {
		w.RegisterWorkflow(resumableWorkflow)
		w.RegisterActivity(resumable)
		return Case{Workflow: resumableWorkflow}
	}}
	r, err := Run(t, sc, 1, Plan{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != Completed || r.Output != `"fresh"` {
		t.Fatalf("%s output %s; want attempt 2 to find no details and complete fresh:\n%s", r, r.Output, dump(r))
	}
	atts := r.Activities[0].Attempts
	if len(atts) != 2 || atts[0].Result != "ApplicationError" {
		t.Fatalf("attempts %+v; want attempt 1 to end with its own error, not a heartbeat timeout", atts)
	}
	if n := len(find(r, "act.heartbeat", "attempt=1")); n != 4 {
		t.Fatalf("%d heartbeats recorded for attempt 1, want 4:\n%s", n, dump(r))
	}
}
