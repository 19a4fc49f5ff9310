package harness_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// These scenarios are written as a user would write them, for workflows
// that once raised alarms on correct code. Each runs 500 generated plans
// (a fresh run seed each) under the Safety properties and its own, and
// must pass every one.

// falseAlarmPlans is how many plans each scenario here must pass.
const falseAlarmPlans = 500

// noFalseAlarms runs sc under falseAlarmPlans generated plans from a
// fixed search seed and fails t on any failure: the workflows here are
// correct, so a failure is the engine's bug.
func noFalseAlarms(t *testing.T, sc *sim.Scenario) {
	t.Helper()
	f, err := harness.Find(t, sc, harness.Checks(falseAlarmPlans), harness.SearchSeed(15), harness.PlanDir(""))
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		t.Fatalf("false alarm on a correct workflow:\n%s", f.Report())
	}
}

// pollUntilReady polls a status that turns ready after a few polls; it
// heartbeats with no details between polls, as a liveness signal only.
func pollUntilReady(ctx context.Context, polls int) (int, error) {
	for n := 1; ; n++ {
		if n >= polls {
			return n, nil
		}
		activity.RecordHeartbeat(ctx)
		t := time.NewTimer(10 * time.Second)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		}
	}
}

func pollWorkflow(ctx workflow.Context, polls int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	var n int
	err := workflow.ExecuteActivity(ctx, pollUntilReady, polls).Get(ctx, &n)
	return n, err
}

func pollScenario() *sim.Scenario {
	return &sim.Scenario{
		Name: "heartbeat-without-details",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.HeartbeatLoss, sim.StartToCloseTimeout, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"pollUntilReady"},
		},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(pollWorkflow)
			w.RegisterActivity(pollUntilReady)
			return sim.Case{Workflow: pollWorkflow, Args: []any{6}}
		},
		Properties: append(harness.Safety(),
			harness.Outcomes(sim.Completed, sim.Failed),
			harness.Property("polled-to-the-end", func(r *sim.Result) error {
				if r.Outcome == sim.Completed && r.Output != "6" {
					return fmt.Errorf("workflow returned %s, want 6 polls", r.Output)
				}
				return nil
			})),
	}
}

func TestEmptyHeartbeatIsAHeartbeat(t *testing.T) {
	r, err := sim.Run(t, pollScenario(), 1, sim.Plan{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != sim.Completed || r.Failed() {
		t.Fatalf("fault-free run: %s %v", r, r.Violations)
	}
	if got := len(r.Activities[0].Attempts); got != 1 {
		t.Fatalf("the fault-free run made %d attempts; its heartbeats must keep attempt 1 alive", got)
	}
	noFalseAlarms(t, pollScenario())
}
