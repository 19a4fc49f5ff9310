package scenarios_test

import (
	"slices"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestAimedFaultsFire runs 200 seeds of every correct scenario on the
// plans sim.DrawSwarmPlan aims with each seed's baseline (as simrun swarm
// does) and requires that at least 80% of each scenario's planned faults
// fire, and that no seed fails.
func TestAimedFaultsFire(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 50
	}
	for _, sc := range scenarios.Correct() {
		t.Run(sc.Name, func(t *testing.T) {
			planned, fired := 0, 0
			for s := 1; s <= seeds; s++ {
				seed := sim.Seed(s)
				cfg, plan, err := sim.DrawSwarmPlan(t, sc, seed)
				if err != nil {
					t.Fatal(err)
				}
				r, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
				if err != nil {
					t.Fatal(err)
				}
				if r.Failed() {
					t.Fatalf("seed %d: %v\nplan:\n%s\nreproduce: go run ./cmd/simrun run %s -seed %d", s, r.Violations, plan, sc.Name, s)
				}
				planned += len(plan.Faults)
				for _, f := range plan.Faults {
					if slices.Contains(r.Fired, f.ID) {
						fired++
					}
				}
			}
			t.Logf("%d seeds: %d of %d planned faults fired", seeds, fired, planned)
			if 5*fired < 4*planned {
				t.Errorf("%d of %d planned faults fired (%.1f%%), want at least 80%%: reproduce the figures with go run ./cmd/simrun swarm -scenario %s -seeds %d -json",
					fired, planned, 100*float64(fired)/float64(planned), sc.Name, seeds)
			}
		})
	}
}
