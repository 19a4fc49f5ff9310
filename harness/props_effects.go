package harness

import (
	"errors"
	"fmt"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// AtMostOncePerKey holds when no idempotency key appears twice among the
// effects keys lists: for example the keys a fake payment gateway
// charged, read when the run has ended. effect names them in the message.
//
//	gw := &FakeGateway{}
//	return sim.Case{Workflow: Pay, Properties: []sim.Property{harness.AtMostOncePerKey("charge", gw.ChargedKeys)}}
func AtMostOncePerKey(effect string, keys func() []string) sim.Property {
	return Property("at-most-once-per-key:"+effect, func(*sim.Result) error {
		seen := map[string]int{}
		for _, k := range keys() {
			if seen[k]++; seen[k] == 2 {
				return fmt.Errorf("%s happened more than once for key %q", effect, k)
			}
		}
		return nil
	})
}

// EndedWithin holds when the workflow ended no later than d after the
// last event a fault caused (or d after the start, when no fault took
// effect): the workflow recovers from the faults within d.
//
//	harness.EndedWithin(10 * time.Minute)
func EndedWithin(d time.Duration) sim.Property {
	return Property("ended-within", func(r *sim.Result) error {
		end, ok := WorkflowEnd(r)
		if r.Outcome == sim.Stuck || !ok {
			return errors.New("the workflow never ended within the virtual-time budget" + stuckWhy(r))
		}
		var last time.Duration
		for _, e := range r.Events {
			if e.Fault != 0 && e.Kind != "plan.fault" {
				last = max(last, time.Duration(e.T)*time.Millisecond)
			}
		}
		if end > last+d {
			return fmt.Errorf("the workflow ended at %s, %s after the last fault's effect at %s; the bound is %s", end, end-last, last, d)
		}
		return nil
	})
}

// RejectedUpdateLeavesState holds when an update of that name that the
// workflow refused (its validator rejected it, or its handler returned an
// error) left the state that query returns unchanged. It compares the
// query's answers just before and just after the update, so the plan
// must send that query on both sides of it (a Query fault, as an Update
// fault sends the update) with no other event between that could change
// the state; where the trace has no such pair it has nothing to compare.
//
//	harness.RejectedUpdateLeavesState("addItem", "cart")
func RejectedUpdateLeavesState(update, query string) sim.Property {
	return Property("rejected-update-leaves-state:"+update, func(r *sim.Result) error {
		for i, e := range r.Events {
			if !refused(e, update) {
				continue
			}
			before, after, ok := bracket(r.Events, i, query)
			if ok && before.Detail != after.Detail {
				return fmt.Errorf("update %s (%s) was refused at %s (%s) but query %s went from %s to %s",
					update, e.ID, sim.FormatOffset(e.T), e.Result, query, before.Detail, after.Detail)
			}
		}
		return nil
	})
}

func refused(e sim.Event, update string) bool {
	return e.Name == update && (e.Kind == "update.rejected" || e.Kind == "update.completed" && e.Result != "ok")
}

// bracket finds the query answers nearest before and after event i with
// nothing between them that wakes the workflow other than update i's own
// events.
func bracket(es []sim.Event, i int, query string) (before, after sim.Event, ok bool) {
	id := es[i].ID
	lo, hi := -1, -1
	for k := i - 1; k >= 0 && lo < 0; k-- {
		switch {
		case es[k].Kind == "query" && es[k].Name == query && es[k].Result == "ok":
			lo = k
		case !quiet(es[k], id):
			return before, after, false
		}
	}
	for k := i + 1; k < len(es) && hi < 0; k++ {
		switch {
		case es[k].Kind == "query" && es[k].Name == query && es[k].Result == "ok":
			hi = k
		case !quiet(es[k], id):
			return before, after, false
		}
	}
	if lo < 0 || hi < 0 {
		return before, after, false
	}
	return es[lo], es[hi], true
}

// quiet reports whether e cannot change workflow state: another query,
// the refused update's own events (the fault that sent it, the handler's
// start and end) or a fault's plan line.
func quiet(e sim.Event, updateID string) bool {
	switch e.Kind {
	case "query", "plan.fault", "run.config":
		return true
	case "fault":
		return e.Name == string(sim.Query) || e.Name == string(sim.Update) && fmt.Sprintf("f%d", e.Fault) == updateID
	case "update.accepted", "update.rejected", "update.completed", "wf.update", "wf.update.done":
		return e.ID == updateID
	}
	return false
}
