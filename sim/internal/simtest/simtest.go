// Package simtest holds a scenario shared by the engine's external tests
// and the programs they build, so those tests depend on nothing but the
// engine.
package simtest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// Work heartbeats five times over d and resumes from its last heartbeat.
func Work(ctx context.Context, i int, d time.Duration) (string, error) {
	start := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &start)
	}
	for step := start; step < 5; step++ {
		t := time.NewTimer(d / 5)
		select {
		case <-t.C:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		activity.RecordHeartbeat(ctx, step+1)
	}
	return fmt.Sprintf("w%d@%d", i, activity.GetInfo(ctx).Attempt), nil
}

// FanOutWorkflow runs n Work activities in parallel, then sleeps a day.
func FanOutWorkflow(ctx workflow.Context, n int) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	var fs []workflow.Future
	for i := 0; i < n; i++ {
		fs = append(fs, workflow.ExecuteActivity(ctx, Work, i, time.Duration(i+1)*time.Minute))
	}
	var out []string
	for _, f := range fs {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, workflow.Sleep(ctx, 24*time.Hour)
}

// FanOut is a scenario of n parallel heartbeating activities under every
// activity and worker fault kind.
func FanOut(n int) *sim.Scenario {
	return &sim.Scenario{
		Name: "fan-out",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.HeartbeatLoss, sim.WorkerShutdown, sim.WorkerCrash, sim.WorkflowCancel},
			Activities: []string{"Work"},
			Window:     5 * time.Minute,
			MaxCall:    n,
		},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(FanOutWorkflow)
			w.RegisterActivity(Work)
			return sim.Case{Workflow: FanOutWorkflow, Args: []any{n}}
		},
	}
}
