package scenarios_test

import (
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// nondeterminism is the replay oracle's property (harness.Nondeterminism).
var nondeterminism = harness.Nondeterminism().Name

// nondetSeeds is how many fault-free seeds TestNondeterminismBugs runs.
const nondetSeeds = 20

// TestNondeterminismBugs shows why engine 2 matters: each planted
// nondeterminism bug passes every property on engine 1's fault-free plan
// (its test environment never replays, so it cannot see the bug) for
// seeds 1 to 20, and on engine 2 the replay oracle catches it on every
// one of those seeds, with no other property failing.
func TestNondeterminismBugs(t *testing.T) {
	found := 0
	for _, sc := range scenarios.Bugs() {
		if sc.Breaks != nondeterminism {
			continue
		}
		found++
		t.Run(sc.Name, func(t *testing.T) {
			caught := 0
			for s := 1; s <= nondetSeeds; s++ {
				if r := runPlan(t, sc, s, sim.Plan{}, nil); r.Failed() {
					t.Errorf("engine 1, seed %d: %v; want every property to hold (engine 1 cannot replay)", s, r.Violations)
				}
				r := runPlan(t, sc, s, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
				for _, v := range r.Violations {
					if v.Property != nondeterminism {
						t.Errorf("engine 2, seed %d: %s; want only %s to fail", s, v, nondeterminism)
						continue
					}
					if caught++; caught == 1 {
						t.Logf("engine 2, seed %d: %s", s, v)
					}
				}
			}
			if caught != nondetSeeds {
				t.Errorf("engine 2 caught the bug on %d of %d fault-free seeds, want all", caught, nondetSeeds)
			}
		})
	}
	if found != 3 {
		t.Errorf("%d planted nondeterminism bugs, want 3 (map order, wall clock, native goroutine)", found)
	}
}
