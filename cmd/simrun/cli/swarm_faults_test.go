package cli

import (
	"slices"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// TestFaultTallies: planned and fired faults are counted overall and per
// scenario, and a scenario where fewer than half fired is named.
func TestFaultTallies(t *testing.T) {
	two := sim.Plan{Faults: []sim.Fault{{ID: 1}, {ID: 2}}}
	rep := &swarmReport{results: []seedResult{
		{scenario: "a", plan: two, fired: []int{1, 2}},
		{scenario: "b", plan: two, fired: []int{2}},
		{scenario: "b", plan: two},
	}}
	all, per := rep.tallies()
	if all.Planned != 6 || all.Fired != 3 || all.Ratio != 0.5 || per["a"].Ratio != 1 || per["b"].Fired != 1 || per["b"].Planned != 4 {
		t.Fatalf("overall %+v, a %+v, b %+v", all, *per["a"], *per["b"])
	}
	if low := lowFiring(per); !slices.Equal(low, []string{"b"}) {
		t.Fatalf("low %v, want [b]", low)
	}
}
