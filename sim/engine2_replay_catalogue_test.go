package sim_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// replayKinds are the fault kinds that make engine 2's worker replay
// during the run.
var replayKinds = []sim.Kind{sim.CacheEviction, sim.WorkflowTaskFailure, sim.WorkflowTaskTimeout}

// replayPlan aims one fault of kind k into the fault-free run of sc with
// seed on engine 1: seeds spread it over the run, from 1/21 of its length
// (seed 1) to 20/21 (seed 20), so it finds the workflow at every stage.
func replayPlan(t *testing.T, sc *sim.Scenario, seed sim.Seed, k sim.Kind, elapsed time.Duration) sim.Plan {
	t.Helper()
	n := (int64(seed)-1)%20 + 1
	at := max(elapsed*time.Duration(n)/21/time.Millisecond*time.Millisecond, time.Millisecond)
	return sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: k, At: at}}}
}

// TestEngine2ReplayKindsCatalogue is the replay kinds' no-false-alarm
// test: every correct scenario, each replay kind, seeds 1 to 20 (or
// SIM_REPLAY_SEEDS), one fault aimed into the run. No property may fail
// (the replay oracle included: 0 nondeterminism), each kind must fire
// for some seed of each scenario, and a second run of each seed and plan
// must give the same trace and histories, byte for byte.
func TestEngine2ReplayKindsCatalogue(t *testing.T) {
	seeds := sim.Seed(20)
	if s, err := strconv.Atoi(os.Getenv("SIM_REPLAY_SEEDS")); err == nil && s > 0 {
		seeds = sim.Seed(s)
	}
	start := time.Now()
	var runs, fired int
	for _, sc := range scenarios.Correct() {
		t.Run(sc.Name, func(t *testing.T) {
			firedBy := map[sim.Kind]int{}
			defer func() {
				for _, k := range replayKinds {
					if firedBy[k] == 0 {
						t.Errorf("%s never fired in %d seeds", k, seeds)
					}
				}
			}()
			for seed := sim.Seed(1); seed <= seeds; seed++ {
				ref, err := sim.Run(t, sc, seed, sim.Plan{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range replayKinds {
					plan := replayPlan(t, sc, seed, k, ref.Elapsed)
					a, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
					if err != nil {
						t.Fatalf("seed %d, %s: %v", seed, plan.Faults[0], err)
					}
					b, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
					if err != nil {
						t.Fatal(err)
					}
					runs += 2
					fired += len(a.Fired)
					firedBy[k] += len(a.Fired)
					for _, v := range a.Violations {
						t.Errorf("seed %d, %s: %s", seed, plan.Faults[0], v)
					}
					if a.TraceSHA256() != b.TraceSHA256() {
						t.Errorf("seed %d, %s: traces differ at event %d", seed, plan.Faults[0], sim.FirstDifference(a.Events, b.Events))
					}
					if historySHA(t, a) != historySHA(t, b) {
						t.Errorf("seed %d, %s: histories differ", seed, plan.Faults[0])
					}
				}
			}
		})
	}
	t.Logf("%d engine-2 runs (%d scenarios x %d kinds x %d seeds, twice), %d faults fired, in %.0fs",
		runs, len(scenarios.Correct()), len(replayKinds), seeds, fired, time.Since(start).Seconds())
	if fired == 0 {
		t.Error("no replay fault fired")
	}
}
