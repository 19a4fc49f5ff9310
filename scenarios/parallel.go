package scenarios

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// parallel-activities: fan out N activities, gather, return the results
// sorted. Each activity heartbeats its progress and resumes from it on a
// retry; each one sends a notification for its item.

// ParallelActivities holds the activity implementations and their fakes.
type ParallelActivities struct {
	Clock  clock.Clock
	Notify *fakes.NotificationSink
}

// Process works on one item for d, heartbeating every d/4, resuming from
// the last heartbeat on a retry.
func (a *ParallelActivities) Process(ctx context.Context, item int, d time.Duration) (string, error) {
	step := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &step)
	}
	for ; step < 4; step++ {
		select {
		case <-a.Clock.After(d / 4):
		case <-ctx.Done():
			return "", ctx.Err()
		}
		activity.RecordHeartbeat(ctx, step+1)
	}
	if err := a.Notify.Send(ctx, fmt.Sprintf("item-%d", item), "processed", ""); err != nil {
		return "", err
	}
	return fmt.Sprintf("item-%d", item), nil
}

// ParallelWorkflow fans out n Process activities and returns their
// results sorted.
func ParallelWorkflow(ctx workflow.Context, n int) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, MaximumAttempts: 10},
	})
	futures := make([]workflow.Future, n)
	for i := range futures {
		futures[i] = workflow.ExecuteActivity(ctx, "Process", i, time.Duration(i+1)*30*time.Second)
	}
	out := make([]string, 0, n)
	for _, f := range futures {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

func init() {
	const n = 4
	register(&sim.Scenario{
		Name:        "parallel-activities",
		Description: "fan out 4 heartbeating activities, gather, results sorted",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.HeartbeatLoss, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"Process"},
			Window:     5 * time.Minute,
			MaxCall:    n,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			acts := &ParallelActivities{Clock: w.Clock(), Notify: fakes.NewNotificationSink(w.Clock(), w.Rand("notify"), nil)}
			w.RegisterWorkflow(ParallelWorkflow)
			w.RegisterActivity(acts)
			return sim.Case{Workflow: ParallelWorkflow, Args: []any{n}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(5*time.Minute, time.Hour),
				harness.Property("results-sorted-and-complete", func(r *sim.Result) error {
					if r.Outcome != sim.Completed {
						return nil
					}
					if want := `["item-0","item-1","item-2","item-3"]`; r.Output != want {
						return fmt.Errorf("workflow returned %s, want %s", r.Output, want)
					}
					return nil
				}),
			}}
		},
	})
}
