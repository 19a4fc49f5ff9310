package scenarios

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// Planted-bug variants of parallel-activities (parallel.go). Each runs a
// buggy workflow under the correct scenario's profile and properties, so it
// is the correct scenario's own checks that must catch it.

// parallelUnsorted is ParallelWorkflow with a planted bug: it gathers the
// results as the activities complete and forgets to sort them. Without
// faults the activities finish in item order and the result looks sorted;
// a fault that delays an early item reorders it.
func parallelUnsorted(ctx workflow.Context, n int) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, MaximumAttempts: 10},
	})
	sel := workflow.NewSelector(ctx)
	out := make([]string, 0, n)
	var firstErr error
	for i := 0; i < n; i++ {
		f := workflow.ExecuteActivity(ctx, "Process", i, time.Duration(i+1)*30*time.Second)
		sel.AddFuture(f, func(f workflow.Future) {
			var s string
			if err := f.Get(ctx, &s); err != nil && firstErr == nil {
				firstErr = err
			}
			out = append(out, s)
		})
	}
	for i := 0; i < n; i++ {
		sel.Select(ctx)
		if firstErr != nil {
			return nil, firstErr
		}
	}
	return out, nil
}

// parallelVariant builds a variant of parallel-activities that starts wf,
// registered under the correct workflow's name, instead of
// ParallelWorkflow.
func parallelVariant(name, bug string, wf any) *sim.Scenario {
	base, err := Lookup("parallel-activities")
	if err != nil {
		panic("scenarios: " + name + " needs parallel-activities registered first: " + err.Error())
	}
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: base.Description,
		Profile:     base.Profile,
		Properties:  base.Properties,
		Budget:      base.Budget,
		Setup: func(w *sim.World) sim.Case {
			c := base.Setup(w) // registers the activities, the fakes and ParallelWorkflow
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "ParallelWorkflowUnderTest"})
			c.Workflow = "ParallelWorkflowUnderTest"
			return c
		},
	}
}

func init() {
	register(planted(parallelVariant("parallel-activities/bug-unsorted",
		"results are gathered in completion order and never sorted", parallelUnsorted),
		"results-sorted-and-complete", ""))
}
