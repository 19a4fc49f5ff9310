package harness_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// tallyBatch counts one batch of records.
func tallyBatch(_ context.Context, batch int) (int, error) { return 10 * batch, nil }

// tallyWorkflow tallies batches from batch to last, one run per batch,
// continuing as new between batches so its history stays short.
func tallyWorkflow(ctx workflow.Context, batch, last, total int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second},
	})
	var n int
	if err := workflow.ExecuteActivity(ctx, tallyBatch, batch).Get(ctx, &n); err != nil {
		return 0, err
	}
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return 0, err
	}
	if batch < last {
		return 0, workflow.NewContinueAsNewError(ctx, tallyWorkflow, batch+1, last, total+n)
	}
	return total + n, nil
}

// reportWorkflow runs the tally as a child and reports its total.
func reportWorkflow(ctx workflow.Context, batches int) (string, error) {
	var total int
	if err := workflow.ExecuteChildWorkflow(ctx, tallyWorkflow, 1, batches, 0).Get(ctx, &total); err != nil {
		return "", err
	}
	return fmt.Sprintf("total=%d", total), nil
}

func childChainScenario() *sim.Scenario {
	return &sim.Scenario{
		Name: "child-continue-as-new",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"tallyBatch"},
		},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(reportWorkflow)
			w.RegisterWorkflow(tallyWorkflow)
			w.RegisterActivity(tallyBatch)
			return sim.Case{Workflow: reportWorkflow, Args: []any{5}}
		},
		Properties: append(harness.Safety(),
			harness.Outcomes(sim.Completed, sim.Failed),
			harness.Property("tally-complete", func(r *sim.Result) error {
				if r.Outcome == sim.Completed && r.Output != `"total=150"` {
					return fmt.Errorf("workflow returned %s, want total=150 over 5 runs", r.Output)
				}
				return nil
			})),
	}
}

func TestChildContinueAsNewChainRunsToItsEnd(t *testing.T) {
	r, err := sim.Run(t, childChainScenario(), 1, sim.Plan{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != sim.Completed || r.Failed() {
		t.Fatalf("fault-free run: %s %v", r, r.Violations)
	}
	if runs := countEvents(r, "wf.start", "tallyWorkflow"); runs != 5 {
		t.Fatalf("the child ran %d times, want a chain of 5 runs", runs)
	}
	noFalseAlarms(t, childChainScenario())
}

func countEvents(r *sim.Result, kind, name string) int {
	n := 0
	for _, e := range r.Events {
		if e.Kind == kind && e.Name == name {
			n++
		}
	}
	return n
}

// TestChildChainStoppedByTheBudgetEndsCleanly stops the chain in its
// third run: the run is stuck, and every child run's goroutines end with
// it (synctest fails the run otherwise), the same way twice.
func TestChildChainStoppedByTheBudgetEndsCleanly(t *testing.T) {
	sc := childChainScenario()
	sc.Budget = 150 * time.Second
	a, b := mustRun(t, sc, 1, sim.Plan{}), mustRun(t, sc, 1, sim.Plan{})
	if a.Outcome != sim.Stuck {
		t.Fatalf("outcome %s, want stuck at the budget", a.Outcome)
	}
	if runs := countEvents(a, "wf.start", "tallyWorkflow"); runs != 3 {
		t.Fatalf("the child ran %d times before the budget, want 3", runs)
	}
	if i := sim.FirstDifference(a.Events, b.Events); i >= 0 {
		t.Fatalf("traces differ at event %d: %s / %s", i, eventAt(a.Events, i), eventAt(b.Events, i))
	}
	if v := safetyViolations(a); len(v) > 0 {
		t.Fatalf("safety: %v", v)
	}
}
