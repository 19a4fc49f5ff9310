package harness_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestPlantedBugsFound runs the harness on every planted-bug variant in
// the catalogue: each must be found within 1,000 generated plans, shrink
// to at most 3 faults, and be reproduced exactly, both by the saved plan
// file (what simrun run -plan reads) and by rapid's printed seed.
func TestPlantedBugsFound(t *testing.T) {
	bugs := scenarios.Bugs()
	if len(bugs) == 0 {
		t.Skip("the catalogue has no planted-bug variants yet")
	}
	// Saved plans and rapid's fail files go to a scratch directory, not
	// into the repository.
	t.Chdir(t.TempDir())
	for _, sc := range bugs {
		t.Run(sc.Name, func(t *testing.T) {
			f, err := harness.Find(t, sc, harness.Checks(1000), harness.SearchSeed(1))
			if err != nil {
				t.Fatal(err)
			}
			if f == nil {
				t.Fatalf("planted bug not found in 1000 plans: %s", sc.Bug)
			}
			if f.Divergence != nil || f.Result.Violations[0].Property == harness.RunPanicked {
				t.Fatalf("found a nondeterministic or crashing run, not the planted bug:\n%s", f.Report())
			}
			if n := len(f.Plan.Faults); n > 3 {
				t.Errorf("shrunk to %d faults, want at most 3:\n%s", n, f.Report())
			}
			replayPlanFile(t, sc, f)
			switch {
			case f.Source == harness.SourceExhaustive:
				replaySmallScope(t, sc, f)
			case !testing.Short(): // the search again: half the test's time
				replayRapidSeed(t, sc, f)
			}
			t.Logf("found at plan %d; %d faults shrunk to %d; violated %s", f.Plans, len(f.Found.Faults), len(f.Plan.Faults), f.Result.Violations[0].Property)
		})
	}
}

// replayPlanFile runs the saved plan file as simrun run -seed S -plan F
// does and requires the reported trace.
func replayPlanFile(t *testing.T, sc *sim.Scenario, f *harness.Failure) {
	t.Helper()
	pf, err := harness.ReadPlanFile(f.PlanFile)
	if err != nil {
		t.Fatal(err)
	}
	if pf.Scenario != sc.Name || pf.Seed != f.Seed {
		t.Fatalf("plan file names scenario %s seed %d, want %s seed %d", pf.Scenario, pf.Seed, sc.Name, f.Seed)
	}
	want := fmt.Sprintf("run %s -seed %d -plan %s", sc.Name, f.Seed, f.PlanFile)
	if !slices.ContainsFunc(f.Commands(), func(c string) bool { return strings.HasSuffix(c, want) }) {
		t.Errorf("commands %q lack the simrun line ending %q", f.Commands(), want)
	}
	r, err := sim.Run(t, sc, pf.Seed, pf.Plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed() || r.TraceSHA256() != f.Result.TraceSHA256() {
		t.Errorf("replaying %s: violations %v, trace %s; the report said %v, trace %s",
			f.PlanFile, r.Violations, r.TraceSHA256(), f.Result.Violations, f.Result.TraceSHA256())
	}
}

// replayRapidSeed searches again from the printed rapid seed, in a fresh
// directory (no saved plans, no fail files), as -rapid.seed=N does, and
// requires the same shrunk plan and trace.
func replayRapidSeed(t *testing.T, sc *sim.Scenario, f *harness.Failure) {
	t.Helper()
	seedArg := fmt.Sprintf("-rapid.seed=%d", f.RapidSeed)
	if f.RapidSeed == 0 || !strings.Contains(f.Commands()[0], seedArg) {
		t.Fatalf("first command %q does not give rapid's seed", f.Commands()[0])
	}
	t.Chdir(t.TempDir())
	g, err := harness.Find(t, sc, harness.Checks(1), harness.SearchSeed(f.RapidSeed), harness.Exhaustive(false))
	if err != nil || g == nil {
		t.Fatalf("%s: found %v, err %v; want the failure again", seedArg, g, err)
	}
	if g.Plan.String() != f.Plan.String() || g.Seed != f.Seed || g.Result.TraceSHA256() != f.Result.TraceSHA256() {
		t.Errorf("%s gave seed %d plan\n%s(trace %s); first run gave seed %d plan\n%s(trace %s)",
			seedArg, g.Seed, g.Plan, g.Result.TraceSHA256(), f.Seed, f.Plan, f.Result.TraceSHA256())
	}
}

// replaySmallScope runs the same Check again in a fresh directory: the
// small-scope phase runs the same plans in the same order, so it must
// find the same plan at the same index.
func replaySmallScope(t *testing.T, sc *sim.Scenario, f *harness.Failure) {
	t.Helper()
	t.Chdir(t.TempDir())
	g, err := harness.Find(t, sc, harness.Checks(1000), harness.SearchSeed(1))
	if err != nil || g == nil {
		t.Fatalf("found %v, err %v; want the failure again", g, err)
	}
	if g.Index != f.Index || g.Plan.String() != f.Plan.String() || g.Result.TraceSHA256() != f.Result.TraceSHA256() {
		t.Errorf("again: plan index %d, plan\n%s(trace %s); first run: index %d, plan\n%s(trace %s)",
			g.Index, g.Plan, g.Result.TraceSHA256(), f.Index, f.Plan, f.Result.TraceSHA256())
	}
}
