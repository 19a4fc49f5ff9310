package scenarios_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// partB lists the catalogue's scenarios this file's tests cover.
var partB = []string{"local-activity", "polling-frequent", "polling-infrequent", "saga", "encryption", "custom-metrics", "schedule"}

// TestPartBBugsCaught runs every planted-bug variant of the part-B
// scenarios on the fault-free plan of seeds 1..20, then on the swarm plans
// of seeds 1..1000, and requires some run to violate the property the bug
// names in Breaks, and each property alsoBreaks lists for it: a planted bug
// caught only by another property says nothing about the one meant to
// catch it.
func TestPartBBugsCaught(t *testing.T) {
	found := 0
	for _, sc := range scenarios.Bugs() {
		base, _, _ := strings.Cut(sc.Name, "/")
		if !slices.Contains(partB, base) {
			continue
		}
		found++
		t.Run(sc.Name, func(t *testing.T) { requireCaught(t, sc, 1000) })
	}
	if found == 0 {
		t.Fatal("no planted-bug variants of the part-B scenarios are registered")
	}
}

// TestPartBSameSeedSameTrace runs each part-B scenario, correct and
// planted-bug, twice per seed and requires identical traces, outputs and
// violations: their fakes, codec and interceptor must add no randomness
// of their own.
func TestPartBSameSeedSameTrace(t *testing.T) {
	seeds := 100
	if testing.Short() {
		seeds = 20
	}
	for _, sc := range scenarios.All() {
		base, _, _ := strings.Cut(sc.Name, "/")
		if !slices.Contains(partB, base) {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			for s := 1; s <= seeds; s++ {
				seed := sim.Seed(s)
				cfg, plan := sc.Profile.SwarmPlan(seed)
				a, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
				if errors.Is(err, sim.ErrEngineLacksKind) {
					continue // a deploy: engine 1 cannot run it (TestEngine1RefusesDeploy)
				}
				if err != nil {
					t.Fatal(err)
				}
				b, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
				if err != nil {
					t.Fatal(err)
				}
				if i := sim.FirstDifference(a.Events, b.Events); i >= 0 {
					t.Fatalf("seed %d: traces differ at event %d\nplan:\n%s", s, i, plan)
				}
				if a.Output != b.Output || fmt.Sprint(a.Violations) != fmt.Sprint(b.Violations) {
					t.Fatalf("seed %d: outputs or violations differ:\n  %s %v\n  %s %v", s, a.Output, a.Violations, b.Output, b.Violations)
				}
			}
		})
	}
}

// TestPartBScenariosRegistered checks that every part-B pattern has its
// correct scenario and at least one planted bug.
func TestPartBScenariosRegistered(t *testing.T) {
	for _, name := range partB {
		if _, err := scenarios.Lookup(name); err != nil {
			t.Error(err)
		}
		bugs := 0
		for _, sc := range scenarios.Bugs() {
			if strings.HasPrefix(sc.Name, name+"/bug-") {
				bugs++
			}
		}
		if bugs == 0 {
			t.Errorf("%s has no planted-bug variant", name)
		}
	}
}
