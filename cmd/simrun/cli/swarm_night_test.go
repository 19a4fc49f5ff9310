package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// TestNightsDisjoint: consecutive nights (CI run numbers) own adjacent,
// disjoint seed ranges, and the swarm's -night flag starts there, with
// every shard inside the night's range.
func TestNightsDisjoint(t *testing.T) {
	for _, n := range []uint64{1, 2, 41, 42, 1 << 20} {
		a, err := nightStart(n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := nightStart(n + 1)
		if err != nil {
			t.Fatal(err)
		}
		if b != a+NightSeeds {
			t.Fatalf("night %d starts at %d, night %d at %d: want adjacent ranges of %d seeds", n, a, n+1, b, NightSeeds)
		}
	}
	if _, err := nightStart(0); err == nil {
		t.Fatal("night 0 accepted")
	}
	sc := &sim.Scenario{Name: "x", Setup: func(*sim.World) sim.Case { return sim.Case{} }}
	o := map[uint64]swarmOpts{}
	for _, n := range []uint64{7, 8} {
		stderr := &bytes.Buffer{}
		app := newApp(Config{Scenarios: []*sim.Scenario{sc}}, &bytes.Buffer{}, stderr)
		opts := swarmOpts{seeds: defaultSwarmSeeds}
		given := map[string]bool{"night": true, "duration": true}
		if err := applyNight(&opts, n, given); err != nil {
			t.Fatal(err)
		}
		o[n] = opts
		if _, err := app.swarm([]string{"-night", "8", "-start", "3"}); err == nil || !strings.Contains(err.Error(), "not both") {
			t.Fatalf("-night with -start: err %v", err)
		}
	}
	end7 := uint64(o[7].start) + o[7].seeds - 1
	if o[7].seeds != NightSeeds || end7 >= uint64(o[8].start) {
		t.Fatalf("night 7 runs seeds %d..%d, night 8 starts at %d: the ranges overlap", o[7].start, end7, o[8].start)
	}
}

// TestNightStopsAtItsRange: a time-boxed night still stops feeding seeds
// at the end of its range.
func TestNightStopsAtItsRange(t *testing.T) {
	sc := &sim.Scenario{Name: "x"}
	o := swarmOpts{scenarios: []*sim.Scenario{sc}, start: 11, seeds: 3, duration: time.Hour}
	units := make(chan unit)
	go feed(o, units, nil)
	var seeds []sim.Seed
	for u := range units {
		seeds = append(seeds, u.seed)
	}
	if !slices.Equal(seeds, []sim.Seed{11, 12, 13}) {
		t.Fatalf("fed seeds %v, want 11..13", seeds)
	}
}
