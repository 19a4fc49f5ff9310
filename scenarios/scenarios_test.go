package scenarios_test

import (
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestCorrectScenariosHold runs every correct scenario on its swarm plans
// and requires every property to hold.
func TestCorrectScenariosHold(t *testing.T) {
	seeds := 500
	if testing.Short() {
		seeds = 50
	}
	for _, sc := range scenarios.Correct() {
		t.Run(sc.Name, func(t *testing.T) {
			outcomes := map[sim.Outcome]int{}
			for s := 1; s <= seeds; s++ {
				cfg, plan := sc.Profile.SwarmPlan(sim.Seed(s))
				r, err := sim.Run(t, sc, sim.Seed(s), plan, &sim.Options{Config: &cfg})
				if err != nil {
					t.Fatal(err)
				}
				if r.Failed() {
					t.Fatalf("seed %d: %v\nplan:\n%s\nreproduce: go run ./cmd/simrun run %s -seed %d", s, r.Violations, plan, sc.Name, s)
				}
				outcomes[r.Outcome]++
			}
			t.Logf("%d seeds: outcomes %v", seeds, outcomes)
		})
	}
}
