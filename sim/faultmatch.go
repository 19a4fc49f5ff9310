package sim

import "time"

// faultMatcher picks the plan's faults that hit an activity attempt, a
// local activity attempt or a child workflow. Both engines use it, so the
// same plan hits the same calls on each; the engine supplies the call
// numbers and the virtual time elapsed since the run started.
type faultMatcher struct {
	w      *World
	window time.Duration // the scenario's fault window
}

// activity lists the plan's faults that hit attempt n of the call-th
// scheduling of activity type typ, starting elapsed into the run, and
// notes them fired.
func (m faultMatcher) activity(typ string, call, n int, elapsed time.Duration) []Fault {
	var out []Fault
	for _, f := range m.w.plan.Faults {
		if !f.Kind.ActivityScoped() || f.Kind == LocalActivityError || f.Kind == ChildWorkflowFailure {
			continue
		}
		if f.Target != typ || (f.Call != 0 && f.Call != call) || (f.Attempt != 0 && f.Attempt != n) || !m.inWindow(f, elapsed) {
			continue
		}
		out = append(out, f)
		m.w.fire(f.ID)
	}
	return out
}

// local picks the fault that hits attempt n of the call-th call of local
// activity typ in its workflow, if any, and notes it fired.
func (m faultMatcher) local(typ string, call, n int, elapsed time.Duration) (Fault, bool) {
	for _, f := range m.w.plan.Faults {
		if f.Kind == LocalActivityError && f.Target == typ && (f.Call == 0 || f.Call == call) &&
			(f.Attempt == 0 || f.Attempt == n) && m.inWindow(f, elapsed) {
			m.w.fire(f.ID)
			return f, true
		}
	}
	return Fault{}, false
}

// child picks the fault that fails the call-th child workflow of type
// typ, if any, and notes it fired.
func (m faultMatcher) child(typ string, call int, elapsed time.Duration) (Fault, bool) {
	for _, f := range m.w.plan.Faults {
		if f.Kind == ChildWorkflowFailure && f.Target == typ && (f.Call == 0 || f.Call == call) && m.inWindow(f, elapsed) {
			m.w.fire(f.ID)
			return f, true
		}
	}
	return Fault{}, false
}

// inWindow says whether an activity, local activity or child fault
// applies to something starting elapsed into the run: from the fault's At
// until the scenario's fault window closes. Faults end with the window, so
// a run can show that the workflow recovers (the liveness property), and a
// fault on every attempt cannot keep an activity with unlimited retries
// failing forever.
func (m faultMatcher) inWindow(f Fault, elapsed time.Duration) bool {
	return elapsed >= f.At && elapsed <= m.window
}
