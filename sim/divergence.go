package sim

import (
	"fmt"
	"strings"
)

// Difference says how two traces of the same scenario, seed and plan
// differ at their first differing event (see FirstDifference), and who is
// likely at fault.
type Difference struct {
	// What says what differed, in one line: which fields of the same
	// event, or which events.
	What string
	// Engine is true when the differing event is one the engine decides
	// alone, from virtual time and the plan, such as how an attempt ends
	// when the run is stopped: then the engine is at fault, not the
	// scenario's code.
	Engine bool
}

// ExplainDifference describes the first difference between two traces;
// a or b is nil where its trace ended.
func ExplainDifference(a, b *Event) Difference {
	switch {
	case a == nil && b == nil:
		return Difference{What: "the traces are equal"}
	case a == nil || b == nil:
		ended, other := "run 1", b
		if b == nil {
			ended, other = "run 2", a
		}
		return Difference{What: fmt.Sprintf("%s's trace ended where the other has %s", ended, other.Kind), Engine: engineDecided(other)}
	case a.Kind != b.Kind || a.ID != b.ID || a.WF != b.WF || a.Attempt != b.Attempt:
		return Difference{What: fmt.Sprintf("different events: %s vs %s", brief(a), brief(b)), Engine: engineDecided(a) || engineDecided(b)}
	}
	var fields []string
	add := func(name, x, y string) {
		if x != y {
			fields = append(fields, fmt.Sprintf("%s %q vs %q", name, x, y))
		}
	}
	add("time", FormatOffset(a.T), FormatOffset(b.T))
	add("name", a.Name, b.Name)
	add("result", a.Result, b.Result)
	add("fault", faultName(a.Fault), faultName(b.Fault))
	add("detail", a.Detail, b.Detail)
	return Difference{What: fmt.Sprintf("same %s, different %s", brief(a), strings.Join(fields, ", ")), Engine: engineDecided(a) || engineDecided(b)}
}

// engineDecided reports whether the engine alone decides e: the events
// of a stopped run, and the plan printed at the start.
func engineDecided(e *Event) bool {
	switch e.Kind {
	case "run.start", "run.config", "plan.fault", "run.stuck":
		return true
	}
	return e.Result == resultName(errRunOver)
}

func brief(e *Event) string {
	s := e.Kind
	if e.ID != "" {
		s += " of " + e.ID
	} else if e.Name != "" {
		s += " " + e.Name
	}
	if e.Attempt != 0 {
		s += fmt.Sprintf(" attempt %d", e.Attempt)
	}
	return s
}

func faultName(id int) string {
	if id == 0 {
		return ""
	}
	return "f" + itoa(id)
}
