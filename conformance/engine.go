package conformance

import (
	"slices"
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
	closes := map[string]time.Duration{} // workflow id -> when it closed
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
		case "wf.end":
			closes[e.WF] = at
		}
	}
	o := observe(r, afterClose(r.Activities, closes), cancels, locals, nil)
	if o.Outcome == sim.Canceled {
		// A cancelled workflow's history records no error, only that it
		// was cancelled; the server's side sees a CanceledError whatever
		// the workflow function returned with it.
		o.ErrType = "CanceledError"
	}
	o.Children = children
	o.TimersFired = timers
	return o
}

// afterClose marks the attempts that ended after their workflow closed,
// as the server's side does: the server took no result from them.
func afterClose(recs []sim.ActivityRecord, closes map[string]time.Duration) []sim.ActivityRecord {
	out := slices.Clone(recs)
	for i, a := range out {
		end, ok := closes[a.Workflow]
		if !ok {
			continue
		}
		out[i].Attempts = slices.Clone(a.Attempts)
		for j, at := range out[i].Attempts {
			if at.End.Truncate(time.Millisecond) > end { // trace times are in milliseconds
				out[i].Attempts[j].Result = "after-close:" + at.Result
			}
		}
	}
	return out
}
