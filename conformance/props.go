package conformance

import (
	"fmt"

	"github.com/temporalsim/temporalsim/sim"
)

// checkProperties runs the scenario's properties and its Case's (kept in
// the World by instrument) against a result, as the engine does, turning
// a panic into a violation.
func checkProperties(sc *sim.Scenario, r *sim.Result) []sim.Violation {
	props := append([]sim.Property(nil), sc.Properties...)
	if r.World != nil {
		if ps, ok := r.World.Get(casePropsKey{}).([]sim.Property); ok {
			props = append(props, ps...)
		}
	}
	var out []sim.Violation
	for _, p := range props {
		if err := safeCheck(p, r); err != nil {
			out = append(out, sim.Violation{Property: p.Name, Message: err.Error()})
		}
	}
	return out
}

func safeCheck(p sim.Property, r *sim.Result) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("property panicked: %v", x)
		}
	}()
	return p.Check(r)
}
