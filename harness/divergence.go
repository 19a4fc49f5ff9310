package harness

import "github.com/temporalsim/temporalsim/sim"

// divergenceAdvice says what differed between the two runs and where to
// look: at the engine when it alone decided the differing event, at the
// scenario's code otherwise (and at the engine if that code is clean).
func divergenceAdvice(d *Divergence) string {
	diff := sim.ExplainDifference(d.A, d.B)
	out := "  " + diff.What + "\n"
	if diff.Engine {
		return out + "  the engine decided this event by itself, so this is a temporalsim bug, not your code: report it with the plan and commands below\n"
	}
	return out + "  look in the scenario's code (workflow, activities, fakes) for reads of the wall clock, global math/rand, map order or goroutine order; if there are none, it is a temporalsim bug: report it with the plan and commands below\n"
}
