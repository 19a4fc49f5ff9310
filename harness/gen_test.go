package harness

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/temporalsim/temporalsim/sim"
)

// validBase is the smallest valid fault of kind k: the kind's required
// target and duration filled in, nothing else.
func validBase(t *testing.T, k sim.Kind) sim.Fault {
	for _, f := range []sim.Fault{{}, {Target: "x"}, {Dur: time.Second}, {Target: "x", Dur: time.Second}} {
		f.ID, f.Kind = 1, k
		if f.Validate() == nil {
			return f
		}
	}
	t.Fatalf("no valid fault of kind %s with only target and dur set", k)
	return sim.Fault{}
}

// TestKindFieldsMatchEngine keeps the generator's field table in step
// with the engine's: for every kind, a field is drawn exactly when
// sim.Fault.Validate accepts it.
func TestKindFieldsMatchEngine(t *testing.T) {
	for _, k := range sim.Kinds() {
		fs, ok := kindFields[k]
		if !ok {
			t.Errorf("kind %s is missing from kindFields: the generator cannot draw it", k)
			continue
		}
		base := validBase(t, k)
		for _, c := range []struct {
			name string
			bit  fieldSet
			set  func(*sim.Fault)
		}{
			{"at", takesAt, func(f *sim.Fault) { f.At = time.Second }},
			{"call", takesCall, func(f *sim.Fault) { f.Call = 1 }},
			{"attempt", takesAttempt, func(f *sim.Fault) { f.Attempt = 1 }},
		} {
			f := base
			c.set(&f)
			if takes := f.Validate() == nil; takes != (fs&c.bit != 0) {
				t.Errorf("kind %s: engine takes %s: %v; generator draws it: %v", k, c.name, takes, fs&c.bit != 0)
			}
		}
	}
}

// allKinds is a profile under which every kind has something to target.
var allKinds = sim.Profile{
	Kinds:           sim.Kinds(),
	Activities:      []string{"A", "B"},
	LocalActivities: []string{"L"},
	Children:        []string{"Child"},
	Signals:         []sim.Message{{Name: "sig", Values: []string{"1", "2"}}},
	Updates:         []sim.Message{{Name: "upd"}},
	Queries:         []sim.Message{{Name: "q", Values: []string{"x"}}},
	Window:          time.Minute,
	MaxFaults:       6,
}

// TestGeneratedPlansFit draws configurations and plans and requires that
// every plan fits its profile, uses only the configuration's kinds and
// has the configuration's fault count (fewer, where a kind has nothing to
// target).
func TestGeneratedPlansFit(t *testing.T) {
	for _, pr := range []sim.Profile{allKinds, {Kinds: []sim.Kind{sim.ActivityError, sim.Signal}, Activities: []string{"A"}}} {
		rapid.Check(t, func(rt *rapid.T) {
			c := Swarm(pr).Draw(rt, "config")
			p := Plans(pr, c).Draw(rt, "plan")
			if len(c.Kinds) == 0 || c.Faults > profileDefaults(pr).MaxFaults {
				rt.Fatalf("config %v: want at least one kind and at most MaxFaults faults", c)
			}
			if err := pr.Check(p); err != nil {
				rt.Fatalf("plan does not fit the profile: %v\n%s", err, p)
			}
			// A kind with nothing to target (signals, in the second
			// profile) draws no fault.
			if n := len(p.Faults); n > c.Faults || (pr.Signals != nil && n != c.Faults) {
				rt.Fatalf("config %v gave %d faults", c, n)
			}
			for _, f := range p.Faults {
				if !slices.Contains(c.Kinds, f.Kind) {
					rt.Fatalf("fault %v: kind not on in config %v", f, c)
				}
			}
		})
	}
}

// TestGeneratorShrinksToNothing: rapid's smallest draw is the empty plan,
// so a failure that needs no fault shrinks to none.
func TestGeneratorShrinksToNothing(t *testing.T) {
	t.Chdir(t.TempDir()) // rapid writes a fail file
	var smallest sim.Plan
	var tb fakeTB
	rapid.Check(&tb, func(rt *rapid.T) {
		c := Swarm(allKinds).Draw(rt, "config")
		smallest = Plans(allKinds, c).Draw(rt, "plan")
		rt.Fatalf("always fails")
	})
	if !tb.failed || len(smallest.Faults) != 0 {
		t.Fatalf("failed %v; last plan %v, want the empty plan", tb.failed, smallest)
	}
}

// fakeTB is a rapid.TB that records failure instead of failing the test.
type fakeTB struct{ failed bool }

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Name() string          { return "fake" }
func (f *fakeTB) Logf(string, ...any)   {}
func (f *fakeTB) Log(...any)            {}
func (f *fakeTB) Errorf(string, ...any) { f.failed = true }
func (f *fakeTB) Error(...any)          { f.failed = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }
func (f *fakeTB) Fatal(...any)          { f.failed = true }
func (f *fakeTB) Fail()                 { f.failed = true }
func (f *fakeTB) FailNow()              { f.failed = true }
func (f *fakeTB) Failed() bool          { return f.failed }
func (f *fakeTB) Skipf(string, ...any)  {}
func (f *fakeTB) Skip(...any)           {}
func (f *fakeTB) SkipNow()              {}

// TestPlansFromAimBeforeEndingFaults: a child C whose failure ends the
// run before activity A (which runs inside it) starts is never failed in
// the same plan as a fault aimed at A, whichever is drawn first (the
// generator before aiming drew such a plan in its first test).
func TestPlansFromAimBeforeEndingFaults(t *testing.T) {
	pr := sim.Profile{Kinds: []sim.Kind{sim.ChildWorkflowFailure, sim.ActivityError},
		Activities: []string{"A"}, Children: []string{"C"}, MaxFaults: 4}
	b := &sim.Baseline{Elapsed: 3 * time.Second, Calls: []sim.Call{
		{Kind: sim.ChildWorkflowFailure, Type: "C", N: 1, Start: 0, End: 3 * time.Second},
		{Kind: sim.ActivityError, Type: "A", N: 1, Start: time.Second, End: 2 * time.Second},
	}}
	rapid.Check(t, func(rt *rapid.T) {
		c := Swarm(pr).Draw(rt, "config")
		p := PlansFrom(pr, c, b).Draw(rt, "plan")
		if err := pr.Check(p); err != nil {
			rt.Fatalf("plan does not fit the profile: %v\n%s", err, p)
		}
		child := slices.ContainsFunc(p.Faults, func(f sim.Fault) bool { return f.Kind == sim.ChildWorkflowFailure })
		act := slices.ContainsFunc(p.Faults, func(f sim.Fault) bool { return f.Kind == sim.ActivityError })
		if child && act {
			rt.Fatalf("plan fails child C and aims at A, which C's failure stops:\n%s", p)
		}
	})
}
