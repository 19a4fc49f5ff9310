package harness_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// holdStock holds stock for an order until told otherwise, heartbeating
// its progress every 10 seconds so that a cancellation reaches it.
func holdStock(ctx context.Context, d time.Duration) (string, error) {
	for held := time.Duration(0); held < d; held += 10 * time.Second {
		activity.RecordHeartbeat(ctx, held)
		t := time.NewTimer(10 * time.Second)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		}
	}
	return "held", nil
}

// releaseStock gives the stock back; it takes a few seconds, or, when
// the stock service is down, fails until it is back up.
func releaseStock(ctx context.Context, downFor time.Duration) error {
	activity.RecordHeartbeat(ctx)
	if activity.GetInfo(ctx).StartedTime.Sub(activity.GetInfo(ctx).ScheduledTime) < downFor {
		return errors.New("stock service unavailable")
	}
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// holdInput says how long the hold lasts and how long the stock service
// is down when the hold is released.
type holdInput struct {
	Hold, DownFor time.Duration
}

// holdWorkflow holds stock and, when cancelled, releases it on a
// disconnected context before reporting the cancellation.
func holdWorkflow(ctx workflow.Context, in holdInput) (string, error) {
	ao := workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	}
	var res string
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), holdStock, in.Hold).Get(ctx, &res)
	if err == nil || !temporal.IsCanceledError(err) {
		return res, err
	}
	cleanup, _ := workflow.NewDisconnectedContext(ctx)
	ao.StartToCloseTimeout = time.Minute
	if rerr := workflow.ExecuteActivity(workflow.WithActivityOptions(cleanup, ao), releaseStock, in.DownFor).Get(cleanup, nil); rerr != nil {
		return "", rerr
	}
	return "", err
}

// holdScenario is the cancellation-with-cleanup scenario. With downFor
// longer than budget, a cancelled run reaches the budget while it
// retries the release; with hold just under it, so does a run whose hold
// is retried.
func holdScenario(hold, downFor, budget time.Duration) *sim.Scenario {
	return &sim.Scenario{
		Name:   "hold-and-release",
		Budget: budget,
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.WorkflowCancel, sim.ActivityError, sim.Latency, sim.HeartbeatLoss, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"holdStock", "releaseStock"},
			Window:     20 * time.Minute,
		},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(holdWorkflow)
			w.RegisterActivity(holdStock)
			w.RegisterActivity(releaseStock)
			return sim.Case{Workflow: holdWorkflow, Args: []any{holdInput{Hold: hold, DownFor: downFor}}}
		},
		Properties: append(harness.Safety(), harness.CleanupAfterCancel("releaseStock"),
			harness.Outcomes(sim.Completed, sim.Canceled, sim.Failed)),
	}
}

func TestCancellationWithCleanupHasNoFalseAlarms(t *testing.T) {
	noFalseAlarms(t, holdScenario(25*time.Minute, 0, 0))
}

// budgetSeeds is how many seeds TestBudgetStoppedRunsAreDeterministic
// runs, each under two plans, each plan twice.
const budgetSeeds = 500

// TestBudgetStoppedRunsAreDeterministic runs, for each seed, a
// cancellation whose cleanup outlasts the budget and a worker crash
// under which the hold outlasts it, twice each, and requires identical
// traces. Heartbeats every 10 seconds land on the budget's instant, as
// do retries, so the run-over decision races with them unless the engine
// takes it from virtual time alone.
func TestBudgetStoppedRunsAreDeterministic(t *testing.T) {
	sc := holdScenario(29*time.Minute, 2*time.Hour, 30*time.Minute)
	runs, stuck := 0, 0
	for s := 1; s <= budgetSeeds; s++ {
		for _, text := range []string{
			fmt.Sprintf("f1 workflow-cancel at=%ds", 1+s%600),
			fmt.Sprintf("f1 worker-crash at=%dms", 50*(1+s%20)),
		} {
			plan, err := sim.ParsePlan(text)
			if err != nil {
				t.Fatal(err)
			}
			a, b := mustRun(t, sc, sim.Seed(s), plan), mustRun(t, sc, sim.Seed(s), plan)
			if i := sim.FirstDifference(a.Events, b.Events); i >= 0 {
				t.Fatalf("seed %d plan %q: traces differ at event %d:\n  run 1: %v\n  run 2: %v", s, text, i, eventAt(a.Events, i), eventAt(b.Events, i))
			}
			runs += 2
			if a.Outcome == sim.Stuck {
				stuck++
			}
			if v := safetyViolations(a); len(v) > 0 {
				t.Fatalf("seed %d plan %q: a budget-stopped run of a correct workflow broke %v", s, text, v)
			}
		}
	}
	if stuck != 2*budgetSeeds {
		t.Fatalf("%d of %d plans reached the budget; the test needs every one to", stuck, 2*budgetSeeds)
	}
	t.Logf("%d runs of %d budget-stopped plans, 0 trace mismatches", runs, stuck)
}

// safetyViolations lists r's violations of the Safety properties (the
// scenario's others, such as cleanup, cannot hold on a run the budget
// stopped).
func safetyViolations(r *sim.Result) []sim.Violation {
	var out []sim.Violation
	for _, v := range r.Violations {
		for _, p := range harness.Safety() {
			if v.Property == p.Name {
				out = append(out, v)
			}
		}
	}
	return out
}

func mustRun(t *testing.T, sc *sim.Scenario, seed sim.Seed, plan sim.Plan) *sim.Result {
	t.Helper()
	r, err := sim.Run(t, sc, seed, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func eventAt(es []sim.Event, i int) string {
	if i < len(es) {
		return es[i].String()
	}
	return "(trace ended)"
}

// holdNoCleanup is holdWorkflow with the bug the cleanup property is
// for: a cancelled hold is never released.
func holdNoCleanup(ctx workflow.Context, in holdInput) (string, error) {
	ao := workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Hour, HeartbeatTimeout: time.Minute}
	var res string
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ao), holdStock, in.Hold).Get(ctx, &res)
	return res, err
}

// TestCleanupAfterCancelStillCatchesSkippedCleanup checks that the
// property, which excuses a cleanup the plan failed for good, still fails
// a workflow that skips cleanup, even when the plan aims a fault at the
// cleanup activity it never calls.
func TestCleanupAfterCancelStillCatchesSkippedCleanup(t *testing.T) {
	sc := holdScenario(25*time.Minute, 0, 0)
	setup := sc.Setup
	sc.Setup = func(w *sim.World) sim.Case {
		c := setup(w)
		w.RegisterWorkflow(holdNoCleanup)
		c.Workflow = holdNoCleanup
		return c
	}
	for _, text := range []string{"f1 workflow-cancel at=30s", "f1 workflow-cancel at=30s\nf2 activity-error target=releaseStock nonretryable"} {
		plan, err := sim.ParsePlan(text)
		if err != nil {
			t.Fatal(err)
		}
		r := mustRun(t, sc, 1, plan)
		failed := false
		for _, v := range r.Violations {
			failed = failed || v.Property == "cleanup-after-cancel"
		}
		if !failed {
			t.Errorf("plan %q: cleanup-after-cancel held on a workflow that skips cleanup (violations %v)", text, r.Violations)
		}
	}
}
