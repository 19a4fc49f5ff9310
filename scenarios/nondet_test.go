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
// seeds 1 to 20, and on engine 2 it is caught on every one of those
// seeds: by the replay oracle on the fault-free plan, with no other
// property failing, or, for a bug in a new version of the code
// (Scenario.Deploy), by the deploy fault deployPlan aims mid-run, while
// engine 2's fault-free plan, which deploys nothing, passes.
func TestNondeterminismBugs(t *testing.T) {
	found, deployed := 0, 0
	for _, sc := range scenarios.Bugs() {
		if sc.Breaks != nondeterminism {
			continue
		}
		found++
		if sc.Deploy != nil {
			deployed++
		}
		t.Run(sc.Name, func(t *testing.T) {
			caught := 0
			for s := 1; s <= nondetSeeds; s++ {
				if r := runPlan(t, sc, s, sim.Plan{}, nil); r.Failed() {
					t.Errorf("engine 1, seed %d: %v; want every property to hold (engine 1 cannot replay)", s, r.Violations)
				}
				plan := sim.Plan{}
				if sc.Deploy != nil {
					if r := runPlan(t, sc, s, sim.Plan{}, &sim.Options{Engine: sim.EngineServer}); r.Failed() {
						t.Errorf("engine 2, seed %d, no deploy: %v; want every property to hold", s, r.Violations)
					}
					plan = deployPlan(t, sc, s)
				}
				r := runPlan(t, sc, s, plan, &sim.Options{Engine: sim.EngineServer})
				for _, v := range r.Violations {
					if v.Property != nondeterminism {
						if sc.Deploy == nil {
							t.Errorf("engine 2, seed %d: %s; want only %s to fail", s, v, nondeterminism)
						}
						continue
					}
					if caught++; caught == 1 {
						t.Logf("engine 2, seed %d, %v: %s", s, plan.Faults, v)
					}
				}
			}
			if caught != nondetSeeds {
				t.Errorf("engine 2 caught the bug on %d of %d seeds, want all", caught, nondetSeeds)
			}
		})
	}
	if found != 4 || deployed != 1 {
		t.Errorf("%d planted nondeterminism bugs (%d with a Deploy), want 4 (map order, wall clock, native goroutine; the saga's order change, deployed)", found, deployed)
	}
}

// deployPlan aims a deploy fault at the middle of sc's fault-free run of
// seed s on engine 1, where the workflow is running.
func deployPlan(t *testing.T, sc *sim.Scenario, s int) sim.Plan {
	t.Helper()
	ref := runPlan(t, sc, s, sim.Plan{}, nil)
	return sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.Deploy, At: max(ref.Elapsed/2, time.Millisecond).Truncate(time.Millisecond)}}}
}

// TestEngine1RefusesDeploy: a plan with a deploy fault is refused by
// engine 1, which cannot replay, as a limit of the engine (not a failure
// of the scenario). Engine 1's swarm plans never draw it, so its swarms do
// not turn into refusals; engine 2's swarm plans do.
func TestEngine1RefusesDeploy(t *testing.T) {
	sc, err := scenarios.Lookup("saga/bug-order-change")
	if err != nil {
		t.Fatal(err)
	}
	isDeploy := func(f sim.Fault) bool { return f.Kind == sim.Deploy }
	drawn := 0
	for s := sim.Seed(1); s <= 200; s++ {
		if _, plan := sc.Profile.SwarmPlan(s); slices.ContainsFunc(plan.Faults, isDeploy) {
			t.Fatalf("seed %d: engine 1's swarm plan draws a deploy: %v", s, plan.Faults)
		}
		_, plan := sc.Profile.SwarmPlanOn(s, nil, sim.EngineServer)
		if !slices.ContainsFunc(plan.Faults, isDeploy) {
			continue
		}
		if drawn++; drawn <= 5 {
			if _, err := sim.Run(t, sc, s, plan, nil); !errors.Is(err, sim.ErrEngineLacksKind) {
				t.Fatalf("seed %d: %v; want ErrEngineLacksKind", s, err)
			}
		}
	}
	if drawn == 0 {
		t.Fatal("no engine-2 swarm plan of seeds 1-200 draws a deploy")
	}
}

// TestDeployKindOnlyWithDeploy: a catalogue profile lists the deploy kind
// exactly when its scenario has a new version to deploy (Scenario.Deploy).
func TestDeployKindOnlyWithDeploy(t *testing.T) {
	for _, sc := range scenarios.All() {
		if has := slices.Contains(sc.Profile.Kinds, sim.Deploy); has != (sc.Deploy != nil) {
			t.Errorf("%s: profile lists deploy: %v; has a Deploy: %v", sc.Name, has, sc.Deploy != nil)
		}
	}
}

// TestNondeterminismBugsUnderCacheEviction: with the worker's sticky cache
// dropped 45s into the run (after the first of parallel-activities'
// activities finished, before the second), the next workflow task replays
// the whole history on engine 2; each planted nondeterminism bug then
// fails nondeterminism, and the correct scenario under the same plan
// passes every property. Engine 1 refuses the plan (it cannot replay).
//
// A replay that diverges fails its workflow task for nondeterminism,
// which stops the run there (unless the map's order happens to match).
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
