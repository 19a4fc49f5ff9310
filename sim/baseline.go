package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Baseline is what a fault-free run of a scenario did with one seed: how
// long it ran and which activities, local activities and child workflows
// it called, and when. Plans drawn from it aim their faults at calls that
// happen and at times when something runs, so that most planned faults
// fire (see docs/architecture.md, "Faults that land").
type Baseline struct {
	// Elapsed is the virtual time the fault-free workflow ran.
	Elapsed time.Duration
	// Calls lists the calls in the order they started.
	Calls []Call
}

// Call is one call a baseline run made.
type Call struct {
	// Kind is the fault kind family that can hit it: ActivityError for
	// an activity, LocalActivityError for a local activity,
	// ChildWorkflowFailure for a child workflow.
	Kind Kind
	Type string // the activity or child workflow type
	N    int    // the call number of Type, as a fault's call= names it
	// Start and End bound its first attempt (for a child, the whole
	// child run), as virtual offsets from the workflow's start.
	Start, End time.Duration
}

// String is the call's short form, for example "Charge#1 [1s,2.5s]".
func (c Call) String() string {
	return fmt.Sprintf("%s#%d [%s,%s]", c.Type, c.N, c.Start, c.End)
}

// RunBaseline runs sc with seed and no faults and returns what it did.
// The error is Run's: bad input, such as a scenario without Setup.
func RunBaseline(t *testing.T, sc *Scenario, seed Seed) (*Baseline, error) {
	r, err := Run(t, sc, seed, Plan{}, nil)
	if err != nil {
		return nil, err
	}
	return BaselineOf(r), nil
}

// BaselineOf reads a baseline out of a finished run's records and trace.
func BaselineOf(r *Result) *Baseline {
	b := &Baseline{Elapsed: r.Elapsed}
	for _, a := range r.Activities {
		if len(a.Attempts) == 0 {
			continue
		}
		at := a.Attempts[0]
		b.Calls = append(b.Calls, Call{Kind: ActivityError, Type: a.Type, N: a.Call, Start: at.Start, End: max(at.End, at.Start)})
	}
	b.Calls = append(b.Calls, spansOf(r.Events)...)
	slices.SortStableFunc(b.Calls, func(x, y Call) int {
		if x.Start != y.Start {
			return int(x.Start - y.Start)
		}
		if x.Type != y.Type {
			return strings.Compare(x.Type, y.Type)
		}
		return x.N - y.N
	})
	return b
}

// spansOf pairs local activity and child workflow starts with their ends
// in the trace. A local activity's call number is in its schedule event;
// children are numbered per type in schedule order, as the engine does.
func spansOf(events []Event) []Call {
	var out []Call
	open := map[string][]int{} // kind/wf/type -> indexes into out not yet ended
	childN := map[string]int{}
	for _, e := range events {
		t := time.Duration(e.T) * time.Millisecond
		switch e.Kind {
		case "la.schedule":
			n, _ := strconv.Atoi(strings.TrimPrefix(e.Detail, "call="))
			key := "la/" + e.WF + "/" + e.Name
			open[key] = append(open[key], len(out))
			out = append(out, Call{Kind: LocalActivityError, Type: e.Name, N: n, Start: t, End: t})
		case "la.end":
			closeSpan(out, open, "la/"+e.WF+"/"+e.Name, t)
		case "child.schedule":
			childN[e.Name]++
			key := "child/" + e.Name
			open[key] = append(open[key], len(out))
			out = append(out, Call{Kind: ChildWorkflowFailure, Type: e.Name, N: childN[e.Name], Start: t, End: t})
		case "child.end":
			closeSpan(out, open, "child/"+e.Name, t)
		}
	}
	return out
}

func closeSpan(out []Call, open map[string][]int, key string, t time.Duration) {
	if q := open[key]; len(q) > 0 {
		out[q[0]].End = t
		open[key] = q[1:]
	}
}

// callsFor lists the baseline's calls that a fault of kind k can hit
// under profile pr: calls of the kind's family to a target pr names.
func (b *Baseline) callsFor(pr Profile, k Kind) []Call {
	if b == nil {
		return nil
	}
	family := ActivityError
	switch {
	case k == LocalActivityError || k == ChildWorkflowFailure:
		family = k
	case !k.ActivityScoped():
		return nil
	}
	names := pr.targets(k)
	var out []Call
	for _, c := range b.Calls {
		if c.Kind == family && slices.Contains(names, c.Type) && c.Start <= pr.Window {
			out = append(out, c)
		}
	}
	return out
}

// busy lists the spans of the baseline's activity and local activity
// calls inside the window: where a timed fault lands while work runs.
func (b *Baseline) busy(window time.Duration) []Call {
	if b == nil {
		return nil
	}
	var out []Call
	for _, c := range b.Calls {
		if c.Kind != ChildWorkflowFailure && c.Start <= window {
			out = append(out, c)
		}
	}
	return out
}

// CallsFor lists the baseline's calls that a fault of kind k can hit
// under profile pr (the rapid generator draws from them).
func (b *Baseline) CallsFor(pr Profile, k Kind) []Call { return b.callsFor(pr.withDefaults(), k) }

// Busy lists the spans of the baseline's activity and local activity
// calls that start inside pr's fault window.
func (b *Baseline) Busy(pr Profile) []Call { return b.busy(pr.withDefaults().Window) }

// Horizon is how far into the run timed faults are drawn: the fault-free
// run's length, but no later than the fault window, and at least 1ms.
func (b *Baseline) Horizon(pr Profile) time.Duration {
	w := pr.withDefaults().Window
	if b == nil {
		return w
	}
	return max(min(b.Elapsed, w), time.Millisecond)
}
