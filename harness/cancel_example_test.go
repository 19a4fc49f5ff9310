package harness_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// cancelScenario cancels CancellableWorkflow at any time in its first
// minute; the cleanup must run after every cancellation.
func cancelScenario(bug bool) *sim.Scenario {
	return &sim.Scenario{
		Name:    "cancel-cleanup",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.WorkflowCancel, sim.Latency}, Activities: []string{"Work"}, Window: time.Minute},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(CancellableWorkflow)
			w.RegisterActivity(&orderActs{clk: w.Clock()})
			return sim.Case{Workflow: CancellableWorkflow, Args: []any{bug}}
		},
		Properties: []sim.Property{
			harness.CleanupAfterCancel("Cleanup"),
			harness.Outcomes(sim.Completed, sim.Canceled),
		},
	}
}

// In a test: harness.Check(t, cancelScenario(false)).
func Example_cancellationCleanup() {
	runAsTest(func(t *testing.T) {
		f, err := harness.Find(t, cancelScenario(false), harness.Checks(50), harness.PlanDir(""), harness.SearchSeed(1))
		fmt.Println("failure:", f, "error:", err)
	})
	// Output: failure: <nil> error: <nil>
}
