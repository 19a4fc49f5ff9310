package harness_test

import (
	"fmt"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// sagaScenario fails SagaWorkflow's steps; the steps done must be undone
// in reverse, and nothing charged before it is reserved.
func sagaScenario(bug bool) *sim.Scenario {
	return &sim.Scenario{
		Name:    "saga",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.ActivityError}, Activities: []string{"Charge", "Ship"}},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(SagaWorkflow)
			w.RegisterActivity(&orderActs{clk: w.Clock()})
			return sim.Case{Workflow: SagaWorkflow, Args: []any{bug}}
		},
		Properties: []sim.Property{
			harness.CompensationsInReverse(map[string]string{"Reserve": "Release", "Charge": "Refund"}),
			harness.Before(harness.Succeeded("Reserve"), harness.Started("Charge")),
			harness.Before(harness.Succeeded("Charge"), harness.Started("Ship")),
		},
	}
}

// In a test: harness.Check(t, sagaScenario(false)).
func Example_sagaCompensation() {
	runAsTest(func(t *testing.T) {
		f, err := harness.Find(t, sagaScenario(false), harness.Checks(50), harness.PlanDir(""), harness.SearchSeed(1))
		fmt.Println("failure:", f, "error:", err)
	})
	// Output: failure: <nil> error: <nil>
}
