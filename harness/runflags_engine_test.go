package harness_test

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// engineProbe is the shop with no fault kinds (every plan is fault-free,
// so engine 2 runs them all) and a property that fails exactly when the
// run was on engine 2: only engine 2 keeps histories.
func engineProbe() *sim.Scenario {
	sc := shopScenario("engine-probe", sim.Property{Name: "keeps-no-history", Check: func(r *sim.Result) error {
		if n := len(r.Histories()); n > 0 {
			return fmt.Errorf("the run kept %d histories: it ran on engine 2", n)
		}
		return nil
	}})
	sc.Profile = sim.Profile{}
	return sc
}

// TestEngineFlag: -sim.engine=server sends every run of Check to engine
// 2, shrinking included, and the go test line that reproduces a failure
// carries it; without it the runs are engine 1's.
func TestEngineFlag(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("SIM_SEED", "3")
	sc := engineProbe()
	f, err := harness.Find(t, sc, harness.PlanDir(""))
	if f != nil || err != nil {
		t.Fatalf("%v, %v; engine 1 keeps no histories, so the probe must pass", f, err)
	}

	setFlags(t, map[string]string{"sim.engine": "server"})
	f, err = harness.Find(t, sc, harness.PlanDir(""))
	if err != nil || f == nil || f.Result.Violations[0].Property != "keeps-no-history" {
		t.Fatalf("%v, %v; want the probe to fail on engine 2", f, err)
	}
	if got := f.Commands()[0]; !strings.HasSuffix(got, "-run '^TestEngineFlag$' -sim.engine=server -sim.seed=3") {
		t.Errorf("first command %q; want it to choose engine 2", got)
	}

	// Shrink must run on engine 2 too: on engine 1 the plan passes, and
	// shrinking would end in ErrPassed.
	setFlags(t, map[string]string{"sim.engine": "server", "sim.shrink": "true"})
	f, err = harness.Find(t, sc, harness.PlanDir(""))
	if err != nil || f == nil || f.Result.Violations[0].Property != "keeps-no-history" {
		t.Fatalf("%v, %v; want the failure shrunk on engine 2", f, err)
	}
	if got := f.Commands()[0]; !strings.Contains(got, "-sim.engine=server -sim.seed=3 -sim.shrink") {
		t.Errorf("first command %q", got)
	}
}

// TestEngineFlagBadValue: an unknown engine is refused by name, by the
// flag and by SIM_ENGINE.
func TestEngineFlagBadValue(t *testing.T) {
	err := flag.Set("sim.engine", "cassandra")
	t.Cleanup(harness.ResetRunFlags)
	if err == nil || !strings.Contains(err.Error(), `unknown engine "cassandra" (known: testenv, server)`) {
		t.Errorf("-sim.engine=cassandra: %v", err)
	}
	t.Setenv("SIM_ENGINE", "cassandra")
	f, err := harness.Find(t, engineProbe(), harness.PlanDir(""))
	if f != nil || err == nil || !strings.Contains(err.Error(), `SIM_ENGINE="cassandra": unknown engine "cassandra"`) {
		t.Errorf("%v, %v; want SIM_ENGINE refused by name", f, err)
	}
}

// TestEngineRefusalIsAnError: a plan engine 2 cannot run yet ends Find
// with the engine's error naming the kind, never with a failure.
func TestEngineRefusalIsAnError(t *testing.T) {
	t.Chdir(t.TempDir())
	setFlags(t, map[string]string{"sim.engine": "server"})
	refused := 0
	for seed := 1; seed <= 10; seed++ {
		t.Setenv("SIM_SEED", fmt.Sprint(seed))
		f, err := harness.Find(t, shopScenario("shop"), harness.PlanDir(""))
		switch {
		case f != nil:
			t.Fatalf("seed %d: %v; want no failure of the correct shop", seed, f.Report())
		case errors.Is(err, sim.ErrEngineLacksKind):
			refused++
			if !strings.Contains(err.Error(), "engine 2 does not run this fault kind yet: ") {
				t.Errorf("seed %d: %v; want the kind named", seed, err)
			}
		case err != nil:
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
	if refused == 0 {
		t.Skip("engine 2 runs every plan of seeds 1-10: nothing to refuse")
	}
}

// TestPlansDrawnPerEngine: Check draws plans for the engine it runs on.
// With the replay kinds in the shop's profile, no plan of engine 1's
// small-scope and random phases has one (engine 1 would refuse it), and
// on engine 2 some do; the correct shop passes on both.
func TestPlansDrawnPerEngine(t *testing.T) {
	t.Chdir(t.TempDir())
	sc := shopScenario("shop-replay")
	sc.Profile.Kinds = append(sc.Profile.Kinds, sim.CacheEviction, sim.WorkflowTaskFailure, sim.WorkflowTaskTimeout)
	replayFaults := func() (int, int) {
		plans, faults := 0, 0
		probe := harness.OnTrial(func(_ sim.Seed, _ *sim.SwarmConfig, p sim.Plan) {
			plans++
			for _, f := range p.Faults {
				if _, refused := sim.EngineTestEnv.Refuses(sim.Plan{Faults: []sim.Fault{f}}); refused {
					faults++
				}
			}
		})
		f, err := harness.Find(t, sc, harness.PlanDir(""), harness.Checks(40), probe)
		if f != nil || err != nil {
			t.Fatalf("%v, %v; want the correct shop to pass", f, err)
		}
		return plans, faults
	}
	if plans, n := replayFaults(); n != 0 || plans == 0 {
		t.Errorf("engine 1: %d replay faults in %d plans, want none", n, plans)
	}
	setFlags(t, map[string]string{"sim.engine": "server"})
	if plans, n := replayFaults(); n == 0 {
		t.Errorf("engine 2: no replay fault in %d plans", plans)
	} else {
		t.Logf("engine 2: %d replay faults in %d plans", n, plans)
	}
}
