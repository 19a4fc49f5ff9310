package harness

import (
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// TestLowFiringWarning: a check in which fewer than half the planned
// faults fired says so in one line, with what to change; one in which
// half or more fired says nothing.
func TestLowFiringWarning(t *testing.T) {
	sc := &sim.Scenario{Name: "x"}
	st := &stats{outcomes: map[sim.Outcome]int{}}
	st.add(&sim.Result{Plan: sim.Plan{Faults: make([]sim.Fault, 5)}, Fired: []int{1, 2}})
	line := st.lowFiring(sc)
	if !strings.Contains(line, "only 2 of 5 planned faults fired") || !strings.Contains(line, "Window") || strings.Contains(line, "\n") {
		t.Fatalf("warning %q: want one line naming 2 of 5 and the profile's Window", line)
	}
	if got := st.firing(); got != "2 of 5 planned faults fired" {
		t.Fatalf("firing %q", got)
	}
	st.add(&sim.Result{Plan: sim.Plan{Faults: make([]sim.Fault, 1)}, Fired: []int{1}})
	if line := st.lowFiring(sc); line != "" {
		t.Fatalf("3 of 6 fired, yet warned: %q", line)
	}
}
