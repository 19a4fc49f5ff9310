package scenarios

import (
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

func oneFaultBugs(t *testing.T) []*sim.Scenario {
	var out []*sim.Scenario
	for _, sc := range Bugs() {
		if strings.HasPrefix(sc.Name, "payout/") {
			out = append(out, sc)
		}
	}
	if len(out) != 4 {
		t.Fatalf("%d payout bug variants, want 4 (onefault.go, payout_redebit.go)", len(out))
	}
	return out
}

// TestOneFaultBugsPassFaultFree: each one-fault bug needs its fault; the
// fault-free plan passes for every seed tried.
func TestOneFaultBugsPassFaultFree(t *testing.T) {
	for _, sc := range oneFaultBugs(t) {
		for s := range sim.Seed(200) {
			r, err := sim.Run(t, sc, s, sim.Plan{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Failed() {
				t.Fatalf("%s seed %d fails with no faults: %v", sc.Name, s, r.Violations)
			}
		}
	}
}

// TestOneFaultBugsFoundBySmallScope: a Check of the default budget finds
// each one-fault bug for 20 of 20 search seeds, in its small-scope
// phase, and the property it breaks is the variant's Breaks.
func TestOneFaultBugsFoundBySmallScope(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, sc := range oneFaultBugs(t) {
		var at []int
		for s := uint64(1); s <= 20; s++ {
			f, err := harness.Find(t, sc, harness.Checks(100), harness.SearchSeed(s), harness.PlanDir(""))
			switch {
			case err != nil:
				t.Fatalf("%s search seed %d: %v", sc.Name, s, err)
			case f == nil:
				t.Fatalf("%s search seed %d: not found in 100 plans: %s", sc.Name, s, sc.Bug)
			case f.Source != harness.SourceExhaustive:
				t.Fatalf("%s search seed %d: found by %s, want the small-scope phase", sc.Name, s, f.Source)
			case f.Result.Violations[0].Property != sc.Breaks:
				t.Fatalf("%s search seed %d: broke %s, want %s:\n%s", sc.Name, s, f.Result.Violations[0].Property, sc.Breaks, f.Report())
			case len(f.Plan.Faults) != 1:
				t.Errorf("%s search seed %d: shrunk to %d faults, want 1:\n%s", sc.Name, s, len(f.Plan.Faults), f.Report())
			}
			at = append(at, f.Index)
		}
		t.Logf("%s: found at small-scope plan index %v (search seeds 1..20), breaking %s", sc.Name, at, sc.Breaks)
	}
}
