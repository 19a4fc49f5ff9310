package sim_test

import (
	"runtime"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestEngine2AsyncCompletionRepeats: async completions are client calls
// from the scenario's own goroutines, racing the worker's; at GOMAXPROCS 8
// each seed of 1..30 must still give the same trace and histories twice,
// the same outcome as engine 1, and no violation.
func TestEngine2AsyncCompletionRepeats(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	sc, err := scenarios.Lookup("async-completion")
	if err != nil {
		t.Fatal(err)
	}
	repeats := 0
	for seed := sim.Seed(1); seed <= 30; seed++ {
		a, err := sim.RunOnServer(t, sc, seed, sim.Plan{}, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := sim.RunOnServer(t, sc, seed, sim.Plan{}, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a.TraceSHA256() != b.TraceSHA256() {
			t.Fatalf("seed %d: traces differ at event %d", seed, sim.FirstDifference(a.Events, b.Events))
		}
		if historySHA(t, a) != historySHA(t, b) {
			t.Fatalf("seed %d: histories differ", seed)
		}
		if a.Failed() {
			t.Errorf("seed %d: %v", seed, a.Violations)
		}
		ref, err := sim.Run(t, sc, seed, sim.Plan{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ref.Outcome != a.Outcome || ref.Elapsed.Round(1e9) != a.Elapsed.Round(1e9) {
			t.Errorf("seed %d: engine 1 %s after %s, engine 2 %s after %s", seed, ref.Outcome, ref.Elapsed, a.Outcome, a.Elapsed)
		}
		for _, cb := range a.World.Get("processor").(*scenarios.CardProcessor).Callbacks() {
			if cb.Repeat && cb.Answer == "not-found" {
				repeats++
			}
		}
	}
	if repeats == 0 {
		t.Error("no repeated webhook reached the server in 30 seeds")
	}
	t.Logf("%d repeated webhooks answered NotFound by the in-process server", repeats)
}
