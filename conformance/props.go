package conformance

import (
	"fmt"
	"slices"
	"strings"

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

// ownResults is the view with every attempt's own result: the comparison
// marks an attempt that ended after its workflow closed "after-close:", as
// the server took no result from it, but the activity's code still ran to
// that result (a debit that completed after a cancellation did move the
// money), and the engine's properties see it the same way.
func ownResults(view *sim.Result) *sim.Result {
	r := *view
	r.Activities = slices.Clone(view.Activities)
	for i, a := range r.Activities {
		r.Activities[i].Attempts = slices.Clone(a.Attempts)
		for j, at := range r.Activities[i].Attempts {
			r.Activities[i].Attempts[j].Result = strings.TrimPrefix(at.Result, "after-close:")
		}
	}
	return &r
}
