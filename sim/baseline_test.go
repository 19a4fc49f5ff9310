package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/internal/simtest"
)

// TestBaselineCalls: a fault-free fan-out of 3 activities is read back as
// three calls of Work, numbered 1..3, each attempt lasting its 1, 2 or 3
// virtual minutes.
func TestBaselineCalls(t *testing.T) {
	b, err := sim.RunBaseline(t, simtest.FanOut(3), 1)
	if err != nil {
		t.Fatal(err)
	}
	var ns []int
	var lens []time.Duration
	for _, c := range b.Calls {
		if c.Kind != sim.ActivityError || c.Type != "Work" {
			t.Fatalf("unexpected call %s", c)
		}
		ns, lens = append(ns, c.N), append(lens, c.End-c.Start)
	}
	slices.Sort(ns)
	slices.Sort(lens)
	if !slices.Equal(ns, []int{1, 2, 3}) || !slices.Equal(lens, []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute}) {
		t.Fatalf("calls %v: want Work#1..3 lasting 1m, 2m, 3m", b.Calls)
	}
	if b.Elapsed < 24*time.Hour {
		t.Fatalf("elapsed %s: the workflow sleeps a day after its activities", b.Elapsed)
	}
}

// TestAimedPlansLand: plans aimed by the baseline name calls that happen
// and fall inside the window, so far more of their faults fire than of
// blind plans; the same seed and baseline give the same plan.
func TestAimedPlansLand(t *testing.T) {
	sc := simtest.FanOut(3)
	var aimed, blind [2]int // planned, fired
	for s := sim.Seed(1); s <= 40; s++ {
		b, err := sim.RunBaseline(t, sc, s)
		if err != nil {
			t.Fatal(err)
		}
		_, p := sc.Profile.SwarmPlanFrom(s, b)
		if _, again := sc.Profile.SwarmPlanFrom(s, b); again.String() != p.String() {
			t.Fatalf("seed %d: two draws differ:\n%s\n%s", s, p, again)
		}
		for _, f := range p.Faults {
			if f.Kind.ActivityScoped() && f.Call > 3 {
				t.Fatalf("seed %d: %s names a call the baseline never made", s, f)
			}
		}
		_, bp := sc.Profile.SwarmPlan(s)
		for i, plan := range []sim.Plan{p, bp} {
			r, err := sim.Run(t, sc, s, plan, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := &aimed
			if i == 1 {
				n = &blind
			}
			n[0] += len(plan.Faults)
			n[1] += len(r.Fired)
		}
	}
	if aimed[1]*100 < aimed[0]*80 || aimed[1]*blind[0] <= blind[1]*aimed[0] {
		t.Fatalf("aimed plans: %d of %d faults fired; blind: %d of %d; want at least 80%% and more than blind", aimed[1], aimed[0], blind[1], blind[0])
	}
	t.Logf("aimed: %d of %d fired; blind: %d of %d", aimed[1], aimed[0], blind[1], blind[0])
}

// TestExhaustiveOrder: the small-scope list starts with single faults of
// one fault each, then runs every pair exactly once, in a spread order.
func TestExhaustiveOrder(t *testing.T) {
	b := &sim.Baseline{Elapsed: time.Minute, Calls: []sim.Call{
		{Kind: sim.ActivityError, Type: "Work", N: 1, Start: 0, End: 10 * time.Second},
		{Kind: sim.ActivityError, Type: "Work", N: 2, Start: 10 * time.Second, End: 30 * time.Second},
	}}
	x := simtest.FanOut(2).Profile.Exhaustive(b)
	n := len(x.Singles)
	if n < 10 || x.Pairs() != n*(n-1)/2 || x.Len() != n+x.Pairs() {
		t.Fatalf("%d singles, %d pairs, %d plans", n, x.Pairs(), x.Len())
	}
	seen := map[string]bool{}
	for i := range x.Len() {
		p := x.Plan(i)
		if want := 1 + min(i/n, 1); len(p.Faults) != want {
			t.Fatalf("plan %d has %d faults, want %d", i, len(p.Faults), want)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("plan %d: %v", i, err)
		}
		key := p.String()
		if len(p.Faults) == 2 {
			a, c := p.Faults[0], p.Faults[1]
			a.ID, c.ID = 0, 0
			if a == c {
				t.Fatalf("plan %d pairs a fault with itself", i)
			}
		}
		if seen[key] {
			t.Fatalf("plan %d repeats an earlier plan:\n%s", i, key)
		}
		seen[key] = true
	}
	if first := x.Plan(n); first.Faults[0].String() == x.Plan(n + 1).Faults[0].String() {
		t.Errorf("the first two pairs share their first fault: the order is not spread out")
	}
	if got := x.Coverage(n + 3); got != fmt.Sprintf("1-fault plans: %d of %d ran, 2-fault: 3 of %d", n, n, x.Pairs()) {
		t.Errorf("coverage %q", got)
	}
}

// TestIdleKinds: a kind the profile gives nothing to target is named.
func TestIdleKinds(t *testing.T) {
	pr := sim.Profile{Kinds: []sim.Kind{sim.Query, sim.WorkerCrash, sim.ActivityError}, Activities: []string{"A"}}
	got := pr.Idle()
	if len(got) != 1 || !strings.Contains(got[0], "kind query can never fire") || !strings.Contains(got[0], "Profile.Queries") {
		t.Fatalf("idle lines %q: want one about queries", got)
	}
}
