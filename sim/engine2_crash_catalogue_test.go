package sim_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// crashScenarios are the correct scenarios whose profile has worker
// crashes (the others refuse the kind).
func crashScenarios() []*sim.Scenario {
	var out []*sim.Scenario
	for _, sc := range scenarios.Correct() {
		if slices.Contains(sc.Profile.Kinds, sim.WorkerCrash) {
			out = append(out, sc)
		}
	}
	return out
}

// crashDiffs are the correct scenarios whose crash plans end differently
// on the two engines for a known reason, by scenario and seed.
var crashDiffs = map[string]map[sim.Seed]string{}

// crashPlan aims a worker crash at a run of sc: midway through the
// longest activity attempt of the fault-free run on engine 1, or midway
// through the run when no attempt takes time.
func crashPlan(t *testing.T, sc *sim.Scenario, seed sim.Seed) sim.Plan {
	ref, err := sim.Run(t, sc, seed, sim.Plan{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	at, longest := ref.Elapsed/2, time.Duration(0)
	for _, a := range ref.Activities {
		for _, x := range a.Attempts {
			if d := x.End - x.Start; d > longest {
				at, longest = x.Start+d/2, d
			}
		}
	}
	return sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.WorkerCrash, At: max(at, time.Millisecond)}}}
}

// TestEngine2CrashPlans runs every correct scenario with crashes, seeds 1 to 20, with a
// crash aimed at its busiest moment: no property may fail on engine 2, and
// each run must end as it does on engine 1 (or be listed in crashDiffs).
func TestEngine2CrashPlans(t *testing.T) {
	fired := 0
	for _, sc := range crashScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := sim.Seed(1); seed <= 20; seed++ {
				plan := crashPlan(t, sc, seed)
				got, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				fired += len(got.Fired)
				checkViolations(t, sc.Name, seed, got.Violations)
				ref, err := sim.Run(t, sc, seed, plan, nil)
				if err != nil {
					t.Fatal(err)
				}
				why, listed := crashDiffs[sc.Name][seed]
				switch same := got.Outcome == ref.Outcome; {
				case !same && !listed:
					t.Errorf("seed %d, %s: engine 2 ended %s (%s), engine 1 %s (%s)", seed, plan.Faults[0], got.Outcome, got.ErrType, ref.Outcome, ref.ErrType)
				case same && listed:
					t.Errorf("seed %d: listed difference (%s) no longer happens", seed, why)
				}
			}
		})
	}
	t.Logf("%d scenarios", len(crashScenarios()))
	if fired == 0 {
		t.Fatal("no crash fired")
	}
	t.Logf("%d crashes fired", fired)
}

// TestEngine2CrashRepeats runs each correct scenario with crashes, with its aimed crash
// twice per seed, seeds 1 to 8, at GOMAXPROCS 8: the traces and histories
// must be the same bytes.
func TestEngine2CrashRepeats(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	for _, sc := range crashScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := sim.Seed(1); seed <= 8; seed++ {
				plan := crashPlan(t, sc, seed)
				a, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				b, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if a.TraceSHA256() != b.TraceSHA256() {
					t.Fatalf("seed %d, %s: traces differ at event %d", seed, plan.Faults[0], sim.FirstDifference(a.Events, b.Events))
				}
				if historySHA(t, a) != historySHA(t, b) {
					t.Fatalf("seed %d, %s: histories differ", seed, plan.Faults[0])
				}
			}
		})
	}
}
