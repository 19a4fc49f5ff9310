package scenarios_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// partA lists the catalogue's scenarios this file's tests cover, with the
// property each of their planted bugs must violate (its Breaks).
// parallel-activities belongs to the catalogue's first scenario; its
// planted bug is part A's.
var partA = map[string]map[string]string{
	"activity-choice":     {"activity-choice/bug-retryable-unknown": "choice-dispatched", "activity-choice/bug-fallback-order": "choice-dispatched"},
	"cancellation":        {"cancellation/bug-cleanup-on-cancelled-context": "cleanup-after-cancel", "cancellation/bug-cancel-reported-as-failure": "fails-only-when-job-gives-up"},
	"continue-as-new":     {"continue-as-new/bug-total-dropped": "state-carried", "continue-as-new/bug-skips-failed-page": "state-carried"},
	"entity":              {"entity/bug-no-handler-wait": "balance-carried"},
	"concurrent-timers":   {"concurrent-timers/bug-not-rearmed": "timers-fire-on-schedule", "concurrent-timers/bug-lost-notification-fails": "outcome"},
	"child-workflow":      {"child-workflow/bug-ignores-child-failure": "child-failure-fails-parent"},
	"retry-policy":        {"retry-policy/bug-wrapped-error": "error-chain-kept", "retry-policy/bug-declined-retried": "attempts-follow-policy", "retry-policy/bug-gives-up-early": "attempts-follow-policy"},
	"parallel-activities": {"parallel-activities/bug-unsorted": "results-sorted-and-complete", "parallel-activities/bug-map-order": "nondeterminism", "parallel-activities/bug-wall-clock": "nondeterminism", "parallel-activities/bug-native-goroutine": "nondeterminism"},
}

// TestPartABugsCaught runs every part-A planted bug on the fault-free plan
// of seeds 1..20, then on the swarm plans of seeds 1..1000, and requires
// some run to violate the property meant to catch it (its Breaks) and the
// others it breaks (alsoBreaks). It logs the first catching run.
func TestPartABugsCaught(t *testing.T) {
	for _, sc := range scenarios.Bugs() {
		base, _, _ := strings.Cut(sc.Name, "/")
		if partA[base] == nil {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) { requireCaught(t, sc, 1000) })
	}
}

// TestPartAScenariosRegistered checks that every part-A pattern has its
// correct scenario and exactly the planted bugs listed in partA.
func TestPartAScenariosRegistered(t *testing.T) {
	for name, bugs := range partA {
		if _, err := scenarios.Lookup(name); err != nil {
			t.Error(err)
		}
		for bug := range bugs {
			sc, err := scenarios.Lookup(bug)
			if err != nil || sc.Bug == "" {
				t.Errorf("planted bug %s is not registered with a Bug description (%v)", bug, err)
			} else if sc.Breaks != bugs[bug] {
				t.Errorf("planted bug %s breaks %q, want %q", bug, sc.Breaks, bugs[bug])
			}
		}
		for _, sc := range scenarios.Bugs() {
			if strings.HasPrefix(sc.Name, name+"/bug-") && bugs[sc.Name] == "" {
				t.Errorf("%s is registered but has no expected property in partA", sc.Name)
			}
		}
	}
}

// TestPartASameSeedSameTrace runs each part-A scenario and planted bug
// twice per seed and requires identical traces, outputs and violations.
func TestPartASameSeedSameTrace(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	for _, sc := range scenarios.All() {
		base, _, _ := strings.Cut(sc.Name, "/")
		if partA[base] == nil || (base == "parallel-activities" && sc.Bug == "") {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			for s := 1; s <= seeds; s++ {
				a, b := runPartA(t, sc, s), runPartA(t, sc, s)
				if i := sim.FirstDifference(a.Events, b.Events); i >= 0 {
					t.Fatalf("seed %d: traces differ at event %d: %s vs %s", s, i, partAEventAt(a, i), partAEventAt(b, i))
				}
				if a.Output != b.Output || fmt.Sprint(a.Violations) != fmt.Sprint(b.Violations) {
					t.Fatalf("seed %d: outputs or violations differ:\n  %s %v\n  %s %v", s, a.Output, a.Violations, b.Output, b.Violations)
				}
			}
		})
	}
}

// runSeed runs sc on the swarm plan of seed s.
func runPartA(t *testing.T, sc *sim.Scenario, s int) *sim.Result {
	t.Helper()
	seed := sim.Seed(s)
	cfg, plan := sc.Profile.SwarmPlan(seed)
	r, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
	if err != nil {
		t.Fatalf("seed %d: %v", s, err)
	}
	return r
}

func partAEventAt(r *sim.Result, i int) string {
	if i < len(r.Events) {
		return r.Events[i].String()
	}
	return "(end of trace)"
}
