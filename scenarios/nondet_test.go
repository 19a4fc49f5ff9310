package scenarios_test

import (
	"errors"
	"slices"
	"testing"
	"time"

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

// TestNondeterminismBugsUnderCacheEviction: with the worker's sticky cache
// dropped 45s into the run (after the first of parallel-activities'
// activities finished, before the second), the next workflow task replays
// the whole history on engine 2; each planted nondeterminism bug then
// fails nondeterminism, and the correct scenario under the same plan
// passes every property. Engine 1 refuses the plan (it cannot replay).
//
// A replay that diverges fails its workflow task, and the retries (every
// 10s, as on a server) diverge again unless the map's order happens to
// match, until engine 2 stops the run as stuck at the task's 20th
// attempt; the replay oracle then judges the history it left.
func TestNondeterminismBugsUnderCacheEviction(t *testing.T) {
	plan := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.CacheEviction, At: 45 * time.Second}}}
	correct, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		t.Fatal(err)
	}
	if r := runPlan(t, correct, 1, plan, &sim.Options{Engine: sim.EngineServer}); r.Failed() || len(r.Fired) != 1 {
		t.Fatalf("the correct scenario under %s: fired %v, %v", plan.Faults[0], r.Fired, r.Violations)
	}
	if _, err := sim.Run(t, correct, 1, plan, nil); !errors.Is(err, sim.ErrEngineLacksKind) {
		t.Errorf("engine 1 ran %s: %v", plan.Faults[0], err)
	}
	for _, name := range []string{"parallel-activities/bug-map-order", "parallel-activities/bug-wall-clock", "parallel-activities/bug-native-goroutine"} {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		r := runPlan(t, sc, 1, plan, &sim.Options{Engine: sim.EngineServer})
		if len(r.Fired) != 1 || !slices.ContainsFunc(r.Violations, func(v sim.Violation) bool { return v.Property == nondeterminism }) {
			t.Errorf("%s under %s: fired %v, violations %v; want %s", name, plan.Faults[0], r.Fired, r.Violations, nondeterminism)
			continue
		}
		t.Logf("%s: %s after %s: %v", name, r.Outcome, r.Elapsed, r.Violations)
	}
}
