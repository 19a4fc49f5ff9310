package harness_test

import (
	"context"
	"errors"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// shop is the harness tests' own scenario: reserve items one by one, then
// charge. Activities take virtual time and stop when cancelled.
type shopActs struct{ clk clock.Clock }

func (a *shopActs) wait(ctx context.Context, d time.Duration) error {
	select {
	case <-a.clk.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *shopActs) Reserve(ctx context.Context, item int) error {
	return a.wait(ctx, 10*time.Second)
}

func (a *shopActs) Charge(ctx context.Context, items int) (string, error) {
	if err := a.wait(ctx, 5*time.Second); err != nil {
		return "", err
	}
	return "charged", nil
}

func shopWorkflow(ctx workflow.Context, items int) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	for i := 0; i < items; i++ {
		if err := workflow.ExecuteActivity(ctx, "Reserve", i).Get(ctx, nil); err != nil {
			return "", err
		}
	}
	var out string
	err := workflow.ExecuteActivity(ctx, "Charge", items).Get(ctx, &out)
	return out, err
}

// shopScenario runs shopWorkflow over three items with the safety
// properties and props.
func shopScenario(name string, props ...sim.Property) *sim.Scenario {
	return &sim.Scenario{
		Name: name,
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.WorkerShutdown, sim.WorkflowCancel},
			Activities: []string{"Reserve", "Charge"},
			Window:     2 * time.Minute,
			MaxCall:    3,
		},
		Properties: append(harness.Safety(), props...),
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(shopWorkflow)
			w.RegisterActivity(&shopActs{clk: w.Clock()})
			return sim.Case{Workflow: shopWorkflow, Args: []any{3}}
		},
	}
}

// bothFailed is a planted bug that needs two faults: it fails when an
// attempt of Reserve and an attempt of Charge both ended in an error.
func bothFailed() sim.Property {
	return harness.Property("reserve-and-charge-never-both-fail", func(r *sim.Result) error {
		failed := map[string]bool{}
		for _, a := range r.Activities {
			for _, at := range a.Attempts {
				if at.Result != "ok" {
					failed[a.Type] = true
				}
			}
		}
		if failed["Reserve"] && failed["Charge"] {
			return errors.New("both Reserve and Charge had a failed attempt")
		}
		return nil
	})
}

func mustParsePlan(text string) sim.Plan {
	p, err := sim.ParsePlan(text)
	if err != nil {
		panic(err)
	}
	return p
}
