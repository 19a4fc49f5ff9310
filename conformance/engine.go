package conformance

import (
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// engineObservation is what an engine run showed: its activity records
// (the engine's server-side view), and from its trace the cancel
// requests, local activity attempts, child results and timer firings.
func engineObservation(r *sim.Result) *Observation {
	cancels := map[string]time.Duration{}
	var locals []ActivityObs
	children := map[string]string{}
	timers := 0
	lastLocal := map[string]int{} // workflow/type -> index in locals
	calls := map[string]int{}
	for _, e := range r.Events {
		at := time.Duration(e.T) * time.Millisecond
		switch e.Kind {
		case "act.cancel-request":
			if _, ok := cancels[e.ID]; !ok {
				cancels[e.ID] = at
			}
		case "la.end":
			// The test environment runs each retry of a local activity as a
			// new execution; a first attempt starts a new call.
			k := e.WF + "/" + e.Name
			i, ok := lastLocal[k]
			if !ok || e.Attempt <= 1 {
				calls[k]++
				locals = append(locals, ActivityObs{Workflow: e.WF, Type: e.Name, Call: calls[k], Local: true})
				i = len(locals) - 1
				lastLocal[k] = i
			}
			locals[i].Attempts = append(locals[i].Attempts, AttemptObs{N: e.Attempt, Result: e.Result})
		case "child.end":
			// The test environment hands its listener the child's error
			// as the parent sees it; the server records the child's own.
			children[e.WF] = strings.TrimPrefix(e.Result, "ChildWorkflowExecutionError>")
		case "timer.fire":
			timers++
		}
	}
	o := observe(r, r.Activities, cancels, locals, nil)
	o.Children = children
	o.TimersFired = timers
	return o
}
