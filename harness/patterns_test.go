package harness_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// This file is the production code the three pattern examples test
// (cancellation with cleanup, saga compensation, heartbeat-resumed
// retry), each workflow with a planted bug behind a flag, and the tests
// that show each example's properties catch its bug.

// orderActs are activities that take virtual time and stop when
// cancelled. Upload heartbeats its progress and, unless skipResume,
// resumes from the last progress a failed attempt heartbeated.
type orderActs struct {
	clk        clock.Clock
	skipResume bool
}

func (a *orderActs) step(ctx context.Context, d time.Duration) error {
	select {
	case <-a.clk.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *orderActs) Work(ctx context.Context) error    { return a.step(ctx, time.Minute) }
func (a *orderActs) Cleanup(ctx context.Context) error { return a.step(ctx, time.Second) }
func (a *orderActs) Reserve(ctx context.Context) error { return a.step(ctx, time.Second) }
func (a *orderActs) Charge(ctx context.Context) error  { return a.step(ctx, time.Second) }
func (a *orderActs) Ship(ctx context.Context) error    { return a.step(ctx, time.Second) }
func (a *orderActs) Release(ctx context.Context) error { return a.step(ctx, time.Second) }
func (a *orderActs) Refund(ctx context.Context) error  { return a.step(ctx, time.Second) }

func (a *orderActs) Upload(ctx context.Context, chunks int) error {
	done := 0
	if activity.HasHeartbeatDetails(ctx) && !a.skipResume {
		if err := activity.GetHeartbeatDetails(ctx, &done); err != nil {
			return err
		}
	}
	for ; done < chunks; done++ {
		if err := a.step(ctx, time.Second); err != nil {
			return err
		}
		activity.RecordHeartbeat(ctx, done+1)
	}
	return nil
}

func withOptions(ctx workflow.Context, heartbeat time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute, HeartbeatTimeout: heartbeat,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
}

// CancellableWorkflow runs Work and, when cancelled, Cleanup. The bug
// runs Cleanup on the cancelled context, so it never starts.
func CancellableWorkflow(ctx workflow.Context, bug bool) error {
	ctx = withOptions(ctx, 0)
	err := workflow.ExecuteActivity(ctx, "Work").Get(ctx, nil)
	if temporal.IsCanceledError(err) {
		cleanup := ctx
		if !bug {
			cleanup, _ = workflow.NewDisconnectedContext(ctx)
		}
		_ = workflow.ExecuteActivity(cleanup, "Cleanup").Get(cleanup, nil)
	}
	return err
}

// SagaWorkflow reserves, charges and ships; when a step fails for good it
// undoes the steps done, last first. The bug undoes them first first.
func SagaWorkflow(ctx workflow.Context, bug bool) error {
	ctx = withOptions(ctx, 0)
	var undo []string
	for _, step := range [][2]string{{"Reserve", "Release"}, {"Charge", "Refund"}, {"Ship", ""}} {
		if err := workflow.ExecuteActivity(ctx, step[0]).Get(ctx, nil); err != nil {
			for i := range undo {
				if !bug {
					i = len(undo) - 1 - i
				}
				_ = workflow.ExecuteActivity(ctx, undo[i]).Get(ctx, nil)
			}
			return err
		}
		undo = append(undo, step[1])
	}
	return nil
}

// UploadWorkflow uploads ten chunks in one activity.
func UploadWorkflow(ctx workflow.Context) error {
	return workflow.ExecuteActivity(withOptions(ctx, 5*time.Second), "Upload", 10).Get(ctx, nil)
}

// TestPatternBugsAreCaught runs each example's scenario on its workflow's
// planted bug: the example's own property must fail.
func TestPatternBugsAreCaught(t *testing.T) {
	for _, tt := range []struct {
		sc       *sim.Scenario
		property string
	}{
		{cancelScenario(true), "cleanup-after-cancel"},
		{sagaScenario(true), "compensations-in-reverse"},
		{uploadScenario(true), "retry-resumed-from-heartbeat:Upload"},
	} {
		t.Run(tt.sc.Name, func(t *testing.T) {
			f, err := harness.Find(t, tt.sc, harness.Checks(50), harness.PlanDir(""), harness.SearchSeed(1))
			if err != nil || f == nil {
				t.Fatalf("%v, %v; want the planted bug found", f, err)
			}
			if got := f.Result.Violations[0].Property; got != tt.property {
				t.Errorf("%s failed; want %s:\n%s", got, tt.property, f.Report())
			}
		})
	}
}
