package scenarios_test

import (
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestAsyncCompletionBugsCaught runs each planted bug of async-completion
// until it breaks its property (fault-free seeds 1..20, then swarm seeds
// 1..1000).
func TestAsyncCompletionBugsCaught(t *testing.T) {
	found := 0
	for _, sc := range scenarios.Bugs() {
		if strings.HasPrefix(sc.Name, "async-completion/") {
			found++
			t.Run(sc.Name, func(t *testing.T) { requireCaught(t, sc, 1000) })
		}
	}
	if found != 3 {
		t.Fatalf("%d planted bugs of async-completion, want 3", found)
	}
}

// TestAsyncCompletionWebhooks runs the correct scenario on swarm seeds
// 1..200, twice each: no property breaks, the same seed gives the same
// trace, and the runs hold every kind of webhook the scenario is about:
// accepted by token and by id, repeated (answered NotFound), and late
// (after its attempt timed out: NotFound).
func TestAsyncCompletionWebhooks(t *testing.T) {
	sc, err := scenarios.Lookup("async-completion")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for s := 1; s <= 200; s++ {
		seed := sim.Seed(s)
		cfg, plan := sc.Profile.SwarmPlan(seed)
		a := runPlan(t, sc, s, plan, &sim.Options{Config: &cfg})
		b := runPlan(t, sc, s, plan, &sim.Options{Config: &cfg})
		if a.Failed() {
			t.Errorf("seed %d: %v\nplan:\n%s", s, a.Violations, plan)
		}
		if i := sim.FirstDifference(a.Events, b.Events); i >= 0 {
			t.Fatalf("seed %d: traces differ at event %d", s, i)
		}
		for _, cb := range a.World.Get("processor").(*scenarios.CardProcessor).Callbacks() {
			switch {
			case cb.Accepted && cb.ByID:
				kinds["accepted by id"]++
			case cb.Accepted:
				kinds["accepted by token"]++
			case cb.Repeat && cb.Answer == "not-found":
				kinds["repeat not found"]++
			case cb.Answer == "not-found":
				kinds["late not found"]++
			default:
				kinds["other: "+cb.Answer]++
			}
		}
	}
	t.Logf("webhooks over 200 seeds: %v", kinds)
	for _, k := range []string{"accepted by id", "accepted by token", "repeat not found", "late not found"} {
		if kinds[k] == 0 {
			t.Errorf("no webhook %s in 200 seeds", k)
		}
	}
	for k := range kinds {
		if strings.HasPrefix(k, "other") {
			t.Errorf("webhook answered %q", k)
		}
	}
}
