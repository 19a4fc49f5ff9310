package sim_test

// An external test package: scenarios imports sim.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/server"
)

// engine2Gaps are the correct catalogue scenarios engine 2 cannot run yet,
// with a piece of the error it must give for each. A gap that starts to
// run fails the test, so the list stays true.
var engine2Gaps = map[string]string{}

// engine2FalseAlarms are catalogue properties that fail on engine 2 for a
// reason in the property, not the workflow: each scenario's entry names
// the property and why. Only that property may fail, and it must still
// fail, so the list stays true.
var engine2FalseAlarms = map[string][2]string{}

// TestEngine2Catalogue runs every correct catalogue scenario's fault-free
// plan on engine 2, seeds 1 to 20: no property may fail, and each run must
// end as it does on engine 1, with as many trace events of each kind and
// result.
func TestEngine2Catalogue(t *testing.T) {
	for _, sc := range scenarios.Correct() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := sim.Seed(1); seed <= 20; seed++ {
				got, err := sim.RunOnServer(t, sc, seed, sim.Plan{}, sim.Options{})
				if want, gap := engine2Gaps[sc.Name]; gap {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("seed %d: engine 2 was expected to fail with %q, got %v", seed, want, err)
					}
					t.Logf("engine 2 cannot run %s yet: %v", sc.Name, err)
					return
				}
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				checkViolations(t, sc.Name, seed, got.Violations)
				ref, err := sim.Run(t, sc, seed, sim.Plan{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got.Outcome != ref.Outcome {
					t.Errorf("seed %d: engine 2 ended %s (%s), engine 1 %s (%s)", seed, got.Outcome, got.ErrType, ref.Outcome, ref.ErrType)
				}
				if a, b := kindCounts(got.Events), kindCounts(ref.Events); a != b {
					t.Errorf("seed %d: trace event kinds differ:\nengine 2 %s\nengine 1 %s", seed, a, b)
				}
			}
		})
	}
}

// checkViolations fails on every violation but the known false alarm of
// the scenario, and on a known false alarm that no longer happens.
func checkViolations(t *testing.T, name string, seed sim.Seed, vs []sim.Violation) {
	known, listed := engine2FalseAlarms[name]
	seen := false
	for _, v := range vs {
		if listed && v.Property == known[0] {
			seen = true
			continue
		}
		t.Errorf("seed %d: %s", seed, v)
	}
	switch {
	case listed && !seen:
		t.Errorf("seed %d: %s no longer fails on engine 2: remove it from engine2FalseAlarms", seed, known[0])
	case seen && seed == 1:
		t.Logf("known false alarm on engine 2: %s fails because %s", known[0], known[1])
	}
}

// TestEngine2CatchesLogicBugs: every planted logic bug (one that needs no
// fault) breaks its property on engine 2 in at least one of seeds 1 to 20.
func TestEngine2CatchesLogicBugs(t *testing.T) {
	for _, sc := range scenarios.Bugs() {
		if sc.Logic == "" {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			caught := 0
			for seed := sim.Seed(1); seed <= 20; seed++ {
				r, err := sim.RunOnServer(t, sc, seed, sim.Plan{}, sim.Options{})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				for _, v := range r.Violations {
					if v.Property == sc.Breaks {
						caught++
						break
					}
				}
			}
			if caught == 0 {
				t.Fatalf("no seed of 1-20 broke %s", sc.Breaks)
			}
			t.Logf("%s broken in %d of 20 seeds", sc.Breaks, caught)
		})
	}
}

// kindCounts counts a trace's events by kind and result.
func kindCounts(es []sim.Event) string {
	m := map[string]int{}
	for _, e := range es {
		m[e.Kind+"/"+e.Result]++
	}
	return fmt.Sprint(m) // fmt prints maps sorted by key
}

// TestEngine2Repeats runs each correct scenario twice per seed at
// GOMAXPROCS 8: the traces and histories must be the same bytes.
func TestEngine2Repeats(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	for _, sc := range scenarios.Correct() {
		if _, gap := engine2Gaps[sc.Name]; gap {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			for seed := sim.Seed(1); seed <= 3; seed++ {
				a, err := sim.RunOnServer(t, sc, seed, sim.Plan{}, sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				b, err := sim.RunOnServer(t, sc, seed, sim.Plan{}, sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if a.TraceSHA256() != b.TraceSHA256() {
					i := sim.FirstDifference(a.Events, b.Events)
					t.Fatalf("seed %d: traces differ at event %d", seed, i)
				}
				if ha, hb := historySHA(t, a), historySHA(t, b); ha != hb {
					t.Fatalf("seed %d: histories differ", seed)
				}
			}
		})
	}
}

// historySHA fingerprints every history of a run, in order.
func historySHA(t *testing.T, r *sim.Result) string {
	h := sha256.New()
	hs := sim.Histories(r)
	if len(hs) == 0 {
		t.Fatal("the run kept no history")
	}
	for _, rh := range hs {
		s, err := server.HistorySHA256(rh.Events)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(rh.WorkflowID + "/" + rh.RunID + "=" + s + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
