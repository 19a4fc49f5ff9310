// Package checkpkg is a user's test package as harness's end-to-end
// tests see it: TestEndToEnd copies it into a module of its own, runs go
// test on it, and checks what a user would read and rerun.
package checkpkg

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

type acts struct{ clk clock.Clock }

func (a *acts) Charge(ctx context.Context, amount int) (string, error) {
	select {
	case <-a.clk.After(5 * time.Second):
		return "charged", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func payWorkflow(ctx workflow.Context, amount int) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, "Charge", amount).Get(ctx, &out)
	return out, err
}

func pay(wf any, props ...sim.Property) *sim.Scenario {
	return &sim.Scenario{
		Name:    "pay",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.ActivityError, sim.Latency, sim.WorkerShutdown}, Activities: []string{"Charge"}, Window: time.Minute},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(payWorkflow)
			w.RegisterActivity(&acts{clk: w.Clock()})
			return sim.Case{Workflow: wf, Args: []any{10}}
		},
		Properties: append(harness.Safety(), props...),
	}
}

// TestPayBug fails: the payment must always complete, and faults can
// make it fail. (Most searches find that within 50 plans; 1000 makes
// missing it vanishingly rare.)
func TestPayBug(t *testing.T) {
	harness.Check(t, pay(payWorkflow, harness.Outcomes(sim.Completed)), harness.Checks(1000))
}

// TestPayHolds passes: the safety properties hold.
func TestPayHolds(t *testing.T) {
	harness.Check(t, pay(payWorkflow), harness.Checks(10))
}

// TestUnknownWorkflow names a workflow type nobody registered.
func TestUnknownWorkflow(t *testing.T) {
	harness.Check(t, pay("Nope"), harness.Checks(1))
}

// blockForever is an activity that ignores its context and waits on a
// channel nobody closes: when its workflow ends, the run cannot.
func blockForever(ctx context.Context) error {
	<-make(chan struct{})
	return nil
}

func leaveBlocked(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	workflow.ExecuteActivity(ctx, blockForever)
	return workflow.Sleep(ctx, time.Second)
}

// TestBlocked leaves an activity blocked forever: the run panics (a
// synctest deadlock), which Check reports as a failure of its own.
func TestBlocked(t *testing.T) {
	harness.Check(t, &sim.Scenario{
		Name:    "blocked",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.WorkerShutdown}},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(leaveBlocked)
			w.RegisterActivity(blockForever)
			return sim.Case{Workflow: leaveBlocked}
		},
	}, harness.Checks(5))
}
