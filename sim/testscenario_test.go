package sim

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// fanOut is the engine tests' own scenario: N parallel heartbeating
// activities with retries, then a long timer.
type fanOutActs struct{ clk clock.Clock }

func (a *fanOutActs) Work(ctx context.Context, i int, d time.Duration) (string, error) {
	start := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &start)
	}
	for step := start; step < 5; step++ {
		select {
		case <-a.clk.After(d / 5):
		case <-ctx.Done():
			return "", ctx.Err()
		}
		activity.RecordHeartbeat(ctx, step+1)
	}
	return fmt.Sprintf("w%d@%d", i, activity.GetInfo(ctx).Attempt), nil
}

func fanOutWorkflow(ctx workflow.Context, n int) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	var futs []workflow.Future
	for i := 0; i < n; i++ {
		futs = append(futs, workflow.ExecuteActivity(ctx, "Work", i, time.Duration(i+1)*time.Minute))
	}
	var out []string
	for _, f := range futs {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	if err := workflow.Sleep(ctx, 24*time.Hour); err != nil {
		return nil, err
	}
	return out, nil
}

func fanOutScenario(n int) *Scenario {
	return &Scenario{
		Name: "fan-out",
		Profile: Profile{
			Kinds:      []Kind{ActivityError, ActivityPanic, Latency, StartToCloseTimeout, HeartbeatLoss, WorkerShutdown, WorkflowCancel},
			Activities: []string{"Work"},
			Window:     5 * time.Minute,
		},
		Setup: func(w *World) Case {
			w.RegisterWorkflow(fanOutWorkflow)
			w.RegisterActivity(&fanOutActs{clk: w.Clock()})
			return Case{Workflow: fanOutWorkflow, Args: []any{n}}
		},
	}
}
